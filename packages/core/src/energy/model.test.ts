import { describe, expect, it } from 'vitest';
import { intIn, pick, rng } from '../../test/random.js';
import { HARDWARE_CATALOG } from '../hardware/catalog.js';
import { HardwareSpecSchema, type HardwareSpec } from '../hardware/schema.js';
import { devicePower, energyAndCost, HOURS_PER_YEAR, type EnergyInput } from './model.js';
import { DEFAULT_PRICES, type PriceTable } from './prices.js';
import { CostSchema, POWER_DEFAULTS, PowerSchema } from './schema.js';

function catalog(id: string): HardwareSpec {
  const h = HARDWARE_CATALOG.get(id);
  if (h === undefined) throw new Error(`no ${id} in the catalog`);
  return h;
}

const h100 = catalog('h100-sxm'); // tdpWatts 700 in the catalog
const noTdp = catalog('h800-sxm'); // the catalog row has no TDP

function run(overrides: Partial<EnergyInput> = {}): EnergyInput {
  return {
    hardware: h100,
    devices: 8,
    wallSeconds: 100,
    computeUtilization: 0.5,
    memoryUtilization: 0.5,
    inputTokens: 1_000_000,
    outputTokens: 250_000,
    requests: 1000,
    power: undefined,
    cost: undefined,
    ...overrides,
  };
}

const watts = (c: number, m: number, hw: HardwareSpec = h100, busy = 1) =>
  devicePower(hw, c, m, undefined, busy).power?.watts;

const f = POWER_DEFAULTS.busyFloorFraction;

