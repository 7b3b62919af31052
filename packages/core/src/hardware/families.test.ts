import { describe, expect, it } from 'vitest';
import { hardwareForRate } from '../measurements/resolve.js';
import { HARDWARE_CATALOG } from './catalog.js';
import { efficiencyFor, FAMILY_TRAITS } from './families.js';
import { HARDWARE_FAMILIES, HardwareSpecSchema, type HardwareSpec } from './schema.js';

function device(id: string): HardwareSpec {
  const d = HARDWARE_CATALOG.get(id);
  if (d === undefined) throw new Error(`missing ${id}`);
  return d;
}

const userDevice = (extra: Record<string, unknown> = {}): HardwareSpec =>
  HardwareSpecSchema.parse({
    id: 'my-accelerator',
    name: 'My accelerator',
    peakFlopsPerSecond: { bf16: 500e12 },
    memory: { name: 'HBM', capacityBytes: 64e9, bandwidthBytesPerSecond: 2e12 },
    ...extra,
  });

describe('hardware families', () => {
  // The efficiency profile each catalog device had when it was chosen by id patterns; the family
  // column must keep every device on it.
  const expected: Record<string, string> = {
    'a100-sxm-40gb': 'nvidia-ampere',
    'a100-sxm-80gb': 'nvidia-ampere',
    'a100-pcie-80gb': 'nvidia-ampere',
    a10g: 'nvidia-ampere',
    'h100-sxm': 'nvidia-hopper',
    'h100-pcie': 'nvidia-hopper',
    'h800-sxm': 'nvidia-hopper',
    'h200-sxm': 'nvidia-hopper',
    gh200: 'nvidia-hopper',
    b200: 'nvidia-blackwell',
    gb200: 'nvidia-blackwell',
    b300: 'nvidia-blackwell',
    mi300x: 'amd-cdna3',
    mi325x: 'amd-cdna3',
    mi355x: 'amd-cdna4',
    l40s: 'generic',
    l4: 'generic',
    'rtx-3090': 'generic',
    'rtx-4090': 'generic',
    'rtx-5090': 'generic',
    mi250x: 'generic',
    'tpu-v4': 'generic',
    'tpu-v5e': 'generic',
    'tpu-v5p': 'generic',
    'tpu-v6e': 'generic',
    gaudi2: 'generic',
    gaudi3: 'generic',
  };

  it('every catalog device gets the efficiency profile of its family', () => {
    expect([...HARDWARE_CATALOG.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [id, profile] of Object.entries(expected))
      expect(efficiencyFor(device(id)).family, id).toBe(profile);
  });

  it('every family has traits, and the measured families have sources for their fractions', () => {
    for (const f of HARDWARE_FAMILIES)
      expect(FAMILY_TRAITS[f].efficiency.gemmPeakFraction).toBeGreaterThan(0);
    for (const f of ['nvidia-hopper', 'nvidia-ampere', 'nvidia-blackwell', 'amd-cdna3', 'amd-cdna4'] as const)
      expect(FAMILY_TRAITS[f].efficiency.sources.gemmPeakFraction, f).toMatch(/\[M\d+\]/);
  });

  it('a user device without a family is generic; with one, it gets that family', () => {
    expect(userDevice().family).toBe('generic');
    expect(efficiencyFor(userDevice()).family).toBe('generic');
    const hopper = userDevice({ family: 'nvidia-hopper' });
    expect(efficiencyFor(hopper)).toBe(FAMILY_TRAITS['nvidia-hopper'].efficiency);
    expect(HardwareSpecSchema.safeParse({ ...userDevice(), family: 'nvidia-volta' }).success).toBe(false);
  });

  it("a device's own efficiencies override its family's, the rest stay", () => {
    const d = userDevice({
      family: 'nvidia-hopper',
      efficiency: { gemmPeakFraction: 0.5, sources: { gemmPeakFraction: 'my measurement' } },
    });
    const e = efficiencyFor(d);
    const base = FAMILY_TRAITS['nvidia-hopper'].efficiency;
    expect(e.gemmPeakFraction).toBe(0.5);
    expect(e.memoryBandwidthFraction).toBe(base.memoryBandwidthFraction);
    expect(e.sources.gemmPeakFraction).toBe('my measurement');
    expect(e.sources.attentionPeakFraction).toBe(base.sources.attentionPeakFraction);
    expect(efficiencyFor(d)).toBe(e);
  });

  it('the Hopper FP8 = INT8 quirk fills a missing FP8 rate on Hopper only', () => {
    const h800 = device('h800-sxm');
    expect(h800.peakFlopsPerSecond.fp8).toBeUndefined();
    expect(hardwareForRate(h800, 'fp8').spec.peakFlopsPerSecond.fp8).toBe(h800.peakFlopsPerSecond.int8);
    const a100 = device('a100-sxm-80gb');
    expect(hardwareForRate(a100, 'fp8').spec.peakFlopsPerSecond.fp8).toBeUndefined();
    expect(hardwareForRate(h800, 'bf16').note).toBeUndefined();
  });
});
