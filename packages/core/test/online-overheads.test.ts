/**
 * Online serving overheads: decode batches padded to captured CUDA-graph sizes, host time per
 * step that grows with the batch, and per-request costs outside the step loop. Each moves the
 * estimate the way its mechanism says.
 */
import { describe, expect, it } from 'vitest';
import {
  ENGINE_PROFILES,
  paddedGraphBatch,
  sglangGraphSizes,
  vllmGraphSizes,
} from '../src/serving/engines.js';
import { StepCoster } from '../src/serving/step-cost.js';
import { decodeLoad, normalized, run } from './scenario-support.js';

const base = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  precision: { weights: 'fp8' },
  engine: 'vllm',
  workload: { inputTokens: 512, outputTokens: 128, requestRate: 2, requests: 100 },
};

describe('CUDA-graph capture sizes', () => {
  it("vLLM's and SGLang's lists follow their code (defaults.md §1a, §3a)", () => {
    const v = vllmGraphSizes(1024, 8192);
    expect(v.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(v[v.length - 1]).toBe(512);
    expect(v).toContain(272);
    expect(vllmGraphSizes(256, 8192).at(-1)).toBe(512);
    expect(vllmGraphSizes(64, 8192).at(-1)).toBe(128);
    const s = sglangGraphSizes(256);
    expect(s.slice(0, 6)).toEqual([1, 2, 4, 8, 12, 16]);
    expect(s.at(-1)).toBe(256);
    expect(sglangGraphSizes(160).at(-1)).toBe(160);
  });

  it('a batch pads up to the next captured size, and runs eagerly above the largest', () => {
    const sizes = vllmGraphSizes(1024, 8192);
    expect(paddedGraphBatch(sizes, 9)).toBe(16);
    expect(paddedGraphBatch(sizes, 16)).toBe(16);
    expect(paddedGraphBatch(sizes, 300)).toBe(304);
    expect(paddedGraphBatch(sizes, 513)).toBeUndefined();
    expect(paddedGraphBatch([], 9)).toBe(9);
  });

  it('9 decode sequences cost their GEMMs as 16 do: slower than without padding', () => {
    const ns = normalized({ ...base, model: 'llama-3.1-70b', gpus: 4, parallelism: { tp: 4 } });
    const padded = new StepCoster(ns);
    const unpadded = new StepCoster({ ...ns, engine: { ...ns.engine, cudaGraphBatchSizes: [] } });
    const l9 = decodeLoad(9, 1000);
    expect(padded.deviceSeconds(l9)).toBeGreaterThan(unpadded.deviceSeconds(l9));
    // At a captured size padding changes nothing.
    const l16 = decodeLoad(16, 1000);
    expect(padded.deviceSeconds(l16)).toBeCloseTo(unpadded.deviceSeconds(l16), 12);
  });

  it('above the largest captured size a decode step pays eager kernel launches', () => {
    const ns = normalized(base);
    const sizes = ns.engine.cudaGraphBatchSizes;
    const top = sizes[sizes.length - 1] ?? 0;
    const coster = new StepCoster(ns);
    const graphOnly = new StepCoster({ ...ns, engine: { ...ns.engine, cudaGraphBatchSizes: [top + 1] } });
    const l = decodeLoad(top + 1, 100);
    expect(coster.deviceSeconds(l)).toBeGreaterThan(graphOnly.deviceSeconds(l));
  });
});

describe('host time per step grows with the batch', () => {
  it('each sequence in a step adds the engine per-sequence host time', () => {
    const ns = normalized(base);
    const coster = new StepCoster(ns);
    const e = ns.efficiency;
    expect(e.stepOverheadPerSequenceSeconds).toBeGreaterThan(0);
    expect(coster.hostSeconds(decodeLoad(100, 0)) - coster.hostSeconds(decodeLoad(1, 0))).toBeCloseTo(
      99 * e.stepOverheadPerSequenceSeconds,
      12,
    );
  });

  it('raises TPOT more at a large batch than at a small one', () => {
    const at = (concurrency: number, perSeq: number) =>
      run({
        ...base,
        efficiency: { stepOverheadPerSequenceSeconds: perSeq },
        workload: { inputTokens: 512, outputTokens: 128, concurrency, requests: 4 * concurrency },
      }).tpotMs;
    const small = at(2, 20e-6) - at(2, 0);
    const large = at(128, 20e-6) - at(128, 0);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(10 * small);
  });
});

describe('per-request overhead', () => {
  it('adds to every online TTFT and leaves TPOT alone', () => {
    const at = (requestOverheadSeconds: number) => run({ ...base, efficiency: { requestOverheadSeconds } });
    const none = at(0);
    const some = at(0.05);
    expect(some.latency.ttft.p50 - none.latency.ttft.p50).toBeCloseTo(50, 6);
    expect(some.tpotMs).toBeCloseTo(none.tpotMs, 9);
  });

  it('is left out of offline max-throughput runs (no API server)', () => {
    const off = {
      ...base,
      workload: { inputTokens: 512, outputTokens: 128, maxThroughput: true, requests: 50 },
    };
    const a = run({ ...off, efficiency: { requestOverheadSeconds: 0 } });
    const b = run({ ...off, efficiency: { requestOverheadSeconds: 0.05 } });
    expect(b.ttftMs).toBe(a.ttftMs);
  });
});

describe('engine profiles', () => {
  it('cite or label every new overhead default', () => {
    for (const p of Object.values(ENGINE_PROFILES)) {
      if (p.id === 'ideal') {
        expect(p.requestOverheadSeconds).toBe(0);
        expect(p.stepOverheadPerSequenceSeconds).toBe(0);
        continue;
      }
      for (const key of ['cudaGraphBatchSizes', 'stepOverheadPerSequenceSeconds', 'requestOverheadSeconds'])
        expect(p.sources[key], `${p.id} ${key}`).toBeDefined();
    }
  });
});
