/**
 * Platform requirements, as GenZ frames them: for a model, request lengths and targets, the
 * least of each device resource (memory capacity, memory bandwidth, compute, scale-up bandwidth
 * and domain size, scale-out bandwidth) that meets the targets with every other resource held
 * at a base device; the binding resource; how TPOT and TTFT move when a resource doubles; and
 * the catalog devices, with their counts, that meet the targets.
 *
 * Each resource is searched as a factor on the base device's value, in log space from 1/64 to
 * 64: the base first, then bisection between a factor that fails and one that meets (the
 * estimate improves monotonically with each resource; the property tests of the cost model
 * check that). Every evaluation is a full estimate (a continuous-batching simulation when the
 * targets ask for a rate), and the samples are returned for plotting. In the device listing, where
 * only a layout that meets is reported, a rate target's simulation stops once its p90 TTFT is
 * surely above the target (simulateServing's TTFT limit: no layout that meets is dropped), and
 * scenarios that normalize alike are estimated once.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { scenarioMessages } from '../scenario/messages.js';
import { estimateNormalized, validateScenario } from '../estimate.js';
import { normalizeScenario } from '../scenario/normalize.js';
import { findHardware, hardwareIds } from '../hardware/catalog.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { HardwareSpecSchema } from '../hardware/schema.js';
import { findModel } from '../model/catalog.js';
import type { EstimateReport } from '../report/assemble.js';
import type { EngineRef } from '../scenario/schema.js';
import { DEFAULT_ENGINE, engineIdOf } from '../scenario/schema.js';
import type { LayoutSpace } from './layouts.js';
import { replicaLayouts, searchDomain } from './layouts.js';
import type { Targets } from './usecases.js';
import { meetsTargets, targetRate, UNSTABLE_TTFT_MS } from './usecases.js';

export const RESOURCES = [
  'memoryCapacity',
  'memoryBandwidth',
  'compute',
  'scaleUpBandwidth',
  'scaleUpDomain',
  'scaleOutBandwidth',
] as const;
export type Resource = (typeof RESOURCES)[number];

/** Unit of each resource's values. */
export const RESOURCE_UNITS: Readonly<Record<Resource, string>> = {
  memoryCapacity: 'bytes',
  memoryBandwidth: 'bytesPerSecond',
  compute: 'flopsPerSecond',
  scaleUpBandwidth: 'bytesPerSecond',
  scaleUpDomain: 'devices',
  scaleOutBandwidth: 'bytesPerSecond',
};

export interface RequireInput {
  /**
   * The scenario without its workload: model, hardware (catalog id or inline object), gpus,
   * parallelism, precision, engine, serving, topology. Model and hardware files must already be
   * read into objects (the CLI does that).
   */
  readonly base: Readonly<Record<string, unknown>>;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly targets: Targets;
  /**
   * Requests simulated per evaluation when the targets ask for a rate. Default: enough for the
   * arrivals to span 2.5 mean request lifetimes at the base device (so that a rate the device
   * cannot sustain shows as a growing queue), from 300 to 4000.
   */
  readonly requests?: number;
  /** Resources searched. Default all; an empty list gives the device listing alone. */
  readonly resources?: readonly Resource[];
  /** Catalog devices to list (ids); default every catalog device. An empty list skips the listing. */
  readonly devices?: readonly string[];
  /** Largest device count tried per catalog device. Default 64. */
  readonly maxGpus?: number;
  /** Price per device-hour by hardware id, USD; orders the device listing when every device has one. */
  readonly usdPerHour?: Readonly<Record<string, number>>;
}

/** One evaluation of a resource search: the factor on the base value, the value and the outcome. */
export interface RequireSample {
  readonly factor: number;
  readonly value: number;
  readonly meets: boolean;
  /** p90 latencies, ms (null where the scenario could not run, e.g. the weights do not fit). */
  readonly ttftP90Ms: number | null;
  readonly tpotP90Ms: number | null;
}

