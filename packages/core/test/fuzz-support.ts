/**
 * Seeded fuzzing of the inputs (robustness: bad input never crashes and never yields NaN). The
 * generators draw scenarios, training jobs, sweep specs and require/plan inputs from the
 * schemas' space: catalog models and devices, engine releases, formats, parallel layouts,
 * serving options and workloads, with valid, extreme and invalid values (0, negatives, 1e9,
 * 1e300, fractions, NaN and Infinity, numbers as strings, null, wrong types, missing and unknown
 * keys). The checks say what must hold for any input: either diagnostics that name a field, or a
 * result whose every number is finite. fuzz.test.ts runs them on a fixed seed;
 * scripts/fuzz.mjs runs them long (`node scripts/fuzz.mjs --seed N --cases N`).
 */
import { ENGINE_REFS } from '../src/scenario/schema.js';
import { DATASET_PRESETS } from '../src/scenario/schema.js';
import { HARDWARE_CATALOG } from '../src/hardware/catalog.js';
import { MODEL_CATALOG } from '../src/model/catalog.js';
import { NUMERIC_FORMATS } from '../src/units/formats.js';
import type { ModelSpec } from '../src/model/schema.js';
import { intIn, pick } from './random.js';

export type Rng = () => number;
type Json = Record<string, unknown>;

/** The fuzz's seed and case count: FUZZ_SEED and FUZZ_CASES (scripts/fuzz.mjs sets them), else the defaults. */
export function fuzzSettings(defaultCases: number): { seed: number; cases: number } {
  const seed = Number(process.env['FUZZ_SEED'] ?? '20261129');
  const cases = Number(process.env['FUZZ_CASES'] ?? String(defaultCases));
  return {
    seed: Number.isSafeInteger(seed) ? seed : 20261129,
    cases: Number.isSafeInteger(cases) && cases > 0 ? cases : defaultCases,
  };
}

export const MODELS = [...MODEL_CATALOG.values()];
export const DEVICES = [...HARDWARE_CATALOG.values()];

export const chance = (r: Rng, p: number): boolean => r() < p;

/**
 * How often a drawn value is extreme or invalid, set per scenario: half the scenarios are clean
 * (so that the estimate paths run), the rest carry a few bad values or many.
 */
let weirdRate = 0.15;
const weird = (r: Rng): boolean => r() < weirdRate;
/** Sets the share of extreme or invalid values for the next draws (randomScenario sets it per scenario). */
export function setWeirdRate(rate: number): void {
  weirdRate = rate;
}

/** Values no field accepts, or accepts only at its edge: the invalid and extreme end of every type. */
export const WEIRD: readonly unknown[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  1.5,
  1e-300,
  1e9,
  1e15,
  2 ** 53,
  1e300,
  Number.MAX_VALUE,
  NaN,
  Infinity,
  -Infinity,
  'NaN',
  'Infinity',
  '1',
  '8',
  '',
  ' ',
  'fp8',
  'h100-sxm',
  'llama-3.1-8b',
  null,
  true,
  false,
  [],
  [1],
  {},
  { kind: 'fixed' },
  '__proto__',
  'constructor',
];

/** A count: mostly small and plausible, sometimes huge, fractional, zero or negative. */
export function count(r: Rng, typical: number): unknown {
  if (weird(r)) return pick(r, WEIRD);
  return chance(r, 0.85) ? intIn(r, 1, typical) : pick(r, [1, 2, 3, 4, 8, 16, 64, 128, 1024, 65536]);
}

/** A positive real, mostly plausible in [lo, hi] (log-uniform), sometimes extreme or invalid. */
export function real(r: Rng, lo: number, hi: number): unknown {
  if (weird(r)) return pick(r, WEIRD);
  return lo * Math.pow(hi / lo, r());
}

/** A fraction in [0, 1], sometimes exactly 0 or 1, sometimes outside or invalid. */
export function fraction(r: Rng): unknown {
  if (weird(r)) return pick(r, WEIRD);
  return chance(r, 0.8) ? r() : pick(r, [0, 1, 1e-9, 0.999999]);
}

