/**
 * Uncertainty bands: a p10–p90 range for each headline metric, from the residuals
 * ln(measured / predicted) of the nearest measured conditions (weighted nearest neighbours over
 * hardware, model class, numeric format, engine, load regime, batch, context and TP), widened
 * by terms learned leave-one-source-out (learn.ts), and further where a scenario lies outside the
 * measurements. An open-loop run (Poisson arrivals) also propagates the capacity band through the
 * utilization its prediction reports (openLatencyBand, openThroughputBand; utilization.ts).
 * Method, constants and coverage: docs/uncertainty.md.
 */
import { SERVING_RESIDUALS, WIDENING } from './residuals-data.js';
import type {
  LoadKind,
  MetricClass,
  ModelClass,
  ServingResidual,
  Widening,
  WideningFactor,
} from './types.js';
import { arrivalOf } from './types.js';

export const HEADLINE_METRICS = [
  'ttftMs',
  'tpotMs',
  'e2eLatencyMs',
  'outputTokensPerSec',
  'totalTokensPerSec',
  'requestsPerSec',
] as const;

export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

/** The 10th and 90th percentile of a metric, in the metric's unit. */
export interface Band {
  readonly p10: number;
  readonly p90: number;
}

export type Uncertainty = Readonly<Record<HeadlineMetric, Band>>;

/** A band as multipliers in log space: p10 = value·e^lo, p90 = value·e^hi (lo < 0 < hi). */
export interface LogBand {
  readonly lo: number;
  readonly hi: number;
}

export type LogBands = Readonly<Record<HeadlineMetric, LogBand>>;

/** The conditions a band is looked up by. */
export interface BandConditions {
  /** Catalog hardware id. */
  readonly hardware: string;
  /** Efficiency family (efficiencyFor(hardware).family). */
  readonly family: string;
  readonly modelClass: ModelClass;
  /** Rate class of the weights format (formatClass). */
  readonly format: string;
  readonly engine: string;
  /** The workload kind (load regime): batch, concurrency, requestRate or maxThroughput. */
  readonly load: LoadKind;
  /** Sequences in flight per replica (the static batch, or the simulated mean). */
  readonly batch: number;
  /** Input + output tokens of a request. */
  readonly context: number;
  /** Tensor-parallel size. */
  readonly tp: number;
  /**
   * Utilization ρ of an open-loop run (openLoopUtilization): the arrival rate over the predicted
   * capacity. Undefined for a closed loop; an open-loop band then keeps its neighbours' spread.
   */
  readonly utilization?: number | undefined;
  /**
   * φ of an open-loop run (OpenLoopLoad.batchShare): the share of a full decode step that grows
   * with the batch. TPOT is amplified by φ·ρ; undefined counts as 1 (the full queueing).
   */
  readonly batchShare?: number | undefined;
}

/** Why a band was widened beyond its neighbours' spread. */
export type Extrapolation =
  | {
      readonly kind: 'family';
      readonly hardware: string;
      readonly family: string;
      /** Families with serving measurements. */
      readonly measuredFamilies: readonly string[];
      /** Learned widening (ln, each side) for an unmeasured family. */
      readonly factor: number;
    }
  | {
      /** No serving row of the scenario's model class, numeric format or engine. */
      readonly kind: 'unseen';
      readonly factor: Exclude<WideningFactor, 'family'>;
      readonly value: string;
      /** Values with serving rows. */
      readonly measured: readonly string[];
      /** Learned widening (ln, each side). */
      readonly widening: number;
    }
  | {
      readonly kind: 'batch' | 'context' | 'tp';
      readonly value: number;
      /** Measured range of the coordinate over the rows the band draws on. */
      readonly min: number;
      readonly max: number;
    };

export interface ScenarioBands {
  readonly bands: LogBands;
  readonly extrapolation: readonly Extrapolation[];
}

export interface BandOptions {
  /** Distance beyond the nearest row at which a row's weight falls to 1/e. */
  readonly lengthScale: number;
  /** Rows farther than this many length scales beyond the nearest weigh nothing. */
  readonly cutoff: number;
  /** Distance per e-fold of batch, context and TP. */
  readonly perEfold: {
    readonly batch: number;
    readonly context: number;
    readonly tp: number;
    /** Between two open-loop runs with a utilization (ρ): a run past saturation is not one below it. */
    readonly utilization: number;
  };
  /**
   * Distance added when a row differs in hardware id, model class, format, workload kind (`load`)
   * or engine; `arrival` is added on top of `load` when one is open-loop (a request rate) and the
   * other closed.
   */
  readonly mismatch: {
    readonly hardware: number;
    readonly modelClass: number;
    readonly format: number;
    readonly load: number;
    readonly arrival: number;
    readonly engine: number;
    /** A row of a stand-in class (throughput rows for TTFT or TPOT). */
    readonly proxy: number;
  };
  /** Smallest |ln| multiplier on either side: measurement noise of the published runs. */
  readonly minHalfWidth: number;
  /** A coordinate is flagged when it lies outside its range by more than this (ln). */
  readonly flagBeyond: number;
  /**
   * A model class, format or engine measured by fewer sources than this counts as unseen (its
   * learned widening applies and the band is symmetric).
   */
  readonly fewestSources: number;
}

