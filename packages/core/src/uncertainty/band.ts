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
  /** Nearest measured rows a band is drawn from. */
  readonly neighbors: number;
  /** Distance at which a neighbour's weight falls to 1/e. */
  readonly lengthScale: number;
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
  /** Spread factor for a family without serving rows: with kernel rows only, or with none. */
  readonly familyFactor: { readonly kernelOnly: number; readonly unmeasured: number };
  /** A coordinate is flagged when it lies outside its range by more than this (ln). */
  readonly flagBeyond: number;
}

export const BAND_OPTIONS: BandOptions = {
  neighbors: 24,
  lengthScale: 0.5,
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

/** Rows of one metric's sources, as flat arrays for a fast distance scan. */
interface Pool {
  readonly n: number;
  readonly logBatch: Float64Array;
  readonly logContext: Float64Array;
  readonly logTp: Float64Array;
  /** Signed residual (in the sign of the pool's canonical metric). */
  readonly residual: Float64Array;
  /** Mismatch distance independent of the scenario (proxy class). */
  readonly fixed: Float64Array;
  readonly hardware: readonly string[];
  readonly engine: readonly string[];
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

function buildPool(
  entries: readonly { row: ServingResidual; sign: number; proxy: boolean }[],
  options: BandOptions,
): Pool {
  const n = entries.length;
  const pool = {
    n,
    logBatch: new Float64Array(n),
    logContext: new Float64Array(n),
    logTp: new Float64Array(n),
    residual: new Float64Array(n),
    fixed: new Float64Array(n),
    hardware: entries.map((e) => e.row.hardware),
    engine: entries.map((e) => e.row.engine),
    moe: new Uint8Array(n),
    kind: new Uint8Array(n),
  };
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  // A stand-in class for every row adds the same distance to all: it changes no weight.
  const allProxy = entries.every((e) => e.proxy);
  entries.forEach((e, i) => {
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

function buildFamilyPools(rows: readonly ServingResidual[], options: BandOptions): FamilyPools {
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
        ),
      );
    }
    use[metric] = { pool, sign };
  }
  return { pools, use };
}

/** A band model: residual pools per family, built once, and a cache of recent lookups. */
export interface BandModel {
  readonly options: BandOptions;
  /** Families with serving rows. */
  readonly measuredFamilies: readonly string[];
  /** Log bands and extrapolation reasons for a scenario's conditions. */
  bands(conditions: BandConditions): ScenarioBands;
}

const CACHE_LIMIT = 4096;

/** Weighted quantile of values sorted ascending, weights at their midpoints. */
function weightedQuantile(
  values: Float64Array,
  weights: Float64Array,
  n: number,
  total: number,
  p: number,
): number {
  let cum = 0;
  let prevMid = 0;
  let prev = values[0] ?? 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? 0;
    const mid = (cum + w / 2) / total;
    const v = values[i] ?? 0;
    if (p <= mid) {
      if (i === 0 || mid <= prevMid) return v;
      return prev + ((v - prev) * (p - prevMid)) / (mid - prevMid);
    }
    cum += w;
    prevMid = mid;
    prev = v;
  }
  return prev;
}

