import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectMeasurementLayout, importMeasurements } from './index.js';
import type { MeasurementRecord } from './types.js';

const FORMATS = new URL('../../test/fixtures/formats/', import.meta.url);
const formats = (rel: string) => readFileSync(new URL(rel, FORMATS), 'utf8');
const REFERENCE = readFileSync(new URL('../../data/measurements/reference.csv', import.meta.url), 'utf8');

/** Every sample file under packages/core/test/fixtures/formats (README excepted). */
function sampleFiles(): string[] {
  return readdirSync(FORMATS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(new URL(`${d.name}/`, FORMATS)).map((f) => `${d.name}/${f}`))
    .sort();
}

/** Every number inside the records. */
function numbersOf(records: readonly MeasurementRecord[]): number[] {
  const out: number[] = [];
  const walk = (x: unknown) => {
    if (typeof x === 'number') out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'object' && x !== null) Object.values(x).forEach(walk);
  };
  walk(records.map((r) => ({ scenario: r.scenario, metrics: r.metrics })));
  return out;
}

describe('format detection', () => {
  it('recognizes every supported sample by content', () => {
    const layouts = Object.fromEntries(
      sampleFiles().map((f) => [f, detectMeasurementLayout('x', formats(f)) ?? null]),
    );
    expect(layouts).toEqual({
      'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export.FIRST-RECORD-ONLY.jsonl':
        'aiperf-records-jsonl',
      'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export_aiperf.csv': 'aiperf-csv',
      'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export_aiperf.json': 'aiperf-json',
      'genai-perf/nim-llama3-8b-openai-chat-concurrency1.perf_analyzer_profile_export.TRIMMED-5-requests.json':
        null,
      'genai-perf/nim-llama3-8b-openai-chat-concurrency1.profile_export_genai_perf.csv': 'genai-perf-csv',
      'genai-perf/nim-llama3-8b-openai-chat-concurrency1.profile_export_genai_perf.json': 'genai-perf-json',
      'genai-perf/nim-llama3-8b-openai-chat-concurrency10.profile_export_genai_perf.csv': 'genai-perf-csv',
      'genai-perf/nim-llama3-8b-openai-chat-concurrency10.profile_export_genai_perf.json': 'genai-perf-json',
      'genai-perf/nim-llama3-8b-openai-chat-concurrency100.profile_export_genai_perf.csv': 'genai-perf-csv',
      'genai-perf/nim-llama3-8b-openai-chat-concurrency100.profile_export_genai_perf.json': 'genai-perf-json',
      'llama-bench/build1275-3469684-rtx3090ti-llama7b-q4_0.FROM-README.csv': null,
      'llama-bench/build1275-3469684-rtx3090ti-llama7b-q4_0.FROM-README.json': null,
      'llama-bench/build1275-3469684-rtx3090ti-llama7b-q4_0.FROM-README.jsonl': null,
      'llama-bench/build1275-3469684-rtx3090ti-llama7b-q4_0.FROM-README.md': null,
      'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-offline.mlperf_log_summary.txt': 'mlperf-summary',
      'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-server.mlperf_log_detail.EXCERPT.txt': 'mlperf-detail',
      'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-server.mlperf_log_summary.txt': 'mlperf-summary',
      'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-offline.jsonl': 'sglang-jsonl',
      'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-online.jsonl': 'sglang-jsonl',
      'trtllm-bench/qwen2-vl-2b-pytorch-throughput-summary.FROM-DOCS.txt': 'trtllm-bench-summary',
      'trtllm-bench/v0.17.0-llama3.1-8b-fp8-throughput-summary.FROM-DOCS.txt': 'trtllm-bench-summary',
      'trtllm-bench/v0.21.0rc0-llama3.1-8b-pytorch-streaming-throughput-summary.FROM-NVIDIA-BLOG.txt':
        'trtllm-bench-summary',
      'vllm/benchmark_serving-2024-09-save-result-with-per-request-arrays-llama3-8b-h100.json': 'vllm-json',
      'vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl': 'vllm-json',
    });
    expect(detectMeasurementLayout('reference.csv', REFERENCE)).toBe('reference-csv');
  });

  it('refuses llama-bench output, saying why', () => {
    const r = importMeasurements(
      'b.json',
      formats('llama-bench/build1275-3469684-rtx3090ti-llama7b-q4_0.FROM-README.json'),
    );
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toMatch(/^b\.json: a llama\.cpp llama-bench result .* is not imported/);
  });

  it('fails clearly on an empty, unknown or mismatched file', () => {
    expect(importMeasurements('e.json', ' \n').diagnostics[0]?.message).toBe('e.json: the file is empty');
    const unknown = importMeasurements('notes.txt', 'hello world');
    expect(unknown.ok).toBe(false);
    expect(unknown.diagnostics[0]?.message).toMatch(
      /^notes\.txt: not a measurement file .* Supported: reference-csv, vllm/,
    );
    const json = importMeasurements('x.json', '{"hello": 1}');
    expect(json.diagnostics[0]?.code).toBe('measurements.unknown-format');
    const wrong = importMeasurements('x.txt', 'hello', { format: 'vllm' });
    expect(wrong.diagnostics[0]?.message).toBe('x.txt: does not read as vllm output: expected JSON');
    const list = importMeasurements('l.json', '[1, 2]');
    expect(list.diagnostics[0]?.message).toBe("l.json:1:2: '[0]': expected a result object, got 1");
  });
});