describe('devicePower', () => {
  it('is idle with no kernel running, at the busy floor running kernels that achieve nothing, and TDP at full compute', () => {
    expect(h100.tdpWatts).toBe(700);
    expect(watts(0, 0, h100, 0)).toBeCloseTo(700 * POWER_DEFAULTS.idleFractionOfTdp, 9);
    // Busy at zero utilization: idle + f · (TDP − idle) = 140 + 560 f.
    expect(watts(0, 0)).toBeCloseTo(140 + 560 * f, 9);
    expect(watts(1, 0)).toBeCloseTo(700, 9);
    // Memory-bound at full bandwidth: idle + (f + (1 − f) · 0.5) · (TDP − idle).
    expect(watts(0, 1)).toBeCloseTo(140 + 560 * (f + (1 - f) * 0.5), 9);
  });

  it('has a busy floor above idle and below TDP (0 < f < 1), fitted, not a placeholder of 0', () => {
    expect(f).toBeGreaterThan(0);
    expect(f).toBeLessThan(1);
    expect(watts(0, 0) ?? NaN).toBeGreaterThan(watts(0, 0, h100, 0) ?? Infinity);
  });

  it('stays between idle and TDP and never decreases as either utilization or the busy share rises', () => {
    const steps = Array.from({ length: 21 }, (_, i) => i / 20);
    for (const busy of [0, 0.5, 1]) {
      for (const c of steps) {
        let previous = -Infinity;
        for (const m of steps) {
          const w = watts(c, m, h100, busy) ?? NaN;
          expect(w).toBeGreaterThanOrEqual(140 - 1e-9);
          expect(w).toBeLessThanOrEqual(700 + 1e-9);
          expect(w).toBeGreaterThanOrEqual(previous);
          previous = w;
        }
      }
      for (const m of steps) {
        let previous = -Infinity;
        for (const c of steps) {
          const w = watts(c, m, h100, busy) ?? NaN;
          expect(w).toBeGreaterThanOrEqual(previous);
          previous = w;
        }
      }
    }
    for (const c of steps) {
      let previous = -Infinity;
      for (const busy of steps) {
        const w = watts(c * busy, 0.5 * busy, h100, busy) ?? NaN;
        expect(w).toBeGreaterThanOrEqual(previous);
        previous = w;
      }
    }
  });

  it('splits watts into idle, busy floor, compute and memory parts that sum to the total, cap included', () => {
    for (const [c, m, busy] of [
      [0, 0, 0],
      [0, 0, 1],
      [0.3, 0.6, 0.9],
      [1, 1, 1],
      [0.9, 0.9, 1],
    ] as const) {
      const p = devicePower(h100, c, m, undefined, busy).power;
      const parts = p?.parts;
      expect(parts).toBeDefined();
      if (parts === undefined || p === undefined) continue;
      expect(parts.idleWatts + parts.busyWatts + parts.computeWatts + parts.memoryWatts).toBeCloseTo(
        p.watts,
        9,
      );
      expect(parts.busyWatts).toBeCloseTo(560 * f * busy, 9);
    }
  });

  it('draws more for compute-heavy prefill than for memory-bound decode (POLCA, qualitatively)', () => {
    const prefill = watts(0.7, 0.2) ?? NaN;
    const decode = watts(0.1, 0.8) ?? NaN;
    expect(prefill).toBeGreaterThan(decode);
    expect(decode).toBeLessThan(700);
  });

  it('clamps utilizations and the busy share outside 0..1 and non-finite values', () => {
    expect(watts(5, 5)).toBeCloseTo(700, 9);
    expect(watts(-1, Number.NaN, h100, 0)).toBeCloseTo(140, 9);
    expect(watts(Infinity, 0, h100, Number.NaN)).toBeCloseTo(140, 9);
    expect(watts(0, 0, h100, 7)).toBeCloseTo(watts(0, 0, h100, 1) ?? NaN, 9);
  });

  it('takes TDP, idle and weights from the power section', () => {
    const power = PowerSchema.parse({
      tdpWatts: 1000,
      idleWatts: 100,
      dynamicFractionAtFullCompute: 0.8,
      dynamicFractionAtFullBandwidth: 0.3,
      busyFloorFraction: 0.2,
    });
    const p = devicePower(h100, 0.5, 0.5, power).power;
    // 100 + 900 · (0.2 + 0.8 · (0.8·0.5 + 0.3·0.5)) = 100 + 900 · 0.64 = 676
    expect(p?.watts).toBeCloseTo(676, 9);
    expect(p?.tdpWatts).toBe(1000);
    expect(p?.idleWatts).toBe(100);
    expect(
      devicePower(h100, 0, 0, PowerSchema.parse({ idleFractionOfTdp: 0.1 }), 0).power?.watts,
    ).toBeCloseTo(70, 9);
    expect(
      devicePower(h100, 0, 0, PowerSchema.parse({ idleFractionOfTdp: 0.1, busyFloorFraction: 0.5 })).power
        ?.watts,
    ).toBeCloseTo(70 + 0.5 * 630, 9);
  });

  it('says which numbers are assumptions and which field overrides them', () => {
    const assumed = devicePower(h100, 0.5, 0.5, undefined).power?.assumptions.join(' ') ?? '';
    expect(assumed).toContain('an assumption');
    expect(assumed).toContain('power.idleWatts');
    expect(assumed).toContain('power.dynamicFractionAtFullCompute');
    expect(assumed).toContain('power.busyFloorFraction');
    expect(assumed).toContain('MI355X');
    const given = PowerSchema.parse({
      idleWatts: 100,
      dynamicFractionAtFullCompute: 1,
      dynamicFractionAtFullBandwidth: 0.5,
    });
    expect(devicePower(h100, 0.5, 0.5, given).power?.assumptions.join(' ')).not.toContain('assumption');
  });

  it('caps an idle above TDP at the TDP with a warning on power.idleWatts', () => {
    const r = devicePower(h100, 0, 0, PowerSchema.parse({ idleWatts: 900 }));
    expect(r.power?.watts).toBe(700);
    expect(r.power?.idleWatts).toBe(700);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.path?.join('.')])).toEqual([
      ['power.idle-above-tdp', 'warning', 'power.idleWatts'],
    ]);
  });

  it('omits power without a TDP, with an info diagnostic naming power.tdpWatts', () => {
    expect(noTdp.tdpWatts).toBeUndefined();
    const r = devicePower(noTdp, 0.5, 0.5, undefined);
    expect(r.power).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.code).toBe('energy.no-tdp');
    expect(r.diagnostics[0]?.severity).toBe('info');
    expect(r.diagnostics[0]?.message).toContain('power.tdpWatts');
    expect(devicePower(noTdp, 1, 0, PowerSchema.parse({ tdpWatts: 500 })).power?.watts).toBeCloseTo(500, 9);
  });
});

