/**
 * The fixed time of a kernel (hardware/families.ts kernelFixedSeconds): pipeline fill and drain
 * that every kernel pays on top of its roofline terms. It adds to the CUDA-graph launch gap,
 * overlaps with an eager launch, and dominates small-batch decode steps of many-kernel layers.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { costOperator, efficiencyFor, findHardware } from '@ridgeline/core';
import { perKernelSeconds } from '../src/cost/roofline.js';
import { gemm, type StepContext } from '../src/graph/ops.js';
import type { DeviceContext } from '../src/scenario/types.js';
import { run } from './scenario-support.js';

const ds = {
  model: 'deepseek-r1',
  hardware: 'b200',
  parallelism: { tp: 8 },
  precision: { weights: 'fp8', activations: 'fp8' },
  engine: 'sglang',
  calibration: 'none',
  workload: { inputTokens: 1024, outputTokens: 64, batch: 1 },
};

describe('kernel fixed time', () => {
  it('adds to a graph launch and overlaps an eager one', () => {
    expect(perKernelSeconds(1.5e-6, 2e-6, true)).toBeCloseTo(3.5e-6, 12);
    expect(perKernelSeconds(5e-6, 2e-6, false)).toBe(5e-6);
    expect(perKernelSeconds(0, 2e-6, false)).toBe(2e-6);
  });

  it('every family sets it with a source, and it is no less than the fitted Hopper value off Hopper', () => {
    for (const id of ['h200-sxm', 'a100-sxm-80gb', 'b200', 'mi300x', 'mi355x']) {
      const hw = findHardware(id);
      if (hw === undefined) throw new Error(id);
      const e = efficiencyFor(hw);
      expect(e.kernelFixedSeconds, id).toBeGreaterThan(0);
      expect(e.sources['kernelFixedSeconds'], id).toMatch(/fitted|assumed/);
    }
  });

  it('a small GEMM takes its roofline time plus the fixed time (DeepGEMM M=64 rows)', () => {
    const h800 = findHardware('h800-sxm');
    if (h800 === undefined) throw new Error('h800-sxm missing');
    const eff = efficiencyFor(h800);
    const device = { hardware: h800, efficiency: eff } as unknown as DeviceContext;
    const c = {
      weightBytes: 1,
      gemmInputBytes: 1,
      streamBytes: 2,
      gemmRate: 'int8',
    } as unknown as StepContext;
    const costed = costOperator(device, gemm(c, 'g', 1, 64, 2112, 7168), 0);
    expect(costed.fixedSeconds).toBeCloseTo(eff.kernelFixedSeconds, 12);
    const none = costOperator(
      { ...device, efficiency: { ...eff, kernelFixedSeconds: 0 } } as DeviceContext,
      gemm(c, 'g', 1, 64, 2112, 7168),
      0,
    );
    expect(none.fixedSeconds).toBe(0);
  });

  it('slows a batch-1 decode step by about its kernels times the fixed time, and shows per operator', () => {
    const base = run({ ...ds, efficiency: { kernelFixedSeconds: 0 } });
    const more = run({ ...ds, efficiency: { kernelFixedSeconds: 3e-6 } });
    const decode = (r: EstimateReport) => r.phases.find((p) => p.phase === 'decode')?.stepMs ?? 0;
    // DeepSeek-R1 runs ~20 compute kernels in each of its 61 layers: 3 us each is ~3.5 ms a step.
    const added = decode(more) - decode(base);
    expect(added).toBeGreaterThan(2.5);
    expect(added).toBeLessThan(5);
    const norm = (r: EstimateReport) =>
      r.breakdown.find((o) => o.phase === 'decode' && o.name === 'attn_norm')?.timeMs ?? 0;
    expect(norm(more) - norm(base)).toBeCloseTo(61 * 3e-3, 6);
    // Collectives keep their own latency: the all-reduce does not pay it.
    const ar = (r: EstimateReport) =>
      r.breakdown.find((o) => o.phase === 'decode' && o.name === 'attn_all_reduce')?.timeMs ?? 0;
    expect(ar(more)).toBeCloseTo(ar(base), 9);
    // A large batch is far less sensitive: the same kernels carry more work.
    const big = (t: number) =>
      run({ ...ds, workload: { ...ds.workload, batch: 256 }, efficiency: { kernelFixedSeconds: t } }).tpotMs;
    const small = more.tpotMs / base.tpotMs;
    expect(small).toBeGreaterThan(1.5);
    expect(big(3e-6) / big(0)).toBeLessThan(small);
  });
});