export const BAND_OPTIONS: BandOptions = {
  lengthScale: 0.5,
  cutoff: 8,
  perEfold: { batch: 1, context: 1, tp: 1, utilization: 1 },
  mismatch: { hardware: 0.5, modelClass: 1.5, format: 0.5, load: 0.5, arrival: 1.5, engine: 0.5, proxy: 1 },
  minHalfWidth: Math.log(1.05),
  flagBeyond: Math.log(1.1),
  fewestSources: 1,
};

const NO_SOURCE = { throughput: 0, 'latency-ttft': 0, 'latency-tpot': 0, 'latency-e2e': 0 };
/** No widening: every term 0 (what the learning measures bands with). */
export const NO_WIDENING: Widening = {
  source: { closed: NO_SOURCE, open: NO_SOURCE },
  family: 0,
  modelClass: 0,
  format: 0,
  engine: 0,
  range: 0,
};

/** The residual class whose source term a headline metric's band takes. */
export const CLASS_OF_METRIC: Readonly<Record<HeadlineMetric, MetricClass>> = {
  outputTokensPerSec: 'throughput',
  totalTokensPerSec: 'throughput',
  requestsPerSec: 'throughput',
  e2eLatencyMs: 'latency-e2e',
  tpotMs: 'latency-tpot',
  ttftMs: 'latency-ttft',
};

interface Source {
  readonly cls: MetricClass;
  /** −1 mirrors a residual: latency ∝ 1 / throughput, so a throughput over-prediction is a latency under-prediction. */
  readonly sign: 1 | -1;
  readonly proxy: boolean;
}

const THROUGHPUT_SOURCES: readonly Source[] = [
  { cls: 'throughput', sign: 1, proxy: false },
  { cls: 'latency-e2e', sign: -1, proxy: false },
  { cls: 'latency-tpot', sign: -1, proxy: true },
];

/** Residual classes that inform each headline metric, in the metric's own sign. */
const SOURCES: Readonly<Record<HeadlineMetric, readonly Source[]>> = {
  outputTokensPerSec: THROUGHPUT_SOURCES,
  totalTokensPerSec: THROUGHPUT_SOURCES,
  requestsPerSec: THROUGHPUT_SOURCES,
  e2eLatencyMs: [
    { cls: 'latency-e2e', sign: 1, proxy: false },
    { cls: 'throughput', sign: -1, proxy: false },
    { cls: 'latency-tpot', sign: 1, proxy: true },
  ],
  tpotMs: [
    { cls: 'latency-tpot', sign: 1, proxy: false },
    { cls: 'throughput', sign: -1, proxy: true },
    { cls: 'latency-e2e', sign: 1, proxy: true },
  ],
  ttftMs: [
    { cls: 'latency-ttft', sign: 1, proxy: false },
    { cls: 'throughput', sign: -1, proxy: true },
  ],
};

/** Rows of one metric's sources, sorted by residual, as flat arrays for a fast distance scan. */
interface Pool {
  /** Index of the pool in its model, for cache keys. */
  readonly id: number;
  readonly n: number;
  readonly logBatch: Float64Array;
  readonly logContext: Float64Array;
  readonly logTp: Float64Array;
  /** ln ρ of an open-loop row's run; NaN where the row has none. */
  readonly logUtilization: Float64Array;
  /** Signed residual (in the sign of the pool's canonical metric). */
  readonly residual: Float64Array;
  /** Mismatch distance independent of the scenario (proxy class). */
  readonly fixed: Float64Array;
  /** Interned hardware, engine and format ids (see `intern`). */
  readonly hardware: Int32Array;
  readonly engine: Int32Array;
  readonly format: Int32Array;
  /** Model class index (modelClassIndex). */
  readonly modelClass: Uint8Array;
  /** Workload kind index (loadIndex). */
  readonly load: Uint8Array;
  /** Measured ranges, ln. */
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
  /** Values of the widening factors (other than family) among the pool's rows: how many sources have each. */
  readonly seen: Readonly<Record<Exclude<WideningFactor, 'family'>, ReadonlyMap<string, number>>>;
}

const modelClassIndex = (m: ModelClass): number => (m === 'dense' ? 0 : m === 'moe' ? 1 : 2);
/** 0 batch, 1 concurrency, 2 maxThroughput (closed loop); 3 requestRate (open loop). */
const loadIndex = (l: LoadKind): number =>
  l === 'batch' ? 0 : l === 'concurrency' ? 1 : l === 'maxThroughput' ? 2 : 3;
const OPEN_LOAD = 3;

