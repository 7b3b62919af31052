import { describe, expect, it } from 'vitest';
import { costPhase } from '../cost/roofline.js';
import { buildGraph } from '../graph/build.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import { costStepCached } from './phase-cache.js';
import { simulateStaticBatch } from './static-batch.js';
import { normalized } from '../../test/scenario-support.js';

const uncached = (ns: NormalizedScenario, step: Parameters<typeof buildGraph>[1]) =>
  costPhase(ns, buildGraph(ns, step));

const workload = { inputTokens: 1024, outputTokens: 64, batch: 16 };
const ds = { model: 'deepseek-v3', hardware: 'h200-sxm', gpus: 8, workload };

/** Scenarios that differ in one field each that the step graphs or their costs read. */
const SCENARIOS: Record<string, unknown>[] = [
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', workload },
  { model: 'llama-3.1-8b', hardware: 'h200-sxm', workload },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', workload: { ...workload, batch: 17 } },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', workload: { ...workload, inputTokens: 1000 } },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', precision: { weights: 'fp8' }, workload },
  {
    model: 'llama-3.1-8b',
    hardware: 'h100-sxm',
    precision: { weights: 'fp8', activations: 'bf16' },
    workload,
  },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', precision: { kvCache: 'fp8' }, workload },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', precision: { cacheLayerInput: true }, workload },
  { model: 'llama-3.1-8b', hardware: 'b200', precision: { weights: 'nvfp4' }, workload },
  { model: 'llama-3.1-8b', hardware: 'b200', precision: { weights: 'mxfp4' }, workload },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', engine: 'trtllm', workload },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', engine: 'ideal', workload },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', calibration: 'none', workload },
  { model: 'llama-3.1-8b', hardware: 'h100-sxm', efficiency: { gemmPeakFraction: 0.5 }, workload },
  { model: 'llama-3.1-70b', hardware: 'h100-sxm', gpus: 4, parallelism: { tp: 4 }, workload },
  { model: 'llama-3.1-70b', hardware: 'h100-sxm', gpus: 4, parallelism: { tp: 2, pp: 2 }, workload },
  {
    model: 'llama-3.1-70b',
    hardware: 'h100-sxm',
    gpus: 4,
    parallelism: { tp: 4 },
    topology: { scaleUpDomainSize: 8, scaleUpBandwidthBytesPerSecond: 1e11 },
    workload,
  },
  { model: 'llama-3.1-8b', hardware: 'l40s', gpus: 2, parallelism: { tp: 2 }, workload },
  { ...ds, parallelism: { tp: 8 }, precision: { weights: 'fp8' } },
  { ...ds, parallelism: { tp: 8 }, precision: { weights: 'fp8', fp8Scaling: 'tensor' } },
  { ...ds, parallelism: { tp: 8, ep: 8 }, precision: { weights: 'fp8' } },
  { ...ds, parallelism: { tp: 8, ep: 8, attentionDp: true }, precision: { weights: 'fp8' } },
  { ...ds, parallelism: { tp: 8, ep: 8, redundantExperts: 8 }, precision: { weights: 'fp8' } },
  { ...ds, parallelism: { tp: 8 }, precision: { weights: 'fp8' }, engine: 'sglang' },
  { model: 'gemma-3-27b', hardware: 'h100-sxm', engine: 'vllm', workload },
  { model: 'gemma-3-27b', hardware: 'h100-sxm', engine: 'trtllm', workload },
];

describe('costStepCached', () => {
  it('gives what building and costing the step anew gives, whatever was costed before', () => {
    const all = SCENARIOS.map(normalized);
    const fresh = all.map((ns) => simulateStaticBatch(ns, uncached));
    // Every ordered pair: a lookup that missed a field would return the first one's phase.
    for (const a of all) {
      for (const [j, b] of all.entries()) {
        simulateStaticBatch(a);
        const cached = simulateStaticBatch(b);
        const want = fresh[j];
        expect(cached.ttftSeconds).toBe(want?.ttftSeconds);
        expect(cached.decodeSeconds).toBe(want?.decodeSeconds);
        expect(cached.decodeOperatorSeconds).toEqual(want?.decodeOperatorSeconds);
        expect(cached.prefill).toEqual(want?.prefill);
        expect(cached.decode).toEqual(want?.decode);
      }
    }
  });

  it('reuses a phase for an equal scenario normalized again', () => {
    const step = { phase: 'decode', sequences: 16, tokensPerSequence: 1 } as const;
    const a = costStepCached(normalized(SCENARIOS[0] ?? {}), step);
    const b = costStepCached(normalized(SCENARIOS[0] ?? {}), step);
    expect(b).toBe(a);
    expect(costStepCached(normalized(SCENARIOS[1] ?? {}), step)).not.toBe(a);
  });
});
