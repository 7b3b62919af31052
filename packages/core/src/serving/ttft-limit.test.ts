/**
 * simulateServing's TTFT limit (require's pruning of the device listing): a run stops early only
 * when its full p90 TTFT is above the limit, and a run that does not stop is the run without it.
 */
import { describe, expect, it } from 'vitest';
import { simulateServing } from './serve.js';
import { normalized } from '../../test/scenario-support.js';

const base = { model: 'llama-3.1-8b', hardware: 'h100-sxm', gpus: 1, engine: 'vllm' };
const CASES: { name: string; scenario: Record<string, unknown> }[] = [
  {
    name: 'light load',
    scenario: { ...base, workload: { inputTokens: 1024, outputTokens: 256, requestRate: 2, requests: 300 } },
  },
  {
    name: 'overloaded (the queue grows)',
    scenario: { ...base, workload: { inputTokens: 1024, outputTokens: 256, requestRate: 80, requests: 600 } },
  },
  {
    name: 'overloaded, two replicas, prefill-first engine',
    scenario: {
      ...base,
      gpus: 2,
      parallelism: { dp: 2 },
      engine: 'sglang',
      workload: { inputTokens: 2048, outputTokens: 512, requestRate: 60, requests: 800 },
    },
  },
];

describe('simulateServing with a TTFT limit', () => {
  for (const { name, scenario } of CASES) {
    it(`stops only above the full p90 TTFT, else equals the full run: ${name}`, () => {
      const ns = normalized(scenario);
      const full = simulateServing(ns);
      if (!full.ok) throw new Error('the full run failed');
      const p90 = full.value.ttftSeconds.p90;
      let stops = 0;
      for (const k of [0.01, 0.2, 0.5, 0.9, 0.999, 1, 1.001, 1.5, 10]) {
        const limit = p90 * k;
        const r = simulateServing(ns, limit);
        if (r.ok) {
          expect(r.value).toEqual(full.value);
        } else {
          stops++;
          expect(r.diagnostics.map((d) => d.code)).toEqual(['serving.ttft-over-limit']);
          // Never a run that would meet the limit.
          expect(p90).toBeGreaterThan(limit);
        }
      }
      // Well below the p90 of a long enough run, the early stop does fire.
      if (name.startsWith('overloaded')) expect(stops).toBeGreaterThan(0);
    });
  }

  it('leaves a closed loop alone', () => {
    const ns = normalized({
      ...base,
      workload: { inputTokens: 1024, outputTokens: 256, concurrency: 64, requests: 300 },
    });
    const full = simulateServing(ns);
    const limited = simulateServing(ns, 1e-6);
    expect(limited).toEqual(full);
  });
});