export type RequirementStatus =
  /** The minimum lies inside the searched range. */
  | 'found'
  /** Even 1/64 of the base value meets the targets: the resource does not bind. */
  | 'not-binding'
  /** Even 64× the base value does not meet them: the other resources bind. */
  | 'unreachable'
  /** The base device has none of it (no scale-up link, no scale-out bandwidth given). */
  | 'absent';

export interface Requirement {
  readonly resource: Resource;
  readonly unit: string;
  readonly status: RequirementStatus;
  readonly baseValue: number | null;
  /** Least value meeting the targets (status 'found'; for 'not-binding', the smallest value tried). */
  readonly minimum: number | null;
  /** minimum / baseValue. */
  readonly ratio: number | null;
  /** For compute: the minimum rate of each numeric format the base device lists (ratio × its rate). */
  readonly perFormat?: Readonly<Record<string, number>>;
  readonly samples: readonly RequireSample[];
}

/** How TPOT and TTFT (p90) move when one resource doubles. */
export interface Sensitivity {
  readonly resource: Resource;
  /** TPOT at 2× / TPOT at base − 1 (−0.3: 30 % faster). Null where the scenario could not run. */
  readonly tpotChange: number | null;
  readonly ttftChange: number | null;
}

export interface DeviceFit {
  readonly hardware: string;
  readonly name: string;
  readonly gpus: number;
  /** The layout that met the targets (attention DP and redundant experts as `plan` writes them). */
  readonly parallelism: DeviceLayout;
  readonly ttftP90Ms: number;
  readonly tpotP90Ms: number;
  readonly outputTokensPerSec: number;
  /** USD per hour for all the devices, when a price was given. */
  readonly usdPerHour?: number;
}

export interface Requirements {
  readonly baseHardware: string;
  readonly workload: Readonly<Record<string, unknown>>;
  readonly targets: Targets;
  readonly base: {
    readonly meets: boolean;
    readonly ttftP90Ms: number | null;
    readonly tpotP90Ms: number | null;
  };
  readonly requirements: readonly Requirement[];
  /** The resource that binds (see bindingOf), or null when none has a minimum in range. */
  readonly binding: Resource | null;
  readonly sensitivities: readonly Sensitivity[];
  /** Catalog devices meeting the targets with their least count, cheapest first (or fewest devices). */
  readonly devices: readonly DeviceFit[];
  readonly devicesSortedBy: 'price' | 'gpus';
  /** Devices tried that met the targets at no count up to maxGpus. */
  readonly devicesNotMeeting: readonly string[];
}

const LOG2_RANGE = 6;
const MIN_REQUESTS = 300;
const MAX_REQUESTS = 4000;
/** Arrivals span this many mean request lifetimes (see RequireInput.requests). */
const SPAN_LIFETIMES = 2.5;
const BISECTIONS = 8;

type Topology = Record<string, unknown>;

interface Ctx {
  readonly base: Readonly<Record<string, unknown>>;
  readonly hw: HardwareSpec;
  readonly topology: Topology;
  readonly workload: Record<string, unknown>;
  readonly targets: Targets;
  readonly rate: number | undefined;
  /** Outcomes by normalized scenario (see `run`), shared by every evaluation of one call. */
  readonly memo: Map<string, Outcome>;
}

/** The base value of a resource (domain size and link bandwidths as the topology sees them). */
function baseValue(c: Ctx, r: Resource): number | undefined {
  const t = c.topology;
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  switch (r) {
    case 'memoryCapacity':
      return c.hw.memory.capacityBytes;
    case 'memoryBandwidth':
      return c.hw.memory.bandwidthBytesPerSecond;
    case 'compute': {
      const rates = c.hw.peakFlopsPerSecond;
      return rates.bf16 ?? rates.fp16 ?? Object.values(rates).find((v) => v !== undefined);
    }
    case 'scaleUpBandwidth':
      return num(t['scaleUpBandwidthBytesPerSecond']) ?? c.hw.scaleUp?.bandwidthBytesPerSecond;
    case 'scaleUpDomain':
      return num(t['scaleUpDomainSize']) ?? c.hw.scaleUp?.domainSize ?? 1;
    case 'scaleOutBandwidth':
      return num(t['scaleOutBandwidthBytesPerSecond']) ?? c.hw.scaleOut?.bandwidthBytesPerSecond;
  }
}