describe('energy', () => {
  it('is power × devices × seconds, per output token, per request and in kWh per million tokens', () => {
    const r = energyAndCost(run({ computeUtilization: 1, memoryUtilization: 0 }));
    const e = r.energy;
    expect(e?.wattsPerDevice).toBeCloseTo(700, 9);
    expect(e?.wattsTotal).toBeCloseTo(5600, 9);
    expect(e?.joulesTotal).toBeCloseTo(560_000, 6);
    expect(e?.joulesPerOutputToken).toBeCloseTo(2.24, 12);
    expect(e?.joulesPerToken).toBeCloseTo(0.448, 12);
    expect(e?.joulesPerRequest).toBeCloseTo(560, 9);
    // 2.24 J/token · 1e6 tokens / 3.6e6 J/kWh
    expect(e?.kilowattHoursPerMillionOutputTokens).toBeCloseTo(2.24 / 3.6, 12);
  });

  it('reproduces the worked example of docs/energy-cost.md', () => {
    const r = energyAndCost(
      run({
        computeUtilization: 0.3,
        memoryUtilization: 0.6,
        busyShare: 1,
        prefillSeconds: 20,
        decodeSeconds: 80,
        cost: CostSchema.parse({
          capitalUsdPerDevice: 25000,
          hostCapitalUsdPerDevice: 5000,
          lifetimeYears: 5,
          lifetimeBusyFraction: 0.7,
          hostWattsPerDevice: 150,
          pue: 1.3,
          electricityUsdPerKwh: 0.08,
        }),
      }),
    );
    expect(POWER_DEFAULTS.busyFloorFraction).toBe(0.22);
    // 140 + 560 · (0.22 + 0.78 · (0.3 + 0.5 · 0.6)) = 525.28 W
    expect(r.energy?.wattsPerDevice).toBeCloseTo(525.28, 9);
    expect(r.energy?.wattsPerDeviceParts.busyWatts).toBeCloseTo(123.2, 9);
    expect(r.energy?.joulesPerOutputToken).toBeCloseTo(1.681, 3);
    expect(r.energy?.joulesPerRequest).toBeCloseTo(420.2, 1);
    expect(r.cost?.capital?.electricityUsdPerHour).toBeCloseTo(0.0702, 4);
    expect(r.cost?.usdPerDeviceHour).toBeCloseTo(1.048, 3);
    expect(r.cost?.usdPerMillionOutputTokens).toBeCloseTo(0.745, 3);
  });

  it('omits per-token and per-request figures when there are none, and never divides by zero', () => {
    const r = energyAndCost(
      run({
        inputTokens: 0,
        outputTokens: 0,
        requests: 0,
        wallSeconds: 0,
        cost: CostSchema.parse({ usdPerDeviceHour: 2 }),
      }),
    );
    expect(r.energy?.joulesTotal).toBe(0);
    expect(r.energy).not.toHaveProperty('joulesPerOutputToken');
    expect(r.energy).not.toHaveProperty('joulesPerRequest');
    expect(r.energy).not.toHaveProperty('kilowattHoursPerMillionOutputTokens');
    expect(r.cost?.usdTotal).toBe(0);
    expect(r.cost).not.toHaveProperty('usdPerMillionOutputTokens');
    expect(r.cost).not.toHaveProperty('usdPerRequest');
  });

  it('omits energy without a TDP but keeps a given price', () => {
    const r = energyAndCost(run({ hardware: noTdp, cost: CostSchema.parse({ usdPerDeviceHour: 2 }) }));
    expect(r.energy).toBeUndefined();
    expect(r.cost?.usdPerDeviceHour).toBe(2);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['energy.no-tdp']);
  });
});

