/**
 * Expert-parallel all-to-all as DeepEP's two kernel families move it: normal kernels in prefill
 * (a token once per EP rank holding any of its experts, after a notify round), low-latency
 * kernels in decode (one copy per expert, no handshake).
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { findHardware } from '@ridgeline/core';
import { expectedRanksTouched } from '../src/layers/moe.js';
import { run } from './scenario-support.js';

const op = (r: EstimateReport, phase: string, name: string) =>
  r.breakdown.find((o) => o.phase === phase && o.name === name);

const r1 = (ep: number) => ({
  model: 'deepseek-r1',
  hardware: 'h200-sxm',
  parallelism: { tp: 8, ep, attentionDp: true },
  precision: { weights: 'fp8' },
  engine: 'sglang',
  calibration: 'none',
  workload: { inputTokens: 2048, outputTokens: 64, batch: 32 },
});

describe('distinct EP ranks a token reaches', () => {
  it('is 1 without EP, at most min(k, ranks), and the exact hypergeometric miss otherwise', () => {
    expect(expectedRanksTouched(256, 8, 1)).toBe(1);
    // 256 experts over 8 ranks (32 each): a rank is missed with probability C(224,8)/C(256,8).
    let miss = 1;
    for (let i = 0; i < 8; i++) miss *= (224 - i) / (256 - i);
    expect(expectedRanksTouched(256, 8, 8)).toBeCloseTo(8 * (1 - miss), 12);
    expect(expectedRanksTouched(256, 8, 8)).toBeLessThan(8);
    expect(expectedRanksTouched(256, 8, 8)).toBeGreaterThan(5);
    // One expert per rank: every pick is its own rank.
    expect(expectedRanksTouched(8, 8, 8)).toBeCloseTo(8, 12);
    // Two ranks of 128: a token of 8 picks almost surely reaches both.
    expect(expectedRanksTouched(256, 8, 2)).toBeCloseTo(2 * (1 - Math.pow(0.5, 8)), 2);
  });
});

describe('normal kernels in prefill, low-latency kernels in decode', () => {
  const r = run(r1(8));

  it('the breakdown names the kernel family of each phase', () => {
    expect(op(r, 'prefill', 'moe_dispatch_normal')?.bound).toBe('communication');
    expect(op(r, 'prefill', 'moe_combine_normal')).toBeDefined();
    expect(op(r, 'prefill', 'moe_dispatch_notify')).toBeDefined();
    expect(op(r, 'decode', 'moe_dispatch_ll')?.bound).toBe('communication');
    expect(op(r, 'decode', 'moe_combine_ll')).toBeDefined();
    expect(op(r, 'decode', 'moe_dispatch_notify')).toBeUndefined();
    expect(op(r, 'prefill', 'moe_dispatch_ll')).toBeUndefined();
  });

  it('normal dispatch moves a token once per rank: k copies become ~5.3 at EP8', () => {
    const h200 = findHardware('h200-sxm');
    if (h200?.scaleUp === undefined) throw new Error('h200-sxm scale-up missing');
    const bw = h200.scaleUp.bandwidthBytesPerSecond * 0.75;
    const tokens = 32 * 2048;
    const copies = expectedRanksTouched(256, 8, 8);
    // FP8 dispatch, 7/8 of it to peers, 58 MoE layers; one collective latency (8 us) and launch each.
    const bytes = (tokens / 8) * copies * 7168 * 1;
    const expectedMs = 58 * ((bytes * 7) / 8 / bw + 8e-6) * 1e3;
    const got = op(r, 'prefill', 'moe_dispatch_normal')?.timeMs ?? 0;
    expect(got).toBeGreaterThan(expectedMs);
    expect(got).toBeLessThan(expectedMs * 1.05);
    // Per-expert copies would cost k/copies ≈ 1.5× the bandwidth term.
    const perExpertMs = 58 * ((((tokens / 8) * 8 * 7168 * 7) / 8 / bw + 8e-6) * 1e3);
    expect(got).toBeLessThan(perExpertMs / 1.4);
  });

  it('without attention DP there is no all-to-all (the block all-reduce stays)', () => {
    const tp = run({ ...r1(8), parallelism: { tp: 8, ep: 8 } });
    expect(op(tp, 'prefill', 'moe_dispatch_normal')).toBeUndefined();
    expect(op(tp, 'decode', 'moe_dispatch_ll')).toBeUndefined();
  });
});
