/**
 * Pins the serving simulator's outputs exactly (a snapshot of every per-request timestamp and
 * counter) over runs that exercise each of its paths: open and closed loop, preemption, the
 * reserve policy, speculative decoding, prefix caching, a sliding window, no chunked prefill
 * and disaggregation. A refactor of the simulator must leave these bit-identical.
 */
import { describe, expect, it } from 'vitest';
import { findModel, normalizeScenario, validateScenario } from '@ridgeline/core';
import type { ServingTiming } from '../src/serving/serve.js';
import { simulateServing } from '../src/serving/serve.js';

// The raw model: the pins are of the simulator, not of the shipped calibration profiles.
const base = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  calibration: 'none',
  precision: { weights: 'fp8', kvCache: 'fp8' },
  engine: 'vllm',
  workload: { inputTokens: 512, outputTokens: 128, requestRate: 8, requests: 60 },
};

const tight = {
  model: 'llama-3.1-70b',
  hardware: 'h100-sxm',
  calibration: 'none',
  precision: { weights: 'fp8', kvCache: 'fp8' },
  workload: { inputTokens: 1024, outputTokens: 1024, maxThroughput: true, requests: 40 },
};

const cases: Record<string, unknown> = {
  poisson: base,
  closedLoop: { ...base, workload: { inputTokens: 700, outputTokens: 90, concurrency: 12, requests: 50 } },
  preempt: { ...tight, engine: 'vllm' },
  reserve: { ...tight, engine: 'trtllm' },
  speculative: {
    ...base,
    // Llama-3.1-8B given one MTP module (MTP needs the model's own; DeepSeek-V3 ships one).
    model: { ...findModel('llama-3.1-8b'), mtpLayers: 1 },
    serving: { speculative: { method: 'mtp', tokens: 2, acceptanceRate: 0.7 } },
  },
  prefixCache: { ...base, serving: { prefixCacheHitRate: 0.5 } },
  slidingWindow: { ...base, model: 'mistral-7b', engine: 'sglang' },
  noChunking: {
    ...base,
    engine: 'trtllm',
    workload: { inputTokens: 9000, outputTokens: 64, requestRate: 2, requests: 20 },
  },
  disaggregated: {
    ...base,
    gpus: 2,
    serving: {
      disaggregation: { prefill: { tp: 1, dp: 1 }, decode: { tp: 1, dp: 1 }, kvTransferLink: 'scale-up' },
    },
    workload: { inputTokens: 2048, outputTokens: 64, requestRate: 6, requests: 40 },
  },
};

function summary(t: ServingTiming): object {
  const r = t.main.result;
  const p = t.prefillPool?.result;
  return {
    requests: t.requests,
    durationSeconds: t.durationSeconds,
    ttft: t.ttftSeconds,
    tpot: t.tpotSeconds,
    e2e: t.e2eSeconds,
    meanBatch: r.meanBatch,
    maxBatch: r.maxBatch,
    preemptions: r.preemptions,
    steps: r.steps,
    busySeconds: r.busySeconds,
    prefillSeconds: r.prefillSeconds,
    decodeSeconds: r.decodeSeconds,
    feasible: r.feasible,
    arrival: Array.from(r.arrivalSeconds),
    first: Array.from(r.firstTokenSeconds),
    finish: Array.from(r.finishSeconds),
    prefillPool: p === undefined ? null : { steps: p.steps, finish: Array.from(p.finishSeconds) },
  };
}

describe('serving simulator, pinned outputs', () => {
  for (const [name, scenario] of Object.entries(cases)) {
    it(name, () => {
      const s = validateScenario(scenario);
      if (!s.ok) throw new Error(s.diagnostics.map((d) => d.message).join('\n'));
      const ns = normalizeScenario(s.value);
      if (!ns.ok) throw new Error(ns.diagnostics.map((d) => d.message).join('\n'));
      const t = simulateServing(ns.value);
      if (!t.ok) throw new Error(t.diagnostics.map((d) => d.message).join('\n'));
      expect(summary(t.value)).toMatchSnapshot();
    });
  }
});
