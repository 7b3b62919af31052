import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { runCaptured } from './main.js';
// Real benchmark-tool outputs: packages/core/test/fixtures/formats (README.md there gives their origin).
import { formats } from '../../core/test/formats-support.js';

const VLLM = formats('vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl');
const GENAI = formats('genai-perf/nim-llama3-8b-openai-chat-concurrency100.profile_export_genai_perf.json');
const MLPERF = formats('mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-server.mlperf_log_summary.txt');

const ridgelineImport = (args: string[], files: Record<string, string>) =>
  runCaptured(['import', ...args], memoryIo(files));

interface JsonOut {
  records: {
    tool: string;
    file: string;
    line?: number;
    scenario: { model?: string; workload: Record<string, number | boolean> };
    metrics: { tpotMs?: { mean?: number }; outputTokensPerSec?: number };
    notes: string[];
  }[];
  diagnostics: { severity: string; message: string; file?: string; line?: number; column?: number }[];
}

describe('ridgeline import', () => {
  it('prints a table of records from several files, warnings on stderr', async () => {
    const r = await ridgelineImport(['vllm.jsonl', 'genai.json', 'server.txt'], {
      '/data/vllm.jsonl': VLLM,
      '/data/genai.json': GENAI,
      '/data/server.txt': MLPERF,
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/source\s+tool\s+model\s+hardware\s+gpus\s+in\/out\s+load\s+TTFT ms\s+TPOT ms/);
    expect(r.out).toMatch(
      /vllm\.jsonl:1\s+vllm\s+llama-3\.1-8b\s+-\s+-\s+1,000\/100\s+1\.00 req\/s\s+45\.0\s+8\.56\s+8\.56/,
    );
    expect(r.out).toMatch(/vllm\.jsonl:6 .* max /);
    expect(r.out).toMatch(
      /genai\.json\s+genai-perf\s+meta\/llama3-8b-instruct .* conc 100\s+1,020\s+38\.6\s+-\s+3,229\s+1,806/,
    );
    expect(r.out).toMatch(
      /server\.txt\s+mlperf\s+llama-2-70b .* 101 req\/s\s+198\s+123\s+-\s+35,855\s+29,228\s+100/,
    );
    expect(r.out).toContain('14 record(s) from 3 file(s).');
    expect(r.err).toMatch(
      /^warning: genai\.json:120:21: 'input_config\.extra_inputs': mean output length 58\.4/m,
    );
  });

  it('prints JSON with records, notes and located diagnostics', async () => {
    const r = await ridgelineImport(['genai.json', '--json'], { '/data/genai.json': GENAI });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const body = JSON.parse(r.out) as JsonOut;
    expect(body.records).toHaveLength(1);
    const rec = body.records[0];
    expect(rec?.tool).toBe('genai-perf');
    expect(rec?.file).toBe('genai.json');
    expect(rec?.metrics.tpotMs?.mean).toBeCloseTo(38.613667, 5);
    expect(rec?.notes.some((n) => n.startsWith('TPOT from inter_token_latency'))).toBe(true);
    expect(body.diagnostics[0]).toMatchObject({
      severity: 'warning',
      file: 'genai.json',
      line: 120,
      column: 21,
    });
    expect(body.diagnostics[0]?.message).toMatch(/^'input_config\.extra_inputs': mean output length/);
  });

  it('exits 2 on a malformed file with file:line:col messages', async () => {
    const lines = VLLM.split('\n');
    lines[1] = (lines[1] ?? '').replace('"mean_ttft_ms": 56.90043863491155', '"mean_ttft_ms": "slow"');
    const r = await ridgelineImport(['bad.jsonl'], { '/data/bad.jsonl': lines.join('\n') });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error: bad\.jsonl:2:\d+: 'mean_ttft_ms': expected a number, got "slow"\n$/);
  });

  it('exits 2 with --json, the diagnostics as JSON', async () => {
    const r = await ridgelineImport(['cut.json', '--json'], { '/data/cut.json': GENAI.slice(0, 200) });
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out) as {
      error: { diagnostics: { message: string; line?: number; column?: number }[] };
    };
    expect(body.error.diagnostics[0]?.message).toMatch(/^JSON syntax: .*is the file truncated/);
    expect(body.error.diagnostics[0]?.line).toBeGreaterThan(1);
  });

  it('exits 2 when a file cannot be read, or on an unknown --format', async () => {
    const missing = await ridgelineImport(['missing.json'], {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read missing.json: no such file');
    const badFormat = await ridgelineImport(['vllm.jsonl', '--format', 'ollama'], {
      '/data/vllm.jsonl': VLLM,
    });
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toContain('--format must be one of reference-csv, vllm, sglang');
  });

  it('reads a file as the given --format', async () => {
    const r = await ridgelineImport(['run.log', '--format', 'mlperf', '--json'], { '/data/run.log': MLPERF });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as JsonOut;
    expect(body.records[0]?.tool).toBe('mlperf');
  });
});
