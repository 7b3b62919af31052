import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { run, runCaptured } from './main.js';

const REFERENCE = readFileSync(
  new URL('../../core/data/measurements/reference.csv', import.meta.url),
  'utf8',
);
const HEADER = REFERENCE.slice(0, REFERENCE.indexOf('\n'));

const validate = (args: string[], files: Record<string, string>) =>
  runCaptured(['validate', ...args], memoryIo(files));

interface JsonReport {
  file: string;
  totals: { rows: number; used: number; skipped: number; medianErrorPct: number };
  groups: {
    source: string;
    metric: string;
    used: number;
    skipped: number;
    skippedByReason: Record<string, number>;
  }[];
  rows: {
    id: string;
    source: string;
    metric: string;
    measured: number;
    predicted: number;
    errorPct: number;
  }[];
  skipped: { id: string; reason: string }[];
}

describe('ridgeline validate', () => {
  it('prints JSON with per-row records and exits 0', async () => {
    const r = await validate(['reference.csv', '--json'], { '/data/reference.csv': REFERENCE });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.file).toBe('reference.csv');
    expect(report.totals.rows).toBe(561);
    expect(report.totals.used).toBeGreaterThan(100);
    expect(report.rows.length).toBe(report.totals.used);
    expect(report.skipped.length).toBe(report.totals.skipped);
    const row = report.rows.find((x) => x.id === 'M1116');
    expect(row).toMatchObject({ metric: 'op_latency_ms', measured: 17.4643 });
    expect(row?.predicted).toBeGreaterThan(0);
    // Offline max-throughput rows run the continuous-batching simulation.
    expect(report.rows.find((x) => x.id === 'M0001')?.predicted).toBeGreaterThan(0);
    expect(report.groups.some((g) => g.metric === 'achieved_tflops' && g.used > 0)).toBe(true);
  });

  it('prints the per-source table, skip reasons and largest errors', async () => {
    const r = await validate(['reference.csv'], { '/data/reference.csv': REFERENCE });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Per source and metric');
    expect(r.out).toContain('deepseek-ai/DeepGEMM README.md');
    expect(r.out).toContain('Skipped rows, by reason');
    expect(r.out).toContain('training run whose setup is not stated');
    expect(r.out).toContain('Largest errors');
    expect(r.out).toMatch(/median \d+\.\d%, p90 \d+\.\d%/);
  });

  it('exits 2 on a malformed CSV, naming file and line', async () => {
    const bad = [HEADER, REFERENCE.split('\n')[1] ?? '', 'M9999,too,few,fields'].join('\n');
    const r = await validate(['bad.csv'], { '/data/bad.csv': bad });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('bad.csv:3');
    expect(r.err).toContain('expected 16 fields');
  });

  it('exits 2 with --json on a malformed CSV, the diagnostics as JSON', async () => {
    const r = await validate(['bad.csv', '--json'], { '/data/bad.csv': 'id,value\n' });
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out) as { error: { diagnostics: { message: string; line?: number }[] } };
    expect(body.error.diagnostics[0]?.message).toContain('header lacks');
    expect(body.error.diagnostics[0]?.line).toBe(1);
  });

  it('exits 2 when the file cannot be read', async () => {
    const r = await validate(['missing.csv'], {});
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing.csv');
  });
});

const SGLANG = readFileSync(new URL('../../../examples/sglang-bench.jsonl', import.meta.url), 'utf8');
const MLPERF = readFileSync(new URL('../../../examples/mlperf_log_summary.txt', import.meta.url), 'utf8');
const SGLANG_FLAGS = [
  '--hardware',
  'h200-sxm',
  '--engine',
  'sglang',
  '--model',
  'llama-3.1-70b',
  '--tp',
  '4',
];