function lengthDistribution(r: Rng, nominal: number): unknown {
  const lo = Math.max(1, Math.floor(nominal * 0.5));
  const hi = Math.max(lo, Math.ceil(nominal * 1.5));
  switch (intIn(r, 0, 6)) {
    case 0:
      return { kind: 'fixed', tokens: count(r, nominal * 2) };
    case 1:
      return {
        kind: 'uniform',
        min: chance(r, 0.9) ? lo : count(r, nominal),
        max: chance(r, 0.9) ? hi : count(r, nominal),
      };
    case 2:
    case 3:
      return {
        kind: pick(r, ['normal', 'lognormal']),
        mean: chance(r, 0.85) ? nominal : real(r, 1, 1e6),
        stddev: chance(r, 0.85) ? nominal * r() : real(r, 1e-3, 1e6),
        min: chance(r, 0.9) ? 1 : count(r, nominal),
        max: chance(r, 0.9) ? hi * 2 : count(r, nominal),
      };
    case 4: {
      const n = intIn(r, 0, 5);
      return {
        kind: 'histogram',
        bins: Array.from({ length: n }, () => ({
          tokens: count(r, nominal * 2),
          weight: !weird(r) ? r() : pick(r, WEIRD),
        })),
      };
    }
    case 5:
      return weird(r) ? { kind: pick(r, ['fixed', 'gamma', 'uniform']) } : { kind: 'fixed', tokens: nominal };
    default:
      return weird(r) ? pick(r, WEIRD) : { kind: 'uniform', min: lo, max: hi };
  }
}

function workload(r: Rng): Json {
  const input = chance(r, 0.9) ? intIn(r, 1, chance(r, 0.5) ? 512 : 16384) : count(r, 100000);
  const output = chance(r, 0.9) ? intIn(r, 1, chance(r, 0.5) ? 64 : 2048) : count(r, 100000);
  const w: Json = { inputTokens: input, outputTokens: output };
  const kind = intIn(r, 0, 4);
  const serving = kind >= 1 && kind <= 3;
  if (kind === 0) w['batch'] = count(r, 256);
  else if (kind === 1) w['concurrency'] = count(r, 64);
  else if (kind === 2) w['requestRate'] = real(r, 0.01, 100);
  else if (kind === 3) w['maxThroughput'] = !weird(r) ? true : pick(r, WEIRD);
  else if (!weird(r)) w['batch'] = count(r, 64);
  else {
    // None, or two kinds.
    if (chance(r, 0.5)) w['batch'] = 4;
    if (chance(r, 0.5)) w['concurrency'] = 4;
  }
  if (serving || chance(r, 0.1)) {
    // Few requests keep the fuzz fast; the simulator's cost grows with them, not its paths.
    if (chance(r, 0.9))
      w['requests'] = !weird(r) ? intIn(r, 1, 96) : pick(r, [0, -1, 1.5, 400, 1_000_001, 'NaN', null]);
    if (chance(r, 0.3)) w['seed'] = !weird(r) ? intIn(r, -5, 1000) : pick(r, WEIRD);
    if (chance(r, 0.2)) w['inputLengths'] = lengthDistribution(r, typeof input === 'number' ? input : 128);
    if (chance(r, 0.2)) w['outputLengths'] = lengthDistribution(r, typeof output === 'number' ? output : 128);
    if (chance(r, 0.15)) w['maxOutputTokens'] = count(r, 4096);
    if (chance(r, 0.1)) w['dataset'] = !weird(r) ? pick(r, DATASET_PRESETS) : pick(r, WEIRD);
  }
  if (weird(r) && weird(r)) w['unknownKey'] = 1;
  return w;
}

/** The tp values a model's heads split evenly over (query heads, and KV heads or their replication). */
function validTps(model: ModelSpec): number[] {
  const heads = model.attention.numHeads;
  const kv = model.attention.kind === 'gqa' ? model.attention.numKvHeads : heads;
  return [1, 2, 4, 8].filter((tp) => heads % tp === 0 && (tp <= kv ? kv % tp === 0 : tp % kv === 0));
}