/** The scenario with one resource scaled by `factor` (domain size: set to `value`). */
function scaled(c: Ctx, r: Resource | undefined, factor: number): Record<string, unknown> {
  let hw: HardwareSpec = c.hw;
  const topology: Topology = { ...c.topology };
  if (r === 'memoryCapacity')
    hw = { ...hw, memory: { ...hw.memory, capacityBytes: hw.memory.capacityBytes * factor } };
  else if (r === 'memoryBandwidth')
    hw = {
      ...hw,
      memory: { ...hw.memory, bandwidthBytesPerSecond: hw.memory.bandwidthBytesPerSecond * factor },
    };
  else if (r === 'compute') {
    const rates: Record<string, number> = {};
    for (const [k, v] of Object.entries(hw.peakFlopsPerSecond)) if (v !== undefined) rates[k] = v * factor;
    hw = { ...hw, peakFlopsPerSecond: rates };
  } else if (r !== undefined) {
    const key =
      r === 'scaleUpBandwidth'
        ? 'scaleUpBandwidthBytesPerSecond'
        : r === 'scaleUpDomain'
          ? 'scaleUpDomainSize'
          : 'scaleOutBandwidthBytesPerSecond';
    const v = (baseValue(c, r) ?? 1) * factor;
    topology[key] = r === 'scaleUpDomain' ? Math.max(1, Math.round(v)) : v;
  }
  const s: Record<string, unknown> = { ...c.base, hardware: hw, workload: c.workload };
  if (Object.keys(topology).length > 0) s['topology'] = topology;
  return s;
}

interface Outcome {
  readonly meets: boolean;
  readonly report?: EstimateReport;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The memo key of a normalized scenario and its diagnostics: their JSON, non-finite numbers
 * spelled out; undefined (no memo) when a value JSON cannot tell apart (a Map, a function).
 */
function memoKey(x: unknown): string | undefined {
  let plain = true;
  const json = JSON.stringify(x, (_k, v: unknown) => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : `#${String(v)}`;
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') plain = false;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) plain = false;
    }
    return v;
  });
  return plain ? json : undefined;
}

/**
 * One evaluation. Scenarios that normalize to the same thing (the base device and the same
 * catalog device with the same layout; domain sizes that round alike) are estimated once: the
 * estimate is a pure function of the normalized scenario, so the outcome is the same.
 */
function run(c: Ctx, scenario: Record<string, unknown>, prune = false): Outcome {
  const v = validateScenario(scenario);
  if (!v.ok) return { meets: false, diagnostics: v.diagnostics };
  const n = normalizeScenario(v.value);
  if (!n.ok) return { meets: false, diagnostics: n.diagnostics };
  const key = memoKey([n.value, n.diagnostics]);
  const hit = key === undefined ? undefined : c.memo.get(key);
  if (hit !== undefined) return hit;
  // Pruning (the device listing, where only a layout that meets is reported): under a rate
  // target, a run whose p90 TTFT is surely above the target stops early and fails.
  const limit = prune && c.rate !== undefined ? (c.targets.ttftMs ?? UNSTABLE_TTFT_MS) / 1000 : undefined;
  const r = estimateNormalized(n.value, n.diagnostics, limit);
  const o: Outcome = r.ok
    ? { meets: meetsTargets(r.value, c.targets, c.rate), report: r.value, diagnostics: [] }
    : { meets: false, diagnostics: r.diagnostics };
  if (key !== undefined && (r.ok || limit === undefined)) c.memo.set(key, o);
  return o;
}

function sample(factor: number, value: number, o: Outcome): RequireSample {
  return {
    factor,
    value,
    meets: o.meets,
    ttftP90Ms: o.report?.latency.ttft.p90 ?? null,
    tpotP90Ms: o.report?.latency.tpot.p90 ?? null,
  };
}