interface FamilyPools {
  readonly pools: readonly Pool[];
  /** Pool and sign per metric (a mirrored metric shares its pool with a negated sign). */
  readonly use: Readonly<Record<HeadlineMetric, { readonly pool: number; readonly sign: 1 | -1 }>>;
}

/** All pooled families: the stand-in for a family with no serving rows. */
const ANY_FAMILY = '*';

/** Small integer ids for strings, so the distance scan compares numbers. */
type Intern = (s: string) => number;

function buildPool(
  entries: readonly { row: ServingResidual; sign: number; proxy: boolean }[],
  options: BandOptions,
  intern: Intern,
  id: number,
): Pool {
  // Sorted by residual once, so a lookup reads weighted quantiles in one pass, with no sort.
  const sorted = [...entries].sort((a, b) => a.sign * a.row.residual - b.sign * b.row.residual);
  const n = sorted.length;
  const pool = {
    id,
    n,
    logBatch: new Float64Array(n),
    logContext: new Float64Array(n),
    logTp: new Float64Array(n),
    logUtilization: Float64Array.from(sorted, (e) =>
      e.row.utilization !== undefined && e.row.utilization > 0 ? Math.log(e.row.utilization) : Number.NaN,
    ),
    residual: new Float64Array(n),
    fixed: new Float64Array(n),
    hardware: Int32Array.from(sorted, (e) => intern(e.row.hardware)),
    engine: Int32Array.from(sorted, (e) => intern(e.row.engine)),
    format: Int32Array.from(sorted, (e) => intern(e.row.format)),
    modelClass: Uint8Array.from(sorted, (e) => modelClassIndex(e.row.modelClass)),
    load: Uint8Array.from(sorted, (e) => loadIndex(e.row.load)),
  };
  const sourcesBy = (value: (r: ServingResidual) => string): Map<string, number> => {
    const sets = new Map<string, Set<string>>();
    for (const e of sorted) {
      const v = value(e.row);
      const set = sets.get(v) ?? new Set();
      set.add(e.row.source);
      sets.set(v, set);
    }
    return new Map([...sets].map(([v, set]) => [v, set.size]));
  };
  const seen = {
    modelClass: sourcesBy((r) => r.modelClass),
    format: sourcesBy((r) => r.format),
    engine: sourcesBy((r) => r.engine),
  };
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  // A stand-in class for every row adds the same distance to all: it changes no weight.
  const allProxy = sorted.every((e) => e.proxy);
  sorted.forEach((e, i) => {
    const coords = [e.row.logBatch, e.row.logContext, Math.log(e.row.tp)] as const;
    pool.logBatch[i] = coords[0];
    pool.logContext[i] = coords[1];
    pool.logTp[i] = coords[2];
    pool.residual[i] = e.sign * e.row.residual;
    pool.fixed[i] = e.proxy && !allProxy ? options.mismatch.proxy : 0;
    for (let k = 0; k < 3; k++) {
      const x = coords[k] ?? 0;
      min[k] = Math.min(min[k] ?? Infinity, x);
      max[k] = Math.max(max[k] ?? -Infinity, x);
    }
  });
  return { ...pool, min, max, seen };
}

function buildFamilyPools(
  rows: readonly ServingResidual[],
  options: BandOptions,
  intern: Intern,
  nextId: () => number,
): FamilyPools {
  const pools: Pool[] = [];
  const keys = new Map<string, number>();
  const use = {} as Record<HeadlineMetric, { pool: number; sign: 1 | -1 }>;
  for (const metric of HEADLINE_METRICS) {
    const entries: { row: ServingResidual; sign: number; proxy: boolean; index: number }[] = [];
    for (const source of SOURCES[metric]) {
      rows.forEach((row, index) => {
        if (row.metricClass === source.cls)
          entries.push({ row, sign: source.sign, proxy: source.proxy, index });
      });
    }
    entries.sort((a, b) => a.index - b.index);
    // Canonical sign: the first row positive, so a metric that only mirrors another shares its pool.
    const sign: 1 | -1 = (entries[0]?.sign ?? 1) > 0 ? 1 : -1;
    const allProxy = entries.every((e) => e.proxy);
    const key = entries
      .map((e) => `${String(e.index)}:${String(e.sign * sign)}:${String(e.proxy && !allProxy)}`)
      .join(',');
    let pool = keys.get(key);
    if (pool === undefined) {
      pool = pools.length;
      keys.set(key, pool);
      pools.push(
        buildPool(
          entries.map((e) => ({ ...e, sign: e.sign * sign })),
          options,
          intern,
          nextId(),
        ),
      );
    }
    use[metric] = { pool, sign };
  }
  return { pools, use };
}

/** A band model: residual pools per family, built on first use, and a cache of neighbour spreads. */
export interface BandModel {
  readonly options: BandOptions;
  readonly widening: Widening;
  /** Families with serving rows. */
  readonly measuredFamilies: readonly string[];
  /** Log bands and extrapolation reasons for a scenario's conditions. */
  bands(conditions: BandConditions): ScenarioBands;
  /** One metric's band before the learned widening (what learnWidening measures). */
  parts(conditions: BandConditions, metric: HeadlineMetric): BandParts;
}