function parallelism(r: Rng, model: ModelSpec): Json {
  const p: Json = {};
  const experts = model.moe?.numExperts;
  const tp = !weird(r) ? pick(r, validTps(model)) : count(r, 16);
  if (chance(r, 0.8)) p['tp'] = tp;
  if (chance(r, 0.15)) p['pp'] = !weird(r) ? pick(r, [1, 2, 4]) : count(r, 200);
  if (experts !== undefined && typeof tp === 'number' && chance(r, 0.6)) {
    const eps = [1, 2, 4, 8].filter((e) => tp % e === 0 && experts % e === 0);
    p['ep'] = !weird(r) && eps.length > 0 ? pick(r, eps) : count(r, 64);
    if (chance(r, 0.2))
      p['redundantExperts'] = !weird(r)
        ? pick(r, [0, p['ep'] === 1 ? 0 : (p['ep'] as number) * 2])
        : count(r, 64);
    if (typeof p['tp'] === 'number' && p['tp'] > 1 && chance(r, 0.4))
      p['attentionDp'] = !weird(r) ? true : pick(r, WEIRD);
  } else if (weird(r)) p['ep'] = count(r, 8);
  if (chance(r, 0.15)) p['dp'] = !weird(r) ? pick(r, [1, 2, 4]) : count(r, 16);
  if (weird(r)) p['attentionDp'] = pick(r, WEIRD);
  if (typeof p['pp'] === 'number' && p['pp'] > 1 && chance(r, 0.3)) p['microBatches'] = count(r, 8);
  else if (weird(r)) p['microBatches'] = count(r, 8);
  if (weird(r) && weird(r)) p['sp'] = 2;
  return p;
}

function pool(r: Rng): Json {
  const p: Json = { tp: chance(r, 0.9) ? pick(r, [1, 2, 4, 8]) : count(r, 16) };
  if (chance(r, 0.8)) p['dp'] = chance(r, 0.9) ? pick(r, [1, 2, 3]) : count(r, 8);
  if (chance(r, 0.2)) p['ep'] = pick(r, [1, 2, 4, 8]);
  if (chance(r, 0.1)) p['redundantExperts'] = pick(r, [0, 8, 32]);
  if (chance(r, 0.2)) p['attentionDp'] = chance(r, 0.5);
  return p;
}

function serving(r: Rng, modelIds: readonly string[]): Json {
  const s: Json = {};
  if (chance(r, 0.2)) s['maxBatchedTokens'] = count(r, 16384);
  if (chance(r, 0.2)) s['maxSequences'] = count(r, 512);
  if (chance(r, 0.15)) s['memoryFraction'] = fraction(r);
  if (chance(r, 0.1)) s['kvPageTokens'] = count(r, 128);
  for (const k of ['chunkedPrefill', 'mixedBatches', 'overlapScheduler', 'apiServer'])
    if (chance(r, 0.1)) s[k] = !weird(r) ? chance(r, 0.5) : pick(r, WEIRD);
  if (chance(r, 0.2)) s['prefixCacheHitRate'] = fraction(r);
  if (chance(r, 0.15)) {
    const method = !weird(r) ? pick(r, ['draft', 'mtp']) : pick(r, WEIRD);
    const spec: Json = {
      method,
      tokens: chance(r, 0.85) ? intIn(r, 1, 16) : count(r, 32),
      acceptanceRate: fraction(r),
    };
    if (method === 'draft' && chance(r, 0.85)) spec['draftModel'] = pick(r, modelIds);
    s['speculative'] = spec;
  }
  if (chance(r, 0.12)) {
    const d: Json = { prefill: pool(r), decode: pool(r) };
    if (chance(r, 0.4)) d['kvTransferLink'] = !weird(r) ? pick(r, ['scale-up', 'scale-out']) : pick(r, WEIRD);
    s['disaggregation'] = d;
  }
  return s;
}

function efficiency(r: Rng): Json {
  const e: Json = {};
  const fractions = [
    'gemmPeakFraction',
    'gemmLowPrecisionPeakFraction',
    'gemmFp4PeakFraction',
    'gemmBlockFp8PeakFraction',
    'memoryBandwidthFraction',
    'attentionPeakFraction',
    'collectiveBandwidthFraction',
  ];
  const seconds = [
    'kernelLaunchSeconds',
    'stepOverheadSeconds',
    'stepOverheadPerSequenceSeconds',
    'requestOverheadSeconds',
    'collectiveLatencySeconds',
    'kernelFixedSeconds',
  ];
  for (const k of fractions) if (chance(r, 0.15)) e[k] = fraction(r);
  for (const k of seconds) if (chance(r, 0.15)) e[k] = chance(r, 0.3) ? 0 : real(r, 1e-9, 10);
  return e;
}

