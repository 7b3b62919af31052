/**
 * CDNA3 (MI300X, MI325X) mechanisms (issue 9 item 4): each device's own measured GEMM fraction
 * (the MI325X board holds its clock under a sustained GEMM, the MI300X one does not), and decode
 * attention over a latent (MLA) cache that a few sequences split over few compute units
 * (families.ts mlaDecodeSplits). Each moves the estimate the way the serving data does.
 */
import { describe, expect, it } from 'vitest';
import { decodeAttentionOccupancy } from '../src/cost/roofline.js';
import { HARDWARE_CATALOG } from '../src/hardware/catalog.js';
import { efficiencyFor, FAMILY_TRAITS } from '../src/hardware/families.js';
import { HardwareSpecSchema } from '../src/hardware/schema.js';
import { StepCoster } from '../src/serving/step-cost.js';
import { decodeLoad, normalized, run } from './scenario-support.js';

function device(id: string) {
  const d = HARDWARE_CATALOG.get(id);
  if (d === undefined) throw new Error(`missing ${id}`);
  return d;
}

const deepseek = (hardware: string) => ({
  model: 'deepseek-r1',
  hardware,
  parallelism: { tp: 8 },
  precision: { weights: 'fp8', activations: 'fp8' },
  engine: 'sglang',
  workload: { inputTokens: 1024, outputTokens: 1024, concurrency: 4 },
});

describe('CDNA3 devices: their own measured GEMM fractions', () => {
  it('MI300X and MI325X take their MAMF BF16 fractions [M1085, M1084], FP8 in the family ratio', () => {
    const mi300x = efficiencyFor(device('mi300x'));
    const mi325x = efficiencyFor(device('mi325x'));
    const family = FAMILY_TRAITS['amd-cdna3'].efficiency;
    expect(mi300x.family).toBe('amd-cdna3');
    expect(mi300x.gemmPeakFraction).toBe(0.51);
    expect(mi325x.gemmPeakFraction).toBe(0.6);
    expect(mi300x.gemmPeakFraction).toBeLessThan(family.gemmPeakFraction);
    expect(mi325x.gemmPeakFraction).toBeGreaterThan(family.gemmPeakFraction);
    const ratio = family.gemmLowPrecisionPeakFraction / family.gemmPeakFraction;
    expect(mi300x.gemmLowPrecisionPeakFraction).toBeCloseTo(0.51 * ratio, 2);
    expect(mi325x.gemmLowPrecisionPeakFraction).toBeCloseTo(0.6 * ratio, 2);
    expect(mi300x.sources.gemmPeakFraction).toMatch(/\[M1085\]/);
    expect(mi325x.sources.gemmPeakFraction).toMatch(/\[M1084\]/);
  });

  it('the catalog entry carries them, so a copy keeps them; a hardware file of its own replaces them', () => {
    const copy = HardwareSpecSchema.parse({ ...device('mi325x'), id: 'my-mi325x' });
    expect(efficiencyFor(copy).gemmPeakFraction).toBe(0.6);
    const own = HardwareSpecSchema.parse({
      ...device('mi300x'),
      id: 'my-mi300x',
      efficiency: { gemmPeakFraction: 0.7, sources: { gemmPeakFraction: 'my measurement' } },
    });
    expect(efficiencyFor(own).gemmPeakFraction).toBe(0.7);
    expect(efficiencyFor(own).gemmLowPrecisionPeakFraction).toBe(
      FAMILY_TRAITS['amd-cdna3'].efficiency.gemmLowPrecisionPeakFraction,
    );
    // Devices without a measurement of their own carry none.
    expect(device('mi355x').efficiency).toBeUndefined();
    expect(device('h200-sxm').efficiency).toBeUndefined();
  });

  it('a compute-bound FP8 prefill runs faster on MI325X than on MI300X, as MLPerf measures', () => {
    const prefill = (hardware: string) =>
      run({
        model: 'llama-2-70b',
        hardware,
        precision: { weights: 'fp8', activations: 'fp8' },
        workload: { inputTokens: 4096, outputTokens: 1, batch: 8 },
      }).ttftMs;
    // Same die and peaks; the MLPerf v5.1 AMD Offline and Server runs measure MI325X 1.24-1.30x.
    const speedup = prefill('mi300x') / prefill('mi325x');
    expect(speedup).toBeGreaterThan(1.12);
    expect(speedup).toBeLessThan(1.25);
  });
});

describe('decode attention over a latent cache on CDNA3: few sequences, few compute units', () => {
  it('the occupancy is sequences x splits over the compute units, for MLA on CDNA3 only', () => {
    const cdna3 = FAMILY_TRAITS['amd-cdna3'].efficiency;
    expect(cdna3.mlaDecodeSplits).toBe(8);
    expect(decodeAttentionOccupancy(cdna3, 'mla', 4)).toBeCloseTo(32 / 304, 12);
    expect(decodeAttentionOccupancy(cdna3, 'mla', 38)).toBe(1);
    expect(decodeAttentionOccupancy(cdna3, 'gqa', 1)).toBe(1);
    expect(decodeAttentionOccupancy(cdna3, undefined, 1)).toBe(1);
    for (const f of ['amd-cdna4', 'nvidia-hopper', 'nvidia-blackwell', 'generic'] as const)
      expect(decodeAttentionOccupancy(FAMILY_TRAITS[f].efficiency, 'mla', 1), f).toBe(1);
  });

  it('on MI300X at 4 sequences, longer contexts cost the step 304/32 times what full occupancy costs', () => {
    const ns = normalized(deepseek('mi300x'));
    const full = new StepCoster({ ...ns, efficiency: { ...ns.efficiency, mlaDecodeSplits: undefined } });
    const split = new StepCoster(ns);
    const added = (c: StepCoster) => c.stepSeconds(decodeLoad(4, 8192)) - c.stepSeconds(decodeLoad(4, 1024));
    expect(added(split) / added(full)).toBeCloseTo(304 / 32, 1);
    // At 64 sequences every compute unit has work: the same step either way.
    expect(split.stepSeconds(decodeLoad(64, 8192))).toBeCloseTo(full.stepSeconds(decodeLoad(64, 8192)), 12);
  });

  it('the static batch and the simulated step charge it alike, and MI355X is unaffected', () => {
    const tpot = (hardware: string, inputTokens: number) =>
      run({ ...deepseek(hardware), workload: { inputTokens, outputTokens: 2, batch: 4 } }).tpotMs;
    const ns = normalized(deepseek('mi300x'));
    const step = new StepCoster(ns).stepSeconds(decodeLoad(4, 8192)) * 1e3;
    const staticTpot = tpot('mi300x', 8192);
    expect(step / staticTpot).toBeGreaterThan(0.95);
    expect(step / staticTpot).toBeLessThan(1.05);
    // The context slope at 4 sequences: MI300X (measured 157 ns per added token) far above MI355X.
    const slope = (hw: string) => (tpot(hw, 8192) - tpot(hw, 1024)) / (4 * 7168);
    expect(slope('mi300x') / slope('mi355x')).toBeGreaterThan(4);
  });
});
