/**
 * Energy and cost of a run. Power per device is idle, plus a floor share of the dynamic range
 * while the device runs kernels at all (clocks and voltage up, units issuing, collectives
 * polling), plus a utilization-weighted share of the rest up to TDP; energy is power × devices ×
 * time. Cost is device-hours times a price per device-hour, either given (scenario, hardware file,
 * price table) or built from capital amortized over a lifetime plus electricity at a PUE. The
 * weights and idle fraction are assumptions (docs/energy-cost.md); POLCA (Patel et al. 2023)
 * supports only their direction: inference rarely draws full TDP, and compute-heavy prefill draws
 * more than memory-bound decode. The busy floor is fitted to the only measured serving power in
 * Ridgeline's data (InferenceX MI355X runs, docs/energy-cost.md).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { energyMessages } from './messages.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { DEFAULT_PRICES, type PriceTable } from './prices.js';
import { COST_DEFAULTS, POWER_DEFAULTS, type CostOptions, type PowerOptions } from './schema.js';

/** Hours in a year: 365.25 days of 24 h, so leap years average out over a lifetime. */
export const HOURS_PER_YEAR = 8766;
const SECONDS_PER_HOUR = 3600;
const JOULES_PER_KILOWATT_HOUR = 3.6e6;
const PER_MILLION = 1e6;

export interface EnergyInput {
  readonly hardware: HardwareSpec;
  /** Devices used (all draw power and are paid for over wallSeconds). */
  readonly devices: number;
  /** Duration of the run being priced, seconds. */
  readonly wallSeconds: number;
  /** 0..1: time-averaged achieved FLOP/s ÷ peak FLOP/s of the format computed in, per device. */
  readonly computeUtilization: number;
  /** 0..1: time-averaged achieved bytes/s ÷ peak memory bandwidth, per device. */
  readonly memoryUtilization: number;
  /**
   * 0..1: share of wallSeconds in which the device runs kernels (a serving run's steps; idle gaps
   * between requests are not busy). Default 1.
   */
  readonly busyShare?: number;
  /** Prompt tokens processed, total over the run and all devices. */
  readonly inputTokens: number;
  /** Output tokens generated, total over the run and all devices. */
  readonly outputTokens: number;
  /** Requests completed in the run. */
  readonly requests: number;
  /**
   * Device time spent on prefill (input tokens), seconds. With decodeSeconds it splits cost
   * between input and output tokens by time share; a missing one of the two is wallSeconds minus
   * the other. When both are absent every token is charged the same.
   */
  readonly prefillSeconds?: number;
  /** Device time spent on decode (output tokens), seconds. See prefillSeconds. */
  readonly decodeSeconds?: number;
  readonly power: PowerOptions | undefined;
  readonly cost: CostOptions | undefined;
}

/**
 * Where one device's watts go: idle, the busy floor, compute and memory traffic. The four sum to
 * the device's watts (when the cap binds, compute and memory are scaled down to meet it).
 */
export interface PowerParts {
  readonly idleWatts: number;
  /** (TDP − idle) · busy floor · busy share: drawn for running kernels at all. */
  readonly busyWatts: number;
  /** Drawn for achieved FLOP/s. */
  readonly computeWatts: number;
  /** Drawn for achieved memory bandwidth. */
  readonly memoryWatts: number;
}

export interface DevicePower {
  /** Modeled draw of one device over the run, W; idleWatts ≤ watts ≤ tdpWatts. */
  readonly watts: number;
  readonly idleWatts: number;
  readonly tdpWatts: number;
  /** 0..1: the share of the dynamic range (TDP − idle) drawn. */
  readonly dynamicFraction: number;
  readonly parts: PowerParts;
  /** The clamped inputs the power was computed from. */
  readonly computeUtilization: number;
  readonly memoryUtilization: number;
  readonly busyShare: number;
  /** Where each number comes from; assumptions say so and name the field that overrides them. */
  readonly assumptions: readonly string[];
}

