/**
 * The optional `power` and `cost` sections of a scenario. Power turns utilization into watts
 * (energy/model.ts); cost turns device time into dollars, from a price per device-hour or from
 * capital cost amortized over a lifetime plus electricity. The fractions and weights here are
 * model assumptions, not specs: docs/energy-cost.md gives the reasoning for each default.
 */
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

/**
 * Busy floor: the share of (TDP − idle) a device draws while it runs kernels that achieve little
 * (small-batch decode: launch- and latency-bound GEMMs, collectives polling, clocks and voltage
 * up). Fitted: the median, over the 10 InferenceX DeepSeek-R1 runs on MI355X with measured
 * average power (serving-modern.csv N0995–N1014; SGLang, FP8 and MXFP4, 4–32 clients), of the
 * floor that reproduces each run's watts from its modeled utilizations (range 0.12–0.28;
 * `node scripts/fit-power.mjs`). The only measured serving power in Ridgeline's data, so it is
 * applied to every device: one device's evidence, said so in every result's assumptions.
 */
const BUSY_FLOOR_FRACTION = 0.22;

/** Defaults of the power model. Assumptions, not specs (see docs/energy-cost.md). */
export const POWER_DEFAULTS = {
  /** Idle power as a fraction of TDP when neither power.idleWatts nor a measured idle is given. */
  idleFractionOfTdp: 0.2,
  /** Share of the dynamic range (TDP − idle) drawn at full compute utilization. */
  dynamicFractionAtFullCompute: 1,
  /** Share of the dynamic range drawn at full memory-bandwidth utilization. */
  dynamicFractionAtFullBandwidth: 0.5,
  /**
   * Share of the dynamic range a device draws while it runs kernels at all, before any achieved
   * FLOP/s or bandwidth: fitted to InferenceX MI355X serving power (docs/energy-cost.md).
   */
  busyFloorFraction: BUSY_FLOOR_FRACTION,
} as const;

/** Defaults of the capital-cost path. Neutral values: they add nothing the user did not set. */
export const COST_DEFAULTS = {
  /** Power usage effectiveness: facility watts per IT watt. 1 counts the devices' own power only. */
  pue: 1,
  /** Fraction of the lifetime's hours the device does paid work. 1 spreads capital over every hour. */
  lifetimeBusyFraction: 1,
  hostCapitalUsdPerDevice: 0,
  hostWattsPerDevice: 0,
} as const;

export const PowerSchema = z
  .object({
    /** Board/module power limit, W. Default: the hardware's tdpWatts (catalog or file). */
    tdpWatts: z.number().positive().optional(),
    /** Power of a device that is on and holds the model but runs no kernel, W. Default idleFractionOfTdp · TDP. */
    idleWatts: z.number().nonnegative().optional(),
    /** Idle power as a fraction of TDP, used when idleWatts is absent. Default 0.2 (an assumption). */
    idleFractionOfTdp: fraction.optional(),
    /**
     * Share of the dynamic range (TDP − idle) a device draws when its compute units run at peak
     * FLOP/s. Default 1: a device saturating its tensor units reaches its power limit (assumption).
     */
    dynamicFractionAtFullCompute: fraction.optional(),
    /**
     * Share of the dynamic range a device draws when it streams memory at peak bandwidth with
     * idle compute units. Default 0.5: memory-bound work draws less than compute-bound work
     * (POLCA, qualitatively); the value itself is an assumption.
     */
    dynamicFractionAtFullBandwidth: fraction.optional(),
    /**
     * Share of the dynamic range a device draws while it runs kernels, however little they
     * achieve (clocks and voltage up, units issuing, collectives polling); the utilization terms
     * share the rest. Default fitted to InferenceX MI355X serving power (docs/energy-cost.md).
     */
    busyFloorFraction: fraction.optional(),
  })
  .strict();

export const CostSchema = z
  .object({
    /** Price per device-hour, USD (rental, or your internal rate). Default: the price table, else none. */
    usdPerDeviceHour: z.number().positive().optional(),
    /** Where usdPerDeviceHour comes from (a quote, a price page and its date); shown with the cost. */
    priceSource: z.string().min(1).optional(),
    /** Purchase price of one device, USD: selects the capital path. Needs lifetimeYears. */
    capitalUsdPerDevice: z.number().positive().optional(),
    /** Years over which capital is amortized (straight line). Required with capitalUsdPerDevice. */
    lifetimeYears: z.number().positive().optional(),
    /** Fraction of lifetime hours the device does paid work; capital is spread over those. Default 1. */
    lifetimeBusyFraction: z.number().positive().max(1).optional(),
    /** Electricity price, USD per kWh. Capital path only; absent: electricity is not counted. */
    electricityUsdPerKwh: z.number().nonnegative().optional(),
    /** Power usage effectiveness (facility W per IT W), ≥ 1. Capital path only. Default 1. */
    pue: z.number().min(1).optional(),
    /** Host share per device (CPU, NIC, chassis, switch), USD, amortized with the device. Default 0. */
    hostCapitalUsdPerDevice: z.number().nonnegative().optional(),
    /** Host power per device (CPU, NIC, fans), W, charged with the device's power. Default 0. */
    hostWattsPerDevice: z.number().nonnegative().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.usdPerDeviceHour !== undefined && c.capitalUsdPerDevice !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'cost takes either usdPerDeviceHour (a price) or capitalUsdPerDevice (the capital path), not both',
        path: ['capitalUsdPerDevice'],
      });
    }
    if (c.capitalUsdPerDevice !== undefined && c.lifetimeYears === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'capitalUsdPerDevice needs lifetimeYears (the years over which the device is amortized)',
        path: ['lifetimeYears'],
      });
    }
  });

export type PowerOptionsInput = z.input<typeof PowerSchema>;
export type PowerOptions = z.output<typeof PowerSchema>;
export type CostOptionsInput = z.input<typeof CostSchema>;
export type CostOptions = z.output<typeof CostSchema>;