describe('cost', () => {
  const table: PriceTable = { 'h100-sxm': { usdPerHour: 3, source: 'test table', asOf: '2025-01-01' } };

  it('ships an empty default table: no price without a source', () => {
    expect(Object.keys(DEFAULT_PRICES)).toEqual([]);
  });

  it('omits cost when no price is known, with an info diagnostic naming the fields to set', () => {
    const r = energyAndCost(run());
    expect(r.cost).toBeUndefined();
    expect(r.energy).toBeDefined();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d?.code).toBe('cost.no-price');
    expect(d?.severity).toBe('info');
    expect(d?.message).toContain('cost.usdPerDeviceHour');
    expect(d?.message).toContain('cost.capitalUsdPerDevice');
  });

  it('uses the price table when nothing overrides it', () => {
    const r = energyAndCost(run(), table);
    expect(r.cost?.usdPerDeviceHour).toBe(3);
    expect(r.cost?.basis).toBe('price');
    expect(r.cost?.source).toContain('test table');
    expect(r.diagnostics).toEqual([]);
  });

  it('lets the hardware file price win over the table, and the scenario price over both', () => {
    const priced = HardwareSpecSchema.parse({
      ...h100,
      priceUsdPerHour: 4,
      sources: { priceUsdPerHour: 'my quote' },
    });
    expect(energyAndCost(run({ hardware: priced }), table).cost?.usdPerDeviceHour).toBe(4);
    expect(energyAndCost(run({ hardware: priced }), table).cost?.source).toContain('my quote');
    const override = CostSchema.parse({ usdPerDeviceHour: 2.5, priceSource: 'internal rate' });
    const r = energyAndCost(run({ hardware: priced, cost: override }), table);
    expect(r.cost?.usdPerDeviceHour).toBe(2.5);
    expect(r.cost?.source).toBe('internal rate');
  });

  it('charges every token the same without phase times', () => {
    // 8 devices · 100 s = 800/3600 device-hours at 3.6 USD = 0.8 USD over 1.25 M tokens.
    const r = energyAndCost(run({ cost: CostSchema.parse({ usdPerDeviceHour: 3.6 }) }));
    const c = r.cost;
    expect(c?.usdTotal).toBeCloseTo(0.8, 12);
    expect(c?.split).toBe('per-token');
    expect(c?.usdPerMillionTokens).toBeCloseTo(0.64, 12);
    expect(c?.usdPerMillionInputTokens).toBeCloseTo(0.64, 12);
    expect(c?.usdPerMillionOutputTokens).toBeCloseTo(0.64, 12);
    expect(c?.usdPerRequest).toBeCloseTo(0.0008, 15);
  });

  it('splits cost between input and output by prefill and decode time', () => {
    const cost = CostSchema.parse({ usdPerDeviceHour: 3.6 });
    const r = energyAndCost(run({ cost, prefillSeconds: 25, decodeSeconds: 75 }));
    // 0.8 USD: 0.2 to 1 M input tokens, 0.6 to 0.25 M output tokens.
    expect(r.cost?.split).toBe('phase-time');
    expect(r.cost?.usdPerMillionInputTokens).toBeCloseTo(0.2, 12);
    expect(r.cost?.usdPerMillionOutputTokens).toBeCloseTo(2.4, 12);
    expect(r.cost?.usdPerMillionTokens).toBeCloseTo(0.64, 12);
    // A missing phase is the wall time minus the other.
    const partial = energyAndCost(run({ cost, prefillSeconds: 25 }));
    expect(partial.cost?.usdPerMillionOutputTokens).toBeCloseTo(2.4, 12);
  });

  it('amortizes capital over the lifetime and adds electricity at the PUE (checked by hand)', () => {
    const cost = CostSchema.parse({
      capitalUsdPerDevice: 30000,
      lifetimeYears: 5,
      electricityUsdPerKwh: 0.1,
      pue: 1.5,
    });
    const r = energyAndCost(run({ computeUtilization: 1, memoryUtilization: 0, cost }));
    // 30000 / (5 · 8766 h) = 0.684463 USD/h; 0.7 kW · 1.5 · 0.1 USD/kWh = 0.105 USD/h.
    expect(HOURS_PER_YEAR).toBe(8766);
    expect(r.cost?.basis).toBe('capital');
    expect(r.cost?.capital?.amortizedUsdPerHour).toBeCloseTo(0.684463, 6);
    expect(r.cost?.capital?.electricityUsdPerHour).toBeCloseTo(0.105, 12);
    expect(r.cost?.usdPerDeviceHour).toBeCloseTo(0.789463, 6);
    expect(r.diagnostics).toEqual([]);
  });

  it('adds host capital and power, and spreads capital over busy hours only', () => {
    const cost = CostSchema.parse({
      capitalUsdPerDevice: 30000,
      hostCapitalUsdPerDevice: 10000,
      hostWattsPerDevice: 300,
      lifetimeYears: 4,
      lifetimeBusyFraction: 0.5,
      electricityUsdPerKwh: 0.2,
    });
    const r = energyAndCost(run({ computeUtilization: 1, memoryUtilization: 0, cost }));
    // 40000 / (4 · 8766 · 0.5) = 2.281542 USD/h; (0.7 + 0.3) kW · 1 · 0.2 = 0.2 USD/h.
    expect(r.cost?.capital?.amortizedUsdPerHour).toBeCloseTo(40000 / 17532, 9);
    expect(r.cost?.capital?.electricityUsdPerHour).toBeCloseTo(0.2, 12);
    expect(r.cost?.usdPerDeviceHour).toBeCloseTo(40000 / 17532 + 0.2, 9);
  });

  it('says when the capital path leaves electricity out', () => {
    const noPrice = energyAndCost(
      run({ cost: CostSchema.parse({ capitalUsdPerDevice: 30000, lifetimeYears: 5 }) }),
    );
    expect(noPrice.cost?.capital?.electricityUsdPerHour).toBe(0);
    expect(noPrice.diagnostics.map((d) => d.code)).toEqual(['cost.electricity-not-counted']);
    const cost = CostSchema.parse({
      capitalUsdPerDevice: 30000,
      lifetimeYears: 5,
      electricityUsdPerKwh: 0.1,
    });
    const noPower = energyAndCost(run({ hardware: noTdp, cost }));
    expect(noPower.cost?.capital?.electricityUsdPerHour).toBe(0);
    expect(noPower.diagnostics.map((d) => d.code)).toEqual(['energy.no-tdp', 'cost.power-unknown']);
  });

  it('takes the capital path over the hardware price and the table', () => {
    const priced = HardwareSpecSchema.parse({ ...h100, priceUsdPerHour: 4 });
    const cost = CostSchema.parse({ capitalUsdPerDevice: 30000, lifetimeYears: 5 });
    expect(energyAndCost(run({ hardware: priced, cost }), table).cost?.basis).toBe('capital');
  });
});

