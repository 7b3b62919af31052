/**
 * Leave-one-source-out learning and measurement of the bands (docs/uncertainty.md):
 *
 * - learnWidening: how much (ln, added to each side) a band must be widened to hold 80% of the
 *   rows of a source it has not seen (the `source` term, per metric class: every scenario a user
 *   runs is such a source, whose bias is not in the data), and how much more when the row's
 *   hardware family, model class, numeric format or engine is also absent from the data (each
 *   factor held out in turn). Every term is at least 0: an unseen factor never narrows a band.
 * - bandCoverage: the share of each source's rows inside the band built without that source,
 *   with the widening learned without it too (nested), as a scenario of a new source gets it.
 */
import type { BandOptions, BandParts, HeadlineMetric, LogBand, BandConditions } from './band.js';
import { BAND_OPTIONS, NO_WIDENING, createBandModel, wideningExtra, widenedBand } from './band.js';
import type { MetricClass, ServingResidual, Widening, WideningFactor } from './types.js';
import { WIDENING_FACTORS } from './types.js';
import { sourceLabel } from '../validate/validate.js';

/** The share of rows a p10–p90 band is meant to hold. */
export const NOMINAL_COVERAGE = 0.8;

/** The headline metric a residual row is checked against. */
export const METRIC_OF_CLASS: Readonly<Record<MetricClass, HeadlineMetric>> = {
  throughput: 'outputTokensPerSec',
  'latency-ttft': 'ttftMs',
  'latency-tpot': 'tpotMs',
  'latency-e2e': 'e2eLatencyMs',
};

/**
 * The source a measurement row is held out with: MLPerf results by submitter (one organization's
 * systems, harness and tuning: `MLPerf Inference v5.1 NVIDIA`), anything else by its source label
 * (a document, or one harness such as the InferenceX API snapshot).
 */
export function bandSource(sourceCell: string): string {
  const m = /mlcommons\/inference_results_v([\d.]+)\b.*?\b(?:closed|open)\/([^/\s]+)\//.exec(sourceCell);
  if (m?.[1] !== undefined && m[2] !== undefined) return `MLPerf Inference v${m[1]} ${m[2]}`;
  return sourceLabel(sourceCell);
}

/** The band conditions of a residual row. */
export function conditionsOf(r: ServingResidual): BandConditions {
  return {
    hardware: r.hardware,
    family: r.family,
    modelClass: r.modelClass,
    format: r.format,
    engine: r.engine,
    kind: r.kind,
    batch: Math.exp(r.logBatch),
    context: Math.exp(r.logContext),
    tp: r.tp,
  };
}

/** The smallest widening (ln, each side) at which the band of `parts` holds the residual (widenedBand). */
export function neededExtra(residual: number, parts: BandParts): number {
  if (parts.unseen.length > 0)
    return Math.max(0, Math.abs(residual) - Math.max(-parts.lo, parts.hi) - parts.widen);
  return residual >= 0
    ? Math.max(0, residual - parts.hi - parts.widen)
    : Math.max(0, parts.lo - residual - parts.widen);
}

/** Weighted quantile: the smallest value whose cumulative weight reaches p of the total. */
function weightedQuantile(pairs: { value: number; weight: number }[], p: number): number | undefined {
  const sorted = pairs
    .filter((x) => x.weight > 0 && Number.isFinite(x.value))
    .sort((a, b) => a.value - b.value);
  const total = sorted.reduce((s, x) => s + x.weight, 0);
  let cum = 0;
  for (const x of sorted) {
    cum += x.weight;
    if (cum >= p * total * (1 - 1e-12)) return x.value;
  }
  return sorted[sorted.length - 1]?.value;
}

/**
 * The band parts (before the learned widening) of each test row, from a model of the rows `keep` retains for it.
 * Test rows with the same `key` share one model.
 */
function heldOutParts(
  rows: readonly ServingResidual[],
  tests: readonly ServingResidual[],
  split: (test: ServingResidual) => { key: string; keep: (r: ServingResidual) => boolean },
  options: BandOptions,
): (BandParts | undefined)[] {
  const groups = new Map<string, { keep: (r: ServingResidual) => boolean; at: number[] }>();
  tests.forEach((t, i) => {
    const { key, keep } = split(t);
    const g = groups.get(key) ?? { keep, at: [] };
    g.at.push(i);
    groups.set(key, g);
  });
  const out: (BandParts | undefined)[] = tests.map(() => undefined);
  for (const g of groups.values()) {
    const train = rows.filter(g.keep);
    if (train.length === 0) continue;
    const model = createBandModel(train, options, NO_WIDENING);
    for (const i of g.at) {
      const t = tests[i];
      if (t !== undefined) out[i] = model.parts(conditionsOf(t), METRIC_OF_CLASS[t.metricClass]);
    }
  }
  return out;
}

/** The evidence behind one learned factor. */
export interface WideningEvidence {
  /** Rows whose needed widening was measured, and the held-out values (or sources). */
  readonly rows: number;
  readonly heldOut: readonly string[];
  /** The widening (ln) that holds 80% of them (weighted); for a factor, beyond the source term. */
  readonly needed: number;
}

export interface WideningFit {
  readonly widening: Widening;
  /** By factor, and by `source <metric class>`. */
  readonly evidence: Readonly<Record<string, WideningEvidence>>;
}

/**
 * Learns the widening factors from residual rows (see the module comment). Source, per metric
 * class: each source held out, its rows whose factors all occur in the other sources; each
 * source weighs the same. Factor k: each of its values v held out in turn (with the row's own
 * source), every row of v predicted from rows with another value; each value weighs the same.
 * The factor's term is the widening that holds 80% of those rows beyond the source term of each
 * row's class, at least 0.
 */