/**
 * A metric's band before the learned widening: the neighbours' spread [lo, hi] (at least the
 * minimum width), how far the conditions lie outside the range of the rows it draws on, and the
 * factors whose value has no row in the data the band draws on. The band is
 * widenedBand(parts, wideningExtra(widening, metric, load, parts)).
 */
export interface BandParts {
  readonly lo: number;
  readonly hi: number;
  /** E-folds by which batch, context and TP together lie outside the range of the rows drawn on. */
  readonly outside: number;
  readonly unseen: readonly WideningFactor[];
}

/**
 * The learned widening of a metric's band (ln, added to each side): the source term of its
 * arrival regime and metric class, the range term times the e-folds outside the measured range,
 * and the term of each unseen factor.
 */
export function wideningExtra(
  widening: Widening,
  metric: HeadlineMetric,
  load: LoadKind,
  parts: Pick<BandParts, 'unseen' | 'outside'>,
): number {
  let extra = widening.source[arrivalOf(load)][CLASS_OF_METRIC[metric]] + widening.range * parts.outside;
  for (const f of parts.unseen) extra += widening[f];
  return extra;
}

/**
 * The band of parts widened by `extra` (ln, wideningExtra) on each side. A band with an unseen
 * factor is symmetric (nothing tells the sign of the error there): ± its larger side.
 */
export function widenedBand(parts: BandParts, extra: number): LogBand {
  if (parts.unseen.length > 0) {
    const half = Math.max(-parts.lo, parts.hi) + extra;
    return { lo: -half, hi: half };
  }
  return { lo: parts.lo - extra, hi: parts.hi + extra };
}

/**
 * Utilization at which an open-loop queue counts as saturated: the simulation calls a run
 * overloaded when the arrivals exceed 1.05 times the rate it serves (serving/serve.ts), so a
 * utilization above 1 / 1.05 is one the model cannot tell from an overload. Beyond it the latency
 * grows with the length of the run, not with ρ.
 */
export const SATURATION_UTILIZATION = 1 / 1.05;

/**
 * ln of the latency amplification 1 / (1 − share·ρ), ρ held at saturation: share 1 is the sojourn
 * of an M/M/1 queue (the wait for a first token); share φ the decode step of a batch at its
 * fixed point (TPOT, OpenLoopLoad.batchShare).
 */
const amplification = (rho: number, share: number): number =>
  -Math.log(1 - share * Math.min(rho, SATURATION_UTILIZATION));

/**
 * The latency band (ln measured / predicted) of an open-loop run at utilization ρ whose capacity
 * lies in the band q = [q10, q90] (ln measured / predicted capacity). A capacity e^q times the
 * predicted one divides the step cost by e^q and the utilization with it, and the latency grows
 * as 1 / (1 − share·ρ) (`amplification`): ln ratio = −q + A(ρ·e^−q) − A(ρ). TTFT and E2E take
 * share 1 (the queue ahead of the first token), TPOT the run's φ. The p90 comes from q10
 * (capacity over-predicted: the true queue nearer saturation), the p10 from q90. Each side is the
 * widest at any utilization up to ρ, so that a run nearer saturation never gets a narrower band
 * (beyond saturation the raw formula would narrow again, as the predicted latency saturates too).
 */
export function openLatencyBand(rho: number, q: LogBand, share = 1): LogBand {
  const q10 = Math.min(0, q.lo);
  const q90 = Math.max(0, q.hi);
  const phi = Math.min(1, Math.max(0, share));
  const a = (x: number) => amplification(x, phi);
  // −q + A(ρe^−q) − A(ρ) rises with ρ until ρe^−q10 saturates (p90 side), and falls until ρ
  // saturates (p10 side): the widest up to ρ is its value there.
  const up = Math.min(rho, SATURATION_UTILIZATION * Math.exp(q10));
  const down = Math.min(rho, SATURATION_UTILIZATION);
  return {
    lo: -q90 + a(down * Math.exp(-q90)) - a(down),
    hi: -q10 + a(up * Math.exp(-q10)) - a(up),
  };
}

/**
 * The throughput band of an open-loop run at utilization ρ with its capacity in the band q: it
 * serves min(rate, capacity), so below capacity (ρ < 1) the measured throughput is the offered
 * rate unless the capacity is over-predicted by more than 1 / ρ; above it, between the capacity's
 * band and the offered rate.
 */
export function openThroughputBand(rho: number, q: LogBand): LogBand {
  const lnRho = Math.log(rho);
  return rho < 1
    ? { lo: Math.min(0, q.lo - lnRho), hi: 0 }
    : { lo: Math.min(0, q.lo), hi: Math.max(0, Math.min(lnRho, q.hi)) };
}

const CACHE_LIMIT = 8192;

