import { describe, expect, it } from 'vitest';
import { CostSchema, PowerSchema } from './schema.js';

const paths = (r: { success: boolean; error?: { issues: readonly { path: readonly PropertyKey[] }[] } }) =>
  (r.error?.issues ?? []).map((i) => i.path.join('.'));

describe('PowerSchema', () => {
  it('accepts an empty section and every documented field', () => {
    expect(PowerSchema.safeParse({}).success).toBe(true);
    const full = {
      tdpWatts: 700,
      idleWatts: 90,
      idleFractionOfTdp: 0.3,
      dynamicFractionAtFullCompute: 0.9,
      dynamicFractionAtFullBandwidth: 0.4,
    };
    expect(PowerSchema.parse(full)).toEqual(full);
  });

  it('rejects unknown fields, fractions outside 0..1 and negative watts', () => {
    expect(PowerSchema.safeParse({ idleWatt: 50 }).success).toBe(false);
    expect(PowerSchema.safeParse({ idleFractionOfTdp: 1.2 }).success).toBe(false);
    expect(PowerSchema.safeParse({ dynamicFractionAtFullBandwidth: -0.1 }).success).toBe(false);
    expect(PowerSchema.safeParse({ idleWatts: -1 }).success).toBe(false);
    expect(PowerSchema.safeParse({ tdpWatts: 0 }).success).toBe(false);
  });
});

describe('CostSchema', () => {
  it('accepts a price, or capital with a lifetime', () => {
    expect(CostSchema.safeParse({ usdPerDeviceHour: 2.5, priceSource: 'quote 2025-01' }).success).toBe(true);
    expect(
      CostSchema.safeParse({
        capitalUsdPerDevice: 30000,
        lifetimeYears: 5,
        electricityUsdPerKwh: 0.1,
        pue: 1.3,
      }).success,
    ).toBe(true);
  });

  it('refuses a price and capital together, naming capitalUsdPerDevice', () => {
    const r = CostSchema.safeParse({ usdPerDeviceHour: 2, capitalUsdPerDevice: 30000, lifetimeYears: 5 });
    expect(r.success).toBe(false);
    expect(paths(r)).toEqual(['capitalUsdPerDevice']);
  });

  it('refuses capital without a lifetime, naming lifetimeYears', () => {
    const r = CostSchema.safeParse({ capitalUsdPerDevice: 30000 });
    expect(r.success).toBe(false);
    expect(paths(r)).toEqual(['lifetimeYears']);
  });

  it('rejects a PUE below 1, a busy fraction above 1, and unknown fields', () => {
    expect(CostSchema.safeParse({ pue: 0.9 }).success).toBe(false);
    expect(CostSchema.safeParse({ lifetimeBusyFraction: 1.5 }).success).toBe(false);
    expect(CostSchema.safeParse({ lifetimeBusyFraction: 0 }).success).toBe(false);
    expect(CostSchema.safeParse({ usdPerHour: 2 }).success).toBe(false);
  });
});
