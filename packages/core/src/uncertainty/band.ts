/**
 * Uncertainty bands: a p10–p90 range for each headline metric, from the calibration residuals
 * ln(measured / predicted) of the nearest measured conditions (weighted nearest neighbours over
 * hardware, model class, workload kind, batch, context and TP), widened where a scenario lies
 * outside the measurements. Method, constants and coverage: docs/uncertainty.md.
 */
import { KERNEL_RESIDUALS, SERVING_RESIDUALS } from './residuals-data.js';
import type { KernelResidual, MetricClass, ServingResidual } from './types.js';

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
  /** Mixture-of-experts model. */
  readonly moe: boolean;
  readonly engine: string;
  /** 'static': a static batch; 'continuous': continuous batching (concurrency, rate, offline). */
  readonly kind: 'static' | 'continuous';
  /** Sequences in flight per replica (the static batch, or the simulated mean). */
  readonly batch: number;
  /** Input + output tokens of a request. */
  readonly context: number;
  /** Tensor-parallel size. */
  readonly tp: number;
}

/** Why a band was widened beyond its neighbours' spread. */
export type Extrapolation =
  | {
      readonly kind: 'family';
      readonly hardware: string;
      readonly family: string;
      /** Families with serving measurements. */
      readonly measuredFamilies: readonly string[];
      /** Factor the spread was scaled by. */
      readonly factor: number;
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
  readonly perEfold: { readonly batch: number; readonly context: number; readonly tp: number };
  /** Distance added when a row differs in hardware id, model class, workload kind or engine. */
  readonly mismatch: {
    readonly hardware: number;
    readonly moe: number;
    readonly kind: number;
    readonly engine: number;
    /** A row of a stand-in class (throughput rows for TTFT or TPOT). */
    readonly proxy: number;
  };
  /** Smallest |ln| multiplier on either side: measurement noise of the published runs. */
  readonly minHalfWidth: number;
  /** Log half-width added per e-fold a coordinate lies outside its measured range. */
  readonly widenPerEfold: number;
  /**
   * Factor on the larger side of the band for a family without serving rows (with kernel rows
   * only, or with none); such a band is symmetric.
   */
  readonly familyFactor: { readonly kernelOnly: number; readonly unmeasured: number };
  /** A coordinate is flagged when it lies outside its range by more than this (ln). */
  readonly flagBeyond: number;
}