/**
 * Steps per e-fold at which the neighbour spread is read: batch, context and TP are rounded to
 * 1/16 of an e-fold (6%) so that sweeps reuse cached spreads. The widening uses exact values.
 */
const SPREAD_STEPS = 16;
/** Rounded batch and context stay below this (ln 64), TP below TP_QUANTA (ln 8): far beyond any data. */
const QUANTA = 1024;
const TP_QUANTA = 128;
const quantize = (x: number, quanta: number): number => Math.min(quanta - 1, Math.round(x * SPREAD_STEPS));
/**
 * ln ρ of an open-loop run, offset by UTILIZATION_OFFSET and rounded like the coordinates, in
 * 1..UTILIZATION_QUANTA − 1 (ρ from about e^−8 to e^8); 0 where the conditions have no ρ.
 */
const UTILIZATION_QUANTA = 256;
const UTILIZATION_OFFSET = 8;
function utilizationQuantum(c: BandConditions): number {
  const rho = c.utilization;
  if (rho === undefined || !(rho > 0) || arrivalOf(c.load) !== 'open') return 0;
  const q = Math.round((Math.log(rho) + UTILIZATION_OFFSET) * SPREAD_STEPS);
  return Math.min(UTILIZATION_QUANTA - 1, Math.max(1, q));
}

/** How far (ln) x lies outside [min, max]. */
const beyond = (x: number, min: number, max: number): number => Math.max(0, x - max, min - x);

interface Coords {
  /** ln of the batch, context and TP (each at least 1). */
  readonly batch: number;
  readonly context: number;
  readonly tp: number;
}

/**
 * Weighted quantile of values sorted ascending: the smallest value whose cumulative weight
 * reaches p of the total (the inverse of the weighted empirical CDF). No interpolation, so a row
 * of negligible weight moves no quantile.
 */
function weightedQuantile(
  values: Float64Array,
  weights: Float64Array,
  n: number,
  total: number,
  p: number,
): number {
  const target = p * total;
  let cum = 0;
  let last = values[0] ?? 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? 0;
    if (w === 0) continue;
    cum += w;
    last = values[i] ?? 0;
    if (cum >= target) return last;
  }
  return last;
}

/** Extrapolation flags for conditions beyond the range of a pool's rows (by flagBeyond e-folds). */
function rangeFlags(
  main: Pool,
  c: BandConditions,
  coords: Coords,
  flagBeyond: number,
  extrapolation: Extrapolation[],
): void {
  const flag = (kind: 'batch' | 'context' | 'tp', value: number, x: number, lo: number, hi: number) => {
    if (x - hi > flagBeyond || lo - x > flagBeyond) {
      extrapolation.push({ kind, value, min: Math.exp(lo), max: Math.exp(hi) });
    }
  };
  flag('batch', c.batch, coords.batch, main.min[0], main.max[0]);
  flag('context', c.context, coords.context, main.min[1], main.max[1]);
  flag('tp', c.tp, coords.tp, main.min[2], main.max[2]);
}

/** The band model: neighbour-weighted residual spreads per pool, cached at rounded coordinates. */
class NeighbourBandModel implements BandModel {
  readonly measuredFamilies: readonly string[];
  private readonly familySet: ReadonlySet<string>;
  private readonly ids = new Map<string, number>();
  private readonly byFamily = new Map<string, FamilyPools>();
  private poolCount = 0;
  private dist = new Float64Array(64);
  private wts = new Float64Array(64);
  /**
   * Band parts before the range widening, by category (pool, load, model class, hardware, engine
   * and format, as one number) and rounded coordinates.
   */
  private readonly cache = new Map<number, Map<number, BandParts>>();
  private cached = 0;
  /** Per family: each headline metric's pool, the every-family pool, and the sign. */
  private readonly resolved = new Map<string, readonly Resolved[]>();

  constructor(
    private readonly serving: readonly ServingResidual[],
    readonly options: BandOptions,
    readonly widening: Widening,
  ) {
    this.familySet = new Set(serving.map((r) => r.family));
    this.measuredFamilies = [...this.familySet];
  }

  /** Log bands and extrapolation reasons for a scenario's conditions. */
  readonly bands = (c: BandConditions): ScenarioBands => this.compute(c);

  readonly parts = (c: BandConditions, metric: HeadlineMetric): BandParts => {
    const r = this.resolvedFor(c.family)[HEADLINE_METRICS.indexOf(metric)];
    const pool = r?.pool;
    const all = r?.all;
    if (r === undefined || pool === undefined || all === undefined)
      return { lo: -this.options.minHalfWidth, hi: this.options.minHalfWidth, outside: 0, unseen: [] };
    const p = this.poolParts(r, pool, all, c, coordsOf(c));
    return this.propagate(r.sign > 0 ? p : { ...p, lo: -p.hi, hi: -p.lo }, CLASS_OF_METRIC[metric], c);
  };