/** Least factor in [2^-6, 2^6] meeting the targets, by bisection in log space. */
function searchResource(c: Ctx, r: Resource, baseMeets: Outcome): Requirement {
  const unit = RESOURCE_UNITS[r];
  const b = baseValue(c, r);
  if (b === undefined)
    return { resource: r, unit, status: 'absent', baseValue: null, minimum: null, ratio: null, samples: [] };
  const samples: RequireSample[] = [sample(1, b, baseMeets)];
  const at = (x: number): boolean => {
    const f = 2 ** x;
    const o = run(c, scaled(c, r, f));
    samples.push(sample(f, r === 'scaleUpDomain' ? Math.max(1, Math.round(b * f)) : b * f, o));
    return o.meets;
  };
  const done = (status: RequirementStatus, factor: number | null): Requirement => {
    samples.sort((p, q) => p.factor - q.factor);
    const minimum =
      factor === null ? null : r === 'scaleUpDomain' ? Math.max(1, Math.round(b * factor)) : b * factor;
    const req: Requirement = {
      resource: r,
      unit,
      status,
      baseValue: b,
      minimum,
      ratio: minimum === null ? null : minimum / b,
      samples,
    };
    if (r !== 'compute' || factor === null) return req;
    const perFormat: Record<string, number> = {};
    for (const [k, v] of Object.entries(c.hw.peakFlopsPerSecond))
      if (v !== undefined) perFormat[k] = v * factor;
    return { ...req, perFormat };
  };
  let lo: number;
  let hi: number;
  if (baseMeets.meets) {
    if (at(-LOG2_RANGE)) return done('not-binding', 2 ** -LOG2_RANGE);
    lo = -LOG2_RANGE;
    hi = 0;
  } else {
    if (!at(LOG2_RANGE)) return done('unreachable', null);
    lo = 0;
    hi = LOG2_RANGE;
  }
  if (r === 'scaleUpDomain') {
    // Integer sizes: step over powers of two between the bounds.
    for (let x = lo + 1; x < hi; x++) if (at(x)) return done('found', 2 ** x);
    return done('found', 2 ** hi);
  }
  for (let k = 0; k < BISECTIONS; k++) {
    const mid = (lo + hi) / 2;
    if (at(mid)) hi = mid;
    else lo = mid;
  }
  return done('found', 2 ** hi);
}

function change(
  a: EstimateReport | undefined,
  b: EstimateReport | undefined,
  pick: (r: EstimateReport) => number,
): number | null {
  if (a === undefined || b === undefined) return null;
  const x = pick(a);
  return x > 0 ? pick(b) / x - 1 : null;
}

const MAX_GPUS = 64;

/** The routed experts of a model (1 when dense), and whether it is an MoE model. */
function expertsOf(model: unknown): { moe: boolean; experts: number } {
  const m = typeof model === 'string' ? findModel(model) : model;
  const moe = typeof m === 'object' && m !== null ? (m as Record<string, unknown>)['moe'] : undefined;
  if (typeof moe !== 'object' || moe === null) return { moe: false, experts: 1 };
  const n = (moe as Record<string, unknown>)['numExperts'];
  return { moe: true, experts: typeof n === 'number' ? n : 1 };
}

/** A layout of n devices: one replica's layout (`replicaLayouts`, as `plan` searches) times dp. */
export interface DeviceLayout {
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  readonly dp: number;
  readonly attentionDp: boolean;
  readonly redundantExperts: number;
}

/**
 * Layouts tried for n devices: the replica layouts `plan` searches (`replicaLayouts`: tp, pp,
 * attention DP, ep and redundant experts for the engine) whose devices divide n, the rest as dp.
 * Ordered as `require` has always tried them: tp from the largest in the scale-up domain down,
 * pipeline stages after dp, then without attention DP before with it, the fewest redundant
 * experts first; wide EP across domains last.
 */
