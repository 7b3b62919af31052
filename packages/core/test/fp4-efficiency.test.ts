/**
 * Per-format GEMM efficiencies: block-scaled FP4 GEMMs have their own fraction, which falls back
 * to the 8-bit one while no FP4 kernel measurement exists; families that inherit another
 * family's values say so in their sources.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { efficiencyFor, estimate, findHardware } from '@ridgeline/core';

function run(s: unknown): EstimateReport {
  const r = estimate(s);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
}

const fp4 = {
  model: 'llama-3.1-70b',
  hardware: 'b200',
  precision: { weights: 'nvfp4', activations: 'nvfp4' },
  workload: { inputTokens: 4096, outputTokens: 2, batch: 8 },
};

describe('FP4 GEMM efficiency', () => {
  it('defaults to the 8-bit fraction and can be set on its own', () => {
    const plain = run(fp4);
    const slower = run({ ...fp4, efficiency: { gemmFp4PeakFraction: 0.4 } });
    expect(slower.ttftMs).toBeGreaterThan(plain.ttftMs * 1.3);
    const same = run({ ...fp4, efficiency: { gemmFp4PeakFraction: 0.76 } });
    expect(same.ttftMs).toBeCloseTo(plain.ttftMs, 9);
  });

  it('leaves FP8 GEMMs alone', () => {
    const fp8 = { ...fp4, precision: { weights: 'fp8', activations: 'fp8' } };
    expect(run({ ...fp8, efficiency: { gemmFp4PeakFraction: 0.4 } }).ttftMs).toBeCloseTo(run(fp8).ttftMs, 9);
  });

  it('Blackwell and CDNA label what they inherit from Hopper as assumed', () => {
    for (const id of ['b200', 'mi300x', 'mi355x']) {
      const hw = findHardware(id);
      if (hw === undefined) throw new Error(id);
      const s = efficiencyFor(hw).sources;
      for (const key of ['memoryBandwidthFraction', 'attentionPeakFraction', 'groupedGemmFraction'])
        expect(s[key], `${id} ${key}`).toMatch(/assumed|measurement|\[M/);
    }
    const b200 = findHardware('b200');
    expect(b200 && efficiencyFor(b200).sources['gemmFp4PeakFraction']).toMatch(/no FP4 kernel measurement/);
  });
});