  /**
   * The capacity band of the conditions: the band of throughput that an offline (max-throughput)
   * run at the same conditions gets, ln of measured over predicted capacity.
   */
  private capacityBand(c: BandConditions): LogBand {
    const closed: BandConditions = { ...c, load: 'maxThroughput', utilization: undefined };
    const p = this.parts(closed, 'outputTokensPerSec');
    return widenedBand(p, wideningExtra(this.widening, 'outputTokensPerSec', 'maxThroughput', p));
  }

  /**
   * Parts of a metric class (in the metric's sign) with the capacity band `q` (capacityBand, read
   * when not given) propagated through the utilization of an open-loop run: the envelope of the
   * neighbours' spread and the propagated band.
   */
  private propagate(p: BandParts, cls: MetricClass, c: BandConditions, capacity?: LogBand): BandParts {
    const rho = c.utilization;
    if (rho === undefined || !(rho > 0) || arrivalOf(c.load) !== 'open') return p;
    const q = capacity ?? this.capacityBand(c);
    const d =
      cls === 'throughput'
        ? openThroughputBand(rho, q)
        : openLatencyBand(rho, q, cls === 'latency-tpot' ? (c.batchShare ?? 1) : 1);
    return d.lo >= p.lo && d.hi <= p.hi ? p : { ...p, lo: Math.min(p.lo, d.lo), hi: Math.max(p.hi, d.hi) };
  }