export function layoutsFor(n: number, space: Omit<LayoutSpace, 'maxGpus'>): DeviceLayout[] {
  const out = replicaLayouts({ ...space, maxGpus: n }).flatMap((l): DeviceLayout[] => {
    const replica = l.tp * l.pp;
    if (n % replica !== 0) return [];
    const { tp, pp, ep, attentionDp, redundantExperts } = l;
    return [{ tp, pp, ep, dp: n / replica, attentionDp, redundantExperts }];
  });
  // Wide EP across scale-up domains last, fewest domains first.
  const across = (l: DeviceLayout): number => (l.tp > space.domain ? l.tp : 0);
  return out.sort(
    (a, b) =>
      across(a) - across(b) ||
      b.tp - a.tp ||
      a.pp - b.pp ||
      Number(a.attentionDp) - Number(b.attentionDp) ||
      a.redundantExperts - b.redundantExperts,
  );
}

/**
 * Device counts tried: powers of two up to the scale-up domain, the domain itself (NVL72's 72),
 * then whole domains.
 */
export function deviceCounts(domain: number, maxGpus: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= Math.min(domain, maxGpus); n *= 2) out.push(n);
  if (domain <= maxGpus && !out.includes(domain)) out.push(domain);
  for (let k = 2; k * domain <= maxGpus; k++) out.push(k * domain);
  return out;
}

function deviceFits(c: Ctx, input: RequireInput): { fits: DeviceFit[]; missing: string[] } {
  const ids = input.devices ?? hardwareIds();
  const maxGpus = input.maxGpus ?? MAX_GPUS;
  const { moe, experts } = expertsOf(c.base['model']);
  const engineRef = c.base['engine'];
  const engine = typeof engineRef === 'string' ? engineIdOf(engineRef as EngineRef) : DEFAULT_ENGINE;
  const topologyScaleOut = c.topology['scaleOutBandwidthBytesPerSecond'] !== undefined;
  const fits: DeviceFit[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const hw = findHardware(id);
    if (hw === undefined) continue;
    let found: DeviceFit | undefined;
    const domain = searchDomain(hw);
    const space = {
      domain,
      scaleOut: hw.scaleOut !== undefined || topologyScaleOut,
      moe,
      experts,
      engines: [engine],
      redundantExpertSteps: 1,
    };
    for (const n of deviceCounts(domain, maxGpus)) {
      if (found !== undefined) break;
      for (const p of layoutsFor(n, space)) {
        const s: Record<string, unknown> = {
          ...c.base,
          hardware: hw.id,
          gpus: n,
          parallelism: {
            tp: p.tp,
            pp: p.pp,
            ep: p.ep,
            dp: p.dp,
            attentionDp: p.attentionDp,
            ...(p.redundantExperts > 0 ? { redundantExperts: p.redundantExperts } : {}),
          },
          workload: c.workload,
        };
        const o = run(c, s, true);
        if (o.meets && o.report !== undefined) {
          const price = input.usdPerHour?.[hw.id];
          found = {
            hardware: hw.id,
            name: hw.name,
            gpus: n,
            parallelism: p,
            ttftP90Ms: o.report.latency.ttft.p90,
            tpotP90Ms: o.report.latency.tpot.p90,
            outputTokensPerSec: o.report.outputTokensPerSec,
            ...(price !== undefined ? { usdPerHour: price * n } : {}),
          };
          break;
        }
      }
    }
    if (found === undefined) missing.push(hw.id);
    else fits.push(found);
  }
  return { fits, missing };
}

/** The base hardware as an object, or the diagnostics of an unknown id or a bad object. */
function resolveHardware(h: unknown): Result<HardwareSpec> {
  if (typeof h === 'string') {
    const hw = findHardware(h);
    return hw !== undefined ? ok(hw) : fail(scenarioMessages.schema(['hardware'], `unknown hardware '${h}'`));
  }
  const p = HardwareSpecSchema.safeParse(h);
  if (p.success) return ok(p.data);
  return fail(
    ...p.error.issues.map((i) => scenarioMessages.schema(['hardware', ...i.path.map(String)], i.message)),
  );
}