describe('ridgeline validate on benchmark-tool outputs', () => {
  it('detects an SGLang bench_serving JSONL and predicts every run with the flags', async () => {
    const r = await validate(['sglang.jsonl', ...SGLANG_FLAGS, '--json'], { '/data/sglang.jsonl': SGLANG });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as JsonReport & { tool: string; runs: number };
    expect(report.tool).toBe('sglang');
    expect(report.runs).toBe(7);
    // Output throughput, median TTFT and mean end-to-end latency of each run.
    expect(report.totals).toMatchObject({ rows: 21, used: 21, skipped: 0 });
    expect(report.groups.map((g) => g.metric)).toEqual(['output_tok_s', 'ttft_ms (p50)', 'e2e_latency_ms']);
    const row = report.rows.find((x) => x.id === 'sglang.jsonl:1 output_tok_s');
    expect(row?.measured).toBeCloseTo(537.414, 2);
    // 1 req/s of 1024 output tokens is about 537 tok/s whatever the model's speed: within 25%.
    expect(row?.predicted).toBeGreaterThan(400);
    expect(row?.predicted).toBeLessThan(670);
    const m = row?.measured ?? 0;
    expect(row?.errorPct).toBeCloseTo((Math.abs((row?.predicted ?? 0) - m) / m) * 100, 9);
  });

  it('prints the per-metric table, and why runs are skipped when the file does not say the hardware', async () => {
    const r = await validate(['sglang.jsonl', '--worst', '3'], { '/data/sglang.jsonl': SGLANG });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Read as sglang output: 7 run(s)');
    expect(r.out).toContain('21 rows: 0 predicted, 21 skipped');
    expect(r.out).toContain('Skipped rows, by reason');
    expect(r.out).toContain('the file does not name the hardware: give --hardware');
  });

  it('a model the catalog lacks is skipped with the way to name one', async () => {
    const vllm = readFileSync(new URL('../../../examples/vllm-result.json', import.meta.url), 'utf8');
    const r = await validate(['vllm.json', '--hardware', 'h100-sxm'], { '/data/vllm.json': vllm });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /model '.*' not in catalog: give --model with a catalog id .*'ridgeline models' lists them/,
    );
  });

  it('skips runs of another engine than --engine, with the reason; reads an MLPerf summary', async () => {
    const r = await validate(['sglang.jsonl', '--hardware', 'h200-sxm', '--engine', 'vllm', '--json'], {
      '/data/sglang.jsonl': SGLANG,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.totals.used).toBe(0);
    expect(report.skipped[0]?.reason).toBe('measured with engine sglang, not vllm');
    const m = await validate(['summary.txt', '--hardware', 'h200-sxm'], { '/data/summary.txt': MLPERF });
    expect(m.code).toBe(0);
    expect(m.out).toContain('Read as mlperf output: 1 run(s)');
  });

  it('predicts the same numbers as calibrate --json (errorPctBefore) under --calibration none', async () => {
    const v = await validate(['sglang.jsonl', ...SGLANG_FLAGS, '--calibration', 'none', '--json'], {
      '/data/sglang.jsonl': SGLANG,
    });
    const f = memoryIo({ '/data/sglang.jsonl': SGLANG });
    await run(['calibrate', 'sglang.jsonl', ...SGLANG_FLAGS, '--json'], f);
    const cal = JSON.parse(f.out()) as { rows: { id: string; errorPctBefore: number }[] };
    const report = JSON.parse(v.out) as JsonReport;
    for (const c of cal.rows)
      expect(report.rows.find((x) => x.id === c.id)?.errorPct).toBeCloseTo(c.errorPctBefore, 9);
    expect(cal.rows.length).toBe(report.rows.length);
  });

  it('exits 2 on a malformed JSONL, naming file, line and column', async () => {
    const first = SGLANG.split('\n')[0] ?? '';
    const bad = `${first}\n${first.replace('"completed": 300', '"completed": "lots"')}\n`;
    const r = await validate(['bad.jsonl', '--hardware', 'h200-sxm'], { '/data/bad.jsonl': bad });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/bad\.jsonl:2:\d+: 'completed': expected a number/);
  });

  it('exits 2 on a truncated JSON file, and on unknown hardware', async () => {
    const cut = await validate(['cut.jsonl'], { '/data/cut.jsonl': '{"backend": "sglang", "completed": ' });
    expect(cut.code).toBe(2);
    expect(cut.err).toContain('cut.jsonl:1:');
    const hw = await validate(['sglang.jsonl', '--hardware', 'h900'], { '/data/sglang.jsonl': SGLANG });
    expect(hw.code).toBe(2);
    expect(hw.err).toContain('h900');
  });

  it('refuses the benchmark flags on a measurement CSV (it states them per row)', async () => {
    const r = await validate(['reference.csv', '--hardware', 'h100-sxm'], {
      '/data/reference.csv': REFERENCE,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--hardware applies to benchmark-tool outputs');
  });
});