  private readonly intern: Intern = (s) => {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s, id);
    }
    return id;
  };

  private poolsOf(family: string): FamilyPools {
    let p = this.byFamily.get(family);
    if (p === undefined) {
      p = buildFamilyPools(
        family === ANY_FAMILY ? this.serving : this.serving.filter((r) => r.family === family),
        this.options,
        this.intern,
        () => this.poolCount++,
      );
      this.byFamily.set(family, p);
    }
    return p;
  }

  /** The family's own pool for a metric, else every family's (borrowed). */
  private poolFor(family: string, metric: HeadlineMetric): Resolved {
    const any = this.poolsOf(ANY_FAMILY);
    const all = any.pools[any.use[metric].pool];
    if (this.familySet.has(family)) {
      const fp = this.poolsOf(family);
      const pool = fp.pools[fp.use[metric].pool];
      if (pool !== undefined && pool.n > 0) return { pool, all, borrowed: false, sign: fp.use[metric].sign };
    }
    return { pool: all, all, borrowed: true, sign: any.use[metric].sign };
  }

  /** poolFor of every headline metric (HEADLINE_METRICS order), resolved once per family. */
  private resolvedFor(family: string): readonly Resolved[] {
    let r = this.resolved.get(family);
    if (r === undefined) {
      r = HEADLINE_METRICS.map((m) => this.poolFor(family, m));
      this.resolved.set(family, r);
    }
    return r;
  }

  /**
   * [lo, hi] of one pool before widening: weighted quantiles of its residuals, each row weighing
   * exp(−(d − d_nearest) / lengthScale). Rows are sorted by residual, so one pass reads them.
   */
  private spread(
    pool: Pool,
    c: BandConditions,
    lb: number,
    lc: number,
    lt: number,
    lu: number,
  ): [number, number] {
    const n = pool.n;
    if (n === 0) return [0, 0];
    if (this.dist.length < n) {
      this.dist = new Float64Array(n);
      this.wts = new Float64Array(n);
    }
    const dist = this.dist;
    const wts = this.wts;
    const options = this.options;
    const mm = options.mismatch;
    const pe = options.perEfold;
    const load = loadIndex(c.load);
    const open = load === OPEN_LOAD;
    const modelClass = modelClassIndex(c.modelClass);
    const hardware = this.ids.get(c.hardware) ?? -1;
    const engine = this.ids.get(c.engine) ?? -1;
    const format = this.ids.get(c.format) ?? -1;
    const { logBatch, logContext, logTp, logUtilization, fixed } = pool;
    const withUtilization = !Number.isNaN(lu);
    let nearest = Infinity;
    for (let i = 0; i < n; i++) {
      let d =
        pe.batch * Math.abs((logBatch[i] ?? 0) - lb) +
        pe.context * Math.abs((logContext[i] ?? 0) - lc) +
        pe.tp * Math.abs((logTp[i] ?? 0) - lt) +
        (fixed[i] ?? 0);
      // Two open-loop runs: how far apart their utilizations are (a row without one adds nothing).
      if (withUtilization) {
        const u = logUtilization[i] ?? Number.NaN;
        if (!Number.isNaN(u)) d += pe.utilization * Math.abs(u - lu);
      }
      if (pool.hardware[i] !== hardware) d += mm.hardware;
      if (pool.modelClass[i] !== modelClass) d += mm.modelClass;
      if (pool.format[i] !== format) d += mm.format;
      const rowLoad = pool.load[i] ?? 0;
      if (rowLoad !== load) d += (rowLoad === OPEN_LOAD) !== open ? mm.load + mm.arrival : mm.load;
      if (pool.engine[i] !== engine) d += mm.engine;
      dist[i] = d;
      if (d < nearest) nearest = d;
    }
    const far = options.cutoff * options.lengthScale;
    let total = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      const excess = (dist[i] ?? 0) - nearest;
      const w = excess > far ? 0 : Math.exp(-excess / options.lengthScale);
      wts[i] = w;
      total += w;
      if ((pool.residual[i] ?? 0) < 0) below += w;
    }
    // The central 80% window [0.1, 0.9] slides, keeping 80% of the weight, until it holds a
    // residual of 0 (the estimate itself): a biased neighbourhood gives a one-sided band.
    const f0 = below / total;
    const pLo = Math.min(Math.max(0.1, f0 - 0.8), f0, 0.2);
    return [
      weightedQuantile(pool.residual, wts, n, total, pLo),
      weightedQuantile(pool.residual, wts, n, total, pLo + 0.8),
    ];
  }

  /**
   * A pool's band parts at the scenario's rounded coordinates, before the range widening, cached.
   * A factor value is unseen when fewer than `fewestSources` sources of any family measured it
   * (`all`: the rows of every family), as it was held out when the widening was learned.
   */
  private cachedParts(r: Resolved, pool: Pool, all: Pool, c: BandConditions, coords: Coords): BandParts {
    const qb = quantize(coords.batch, QUANTA);
    const qc = quantize(coords.context, QUANTA);
    const qt = quantize(coords.tp, TP_QUANTA);
    // Numeric keys: pool, load, model class, and the interned hardware, engine and format (an id
    // not among the rows matches no row, so all such ids share -1), then the rounded coordinates.
    const slot = (pool.id * 4 + loadIndex(c.load)) * 3 + modelClassIndex(c.modelClass);
    const hw = this.ids.get(c.hardware) ?? -1;
    const engine = this.ids.get(c.engine) ?? -1;
    const format = this.ids.get(c.format) ?? -1;
    const category = ((slot * ID_SPAN + hw + 1) * ID_SPAN + engine + 1) * ID_SPAN + format + 1;
    const qu = utilizationQuantum(c);
    const key = ((qb * QUANTA + qc) * TP_QUANTA + qt) * UTILIZATION_QUANTA + qu;
    let byKey = this.cache.get(category);
    if (byKey === undefined) {
      byKey = new Map();
      this.cache.set(category, byKey);
    }
    let hit = byKey.get(key);
    if (hit === undefined) {
      if (++this.cached > CACHE_LIMIT) {
        this.cache.clear();
        this.cached = 1;
        byKey = new Map();
        this.cache.set(category, byKey);
      }
      const [q10, q90] = this.spread(
        pool,
        c,
        qb / SPREAD_STEPS,
        qc / SPREAD_STEPS,
        qt / SPREAD_STEPS,
        qu === 0 ? Number.NaN : qu / SPREAD_STEPS - UTILIZATION_OFFSET,
      );
      const few = this.options.fewestSources;
      const unseen: WideningFactor[] = r.borrowed ? ['family'] : [];
      if ((all.seen.modelClass.get(c.modelClass) ?? 0) < few) unseen.push('modelClass');
      if ((all.seen.format.get(c.format) ?? 0) < few) unseen.push('format');
      if ((all.seen.engine.get(c.engine) ?? 0) < few) unseen.push('engine');
      hit = {
        lo: Math.min(q10, -this.options.minHalfWidth),
        hi: Math.max(q90, this.options.minHalfWidth),
        outside: 0,
        unseen,
      };
      byKey.set(key, hit);
    }
    return hit;
  }

  /** One pool's band parts before the learned widening (in the pool's canonical sign). */
  private poolParts(r: Resolved, pool: Pool, all: Pool, c: BandConditions, coords: Coords): BandParts {
    const parts = this.cachedParts(r, pool, all, c, coords);
    const outside =
      pool.n === 0
        ? 0
        : beyond(coords.batch, pool.min[0], pool.max[0]) +
          beyond(coords.context, pool.min[1], pool.max[1]) +
          beyond(coords.tp, pool.min[2], pool.max[2]);
    return outside === 0 ? parts : { ...parts, outside };
  }

  private compute(c: BandConditions): ScenarioBands {
    const coords = coordsOf(c);
    const resolved = this.resolvedFor(c.family);
    // Metrics that share a pool (or mirror it) and a source term share its band.
    let lastPool: Pool | undefined;
    let lastClass: MetricClass | undefined;
    let lastBand: LogBand = { lo: 0, hi: 0 };
    let lastUnseen: readonly WideningFactor[] = [];
    let mainPool: Pool | undefined;
    let mainAll: Pool | undefined;
    let mainUnseen: readonly WideningFactor[] = [];
    const out = {} as Record<HeadlineMetric, LogBand>;
    // The capacity band of an open-loop run, read once for all its metrics.
    const open = c.utilization !== undefined && arrivalOf(c.load) === 'open';
    const capacity = open ? this.capacityBand(c) : undefined;
    for (let i = 0; i < HEADLINE_METRICS.length; i++) {
      const metric = HEADLINE_METRICS[i] as HeadlineMetric;
      const r = resolved[i];
      const pool = r?.pool;
      const all = r?.all;
      if (r === undefined || pool === undefined || all === undefined) {
        out[metric] = { lo: -this.options.minHalfWidth, hi: this.options.minHalfWidth };
        continue;
      }
      const cls = CLASS_OF_METRIC[metric];
      // Metrics of one pool and class share its sign (SOURCES), so they share the band.
      if (pool !== lastPool || cls !== lastClass) {
        const canonical = this.poolParts(r, pool, all, c, coords);
        const parts = this.propagate(
          r.sign > 0 ? canonical : { ...canonical, lo: -canonical.hi, hi: -canonical.lo },
          cls,
          c,
          capacity,
        );
        lastBand = widenedBand(parts, wideningExtra(this.widening, metric, c.load, parts));
        lastUnseen = parts.unseen;
        lastPool = pool;
        lastClass = cls;
      }
      if (metric === 'outputTokensPerSec') {
        mainPool = pool;
        mainAll = all;
        mainUnseen = lastUnseen;
      }
      out[metric] = lastBand;
    }
    const bands: LogBands = out;
    const extrapolation: Extrapolation[] = [];
    // Flags come from the rows behind the throughput metrics, which back most of the headline.
    if (mainPool !== undefined && mainAll !== undefined && mainPool.n > 0) {
      for (const f of mainUnseen) {
        if (f === 'family') {
          extrapolation.push({
            kind: 'family',
            hardware: c.hardware,
            family: c.family,
            measuredFamilies: this.measuredFamilies,
            factor: this.widening.family,
          });
        } else {
          extrapolation.push({
            kind: 'unseen',
            factor: f,
            value: c[f],
            measured: [...mainAll.seen[f].keys()],
            widening: this.widening[f],
          });
        }
      }
      rangeFlags(mainPool, c, coords, this.options.flagBeyond, extrapolation);
    }
    return { bands, extrapolation };
  }
}