function offload(r: Rng): Json {
  const o: Json = {};
  if (chance(r, 0.7)) o['weightsFraction'] = fraction(r);
  if (chance(r, 0.7)) o['kvCacheFraction'] = fraction(r);
  if (chance(r, 0.9))
    o['tier'] = chance(r, 0.6)
      ? pick(r, ['host', 'host', 'nvme', 'cxl', ''])
      : {
          name: !weird(r) ? 'remote' : pick(r, WEIRD),
          bandwidthBytesPerSecond: real(r, 1e6, 1e13),
          ...(chance(r, 0.5) ? { capacityBytes: real(r, 1e6, 1e14) } : {}),
        };
  return o;
}

function power(r: Rng): Json {
  const p: Json = {};
  if (chance(r, 0.4)) p['tdpWatts'] = real(r, 1, 3000);
  if (chance(r, 0.3)) p['idleWatts'] = real(r, 0.1, 1000);
  if (chance(r, 0.3)) p['idleFractionOfTdp'] = fraction(r);
  if (chance(r, 0.3)) p['dynamicFractionAtFullCompute'] = fraction(r);
  if (chance(r, 0.3)) p['dynamicFractionAtFullBandwidth'] = fraction(r);
  return p;
}

function cost(r: Rng): Json {
  if (chance(r, 0.5)) {
    const c: Json = { usdPerDeviceHour: real(r, 0.01, 100) };
    if (chance(r, 0.5)) c['priceSource'] = !weird(r) ? 'quote' : pick(r, WEIRD);
    return c;
  }
  const c: Json = { capitalUsdPerDevice: real(r, 100, 1e6), lifetimeYears: real(r, 0.1, 10) };
  if (chance(r, 0.3)) c['lifetimeBusyFraction'] = fraction(r);
  if (chance(r, 0.3)) c['electricityUsdPerKwh'] = real(r, 0.001, 2);
  if (chance(r, 0.3)) c['pue'] = real(r, 1, 3);
  if (chance(r, 0.2)) c['hostCapitalUsdPerDevice'] = real(r, 1, 1e5);
  if (chance(r, 0.2)) c['hostWattsPerDevice'] = real(r, 1, 2000);
  if (chance(r, 0.1)) c['usdPerDeviceHour'] = 2;
  return c;
}

/** A catalog model or device as an inline object, sometimes with one field changed. */
function inline(r: Rng, spec: object): unknown {
  const copy = structuredClone(spec) as Json;
  if (weird(r)) mutateLeaf(r, copy);
  else if (chance(r, 0.7)) for (let i = intIn(r, 1, 3); i > 0; i--) extremeLeaf(r, copy);
  return copy;
}

/** A scenario from the schema's space: mostly valid, each field sometimes extreme or invalid. */
export function randomScenario(r: Rng): Json {
  setWeirdRate(pick(r, [0, 0, 0, 0.02, 0.05, 0.2]));
  const model = pick(r, MODELS);
  const device = pick(r, DEVICES);
  const s: Json = {
    model: chance(r, 0.95)
      ? model.id
      : !weird(r)
        ? inline(r, model)
        : pick(r, [...WEIRD, 'llama-3.1-8', 'x']),
    hardware: chance(r, 0.9) ? device.id : !weird(r) ? inline(r, device) : pick(r, [...WEIRD, 'h100', 'x']),
    workload: workload(r),
  };
  const par = parallelism(r, model);
  if (Object.keys(par).length > 0) s['parallelism'] = par;
  const tp = typeof par['tp'] === 'number' ? par['tp'] : 1;
  if (chance(r, 0.5))
    s['gpus'] = chance(r, 0.8)
      ? tp * (typeof par['dp'] === 'number' ? par['dp'] : 1) * (typeof par['pp'] === 'number' ? par['pp'] : 1)
      : count(r, 64);
  if (chance(r, 0.6)) {
    const p: Json = {};
    for (const k of ['weights', 'activations', 'kvCache'])
      if (chance(r, 0.5)) p[k] = !weird(r) ? pick(r, NUMERIC_FORMATS) : pick(r, WEIRD);
    if (chance(r, 0.1)) p['cacheLayerInput'] = !weird(r) ? chance(r, 0.5) : pick(r, WEIRD);
    if (chance(r, 0.1)) p['fp8Scaling'] = !weird(r) ? pick(r, ['tensor', 'block']) : pick(r, WEIRD);
    s['precision'] = p;
  }
  if (chance(r, 0.8))
    s['engine'] = !weird(r) ? pick(r, ENGINE_REFS) : pick(r, [...WEIRD, 'vllm@0.0.1', 'VLLM']);
  if (chance(r, 0.5))
    s['serving'] = serving(
      r,
      MODELS.map((m) => m.id),
    );
  if (chance(r, 0.15))
    s['topology'] = {
      ...(chance(r, 0.5) ? { scaleUpDomainSize: count(r, 72) } : {}),
      ...(chance(r, 0.5) ? { scaleUpBandwidthBytesPerSecond: real(r, 1e8, 1e13) } : {}),
      ...(chance(r, 0.5) ? { scaleOutBandwidthBytesPerSecond: real(r, 1e8, 1e12) } : {}),
      ...(chance(r, 0.3) ? { scaleOutLatencySeconds: chance(r, 0.3) ? 0 : real(r, 1e-9, 1) } : {}),
    };
  if (chance(r, 0.1)) s['offload'] = offload(r);
  if (chance(r, 0.1)) s['power'] = power(r);
  if (chance(r, 0.1)) s['cost'] = cost(r);
  if (chance(r, 0.15)) s['efficiency'] = efficiency(r);
  if (chance(r, 0.3))
    s['calibration'] = !weird(r)
      ? pick(r, ['shipped', 'none', 'shipped', { applied: 'my profile' }])
      : pick(r, WEIRD);
  if (weird(r)) mutateLeaf(r, s);
  if (chance(r, 0.15)) for (let i = intIn(r, 1, 2); i > 0; i--) extremeLeaf(r, s);
  if (weird(r) && weird(r)) s[pick(r, ['kvcache', 'Model', 'workloads', '$schema'])] = 1;
  if (weird(r) && weird(r)) Reflect.deleteProperty(s, pick(r, ['model', 'hardware', 'workload']));
  return s;
}