/** The workload of an evaluation: the target rate as Poisson arrivals, or one request alone. */
export function requireWorkload(
  inputTokens: number,
  outputTokens: number,
  rate: number | undefined,
  requests: number,
): Record<string, unknown> {
  return rate === undefined
    ? { inputTokens, outputTokens, batch: 1 }
    : { inputTokens, outputTokens, requestRate: rate, requests };
}

/**
 * The binding resource. When the base meets the targets: the one whose minimum is nearest the
 * base value (the first to fail as the device shrinks). When it does not: the one that meets them
 * with the least increase. Only resources with a minimum found count; the domain size is a
 * structural need (the tp group must fit unless a scale-out network is given), not ranked.
 */
function bindingOf(reqs: readonly Requirement[], baseMeets: boolean): Resource | null {
  let binding: Resource | null = null;
  let best = 0;
  for (const q of reqs) {
    if (q.resource === 'scaleUpDomain' || q.status !== 'found' || q.ratio === null) continue;
    if (binding === null || (baseMeets ? q.ratio > best : q.ratio < best)) {
      binding = q.resource;
      best = q.ratio;
    }
  }
  return binding;
}

/** Platform requirements of a model and use case under targets (see the file comment). */
export function requirements(input: RequireInput): Result<Requirements> {
  const hwr = resolveHardware(input.base['hardware']);
  if (!hwr.ok) return hwr;
  const hw = hwr.value;
  const rate = targetRate(input.targets, input.outputTokens);
  const topology = (input.base['topology'] ?? {}) as Topology;
  const memo = new Map<string, Outcome>();
  const ctx = (requests: number): Ctx => ({
    base: input.base,
    hw,
    topology,
    workload: requireWorkload(input.inputTokens, input.outputTokens, rate, requests),
    targets: input.targets,
    rate,
    memo,
  });
  let c = ctx(input.requests ?? MIN_REQUESTS);
  let base = run(c, scaled(c, undefined, 1));
  const lifetime = base.report?.latency.e2e.mean;
  if (rate !== undefined && input.requests === undefined && lifetime !== undefined) {
    const n = Math.min(MAX_REQUESTS, Math.ceil((SPAN_LIFETIMES * rate * lifetime) / 1000));
    if (n > MIN_REQUESTS) {
      c = ctx(n);
      base = run(c, scaled(c, undefined, 1));
    }
  }
  // A base that fails for a reason other than memory is a scenario error: report it.
  if (base.report === undefined && !base.diagnostics.some((d) => d.code.startsWith('memory.')))
    return fail(...base.diagnostics.filter((d) => d.severity === 'error'));
  const searched = input.resources ?? RESOURCES;
  const reqs = RESOURCES.filter((r) => searched.includes(r)).map((r) => searchResource(c, r, base));
  const binding = bindingOf(reqs, base.meets);
  const sensitivities: Sensitivity[] = [];
  for (const r of ['memoryBandwidth', 'compute', 'scaleUpBandwidth', 'scaleOutBandwidth'] as const) {
    if (baseValue(c, r) === undefined || !searched.includes(r)) continue;
    const twice = run(c, scaled(c, r, 2));
    sensitivities.push({
      resource: r,
      tpotChange: change(base.report, twice.report, (x) => x.latency.tpot.p90),
      ttftChange: change(base.report, twice.report, (x) => x.latency.ttft.p90),
    });
  }
  const { fits, missing } = input.devices?.length === 0 ? { fits: [], missing: [] } : deviceFits(c, input);
  const priced = fits.length > 0 && fits.every((f) => f.usdPerHour !== undefined);
  fits.sort((a, b) => (priced ? (a.usdPerHour ?? 0) - (b.usdPerHour ?? 0) : 0) || a.gpus - b.gpus);
  return ok({
    baseHardware: hw.id,
    workload: c.workload,
    targets: input.targets,
    base: {
      meets: base.meets,
      ttftP90Ms: base.report?.latency.ttft.p90 ?? null,
      tpotP90Ms: base.report?.latency.tpot.p90 ?? null,
    },
    requirements: reqs,
    binding,
    sensitivities,
    devices: fits,
    devicesSortedBy: priced ? 'price' : 'gpus',
    devicesNotMeeting: missing,
  });
}