/** A metric's pool for a family, the every-family pool, whether the family borrows it, and its sign. */
interface Resolved {
  readonly pool: Pool | undefined;
  readonly all: Pool | undefined;
  readonly borrowed: boolean;
  readonly sign: 1 | -1;
}

/** Interned ids (hardware, engine, format and model strings) count below this in a cache key. */
const ID_SPAN = 4096;

const coordsOf = (c: BandConditions): Coords => ({
  batch: Math.log(Math.max(1, c.batch)),
  context: Math.log(Math.max(1, c.context)),
  tp: Math.log(Math.max(1, c.tp)),
});

export function createBandModel(
  serving: readonly ServingResidual[],
  options: BandOptions = BAND_OPTIONS,
  widening: Widening = NO_WIDENING,
): BandModel {
  return new NeighbourBandModel(serving, options, widening);
}

/** The rows with their calibrated residual as the residual (a calibrated run's band). */
export function calibratedRows(rows: readonly ServingResidual[]): ServingResidual[] {
  return rows.map((r) => ({ ...r, residual: r.calibrated }));
}

let shipped: BandModel | undefined;
let shippedCalibrated: BandModel | undefined;

/**
 * The band model of the shipped residuals (residuals-data.ts, built on first use): of the default
 * predictions, or of the calibrated ones for a run under a calibration profile.
 */
export function defaultBandModel(calibrated = false): BandModel {
  if (calibrated) {
    shippedCalibrated ??= createBandModel(
      calibratedRows(SERVING_RESIDUALS),
      BAND_OPTIONS,
      WIDENING.calibrated,
    );
    return shippedCalibrated;
  }
  shipped ??= createBandModel(SERVING_RESIDUALS, BAND_OPTIONS, WIDENING.raw);
  return shipped;
}

/** p10 and p90 of a value under a log band; a zero or non-finite value keeps no band. */
export function applyBand(value: number, band: LogBand): Band {
  if (!(value > 0) || !Number.isFinite(value)) return { p10: value, p90: value };
  return { p10: value * Math.exp(band.lo), p90: value * Math.exp(band.hi) };
}

/** Bands for every headline metric of a report. */
export function applyBands(values: Readonly<Record<HeadlineMetric, number>>, bands: LogBands): Uncertainty {
  return {
    ttftMs: applyBand(values.ttftMs, bands.ttftMs),
    tpotMs: applyBand(values.tpotMs, bands.tpotMs),
    e2eLatencyMs: applyBand(values.e2eLatencyMs, bands.e2eLatencyMs),
    outputTokensPerSec: applyBand(values.outputTokensPerSec, bands.outputTokensPerSec),
    totalTokensPerSec: applyBand(values.totalTokensPerSec, bands.totalTokensPerSec),
    requestsPerSec: applyBand(values.requestsPerSec, bands.requestsPerSec),
  };
}