export function learnWidening(
  rows: readonly ServingResidual[],
  options: BandOptions = BAND_OPTIONS,
): WideningFit {
  const evidence: Record<string, WideningEvidence> = {};
  const perSource = heldOutParts(
    rows,
    rows,
    (t) => ({ key: t.source, keep: (r) => r.source !== t.source }),
    options,
  );
  const base: { value: number; source: string; cls: MetricClass }[] = [];
  rows.forEach((r, i) => {
    const p = perSource[i];
    if (p !== undefined && p.unseen.length === 0)
      base.push({ value: neededExtra(r.residual, p), source: r.source, cls: r.metricClass });
  });
  // Per metric class; a class without rows takes the throughput term (e2e mirrors throughput).
  const sourceOf = (cls: MetricClass): number | undefined => {
    const mine = base.filter((b) => b.cls === cls);
    const count = countBy(mine.map((b) => b.source));
    const needed = weightedQuantile(
      mine.map((b) => ({ value: b.value, weight: 1 / (count.get(b.source) ?? 1) })),
      NOMINAL_COVERAGE,
    );
    if (needed !== undefined)
      evidence[`source ${cls}`] = { rows: mine.length, heldOut: [...count.keys()], needed };
    return needed === undefined ? undefined : Math.max(0, needed);
  };
  const throughput = sourceOf('throughput') ?? 0;
  const source: Record<MetricClass, number> = {
    throughput,
    'latency-ttft': sourceOf('latency-ttft') ?? throughput,
    'latency-tpot': sourceOf('latency-tpot') ?? throughput,
    'latency-e2e': sourceOf('latency-e2e') ?? throughput,
  };
  const widening: Record<WideningFactor, number> & { source: Record<MetricClass, number> } = {
    ...NO_WIDENING,
    source,
  };
  for (const f of WIDENING_FACTORS) {
    const values = [...new Set(rows.map((r) => r[f]))];
    const pairs: { value: number; weight: number }[] = [];
    const heldOut: string[] = [];
    for (const v of values) {
      const tests = rows.filter((r) => r[f] === v);
      if (tests.length === rows.length) continue;
      const parts = heldOutParts(
        rows,
        tests,
        (t) => ({ key: t.source, keep: (r) => r[f] !== v && r.source !== t.source }),
        options,
      );
      // Beyond the source term of the row's class.
      const extras = tests.flatMap((t, i) => {
        const p = parts[i];
        return p === undefined ? [] : [neededExtra(t.residual, p) - source[t.metricClass]];
      });
      if (extras.length === 0) continue;
      heldOut.push(v);
      for (const e of extras) pairs.push({ value: e, weight: 1 / extras.length });
    }
    const needed = weightedQuantile(pairs, NOMINAL_COVERAGE);
    if (needed === undefined) continue;
    evidence[f] = { rows: pairs.length, heldOut, needed };
    widening[f] = Math.max(0, needed);
  }
  return { widening, evidence };
}

function countBy(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

export interface SourceCoverage {
  readonly source: string;
  readonly rows: number;
  /** Rows whose residual lies inside their band. */
  readonly covered: number;
  readonly fraction: number;
  /** Mean ln(p90 / p10). */
  readonly meanLogWidth: number;
}

export interface CoverageReport {
  readonly overall: Omit<SourceCoverage, 'source'>;
  /** Per source, in order of first appearance. */
  readonly sources: readonly SourceCoverage[];
  /** Per row: its band (log multipliers) and whether it holds the residual. */
  readonly rows: readonly {
    readonly id: string;
    readonly source: string;
    readonly band: LogBand;
    readonly inside: boolean;
  }[];
}

function summarize(rows: readonly { band: LogBand; inside: boolean }[]): Omit<SourceCoverage, 'source'> {
  const covered = rows.filter((r) => r.inside).length;
  return {
    rows: rows.length,
    covered,
    fraction: rows.length === 0 ? Number.NaN : covered / rows.length,
    meanLogWidth:
      rows.length === 0 ? Number.NaN : rows.reduce((s, r) => s + r.band.hi - r.band.lo, 0) / rows.length,
  };
}

/**
 * Leave-one-source-out coverage: each source's rows against bands built from the other sources,
 * widened by the terms learned from the other sources (see the module comment).
 */
export function bandCoverage(
  rows: readonly ServingResidual[],
  options: BandOptions = BAND_OPTIONS,
): CoverageReport {
  const sources = [...new Set(rows.map((r) => r.source))];
  const out: { id: string; source: string; band: LogBand; inside: boolean }[] = [];
  const bySource: SourceCoverage[] = [];
  for (const source of sources) {
    const train = rows.filter((r) => r.source !== source);
    const tests = rows.filter((r) => r.source === source);
    const { widening } = learnWidening(train, options);
    const model = createBandModel(train, options, widening);
    const mine = tests.map((t) => {
      const parts = model.parts(conditionsOf(t), METRIC_OF_CLASS[t.metricClass]);
      const metric = METRIC_OF_CLASS[t.metricClass];
      const band = widenedBand(parts, wideningExtra(widening, metric, parts.unseen));
      return { id: t.id, source, band, inside: t.residual >= band.lo && t.residual <= band.hi };
    });
    out.push(...mine);
    bySource.push({ source, ...summarize(mine) });
  }
  return { overall: summarize(out), sources: bySource, rows: out };
}