describe('byte-order marks and CRLF', () => {
  it('reads a JSON file that starts with a BOM and uses CRLF', () => {
    const text =
      '\uFEFF' +
      formats('vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl').replace(/\n/g, '\r\n');
    const r = importMeasurements('bom.jsonl', text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toHaveLength(12);
  });
});

describe('reference CSV', () => {
  it('imports the serving rows of reference.csv and counts the rest', () => {
    const r = importMeasurements('reference.csv', REFERENCE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // 332 output_tok_s + 16 output_tok_s_per_gpu + 16 ttft_ms rows.
    expect(r.value).toHaveLength(364);
    expect(r.diagnostics.every((d) => d.severity === 'info')).toBe(true);
    expect(r.diagnostics.map((d) => d.message)).toContain(
      "reference.csv:379: 'metric': 68 row(s) with metric 'achieved_tflops' are not serving measurements (TTFT, TPOT, latency, throughput): not imported ('ridgeline validate' reads them)",
    );
    const m1 = r.value[0];
    expect(m1).toMatchObject({
      tool: 'reference-csv',
      line: 2,
      scenario: {
        model: 'llama-3.1-8b',
        hardware: 'h200-sxm',
        gpus: 1,
        tp: 1,
        pp: 1,
        engine: 'trtllm',
        precision: { weights: 'fp8', kvCache: 'fp8' },
        workload: { inputTokens: 128, outputTokens: 128, maxThroughput: true },
      },
      metrics: { outputTokensPerSec: 29526.04 },
    });
    // A per-GPU row (TRT-LLM v0.6.1, Llama-2-70B on 4 GPUs): system = per GPU × 4.
    const perGpu = r.value.find((x) => x.notes[0]?.startsWith('reference row M0827:'));
    expect(perGpu?.metrics.outputTokensPerSec).toBe(1486 * 4);
    expect(perGpu?.scenario.workload).toEqual({ inputTokens: 128, outputTokens: 2048, batch: 480 });
  });

  it('names file, line and column of a bad value', () => {
    const lines = REFERENCE.split('\n');
    lines[2] = (lines[2] ?? '').replace(',output_tok_s,28836.77,', ',output_tok_s,28k,');
    const r = importMeasurements('ref.csv', lines.join('\n'));
    expect(r.ok).toBe(false);
    const d = r.diagnostics[0];
    expect(d?.message).toMatch(/^ref\.csv:3:\d+: 'value': value '28k' is not a finite number$/);
    expect(d).toMatchObject({ line: 3, field: 'value' });
  });
});

describe('robustness: cut or damaged real files never throw and never yield NaN', () => {
  const supported = sampleFiles().filter((f) => detectMeasurementLayout('x', formats(f)) !== undefined);

  it.each(supported)('%s', (file) => {
    const text = formats(file);
    const whole = importMeasurements(file, text);
    expect(whole.ok).toBe(true);
    if (whole.ok) expect(numbersOf(whole.value).every(Number.isFinite)).toBe(true);
    // Cut at 25 points, and overwrite one character at 25 others with characters that break things.
    const variants: string[] = [];
    for (let i = 1; i <= 25; i++) variants.push(text.slice(0, Math.floor((text.length * i) / 26)));
    const junk = ['"', ',', '{', 'x', '-', '\n', ':'];
    for (let i = 0; i < 25; i++) {
      const at = Math.floor((text.length * (i + 0.5)) / 25);
      variants.push(text.slice(0, at) + (junk[i % junk.length] ?? '') + text.slice(at + 1));
    }
    for (const v of variants) {
      const r = importMeasurements(file, v);
      if (r.ok) {
        expect(numbersOf(r.value).every(Number.isFinite)).toBe(true);
      } else {
        expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        expect(r.diagnostics.every((d) => d.message.startsWith(file))).toBe(true);
      }
    }
  });
});
