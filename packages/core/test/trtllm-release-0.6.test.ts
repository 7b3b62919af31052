/**
 * The trtllm@0.6.1 release profile (engine-releases.ts). Its generation attention reads a GQA cache
 * once per query head (EngineProfile.decodeKvReadsPerQueryHead): the decode attention of a GQA
 * model reads group-size times the cache; prefill and MHA models are unchanged. It has no FP8
 * attention kernels (EngineProfile.fp8Attention): an FP8 cache is read into 16-bit attention.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasurementCsv } from '../src/measurements/csv.js';
import { predictRow } from '../src/validate/predict.js';
import { breakdownOp, run } from './scenario-support.js';

function staticRun(model: string, tp: number, engine: string) {
  return run({
    model,
    hardware: 'h100-sxm',
    gpus: tp,
    parallelism: { tp },
    precision: { weights: 'fp8', activations: 'fp8', kvCache: 'fp8' },
    engine,
    calibration: 'none',
    workload: { batch: 64, inputTokens: 128, outputTokens: 2048 },
  });
}

describe('decode attention reading a GQA cache once per query head (trtllm@0.6.1)', () => {
  it('multiplies the decode attention of Llama-2-70B (64 query heads over 8 KV heads) and slows its decode', () => {
    const now = staticRun('llama-2-70b', 4, 'trtllm');
    const old = staticRun('llama-2-70b', 4, 'trtllm@0.6.1');
    const a = breakdownOp(now, 'decode', 'attention');
    const b = breakdownOp(old, 'decode', 'attention');
    // The cache is most of the decode attention (its launches and the query and output are not multiplied).
    expect(b.timeMs / a.timeMs).toBeGreaterThan(5);
    expect(b.timeMs / a.timeMs).toBeLessThanOrEqual(8);
    expect(old.tpotMs).toBeGreaterThan(now.tpotMs * 1.2);
    // Prefill (the context-phase kernel) and the KV capacity are unchanged.
    expect(old.ttftMs).toBeCloseTo(now.ttftMs, 9);
    expect(breakdownOp(old, 'prefill', 'attention').timeMs).toBeCloseTo(
      breakdownOp(now, 'prefill', 'attention').timeMs,
      9,
    );
  });

  it('leaves a multi-head-attention model (Llama-2-7B, a KV head per query head) unchanged', () => {
    const now = staticRun('llama-2-7b', 1, 'trtllm');
    const old = staticRun('llama-2-7b', 1, 'trtllm@0.6.1');
    expect(old.tpotMs).toBeCloseTo(now.tpotMs, 9);
  });

  it('the continuous-batching simulation slows too', () => {
    const s = {
      model: 'llama-2-70b',
      hardware: 'h100-sxm',
      gpus: 4,
      parallelism: { tp: 4 },
      precision: { weights: 'fp8', activations: 'fp8', kvCache: 'fp8' },
      calibration: 'none',
      workload: { concurrency: 16, requests: 32, inputTokens: 1024, outputTokens: 256 },
    };
    const now = run({ ...s, engine: 'trtllm' });
    const old = run({ ...s, engine: 'trtllm@0.6.1' });
    expect(old.tpotMs).toBeGreaterThan(now.tpotMs);
  });

  it('brings the v0.6.1 Llama-2-70B throughput rows of reference.csv closer to the measurement', () => {
    const parsed = parseMeasurementCsv(
      readFileSync(new URL('../data/measurements/reference.csv', import.meta.url), 'utf8'),
    );
    if (!parsed.ok) throw new Error('reference.csv does not parse');
    const rows = parsed.value.filter((r) => ['M0826', 'M0827', 'M0828', 'M0829'].includes(r.id));
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const p = predictRow(row);
      if (!('predicted' in p)) throw new Error(`${row.id} skipped`);
      const measured = row.value;
      // Before the release profile these were 1.30-2.13x the measurement.
      expect(Math.abs(p.predicted / measured - 1)).toBeLessThan(0.15);
    }
  });
});

describe('an FP8 cache read into 16-bit attention (trtllm@0.6.1, no FP8 attention kernels)', () => {
  const firstToken = (hardware: string, weights: string, engine: string) =>
    run({
      model: 'llama-2-7b',
      hardware,
      precision: { weights, activations: weights, kvCache: weights },
      engine,
      calibration: 'none',
      workload: { batch: 1, inputTokens: 2048, outputTokens: 1 },
    });

  it('runs the prefill attention of an FP8 deployment at the 16-bit rate, so the first token comes later', () => {
    const now = firstToken('h100-sxm', 'fp8', 'trtllm');
    const old = firstToken('h100-sxm', 'fp8', 'trtllm@0.6.1');
    const ratio =
      breakdownOp(old, 'prefill', 'attention').timeMs / breakdownOp(now, 'prefill', 'attention').timeMs;
    // H100 SXM: 1979 dense FP8 against 989 dense 16-bit TFLOP/s (the compute-bound part doubles).
    expect(ratio).toBeGreaterThan(1.5);
    expect(ratio).toBeLessThanOrEqual(2.01);
    expect(old.ttftMs).toBeGreaterThan(now.ttftMs);
    expect(breakdownOp(old, 'prefill', 'gate_up_proj').timeMs).toBeCloseTo(
      breakdownOp(now, 'prefill', 'gate_up_proj').timeMs,
      9,
    );
  });

  it('leaves a 16-bit deployment unchanged', () => {
    const now = firstToken('a100-sxm-80gb', 'fp16', 'trtllm');
    const old = firstToken('a100-sxm-80gb', 'fp16', 'trtllm@0.6.1');
    expect(old.ttftMs).toBeCloseTo(now.ttftMs, 9);
  });
});