export interface EnergyReport {
  /** Modeled draw of one device, W. */
  readonly wattsPerDevice: number;
  readonly idleWattsPerDevice: number;
  readonly tdpWattsPerDevice: number;
  /** wattsPerDevice × devices, W. */
  readonly wattsTotal: number;
  /** Where wattsPerDevice goes (idle, busy floor, compute, memory), W per device. */
  readonly wattsPerDeviceParts: PowerParts;
  /** 0..1: the run's time-averaged compute and memory-bandwidth utilization, and busy share. */
  readonly computeUtilization: number;
  readonly memoryUtilization: number;
  readonly busyShare: number;
  /** Energy of the run over all devices, J. */
  readonly joulesTotal: number;
  /** Absent when the run has no output tokens. */
  readonly joulesPerOutputToken?: number;
  /** joulesTotal ÷ (input + output tokens); absent when the run has no tokens. */
  readonly joulesPerToken?: number;
  /** Absent when the run has no requests. */
  readonly joulesPerRequest?: number;
  /** Absent when the run has no output tokens. */
  readonly kilowattHoursPerMillionOutputTokens?: number;
  readonly assumptions: readonly string[];
}

export type CostBasis = 'price' | 'capital';
/** 'phase-time': input and output tokens carry the cost of prefill and decode time; 'per-token': every token costs the same. */
export type CostSplit = 'phase-time' | 'per-token';

export interface CapitalBreakdown {
  /** (device + host capital) ÷ (lifetime hours × busy fraction), USD per device-hour. */
  readonly amortizedUsdPerHour: number;
  /** (device + host watts) × PUE × electricity price, USD per device-hour; 0 when not counted. */
  readonly electricityUsdPerHour: number;
}

export interface DeviceHourPrice {
  readonly usdPerDeviceHour: number;
  readonly basis: CostBasis;
  readonly source: string;
  readonly capital?: CapitalBreakdown;
}

export interface CostReport {
  readonly usdPerDeviceHour: number;
  readonly basis: CostBasis;
  /** Where the price comes from. */
  readonly source: string;
  /** Present on the capital path. */
  readonly capital?: CapitalBreakdown;
  /** Cost of the run over all devices, USD. */
  readonly usdTotal: number;
  readonly split: CostSplit;
  /** Absent when the run has no input tokens. */
  readonly usdPerMillionInputTokens?: number;
  /** Absent when the run has no output tokens. */
  readonly usdPerMillionOutputTokens?: number;
  /** usdTotal per million input + output tokens; absent when the run has no tokens. */
  readonly usdPerMillionTokens?: number;
  /** Absent when the run has no requests. */
  readonly usdPerRequest?: number;
}