/** Every leaf path of a JSON value (object keys and array indices). */
export function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    const inner = value.flatMap((v, i) => leafPaths(v, [...path, i]));
    return inner.length > 0 ? inner : [path];
  }
  if (value !== null && typeof value === 'object') {
    const inner = Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
    return inner.length > 0 ? inner : [path];
  }
  return [path];
}

/** Sets one leaf (or deletes it, or renames its key) of `target` in place; returns the path changed. */
export function mutateLeaf(r: Rng, target: Json): (string | number)[] {
  const paths = leafPaths(target).filter((p) => p.length > 0);
  if (paths.length === 0) return [];
  const path = pick(r, paths);
  let parent: unknown = target;
  for (const k of path.slice(0, -1)) parent = (parent as Json)[k as string];
  const last = path[path.length - 1] as string | number;
  const obj = parent as Json;
  const u = r();
  if (u < 0.1 && !Array.isArray(obj)) Reflect.deleteProperty(obj, last);
  else if (u < 0.15 && !Array.isArray(obj)) {
    obj[`${String(last)}x`] = obj[last];
    Reflect.deleteProperty(obj, last);
  } else if (u < 0.35 && typeof obj[last] === 'number') {
    const v = obj[last];
    obj[last] = pick(r, [v * 1e6, -v, v / 3, v + 0.5, v * 0, Math.round(v * 1e9)]);
  } else obj[last] = pick(r, WEIRD);
  return path;
}

/** Valid but extreme numbers: the ends of a positive real's and a count's ranges. */
export const EXTREME_REALS: readonly number[] = [
  Number.MIN_VALUE,
  1e-300,
  1e-30,
  1e-9,
  1e9,
  1e30,
  1e300,
  Number.MAX_VALUE,
];
export const EXTREME_INTS: readonly number[] = [1, 2, 2 ** 31, 1e9, 1e15, Number.MAX_SAFE_INTEGER];

/**
 * Sets one numeric leaf of `target` to an extreme value of its kind (a count stays an integer, a
 * non-negative number stays non-negative), so that the input stays valid but reaches the ends of
 * what the schema takes. Returns the path changed.
 */
export function extremeLeaf(r: Rng, target: Json): (string | number)[] {
  const paths = leafPaths(target).filter((p) => p.length > 0 && typeof getAt(target, p) === 'number');
  if (paths.length === 0) return [];
  const path = pick(r, paths);
  const v = getAt(target, path) as number;
  const next = Number.isInteger(v) && v !== 0 ? pick(r, EXTREME_INTS) : pick(r, EXTREME_REALS);
  setAt(target, path, v < 0 ? -next : next);
  return path;
}

