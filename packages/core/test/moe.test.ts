/**
 * Mixture of experts as engines run it: each mechanism shows in the breakdown and moves the
 * estimate the way it should.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { costOperator, efficiencyFor, findHardware } from '@ridgeline/core';
import { busiestRankSequences } from '../src/graph/build.js';
import { gemm, type StepContext } from '../src/graph/ops.js';
import { expectedExpertsTouched, expectedMaxLoadFactor } from '../src/layers/moe.js';
import type { DeviceContext } from '../src/scenario/types.js';
import { run } from './scenario-support.js';

const op = (r: EstimateReport, phase: string, name: string) =>
  r.breakdown.find((o) => o.phase === phase && o.name === name);

const ds = {
  model: 'deepseek-v3',
  hardware: 'h200-sxm',
  gpus: 8,
  precision: { weights: 'fp8' },
  engine: 'sglang',
  workload: { inputTokens: 1024, outputTokens: 64, batch: 64 },
};

describe('load imbalance over expert-parallel ranks', () => {
  it('is 1 without EP and above 1 with it, shrinking as tokens grow (law of large numbers)', () => {
    expect(expectedMaxLoadFactor(1000, 1)).toBe(1);
    const small = expectedMaxLoadFactor(64 * 8, 8);
    const large = expectedMaxLoadFactor(8192 * 8, 8);
    expect(small).toBeGreaterThan(large);
    expect(large).toBeGreaterThan(1);
    // Two ranks: E[max of 2 normals] = mean + σ/√π, σ = √(n/4).
    const n = 10000;
    expect(expectedMaxLoadFactor(n, 2)).toBeCloseTo(1 + Math.sqrt(n / 4) / Math.sqrt(Math.PI) / (n / 2), 3);
    // Never more than every pick on one rank.
    expect(expectedMaxLoadFactor(1, 64)).toBeLessThanOrEqual(64);
  });

  it('the busiest EP rank runs more rows per expert than the mean', () => {
    const ep = run({ ...ds, parallelism: { tp: 8, ep: 8 } });
    const g = op(ep, 'decode', 'experts_gate_up');
    const tokens = 64;
    const touched = expectedExpertsTouched(256, 8, tokens);
    const mean = (tokens * 8) / touched;
    expect(g?.kind).toBe('grouped-gemm');
    expect(g?.shape?.m).toBeCloseTo(mean * expectedMaxLoadFactor(tokens * 8, 8), 6);
    expect(g?.shape?.m ?? 0).toBeGreaterThan(mean);
  });
});

describe('attention-DP imbalance', () => {
  it('whole sequences go to ranks: the busiest holds ceil(B/dp)', () => {
    expect(busiestRankSequences(9, 8)).toBe(2);
    expect(busiestRankSequences(16, 8)).toBe(2);
    expect(busiestRankSequences(9, 1)).toBe(9);
    expect(busiestRankSequences(4.5, 2)).toBe(2.25);
  });

  it('9 sequences over 8 attention ranks decode as slowly per step as 16', () => {
    const adp = { ...ds, parallelism: { tp: 8, ep: 8, attentionDp: true } };
    const at = (batch: number) =>
      op(run({ ...adp, workload: { ...ds.workload, batch } }), 'decode', 'attention')?.timeMs ?? 0;
    expect(at(9)).toBeCloseTo(at(16), 6);
    expect(at(9)).toBeGreaterThan(at(8));
  });
});

describe('grouped GEMMs', () => {
  const h200 = findHardware('h200-sxm');
  if (h200 === undefined) throw new Error('h200-sxm missing');
  const eff = efficiencyFor(h200);
  const device = {
    hardware: h200,
    efficiency: {
      ...eff,
      scaleOutLatencySeconds: 0,
      kernelLaunchSeconds: 0,
      graphKernelLaunchSeconds: 0,
      stepOverheadSeconds: 0,
    },
  } as unknown as DeviceContext;
  const c = {
    weightBytes: 1,
    gemmInputBytes: 1,
    streamBytes: 2,
    gemmRate: 'fp8',
  } as unknown as StepContext;

  it('run below a plain GEMM of the same per-group shape (DeepGEMM grouped rows)', () => {
    const plain = costOperator(device, gemm(c, 'g', 1, 4096, 4096, 7168, 1), 0);
    const grouped = costOperator(device, gemm(c, 'g', 1, 4096, 4096, 7168, 1, 'shared', true), 0);
    expect(grouped.op.kind).toBe('grouped-gemm');
    const ramp = 4096 / (4096 + eff.groupedGemmRowsHalf);
    expect(grouped.flopsPerSecond / plain.flopsPerSecond).toBeCloseTo(eff.groupedGemmFraction * ramp, 6);
    expect(eff.groupedGemmFraction).toBeLessThan(1);
  });

  it('each group restarts the pipeline: fewer rows per expert, further below a plain GEMM (DeepGEMM masked rows)', () => {
    // The same grouped GEMM without the per-group cost: the ratio is the ramp alone.
    const noRamp = {
      ...device,
      efficiency: { ...device.efficiency, groupedGemmRowsHalf: 0 },
    } as DeviceContext;
    const ratio = (m: number) =>
      costOperator(device, gemm(c, 'g', 1, m, 4096, 7168, 4), 0).flopsPerSecond /
      costOperator(noRamp, gemm(c, 'g', 1, m, 4096, 7168, 4), 0).flopsPerSecond;
    expect(eff.groupedGemmRowsHalf).toBeGreaterThan(0);
    expect(ratio(256)).toBeLessThan(ratio(8192));
    expect(ratio(8192)).toBeLessThan(1);
    expect(ratio(256)).toBeCloseTo(256 / (256 + eff.groupedGemmRowsHalf), 6);
    // Few rows per expert: the per-group cost is charged against the padded 64-row tile, whose
    // padding gemmEfficiency already charges, not against the 4 real rows.
    expect(ratio(4)).toBeCloseTo(64 / (64 + eff.groupedGemmRowsHalf), 6);
  });

  it('few tokens per expert pad the M tiles: the rate per FLOP falls with rows per expert', () => {
    const rate = (m: number) =>
      costOperator(device, gemm(c, 'g', 1, m, 1536, 2048, 64, 'shared', true), 0).flopsPerSecond;
    expect(rate(4)).toBeLessThan(rate(32));
    expect(rate(32)).toBeLessThan(rate(128));
  });
});

describe('routing in the breakdown', () => {
  it('router, top-k, permutation and un-permutation are operators of every MoE layer', () => {
    const r = run({ ...ds, parallelism: { tp: 8, ep: 8 } });
    for (const name of ['router', 'moe_topk', 'moe_permute', 'moe_unpermute', 'shared_gate_up'])
      expect(op(r, 'decode', name), name).toBeDefined();
  });
});
