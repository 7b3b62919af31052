/**
 * Attention DP in the serving simulator: each rank attends over its own sequences, so a step's
 * attention costs the busiest rank's share of the context, as in the static batch. A disaggregated
 * decode pool at steady state then steps like a static batch of its size (issue 9: it stepped
 * 2–3× slower, its attention charged for the context of every rank).
 */
import { describe, expect, it } from 'vitest';
import { rankShare, StepCoster } from '../src/serving/step-cost.js';
import { estimate } from '@ridgeline/core';
import { decodeLoad, normalized, run } from './scenario-support.js';

const decodePool = { tp: 16, pp: 1, ep: 16, dp: 1, attentionDp: true };
const base = {
  model: 'deepseek-r1',
  hardware: 'gb200',
  precision: { weights: 'nvfp4', activations: 'nvfp4' },
  engine: 'trtllm',
};

describe('attention DP in the step cost', () => {
  it('the busiest rank holds ceil(B/dp) of B sequences', () => {
    expect(rankShare(2048, 16)).toBe(1 / 16);
    expect(rankShare(17, 16)).toBeCloseTo(2 / 17, 12);
    expect(rankShare(5, 1)).toBe(1);
    expect(rankShare(0, 16)).toBe(1);
  });

  it('a simulated decode step costs what the static batch of the same size costs per token', () => {
    const batch = 2048;
    const workload = { inputTokens: 1024, outputTokens: 1024 };
    const coster = new StepCoster(
      normalized({ ...base, parallelism: decodePool, workload: { ...workload, concurrency: batch } }),
    );
    // The static batch's TPOT is its step at the mean context, input + output / 2.
    const step = coster.stepSeconds(decodeLoad(batch, 1024 + 512)) * 1e3;
    const staticBatch = run({ ...base, parallelism: decodePool, workload: { ...workload, batch } });
    expect(step / staticBatch.tpotMs).toBeGreaterThan(0.97);
    expect(step / staticBatch.tpotMs).toBeLessThan(1.03);
    // More ranks split the same context: the step is cheaper than on one attention group.
    const oneGroup = new StepCoster(
      normalized({
        ...base,
        parallelism: { ...decodePool, attentionDp: false },
        workload: { ...workload, concurrency: batch },
      }),
    );
    expect(step).toBeLessThan(oneGroup.stepSeconds(decodeLoad(batch, 1536)) * 1e3);
  });

  it("a pool's own ep is checked against that pool's tp", () => {
    const r = estimate({
      ...base,
      parallelism: { tp: 8, ep: 8 },
      workload: { inputTokens: 1024, outputTokens: 256, concurrency: 8, requests: 16 },
      serving: {
        disaggregation: {
          prefill: { tp: 4, dp: 1, ep: 4 },
          decode: { tp: 8, dp: 1, ep: 16 },
          kvTransferLink: 'scale-up',
        },
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.message).join(' ')).toMatch(/ep=16 must divide tp=8/);
  });

  it('a disaggregated decode pool at steady state steps like its static batch', () => {
    const clients = 2048;
    const disaggregated = run({
      ...base,
      parallelism: decodePool,
      workload: { inputTokens: 1024, outputTokens: 1024, concurrency: clients, requests: 2 * clients },
      serving: {
        disaggregation: {
          prefill: { tp: 4, dp: 2, ep: 4, attentionDp: true },
          decode: { tp: 16, dp: 1, ep: 16, attentionDp: true },
          kvTransferLink: 'scale-up',
        },
      },
    });
    const batch = Math.round(disaggregated.batch);
    expect(batch).toBeGreaterThan(clients / 2);
    const staticBatch = run({
      ...base,
      parallelism: decodePool,
      workload: { inputTokens: 1024, outputTokens: 1024, batch },
    });
    const ratio = disaggregated.tpotMs / staticBatch.tpotMs;
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.2);
  });
});
