import { describe, expect, it } from 'vitest';
import { formats, records } from '../../test/formats-support.js';
import { lengthMean } from '../scenario/lengths.js';
import { importMeasurements } from './index.js';
import type { MeasurementDiagnostic } from './types.js';

const VLLM_2024 = 'vllm/benchmark_serving-2024-09-save-result-with-per-request-arrays-llama3-8b-h100.json';
const VLLM_2025 = 'vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl';
const SGLANG_OFFLINE = 'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-offline.jsonl';
const SGLANG_ONLINE = 'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-online.jsonl';

function failure(name: string, text: string): MeasurementDiagnostic[] {
  const r = importMeasurements(name, text);
  expect(r.ok).toBe(false);
  return r.diagnostics as MeasurementDiagnostic[];
}

describe('vLLM benchmark_serving JSON', () => {
  it('reads the 2024 --save-result file: stats keys, inf rate, per-request arrays', () => {
    const [rec, ...rest] = records('run.json', formats(VLLM_2024));
    expect(rest).toHaveLength(0);
    expect(rec?.tool).toBe('vllm');
    expect(rec?.line).toBeUndefined();
    const { inputLengths, outputLengths, ...workload } = rec?.scenario.workload ?? {};
    expect({ ...rec?.scenario, workload }).toEqual({
      model: 'meta-llama/Meta-Llama-3-8B-Instruct',
      engine: 'vllm',
      // 1369/10 and 1867/10 tokens; request_rate "inf" and no max_concurrency.
      workload: { inputTokens: 137, outputTokens: 187, requests: 10, maxThroughput: true },
    });
    // input_lens and output_lens: ten distinct lengths each, one bin of weight 1 per request.
    expect(inputLengths).toEqual({
      kind: 'histogram',
      bins: [4, 10, 13, 25, 27, 29, 205, 328, 329, 399].map((tokens) => ({ tokens, weight: 1 })),
    });
    expect(outputLengths).toEqual({
      kind: 'histogram',
      bins: [3, 6, 9, 31, 101, 120, 194, 233, 429, 741].map((tokens) => ({ tokens, weight: 1 })),
    });
    // Its mean is the file's mean lengths: total_input_tokens/completed, total_output_tokens/completed.
    expect(inputLengths === undefined ? 0 : lengthMean(inputLengths)).toBeCloseTo(1369 / 10, 12);
    expect(outputLengths === undefined ? 0 : lengthMean(outputLengths)).toBeCloseTo(1867 / 10, 12);
    expect(rec?.notes).toContain(
      'prompt lengths: an empirical histogram of the 10 lengths (10 distinct, 4–399) (input_lens of the completed requests)',
    );
    const m = rec?.metrics;
    expect(m?.ttftMs?.mean).toBeCloseTo(62.426355, 5);
    expect(m?.ttftMs?.p50).toBeCloseTo(62.194732, 5);
    expect(m?.ttftMs?.p99).toBeCloseTo(63.362654, 5);
    // p90 is not in the file: numpy percentile of the ttfts array (s → ms).
    expect(m?.ttftMs?.p90).toBeCloseTo(63.12134, 5);
    expect(m?.tpotMs?.mean).toBeCloseTo(11.105466, 5);
    expect(m?.itlMs?.mean).toBeCloseTo(72.398873, 5);
    expect(m?.itlMs?.p90).toBeCloseTo(74.001644, 5);
    // The 2024 key set writes e2e as *_latency_ms.
    expect(m?.e2eLatencyMs?.mean).toBeCloseTo(1431.776522, 5);
    expect(m?.e2eLatencyMs?.p90).toBeCloseTo(3393.966678, 4);
    expect(m?.outputTokensPerSec).toBeCloseTo(347.891915, 5);
    // No total_token_throughput in this key set: input_throughput + output_throughput.
    expect(m?.totalTokensPerSec).toBeCloseTo(255.095893 + 347.891915, 4);
    expect(m?.requestsPerSec).toBeCloseTo(1.863374, 5);
    expect(rec?.notes.join('\n')).toMatch(/ITL 72\.4 ms ≫ mean TPOT 11\.1 ms/);
    expect(rec?.notes.join('\n')).toMatch(/TPOT from \*_tpot_ms.*first token excluded/);
  });

  it('reads the 2025 results file: 12 JSON lines, "request_goodput:" key, framework metadata', () => {
    const recs = records('results.jsonl', formats(VLLM_2025));
    expect(recs).toHaveLength(12);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const first = recs[0];
    expect(first?.scenario).toEqual({
      model: 'llama-3.1-8b',
      engine: 'vllm',
      workload: { inputTokens: 1000, outputTokens: 100, requestRate: 1, requests: 120 },
    });
    expect(first?.metrics).toEqual({
      ttftMs: { mean: 45.037437366166465, p50: 44.61679351516068, p99: 54.841249948367484 },
      tpotMs: { mean: 8.564716330980287, p50: 8.699537227823955, p99: 9.51424011069284 },
      itlMs: { mean: 8.564720096506386, p50: 8.484798483550549, p99: 11.664469018578353 },
      outputTokensPerSec: 120.81006055190667,
      totalTokensPerSec: 1328.9106660709733,
      requestsPerSec: 1.2081006055190666,
    });
    // Line 6: request_rate "inf", 1015 of 2000 prompts completed.
    const inf = recs[5];
    expect(inf?.scenario.workload).toEqual({
      inputTokens: 1000,
      outputTokens: 100,
      requests: 1015,
      maxThroughput: true,
    });
    expect(inf?.notes).toContain('1015 of 2000 prompts completed');
    // Lines 7-12 ran against SGLang (--metadata framework=sgl).
    expect(recs.slice(6).every((r) => r.scenario.engine === 'sglang')).toBe(true);
    expect(recs[6]?.metrics.ttftMs?.mean).toBeCloseTo(64.875195, 5);
  });

  it('accepts numbers written as text, with thousands separators', () => {
    const text = JSON.stringify({
      model_id: 'm',
      completed: 10,
      mean_ttft_ms: '1,019.69',
      output_throughput: '2,500',
    });
    const [rec] = records('x.json', text);
    expect(rec?.metrics.ttftMs).toEqual({ mean: 1019.69 });
    expect(rec?.metrics.outputTokensPerSec).toBe(2500);
  });

  it('derives every statistic from the arrays the new CLI writes (latencies included)', () => {
    const text = JSON.stringify({
      model_id: 'meta-llama/Llama-3.1-8B-Instruct',
      completed: 3,
      failed: 1,
      duration: 2,
      total_input_tokens: 30,
      total_output_tokens: 12,
      input_lens: [10, 10, 10, 10],
      output_lens: [4, 4, 4, 0],
      ttfts: [0.1, 0.2, 0.3, 0],
      itls: [[0.01, 0.02, 0.03], [0.02, 0.02, 0.02], [0.03, 0.03, 0.03], []],
      latencies: [0.2, 0.3, 0.5, 0],
      errors: ['', '', '', 'timeout'],
    });
    const [rec] = records('new.json', text);
    const m = rec?.metrics;
    expect(m?.ttftMs?.mean).toBeCloseTo(200, 9);
    expect(m?.ttftMs?.p50).toBeCloseTo(200, 9);
    expect(m?.e2eLatencyMs?.mean).toBeCloseTo(1000 / 3, 9);
    // TPOT per request (latency − ttft)/(4 − 1): 33.3, 33.3, 66.7 ms.
    expect(m?.tpotMs?.mean).toBeCloseTo(((0.1 + 0.1 + 0.2) / 3 / 3) * 1000, 9);
    expect(m?.itlMs?.mean).toBeCloseTo(((0.06 + 0.06 + 0.09) / 9) * 1000, 9);
    expect(m?.requestsPerSec).toBe(1.5);
    expect(m?.totalTokensPerSec).toBe(21);
    expect(rec?.notes).toContain('1 request(s) failed; metrics cover the completed ones');
  });

  it('names file, line, column and field of a wrong type', () => {
    const text = '{"model_id": "m",\n "mean_ttft_ms": "fast",\n "output_throughput": [1]}';
    const ds = failure('bad.json', text);
    expect(ds.map((d) => d.message)).toEqual([
      `bad.json:2:18: 'mean_ttft_ms': expected a number, got "fast"`,
      `bad.json:3:23: 'output_throughput': expected a number, got a list`,
    ]);
    expect(ds[0]).toMatchObject({
      file: 'bad.json',
      line: 2,
      column: 18,
      field: 'mean_ttft_ms',
      severity: 'error',
    });
  });

  it('fails on truncated JSON with the position of the cut', () => {
    const text = formats(VLLM_2024);
    const cut = text.slice(0, text.indexOf('"mean_tpot_ms"') + 20);
    const [d, ...more] = failure('cut.json', cut);
    expect(more).toHaveLength(0);
    expect(d?.message).toMatch(/^cut\.json:1:\d+: JSON syntax: unexpected end of input.*truncated/);
  });

  it('names the JSON line of a broken line in a JSON Lines file', () => {
    const lines = formats(VLLM_2025).split('\n');
    lines[2] = (lines[2] ?? '').slice(0, 100);
    const ds = failure('r.jsonl', lines.join('\n'));
    expect(ds).toHaveLength(1);
    expect(ds[0]?.line).toBe(3);
    expect(ds[0]?.message).toBe('r.jsonl:3:96: JSON syntax: a string is not closed (is the file truncated?)');
  });

  it('drops a non-finite metric with a warning and never returns NaN', () => {
    const text = '{"model_id": "m", "mean_ttft_ms": NaN, "p99_ttft_ms": Infinity, "mean_tpot_ms": 5}';
    const r = importMeasurements('nan.json', text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value[0]?.metrics).toEqual({ tpotMs: { mean: 5 } });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "nan.json:1:35: 'mean_ttft_ms': is NaN, not a finite number; dropped",
      "nan.json:1:55: 'p99_ttft_ms': is Infinity, not a finite number; dropped",
    ]);
  });

  it('fails when an object holds no metric', () => {
    const ds = failure('empty.json', '{"model_id": "m", "num_prompts": 10}');
    expect(ds[0]?.message).toBe(
      'empty.json:1:1: no vllm metric found (no TTFT, TPOT, ITL, latency or throughput field)',
    );
  });

  it('refuses negative latencies and bad per-request arrays', () => {
    const ds = failure(
      'neg.json',
      '{"model_id": "m", "mean_ttft_ms": -3, "ttfts": [0.1, "x"], "output_lens": [1, 1]}',
    );
    expect(ds.map((d) => d.message)).toEqual([
      "neg.json:1:35: 'mean_ttft_ms': must not be negative, got -3",
      'neg.json:1:54: \'ttfts[1]\': expected a finite number ≥ 0, got "x"',
    ]);
  });
});