function getAt(target: unknown, path: readonly (string | number)[]): unknown {
  let v = target;
  for (const k of path) v = (v as Json)[k as string];
  return v;
}

function setAt(target: unknown, path: readonly (string | number)[], value: unknown): void {
  const parent = getAt(target, path.slice(0, -1)) as Json;
  parent[path[path.length - 1] as string] = value;
}

/** Numbers in a value that are not finite, with their paths. */
export function nonFinite(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path}=${String(value)}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${path}[${String(i)}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`));
  return [];
}

/** Numbers in a value that are negative, with their paths. */
export function negative(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return value < 0 ? [`${path}=${String(value)}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => negative(v, `${path}[${String(i)}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => negative(v, `${path}.${k}`));
  return [];
}

/** JSON that tells undefined-valued keys, -0, NaN and Infinity apart. */
export const exact = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x === undefined
      ? '<undefined>'
      : typeof x === 'number' && !Number.isFinite(x)
        ? `<${String(x)}>`
        : Object.is(x, -0)
          ? '<-0>'
          : typeof x === 'function'
            ? '<function>'
            : (x as unknown),
  );

/** A training job from its schema's space (training/schema.ts), with extreme and invalid values. */
export function randomTraining(r: Rng): Json {
  setWeirdRate(pick(r, [0, 0, 0.02, 0.05, 0.2]));
  const model = pick(r, MODELS);
  const gpus = !weird(r) ? pick(r, [1, 8, 16, 64, 512]) : count(r, 1024);
  const t: Json = {
    model: chance(r, 0.95) ? model.id : !weird(r) ? inline(r, model) : pick(r, WEIRD),
    hardware: chance(r, 0.95) ? pick(r, DEVICES).id : pick(r, [...WEIRD, 'h100']),
    gpus,
    sequenceLength: !weird(r) ? pick(r, [512, 2048, 4096, 8192, 32768]) : count(r, 1e6),
    globalBatch: !weird(r) ? pick(r, [8, 32, 128, 1024]) : count(r, 4096),
  };
  if (chance(r, 0.5)) t['microBatch'] = count(r, 8);
  if (chance(r, 0.5)) t['precision'] = !weird(r) ? pick(r, ['bf16', 'fp16', 'fp8', 'mxfp8']) : pick(r, WEIRD);
  if (chance(r, 0.2))
    t['fp8Recipe'] = !weird(r) ? pick(r, ['tensorwise', 'delayed', 'rowwise', 'blockwise']) : pick(r, WEIRD);
  if (chance(r, 0.2))
    t['optimizer'] = !weird(r) ? pick(r, ['adamw', 'adam8bit', 'adafactor', 'sgd']) : pick(r, WEIRD);
  if (chance(r, 0.6)) {
    const p: Json = {};
    if (chance(r, 0.7)) p['tp'] = !weird(r) ? pick(r, [1, 2, 4, 8]) : count(r, 16);
    if (chance(r, 0.4)) p['pp'] = !weird(r) ? pick(r, [1, 2, 4, 8]) : count(r, 16);
    if (chance(r, 0.2))
      p['pipelineSchedule'] = !weird(r)
        ? pick(r, ['1f1b', 'interleaved', 'zero-bubble', 'gpipe'])
        : pick(r, WEIRD);
    if (chance(r, 0.2)) p['virtualStages'] = count(r, 8);
    if (chance(r, 0.2)) p['cp'] = !weird(r) ? pick(r, [1, 2, 4]) : count(r, 8);
    if (chance(r, model.moe !== undefined ? 0.5 : 0.1))
      p['ep'] = !weird(r) ? pick(r, [1, 2, 4, 8]) : count(r, 64);
    if (chance(r, 0.2)) p['dp'] = count(r, 64);
    if (chance(r, 0.4)) p['zero'] = !weird(r) ? pick(r, [0, 1, 2, 3]) : pick(r, WEIRD);
    if (chance(r, 0.1)) p['shardGroup'] = count(r, 64);
    if (chance(r, 0.1)) p['sequenceParallel'] = chance(r, 0.5);
    t['parallelism'] = p;
  }
  if (chance(r, 0.4))
    t['recompute'] = !weird(r) ? pick(r, ['none', 'selective', 'selective-op', 'full']) : pick(r, WEIRD);
  if (chance(r, 0.2))
    t['finetune'] = {
      method: pick(r, ['full', 'lora', 'qlora']),
      rank: count(r, 64),
      targets: pick(r, ['attention', 'all-linear']),
    };
  if (chance(r, 0.15))
    t['offload'] = {
      optimizer: pick(r, ['none', 'cpu', 'nvme']),
      parameters: pick(r, ['none', 'cpu', 'nvme']),
      ...(chance(r, 0.5) ? { nvmeGBps: real(r, 0.1, 100) } : {}),
    };
  if (chance(r, 0.15)) t['network'] = { scaleOutGbpsPerGpu: real(r, 1, 3200) };
  if (chance(r, 0.2)) t['tokens'] = real(r, 1e6, 1e13);
  if (chance(r, 0.2)) t['priceUsdPerGpuHour'] = real(r, 0.1, 20);
  if (chance(r, 0.1)) t['checkpointWriteGBps'] = real(r, 0.1, 100);
  if (chance(r, 0.15))
    t['efficiency'] = {
      gemmScale: real(r, 0.1, 2),
      attentionScale: real(r, 0.1, 2),
      overlapSlowdown: real(r, 0.01, 2),
      expertOverheadSeconds: real(r, 1e-6, 0.01),
    };
  for (const k of ['chunkedLoss', 'fusedLoss', 'optimizerInBackward', 'activationOffload', 'masterWeights'])
    if (chance(r, 0.1)) t[k] = chance(r, 0.5);
  if (weird(r)) mutateLeaf(r, t);
  if (chance(r, 0.15)) extremeLeaf(r, t);
  return t;
}

const SWEEP_PATHS: readonly { path: string; values: (r: Rng) => unknown }[] = [
  { path: 'workload.batch', values: (r) => count(r, 256) },
  { path: 'workload.inputTokens', values: (r) => count(r, 8192) },
  { path: 'workload.outputTokens', values: (r) => count(r, 1024) },
  { path: 'parallelism.tp', values: (r) => pick(r, [1, 2, 4, 8]) },
  { path: 'precision.weights', values: (r) => (!weird(r) ? pick(r, NUMERIC_FORMATS) : pick(r, WEIRD)) },
  { path: 'hardware', values: (r) => (!weird(r) ? pick(r, DEVICES).id : pick(r, WEIRD)) },
  { path: 'engine', values: (r) => (!weird(r) ? pick(r, ENGINE_REFS) : pick(r, WEIRD)) },
  { path: 'serving.prefixCacheHitRate', values: (r) => fraction(r) },
];

/** A sweep spec (explore/spec.ts): a drawn base scenario and a few axes of every kind. */
export function randomSweepSpec(r: Rng): Json {
  const base = randomScenario(r);
  const axes: Json = {};
  for (let k = intIn(r, 0, 3); k > 0; k--) {
    const { path, values } = pick(r, SWEEP_PATHS);
    const numeric = path.startsWith('workload') || path === 'parallelism.tp';
    switch (intIn(r, 0, 4)) {
      case 0:
        axes[path] = Array.from({ length: intIn(r, weird(r) ? 0 : 1, 4) }, () => values(r));
        break;
      case 1:
        axes[path] = numeric
          ? {
              from: count(r, 64),
              to: count(r, 4096),
              ...(chance(r, 0.5) ? { steps: count(r, 6) } : { step: real(r, 1, 1024) }),
              ...(chance(r, 0.4) ? { scale: pick(r, ['linear', 'log']) } : {}),
            }
          : values(r);
        break;
      case 2:
        axes[`z${String(k)}`] = {
          zip: { [path]: [values(r), values(r)], 'workload.outputTokens': weird(r) ? [1] : [16, 32] },
        };
        break;
      case 3:
        axes[`s${String(k)}`] = {
          sample: pick(r, ['random', 'lhs']),
          count: !weird(r) ? intIn(r, 1, 6) : pick(r, WEIRD),
          seed: intIn(r, 0, 99),
          ranges: {
            [numeric ? path : 'workload.batch']: {
              from: count(r, 16),
              to: count(r, 512),
              ...(chance(r, 0.5) ? { scale: pick(r, ['linear', 'log']) } : {}),
            },
          },
        };
        break;
      default:
        axes[path] = pick(r, WEIRD);
    }
  }
  const spec: Json = { base, axes };
  if (weird(r)) mutateLeaf(r, spec);
  return spec;
}