export interface EnergyCostResult {
  /** Absent when no TDP is known (a diagnostic says which field to set). */
  readonly energy: EnergyReport | undefined;
  /** Absent when no price is known (a diagnostic says which field to set). */
  readonly cost: CostReport | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** Non-negative and finite, else 0: results never carry NaN, Infinity or a negative number. */
const nonNegative = (x: number | undefined): number =>
  x !== undefined && Number.isFinite(x) && x > 0 ? x : 0;
const unit = (x: number): number => Math.min(1, nonNegative(x));
/** numerator ÷ denominator, absent when the denominator is 0. */
const per = (numerator: number, denominator: number): number | undefined =>
  denominator > 0 ? numerator / denominator : undefined;
const perMillion = (usd: number, count: number): number | undefined =>
  count > 0 ? (usd / count) * PER_MILLION : undefined;
const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/** The weights that turn utilization and busy time into a share of the dynamic range. */
interface PowerWeights {
  readonly busyFloor: number;
  readonly atCompute: number;
  readonly atBandwidth: number;
}

/**
 * `d = f·b + (1 − f)·min(1, a_c·u_c + a_m·u_m)`, `P = idle + (TDP − idle)·d`, with every input
 * clamped to 0..1, so idle ≤ P ≤ TDP and P is monotone in u_c, u_m and b.
 */
function powerAt(
  idleWatts: number,
  tdpWatts: number,
  u: { readonly compute: number; readonly memory: number; readonly busy: number },
  w: PowerWeights,
): Pick<DevicePower, 'watts' | 'dynamicFraction' | 'parts'> {
  const range = Math.max(0, tdpWatts - idleWatts);
  const load = w.atCompute * u.compute + w.atBandwidth * u.memory;
  const utilShare = Math.min(1, load);
  // Past the cap, compute and memory share what is left of the range in proportion.
  const scale = load > 0 ? utilShare / load : 0;
  const dynamicFraction = w.busyFloor * u.busy + (1 - w.busyFloor) * utilShare;
  const watts = Math.min(tdpWatts, idleWatts + range * dynamicFraction);
  const parts: PowerParts = {
    idleWatts,
    busyWatts: range * w.busyFloor * u.busy,
    computeWatts: range * (1 - w.busyFloor) * w.atCompute * u.compute * scale,
    memoryWatts: range * (1 - w.busyFloor) * w.atBandwidth * u.memory * scale,
  };
  return { watts, dynamicFraction, parts };
}

const DEFAULT_WEIGHTS: PowerWeights = {
  busyFloor: POWER_DEFAULTS.busyFloorFraction,
  atCompute: POWER_DEFAULTS.dynamicFractionAtFullCompute,
  atBandwidth: POWER_DEFAULTS.dynamicFractionAtFullBandwidth,
};

/**
 * Power of one device at the given time-averaged utilizations and busy share:
 * `P = idle + (TDP − idle) · (f·b + (1 − f) · min(1, a_c·u_c + a_m·u_m))`, so idle ≤ P ≤ TDP and
 * P is monotone in both utilizations and in the busy share. Undefined when no TDP is known.
 */
export function devicePower(
  hardware: HardwareSpec,
  computeUtilization: number,
  memoryUtilization: number,
  power: PowerOptions | undefined,
  busyShare = 1,
): { readonly power: DevicePower | undefined; readonly diagnostics: readonly Diagnostic[] } {
  const u = { compute: unit(computeUtilization), memory: unit(memoryUtilization), busy: unit(busyShare) };
  // Sweeps price one device many times: its default-parameter assumptions are built once.
  if (power === undefined) {
    let base = defaultPowerCache.get(hardware);
    if (base === undefined) {
      base = powerSetup(hardware, undefined);
      defaultPowerCache.set(hardware, base);
    }
    const p = base.setup;
    if (p === undefined) return { power: undefined, diagnostics: base.diagnostics };
    return { power: devicePowerOf(p, u, DEFAULT_WEIGHTS), diagnostics: base.diagnostics };
  }
  const { setup, diagnostics } = powerSetup(hardware, power);
  if (setup === undefined) return { power: undefined, diagnostics };
  return { power: devicePowerOf(setup, u, setup.weights), diagnostics };
}

/**
 * The device's power at clamped utilizations. Built field by field, not by spreading the setup:
 * sweeps call this once per evaluation, and three object spreads here cost a third of an
 * estimate's throughput (bench, docs/performance.md).
 */
function devicePowerOf(
  setup: PowerSetup,
  u: { readonly compute: number; readonly memory: number; readonly busy: number },
  weights: PowerWeights,
): DevicePower {
  const at = powerAt(setup.idleWatts, setup.tdpWatts, u, weights);
  return {
    watts: at.watts,
    idleWatts: setup.idleWatts,
    tdpWatts: setup.tdpWatts,
    dynamicFraction: at.dynamicFraction,
    parts: at.parts,
    computeUtilization: u.compute,
    memoryUtilization: u.memory,
    busyShare: u.busy,
    assumptions: setup.assumptions,
  };
}

interface PowerSetup {
  readonly idleWatts: number;
  readonly tdpWatts: number;
  readonly weights: PowerWeights;
  readonly assumptions: readonly string[];
}

const defaultPowerCache = new WeakMap<
  HardwareSpec,
  { readonly setup: PowerSetup | undefined; readonly diagnostics: readonly Diagnostic[] }
>();

/** Idle, TDP and weights of a device under the scenario's power section, with their assumptions. */
function powerSetup(
  hardware: HardwareSpec,
  power: PowerOptions | undefined,
): { readonly setup: PowerSetup | undefined; readonly diagnostics: readonly Diagnostic[] } {
  const tdpWatts = power?.tdpWatts ?? hardware.tdpWatts;
  if (tdpWatts === undefined)
    return { setup: undefined, diagnostics: [energyMessages.energyNoTdp(hardware.id)] };
  const diagnostics: Diagnostic[] = [];
  const assumptions: string[] = [
    power?.tdpWatts !== undefined
      ? `TDP ${fmt(tdpWatts)} W from power.tdpWatts.`
      : `TDP ${fmt(tdpWatts)} W from hardware '${hardware.id}' (a spec; override with power.tdpWatts).`,
  ];

  let idleWatts: number;
  if (power?.idleWatts !== undefined) {
    idleWatts = Math.min(power.idleWatts, tdpWatts);
    if (power.idleWatts > tdpWatts) diagnostics.push(energyMessages.idleAboveTdp(power.idleWatts, tdpWatts));
    assumptions.push(`Idle ${fmt(idleWatts)} W from power.idleWatts.`);
  } else {
    const fraction = power?.idleFractionOfTdp ?? POWER_DEFAULTS.idleFractionOfTdp;
    idleWatts = fraction * tdpWatts;
    assumptions.push(
      power?.idleFractionOfTdp !== undefined
        ? `Idle ${fmt(idleWatts)} W = ${fmt(fraction)} × TDP from power.idleFractionOfTdp.`
        : `Idle ${fmt(idleWatts)} W = ${fmt(fraction)} × TDP: an assumption, not a spec (set power.idleWatts or power.idleFractionOfTdp).`,
    );
  }

  const weights: PowerWeights = {
    busyFloor: power?.busyFloorFraction ?? POWER_DEFAULTS.busyFloorFraction,
    atCompute: power?.dynamicFractionAtFullCompute ?? POWER_DEFAULTS.dynamicFractionAtFullCompute,
    atBandwidth: power?.dynamicFractionAtFullBandwidth ?? POWER_DEFAULTS.dynamicFractionAtFullBandwidth,
  };
  const weightsAssumed =
    power?.dynamicFractionAtFullCompute === undefined || power.dynamicFractionAtFullBandwidth === undefined;
  assumptions.push(
    `Power = idle + (TDP − idle) · (${fmt(weights.busyFloor)} · busy share + ${fmt(1 - weights.busyFloor)} · min(1, ${fmt(weights.atCompute)} · compute utilization + ${fmt(weights.atBandwidth)} · memory-bandwidth utilization)), from time-averaged utilization over the run${
      weightsAssumed
        ? '; the utilization weights are assumptions (set power.dynamicFractionAtFullCompute, power.dynamicFractionAtFullBandwidth).'
        : '.'
    }`,
  );
  assumptions.push(
    power?.busyFloorFraction !== undefined
      ? `Busy floor ${fmt(weights.busyFloor)} of (TDP − idle) from power.busyFloorFraction.`
      : `Busy floor ${fmt(weights.busyFloor)} of (TDP − idle) while kernels run: fitted to InferenceX MI355X serving power (10 runs), applied to every device (set power.busyFloorFraction).`,
  );
  return { setup: { idleWatts, tdpWatts, weights, assumptions }, diagnostics };
}

/**
 * The price of one device-hour, in order: cost.usdPerDeviceHour; the capital path when
 * cost.capitalUsdPerDevice is set; the hardware's priceUsdPerHour; the price table. Undefined
 * (with an info diagnostic naming the fields) when none applies.
 */
export function deviceHourPrice(
  hardware: HardwareSpec,
  cost: CostOptions | undefined,
  watts: number | undefined,
  prices: PriceTable = DEFAULT_PRICES,
): { readonly price: DeviceHourPrice | undefined; readonly diagnostics: readonly Diagnostic[] } {
  if (cost?.usdPerDeviceHour !== undefined) {
    const source = cost.priceSource ?? 'scenario cost.usdPerDeviceHour';
    return { price: { usdPerDeviceHour: cost.usdPerDeviceHour, basis: 'price', source }, diagnostics: [] };
  }
  if (cost?.capitalUsdPerDevice !== undefined && cost.lifetimeYears !== undefined) {
    return capitalPrice(hardware, cost, cost.capitalUsdPerDevice, cost.lifetimeYears, watts);
  }
  if (hardware.priceUsdPerHour !== undefined) {
    const cited = hardware.sources['priceUsdPerHour'];
    const source = `hardware '${hardware.id}' priceUsdPerHour${cited !== undefined ? ` (${cited})` : ''}`;
    return { price: { usdPerDeviceHour: hardware.priceUsdPerHour, basis: 'price', source }, diagnostics: [] };
  }
  const listed = prices[hardware.id];
  if (listed !== undefined) {
    const source = `price table: ${listed.source}, as of ${listed.asOf}`;
    return { price: { usdPerDeviceHour: listed.usdPerHour, basis: 'price', source }, diagnostics: [] };
  }
  return { price: undefined, diagnostics: [energyMessages.costNoPrice(hardware.id)] };
}

/**
 * Capital path: `(capital + host capital) / (lifetimeYears · 8766 h · busy fraction)` plus
 * `(device W + host W) · PUE / 1000 · USD per kWh`. Electricity is left out, with a diagnostic,
 * when its price or the device's power is unknown.
 */
function capitalPrice(
  hardware: HardwareSpec,
  cost: CostOptions,
  capitalUsdPerDevice: number,
  lifetimeYears: number,
  watts: number | undefined,
): { readonly price: DeviceHourPrice; readonly diagnostics: readonly Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const hostCapital = cost.hostCapitalUsdPerDevice ?? COST_DEFAULTS.hostCapitalUsdPerDevice;
  const busyFraction = cost.lifetimeBusyFraction ?? COST_DEFAULTS.lifetimeBusyFraction;
  const amortizedUsdPerHour =
    (capitalUsdPerDevice + hostCapital) / (lifetimeYears * HOURS_PER_YEAR * busyFraction);

  let electricityUsdPerHour = 0;
  if (cost.electricityUsdPerKwh === undefined) {
    diagnostics.push(energyMessages.costElectricityNotCounted());
  } else {
    if (watts === undefined) diagnostics.push(energyMessages.costPowerUnknown(hardware.id));
    const itWatts = (watts ?? 0) + (cost.hostWattsPerDevice ?? COST_DEFAULTS.hostWattsPerDevice);
    const pue = cost.pue ?? COST_DEFAULTS.pue;
    electricityUsdPerHour = ((itWatts * pue) / 1000) * cost.electricityUsdPerKwh;
  }

  const source = `capital path: ${fmt(capitalUsdPerDevice + hostCapital)} USD over ${fmt(lifetimeYears)} years${
    busyFraction < 1 ? `, busy ${fmt(busyFraction)} of the hours` : ''
  }${cost.electricityUsdPerKwh !== undefined ? `, electricity ${fmt(cost.electricityUsdPerKwh)} USD/kWh at PUE ${fmt(cost.pue ?? COST_DEFAULTS.pue)}` : ''} (scenario cost section)`;
  return {
    price: {
      usdPerDeviceHour: amortizedUsdPerHour + electricityUsdPerHour,
      basis: 'capital',
      source,
      capital: { amortizedUsdPerHour, electricityUsdPerHour },
    },
    diagnostics,
  };
}

/** Input/output shares of the run's cost: by prefill/decode time when given, else undefined (per token). */
function phaseShares(input: EnergyInput, wallSeconds: number): { input: number; output: number } | undefined {
  if (input.prefillSeconds === undefined && input.decodeSeconds === undefined) return undefined;
  const prefill =
    input.prefillSeconds !== undefined
      ? nonNegative(input.prefillSeconds)
      : Math.max(0, wallSeconds - nonNegative(input.decodeSeconds));
  const decode =
    input.decodeSeconds !== undefined ? nonNegative(input.decodeSeconds) : Math.max(0, wallSeconds - prefill);
  const total = prefill + decode;
  return total > 0 ? { input: prefill / total, output: decode / total } : undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Energy and cost of one run. Never throws; what cannot be computed is omitted with a diagnostic. */
export function energyAndCost(input: EnergyInput, prices: PriceTable = DEFAULT_PRICES): EnergyCostResult {
  const devices = nonNegative(input.devices);
  const wallSeconds = nonNegative(input.wallSeconds);
  const inputTokens = nonNegative(input.inputTokens);
  const outputTokens = nonNegative(input.outputTokens);
  const tokens = inputTokens + outputTokens;
  const requests = nonNegative(input.requests);
  const diagnostics: Diagnostic[] = [];

  const modeled = devicePower(
    input.hardware,
    input.computeUtilization,
    input.memoryUtilization,
    input.power,
    input.busyShare ?? 1,
  );
  diagnostics.push(...modeled.diagnostics);
  let energy: EnergyReport | undefined;
  if (modeled.power !== undefined) {
    const p = modeled.power;
    const wattsTotal = p.watts * devices;
    const joulesTotal = wattsTotal * wallSeconds;
    const joulesPerOutputToken = per(joulesTotal, outputTokens);
    // Optional fields are assigned, not spread in (sweeps build one report per evaluation);
    // keys keep the order of the EnergyReport interface, assumptions last.
    const e = {
      wattsPerDevice: p.watts,
      idleWattsPerDevice: p.idleWatts,
      tdpWattsPerDevice: p.tdpWatts,
      wattsTotal,
      wattsPerDeviceParts: p.parts,
      computeUtilization: p.computeUtilization,
      memoryUtilization: p.memoryUtilization,
      busyShare: p.busyShare,
      joulesTotal,
    } as Mutable<EnergyReport>;
    const joulesPerToken = per(joulesTotal, tokens);
    const joulesPerRequest = per(joulesTotal, requests);
    if (joulesPerOutputToken !== undefined) e.joulesPerOutputToken = joulesPerOutputToken;
    if (joulesPerToken !== undefined) e.joulesPerToken = joulesPerToken;
    if (joulesPerRequest !== undefined) e.joulesPerRequest = joulesPerRequest;
    if (joulesPerOutputToken !== undefined)
      e.kilowattHoursPerMillionOutputTokens = (joulesPerOutputToken * PER_MILLION) / JOULES_PER_KILOWATT_HOUR;
    e.assumptions = p.assumptions;
    energy = e;
  }

  const priced = deviceHourPrice(input.hardware, input.cost, modeled.power?.watts, prices);
  diagnostics.push(...priced.diagnostics);
  let cost: CostReport | undefined;
  if (priced.price !== undefined) {
    const price = priced.price;
    const usdTotal = price.usdPerDeviceHour * devices * (wallSeconds / SECONDS_PER_HOUR);
    // Per token, the shares are the token shares, so every token carries usdTotal ÷ tokens.
    const byTime = phaseShares(input, wallSeconds);
    const shares = byTime ?? {
      input: tokens > 0 ? inputTokens / tokens : 0,
      output: tokens > 0 ? outputTokens / tokens : 0,
    };
    const c = {
      usdPerDeviceHour: price.usdPerDeviceHour,
      basis: price.basis,
      source: price.source,
    } as Mutable<CostReport>;
    if (price.capital !== undefined) c.capital = price.capital;
    c.usdTotal = usdTotal;
    c.split = byTime === undefined ? 'per-token' : 'phase-time';
    const perInput = perMillion(usdTotal * shares.input, inputTokens);
    const perOutput = perMillion(usdTotal * shares.output, outputTokens);
    const perToken = perMillion(usdTotal, tokens);
    const perRequest = per(usdTotal, requests);
    if (perInput !== undefined) c.usdPerMillionInputTokens = perInput;
    if (perOutput !== undefined) c.usdPerMillionOutputTokens = perOutput;
    if (perToken !== undefined) c.usdPerMillionTokens = perToken;
    if (perRequest !== undefined) c.usdPerRequest = perRequest;
    cost = c;
  }

  return { energy, cost, diagnostics };
}