export function createBandModel(
  serving: readonly ServingResidual[],
  kernel: readonly KernelResidual[],
  options: BandOptions = BAND_OPTIONS,
): BandModel {
  const families = [...new Set(serving.map((r) => r.family))];
  const kernelFamilies = new Set(kernel.map((r) => r.family));
  const byFamily = new Map<string, FamilyPools>();
  const poolsOf = (family: string): FamilyPools => {
    let p = byFamily.get(family);
    if (p === undefined) {
      p = buildFamilyPools(
        family === ANY_FAMILY ? serving : serving.filter((r) => r.family === family),
        options,
      );
      byFamily.set(family, p);
    }
    return p;
  };
  const k = Math.max(1, options.neighbors);
  const dist = new Float64Array(k);
  const res = new Float64Array(k);
  const wts = new Float64Array(k);
  const cache = new Map<string, ScenarioBands>();

  /** [lo, hi] of one pool: weighted q10/q90 of the k nearest rows, before any widening. */
  const spread = (pool: Pool, c: BandConditions, lb: number, lc: number, lt: number): [number, number] => {
    let m = 0;
    const mm = options.mismatch;
    const pe = options.perEfold;
    const kind = c.kind === 'static' ? 1 : 0;
    const moe = c.moe ? 1 : 0;
    for (let i = 0; i < pool.n; i++) {
      let d =
        pe.batch * Math.abs((pool.logBatch[i] ?? 0) - lb) +
        pe.context * Math.abs((pool.logContext[i] ?? 0) - lc) +
        pe.tp * Math.abs((pool.logTp[i] ?? 0) - lt) +
        (pool.fixed[i] ?? 0);
      if (pool.hardware[i] !== c.hardware) d += mm.hardware;
      if (pool.moe[i] !== moe) d += mm.moe;
      if (pool.kind[i] !== kind) d += mm.kind;
      if (pool.engine[i] !== c.engine) d += mm.engine;
      if (m === k && d >= (dist[m - 1] ?? Infinity)) continue;
      // Insertion into the sorted k nearest.
      let j = m < k ? m++ : k - 1;
      while (j > 0 && (dist[j - 1] ?? 0) > d) {
        dist[j] = dist[j - 1] ?? 0;
        res[j] = res[j - 1] ?? 0;
        j--;
      }
      dist[j] = d;
      res[j] = pool.residual[i] ?? 0;
    }
    if (m === 0) return [0, 0];
    // Weights relative to the nearest row, then residuals sorted ascending (k is small).
    const d0 = dist[0] ?? 0;
    let total = 0;
    for (let i = 0; i < m; i++) {
      const w = Math.exp(-((dist[i] ?? 0) - d0) / options.lengthScale);
      wts[i] = w;
      total += w;
    }
    for (let i = 1; i < m; i++) {
      const r = res[i] ?? 0;
      const w = wts[i] ?? 0;
      let j = i;
      while (j > 0 && (res[j - 1] ?? 0) > r) {
        res[j] = res[j - 1] ?? 0;
        wts[j] = wts[j - 1] ?? 0;
        j--;
      }
      res[j] = r;
      wts[j] = w;
    }
    // The central 80% window [0.1, 0.9] slides, keeping 80% of the weight, until it holds a
    // residual of 0 (the estimate itself): a biased neighbourhood gives a one-sided band.
    let below = 0;
    for (let i = 0; i < m; i++) if ((res[i] ?? 0) < 0) below += wts[i] ?? 0;
    const f0 = below / total;
    const pLo = Math.min(Math.max(0.1, f0 - 0.8), f0, 0.2);
    return [weightedQuantile(res, wts, m, total, pLo), weightedQuantile(res, wts, m, total, pLo + 0.8)];
  };

  /** One pool's log band: the neighbours' spread, scaled for another family, widened outside the range. */
  const poolBand = (pool: Pool, c: BandConditions, coords: readonly number[], factor: number): LogBand => {
    const [q10, q90] = spread(pool, c, coords[0] ?? 0, coords[1] ?? 0, coords[2] ?? 0);
    let outside = 0;
    if (pool.n > 0) {
      for (let i = 0; i < 3; i++) {
        const x = coords[i] ?? 0;
        outside += Math.max(0, x - (pool.max[i] ?? x), (pool.min[i] ?? x) - x);
      }
    }
    const widen = options.widenPerEfold * outside;
    return {
      lo: factor * Math.min(q10, -options.minHalfWidth) - widen,
      hi: factor * Math.max(q90, options.minHalfWidth) + widen,
    };
  };

  const compute = (c: BandConditions): ScenarioBands => {
    const own = families.includes(c.family) ? poolsOf(c.family) : undefined;
    const otherFactor = kernelFamilies.has(c.family)
      ? options.familyFactor.kernelOnly
      : options.familyFactor.unmeasured;
    const coords = [
      Math.log(Math.max(1, c.batch)),
      Math.log(Math.max(1, c.context)),
      Math.log(Math.max(1, c.tp)),
    ] as const;
    const memo = new Map<Pool, LogBand>();
    const bands = {} as Record<HeadlineMetric, LogBand>;
    let borrowed = false;
    let main: Pool | undefined;
    for (const metric of HEADLINE_METRICS) {
      // The family's own rows, else every family's rows with the spread scaled.
      let fp = own;
      let pool = fp?.pools[fp.use[metric].pool];
      if (fp === undefined || pool === undefined || pool.n === 0) {
        fp = poolsOf(ANY_FAMILY);
        pool = fp.pools[fp.use[metric].pool];
        borrowed = true;
      }
      if (pool === undefined) continue;
      const factor = fp === own ? 1 : otherFactor;
      let b = memo.get(pool);
      if (b === undefined) {
        b = poolBand(pool, c, coords, factor);
        memo.set(pool, b);
      }
      bands[metric] = fp.use[metric].sign > 0 ? b : { lo: -b.hi, hi: -b.lo };
      if (metric === 'outputTokensPerSec') main = pool;
    }
    const extrapolation: Extrapolation[] = [];
    if (borrowed) {
      extrapolation.push({
        kind: 'family',
        family: c.family,
        measuredFamilies: families,
        factor: otherFactor,
      });
    }
    // Range flags come from the rows behind the throughput metrics, which back most of the headline.
    if (main !== undefined && main.n > 0) {
      const names = ['batch', 'context', 'tp'] as const;
      const values = [c.batch, c.context, c.tp] as const;
      for (let i = 0; i < 3; i++) {
        const x = coords[i] ?? 0;
        const lo = main.min[i] ?? x;
        const hi = main.max[i] ?? x;
        if (x - hi > options.flagBeyond || lo - x > options.flagBeyond) {
          extrapolation.push({
            kind: names[i] ?? 'batch',
            value: values[i] ?? 0,
            min: Math.exp(lo),
            max: Math.exp(hi),
          });
        }
      }
    }
    return { bands, extrapolation };
  };

  return {
    options,
    measuredFamilies: families,
    bands(c: BandConditions): ScenarioBands {
      const key = `${c.family}|${c.hardware}|${c.engine}|${c.kind}|${String(c.moe)}|${String(c.batch)}|${String(c.context)}|${String(c.tp)}`;
      let hit = cache.get(key);
      if (hit === undefined) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        hit = compute(c);
        cache.set(key, hit);
      }
      return hit;
    },
  };
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