export const BAND_OPTIONS: BandOptions = {
  lengthScale: 0.5,
  cutoff: 8,
  perEfold: { batch: 1, context: 1, tp: 1 },
  mismatch: { hardware: 0.5, moe: 1.5, kind: 0.5, engine: 0.5, proxy: 1 },
  minHalfWidth: Math.log(1.05),
  widenPerEfold: 0.1,
  familyFactor: { kernelOnly: 1.5, unmeasured: 2 },
  flagBeyond: Math.log(1.1),
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
  /** Signed residual (in the sign of the pool's canonical metric). */
  readonly residual: Float64Array;
  /** Mismatch distance independent of the scenario (proxy class). */
  readonly fixed: Float64Array;
  /** Interned hardware and engine ids (see `intern`). */
  readonly hardware: Int32Array;
  readonly engine: Int32Array;
  readonly moe: Uint8Array;
  readonly kind: Uint8Array;
  /** Measured ranges, ln. */
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
}

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
    residual: new Float64Array(n),
    fixed: new Float64Array(n),
    hardware: Int32Array.from(sorted, (e) => intern(e.row.hardware)),
    engine: Int32Array.from(sorted, (e) => intern(e.row.engine)),
    moe: new Uint8Array(n),
    kind: new Uint8Array(n),
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
    pool.moe[i] = e.row.moe ? 1 : 0;
    pool.kind[i] = e.row.kind === 'static' ? 1 : 0;
    for (let k = 0; k < 3; k++) {
      const x = coords[k] ?? 0;
      min[k] = Math.min(min[k] ?? Infinity, x);
      max[k] = Math.max(max[k] ?? -Infinity, x);
    }
  });
  return { ...pool, min, max };
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
  /** Families with serving rows. */
  readonly measuredFamilies: readonly string[];
  /** Log bands and extrapolation reasons for a scenario's conditions. */
  bands(conditions: BandConditions): ScenarioBands;
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
  private readonly kernelFamilies: ReadonlySet<string>;
  private readonly ids = new Map<string, number>();
  private readonly byFamily = new Map<string, FamilyPools>();
  private poolCount = 0;
  private dist = new Float64Array(64);
  private wts = new Float64Array(64);
  /** Spreads by pool, kind and model class (a slot), hardware, engine and rounded coordinates. */
  private readonly cache: (Map<string, Map<string, Map<number, readonly [number, number]>>> | undefined)[] =
    [];
  private cached = 0;

  constructor(
    private readonly serving: readonly ServingResidual[],
    kernel: readonly KernelResidual[],
    readonly options: BandOptions,
  ) {
    this.familySet = new Set(serving.map((r) => r.family));
    this.measuredFamilies = [...this.familySet];
    this.kernelFamilies = new Set(kernel.map((r) => r.family));
  }

  /** Log bands and extrapolation reasons for a scenario's conditions. */
  readonly bands = (c: BandConditions): ScenarioBands => this.compute(c);

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

  /**
   * [lo, hi] of one pool before widening: weighted quantiles of its residuals, each row weighing
   * exp(−(d − d_nearest) / lengthScale). Rows are sorted by residual, so one pass reads them.
   */
  private spread(pool: Pool, c: BandConditions, lb: number, lc: number, lt: number): [number, number] {
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
    const kind = c.kind === 'static' ? 1 : 0;
    const moe = c.moe ? 1 : 0;
    const hardware = this.ids.get(c.hardware) ?? -1;
    const engine = this.ids.get(c.engine) ?? -1;
    const { logBatch, logContext, logTp, fixed } = pool;
    let nearest = Infinity;
    for (let i = 0; i < n; i++) {
      let d =
        pe.batch * Math.abs((logBatch[i] ?? 0) - lb) +
        pe.context * Math.abs((logContext[i] ?? 0) - lc) +
        pe.tp * Math.abs((logTp[i] ?? 0) - lt) +
        (fixed[i] ?? 0);
      if (pool.hardware[i] !== hardware) d += mm.hardware;
      if (pool.moe[i] !== moe) d += mm.moe;
      if (pool.kind[i] !== kind) d += mm.kind;
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

  /** The spread of a pool at the scenario's rounded coordinates, cached. */
  private cachedSpread(pool: Pool, c: BandConditions, coords: Coords): readonly [number, number] {
    const qb = quantize(coords.batch, QUANTA);
    const qc = quantize(coords.context, QUANTA);
    const qt = quantize(coords.tp, TP_QUANTA);
    // Small-integer keys (no heap numbers): pool and categorical slot, then hardware and engine
    // ids (the same string objects on every call), then the rounded coordinates.
    const slot = (pool.id * 2 + (c.kind === 'static' ? 1 : 0)) * 2 + (c.moe ? 1 : 0);
    const key = (qb * QUANTA + qc) * TP_QUANTA + qt;
    let byHardware = this.cache[slot];
    if (byHardware === undefined) {
      byHardware = new Map();
      this.cache[slot] = byHardware;
    }
    let byEngine = byHardware.get(c.hardware);
    if (byEngine === undefined) {
      byEngine = new Map();
      byHardware.set(c.hardware, byEngine);
    }
    let byKey = byEngine.get(c.engine);
    if (byKey === undefined) {
      byKey = new Map();
      byEngine.set(c.engine, byKey);
    }
    let hit = byKey.get(key);
    if (hit === undefined) {
      if (++this.cached > CACHE_LIMIT) {
        // Start over; this lookup's maps stay reachable through byKey until it is set.
        this.cache.length = 0;
        this.cached = 1;
        byKey = new Map();
        this.cache[slot] = new Map([[c.hardware, new Map([[c.engine, byKey]])]]);
      }
      hit = this.spread(pool, c, qb / SPREAD_STEPS, qc / SPREAD_STEPS, qt / SPREAD_STEPS);
      byKey.set(key, hit);
    }
    return hit;
  }

  /** One pool's log band: the neighbours' spread, scaled for another family, widened outside the range. */
  private poolBand(pool: Pool, c: BandConditions, coords: Coords, factor: number): LogBand {
    const [q10, q90] = this.cachedSpread(pool, c, coords);
    const outside =
      pool.n === 0
        ? 0
        : beyond(coords.batch, pool.min[0], pool.max[0]) +
          beyond(coords.context, pool.min[1], pool.max[1]) +
          beyond(coords.tp, pool.min[2], pool.max[2]);
    const options = this.options;
    const widen = options.widenPerEfold * outside;
    const lo = Math.min(q10, -options.minHalfWidth);
    const hi = Math.max(q90, options.minHalfWidth);
    if (factor === 1) return { lo: lo - widen, hi: hi + widen };
    // Another family: the sign of its error is unknown, so the band is symmetric, scaled.
    const half = factor * Math.max(-lo, hi) + widen;
    return { lo: -half, hi: half };
  }

  private compute(c: BandConditions): ScenarioBands {
    const options = this.options;
    const own = this.familySet.has(c.family) ? this.poolsOf(c.family) : undefined;
    const otherFactor = this.kernelFamilies.has(c.family)
      ? options.familyFactor.kernelOnly
      : options.familyFactor.unmeasured;
    const coords: Coords = {
      batch: Math.log(Math.max(1, c.batch)),
      context: Math.log(Math.max(1, c.context)),
      tp: Math.log(Math.max(1, c.tp)),
    };
    // Metrics that share a pool (or mirror it) share its band: remember the last one.
    let lastPool: Pool | undefined;
    let lastBand: LogBand = { lo: 0, hi: 0 };
    let borrowed = false;
    let main: Pool | undefined;
    const bandOf = (metric: HeadlineMetric): LogBand => {
      // The family's own rows, else every family's rows with the spread scaled.
      let fp = own;
      let pool = fp?.pools[fp.use[metric].pool];
      if (fp === undefined || pool === undefined || pool.n === 0) {
        fp = this.poolsOf(ANY_FAMILY);
        pool = fp.pools[fp.use[metric].pool];
        borrowed = true;
      }
      if (pool === undefined) return { lo: -options.minHalfWidth, hi: options.minHalfWidth };
      if (pool !== lastPool) {
        lastBand = this.poolBand(pool, c, coords, fp === own ? 1 : otherFactor);
        lastPool = pool;
      }
      if (metric === 'outputTokensPerSec') main = pool;
      const b = lastBand;
      return fp.use[metric].sign > 0 ? b : { lo: -b.hi, hi: -b.lo };
    };
    const bands: LogBands = {
      ttftMs: bandOf('ttftMs'),
      tpotMs: bandOf('tpotMs'),
      e2eLatencyMs: bandOf('e2eLatencyMs'),
      outputTokensPerSec: bandOf('outputTokensPerSec'),
      totalTokensPerSec: bandOf('totalTokensPerSec'),
      requestsPerSec: bandOf('requestsPerSec'),
    };
    const extrapolation: Extrapolation[] = [];
    if (borrowed) {
      extrapolation.push({
        kind: 'family',
        hardware: c.hardware,
        family: c.family,
        measuredFamilies: this.measuredFamilies,
        factor: otherFactor,
      });
    }
    // Range flags come from the rows behind the throughput metrics, which back most of the headline.
    if (main !== undefined && main.n > 0) rangeFlags(main, c, coords, options.flagBeyond, extrapolation);
    return { bands, extrapolation };
  }
}

export function createBandModel(
  serving: readonly ServingResidual[],
  kernel: readonly KernelResidual[],
  options: BandOptions = BAND_OPTIONS,
): BandModel {
  return new NeighbourBandModel(serving, kernel, options);
}

let shipped: BandModel | undefined;

/** The band model of the residuals shipped in residuals-data.ts (built on first use). */
export function defaultBandModel(): BandModel {
  shipped ??= createBandModel(SERVING_RESIDUALS, KERNEL_RESIDUALS);
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