/** Every number anywhere in a value, with its path. */
function numbersIn(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${path}.${k}`));
}

describe('properties over random inputs', () => {
  it('never yields NaN, Infinity or a negative number; power stays within idle..TDP', () => {
    const r = rng(20240611);
    const hardware = [...HARDWARE_CATALOG.values()];
    const odd = [0, -1, Number.NaN, Infinity, 1e-12, 1e12];
    const maybeOdd = (x: number) => (r() < 0.1 ? pick(r, odd) : x);
    for (let i = 0; i < 3000; i++) {
      const power = PowerSchema.parse({
        ...(r() < 0.3 ? { tdpWatts: 1 + r() * 2000 } : {}),
        ...(r() < 0.3 ? { idleWatts: r() * 1500 } : {}),
        ...(r() < 0.3 ? { idleFractionOfTdp: r() } : {}),
        ...(r() < 0.3 ? { dynamicFractionAtFullCompute: r() } : {}),
        ...(r() < 0.3 ? { dynamicFractionAtFullBandwidth: r() } : {}),
        ...(r() < 0.3 ? { busyFloorFraction: r() } : {}),
      });
      const kind = intIn(r, 0, 3);
      const cost =
        kind === 0
          ? undefined
          : kind === 1
            ? CostSchema.parse({ usdPerDeviceHour: 0.01 + r() * 20 })
            : CostSchema.parse({
                capitalUsdPerDevice: 1 + r() * 100000,
                lifetimeYears: 0.1 + r() * 10,
                lifetimeBusyFraction: 0.01 + r() * 0.99,
                ...(r() < 0.7 ? { electricityUsdPerKwh: r() * 0.5, pue: 1 + r() } : {}),
                ...(r() < 0.5
                  ? { hostCapitalUsdPerDevice: r() * 50000, hostWattsPerDevice: r() * 1000 }
                  : {}),
              });
      const input: EnergyInput = {
        hardware: pick(r, hardware),
        devices: maybeOdd(intIn(r, 1, 512)),
        wallSeconds: maybeOdd(r() * 3600),
        computeUtilization: maybeOdd(r()),
        memoryUtilization: maybeOdd(r()),
        ...(r() < 0.7 ? { busyShare: maybeOdd(r()) } : {}),
        inputTokens: maybeOdd(intIn(r, 0, 10_000_000)),
        outputTokens: maybeOdd(intIn(r, 0, 1_000_000)),
        requests: maybeOdd(intIn(r, 0, 10000)),
        ...(r() < 0.5 ? { prefillSeconds: maybeOdd(r() * 100), decodeSeconds: maybeOdd(r() * 100) } : {}),
        power,
        cost,
      };
      const result = energyAndCost(
        input,
        pick(r, [
          DEFAULT_PRICES,
          { [input.hardware.id]: { usdPerHour: 2, source: 's', asOf: '2025-01-01' } },
        ]),
      );
      for (const [path, x] of numbersIn(result)) {
        expect(Number.isFinite(x), `${String(i)} ${path}`).toBe(true);
        expect(x, `${String(i)} ${path}`).toBeGreaterThanOrEqual(0);
      }
      const e = result.energy;
      if (e !== undefined) {
        expect(e.wattsPerDevice).toBeGreaterThanOrEqual(e.idleWattsPerDevice);
        expect(e.wattsPerDevice).toBeLessThanOrEqual(e.tdpWattsPerDevice);
        const parts = e.wattsPerDeviceParts;
        expect(parts.idleWatts + parts.busyWatts + parts.computeWatts + parts.memoryWatts).toBeCloseTo(
          e.wattsPerDevice,
          6,
        );
      } else {
        expect(result.diagnostics.some((d) => d.code === 'energy.no-tdp')).toBe(true);
      }
      if (cost === undefined && result.cost === undefined) {
        expect(result.diagnostics.some((d) => d.code === 'cost.no-price')).toBe(true);
      }
    }
  });
});