describe('SGLang bench_serving JSONL', () => {
  it('reads bare Infinity (invalid JSON) in the offline file, 7 runs', () => {
    const recs = records('offline.jsonl', formats(SGLANG_OFFLINE));
    expect(recs).toHaveLength(7);
    const first = recs[0];
    expect(first?.tool).toBe('sglang');
    expect(first?.line).toBe(1);
    expect(first?.scenario).toEqual({
      engine: 'sglang',
      // 1525074/3000 and 1544818/3000: random lengths with range ratio 0, not the 1024 requested.
      workload: {
        inputTokens: 508,
        outputTokens: 515,
        requests: 3000,
        maxThroughput: true,
        // random_input_len = random_output_len = 1024, random_range_ratio 0: [max(⌊0·L⌋, 1), L].
        inputLengths: { kind: 'uniform', min: 1, max: 1024 },
        outputLengths: { kind: 'uniform', min: 1, max: 1024 },
      },
    });
    expect(first?.metrics).toEqual({
      ttftMs: { p50: 91282.20983641222 },
      itlMs: { p50: 159.01175909675658 },
      e2eLatencyMs: { mean: 224918.79882259612, p50: 243517.67949794885 },
      outputTokensPerSec: 4520.698730654741,
      totalTokensPerSec: (1525074 + 1544818) / 341.72106836596504,
      requestsPerSec: 3000 / 341.72106836596504,
    });
    expect(first?.notes).toContain('the result line does not name the model (older bench_serving key set)');
    expect(recs[6]?.notes).toContain("dataset 'sharegpt'");
    // ShareGPT: the file records neither the lengths nor a range; they stay at the means.
    expect(recs[6]?.scenario.workload.inputLengths).toBeUndefined();
    expect(recs[6]?.notes.join('\n')).toMatch(/lengths fixed at the means: the file records no per-request/);
    // 4096/2048 with ratio 0; 256/512.
    expect(recs[2]?.scenario.workload.inputLengths).toEqual({ kind: 'uniform', min: 1, max: 4096 });
    expect(recs[2]?.scenario.workload.outputLengths).toEqual({ kind: 'uniform', min: 1, max: 2048 });
    expect(recs[5]?.scenario.workload.outputLengths).toEqual({ kind: 'uniform', min: 1, max: 512 });
  });

  it('reads the online file: finite request rates', () => {
    const recs = records('online.jsonl', formats(SGLANG_ONLINE));
    expect(recs.map((r) => r.scenario.workload.requestRate)).toEqual([1, 2, 4, 8, 16, 4, 8]);
    expect(recs.every((r) => r.scenario.workload.maxThroughput === undefined)).toBe(true);
    expect(recs[2]?.metrics.outputTokensPerSec).toBeCloseTo(2047.910828, 5);
    expect(recs[2]?.metrics.itlMs?.p50).toBeCloseTo(19.419891, 5);
  });

  it('takes the explicit format and reads a concurrency-bound infinite rate as a closed loop', () => {
    const text =
      '{"backend": "sglang", "request_rate": Infinity, "max_concurrency": 64, "completed": 10, "mean_tpot_ms": 20}';
    const r = importMeasurements('run.jsonl', text, { format: 'sglang' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value[0]?.scenario.workload).toEqual({ concurrency: 64, requests: 10 });
  });
});
