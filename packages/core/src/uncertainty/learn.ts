/**
 * Leave-one-source-out learning and measurement of the bands (docs/uncertainty.md):
 *
 * - learnWidening: how much (ln, added to each side) a band must be widened to hold 80% of the
 *   rows of a source it has not seen (the `source` term, per arrival regime and metric class: every
 *   scenario a user runs is such a source, whose bias is not in the data), and how much more when the row's
 *   hardware family, model class, numeric format or engine is also absent from the data (each
 *   factor held out in turn). Every term is at least 0: an unseen factor never narrows a band.
 *   An open-loop row's needs are measured beyond its propagated band (band.ts), whose capacity
 *   band takes the closed-loop throughput term, learned first.
 * - bandCoverage: the share of each source's rows inside the band built without that source,
 *   with the widening learned without it too (nested), as a scenario of a new source gets it.
 */
import type { BandOptions, BandParts, HeadlineMetric, LogBand, BandConditions } from './band.js';
import { BAND_OPTIONS, NO_WIDENING, createBandModel, wideningExtra, widenedBand } from './band.js';
import type { Arrival, MetricClass, ServingResidual, Widening, WideningFactor } from './types.js';
import { WIDENING_FACTORS, arrivalOf } from './types.js';
import { sourceLabel } from '../validate/validate.js';

/** The share of rows a p10–p90 band is meant to hold. */
export const NOMINAL_COVERAGE = 0.8;

/**
 * A source term of an arrival regime and metric class is learned only from the rows of at least
 * this many sources: one source's rows show how far that source lies from the others, not how far
 * the next one will.
 */
const TERM_SOURCES = 2;

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
    load: r.load,
    batch: Math.exp(r.logBatch),
    context: Math.exp(r.logContext),
    tp: r.tp,
    utilization: r.utilization,
    batchShare: r.batchShare,
  };
}

/** The smallest widening (ln, each side) at which the band of `parts` holds the residual (widenedBand). */
export function neededExtra(residual: number, parts: BandParts): number {
  if (parts.unseen.length > 0) return Math.max(0, Math.abs(residual) - Math.max(-parts.lo, parts.hi));
  return residual >= 0 ? Math.max(0, residual - parts.hi) : Math.max(0, parts.lo - residual);
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
  widening: Widening,
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
    const model = createBandModel(train, options, widening);
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
  /**
   * The widening (ln) that holds 80% of them (weighted); for range, per e-fold beyond the source
   * term; for a factor, beyond the source and range terms.
   */
  readonly needed: number;
}

export interface WideningFit {
  readonly widening: Widening;
  /** By factor, `range`, and `source <arrival | any> <metric class>`. */
  readonly evidence: Readonly<Record<string, WideningEvidence>>;
}

/** A held-out row's needed widening (neededExtra), with what its term is keyed by. */
interface Need {
  readonly value: number;
  readonly source: string;
  readonly cls: MetricClass;
  readonly arrival: Arrival;
  /** E-folds outside the range of the rows its band drew on. */
  readonly outside: number;
}

const CLASSES = ['throughput', 'latency-ttft', 'latency-tpot', 'latency-e2e'] as const;

/**
 * The source terms from the rows' needs: per arrival regime and metric class, the widening that
 * holds 80% of the rows (each source weighing the same), learned only from the rows of at least
 * TERM_SOURCES sources. Where fewer have such rows: in a closed loop latency is proportional to
 * 1 / throughput (Little's law), so a closed-loop latency class takes the closed-loop throughput
 * term; otherwise the class's term over both regimes, else the throughput term over both.
 */
function sourceTerms(needs: readonly Need[], evidence: Record<string, WideningEvidence>): Widening['source'] {
  const learned = (cls: MetricClass, arrival?: Arrival): number | undefined => {
    const mine = needs.filter((b) => b.cls === cls && (arrival === undefined || b.arrival === arrival));
    const count = countBy(mine.map((b) => b.source));
    if (count.size < TERM_SOURCES) return undefined;
    const needed = weightedQuantile(
      mine.map((b) => ({ value: b.value, weight: 1 / (count.get(b.source) ?? 1) })),
      NOMINAL_COVERAGE,
    );
    if (needed === undefined) return undefined;
    evidence[`source ${arrival ?? 'any'} ${cls}`] = { rows: mine.length, heldOut: [...count.keys()], needed };
    return Math.max(0, needed);
  };
  const anyThroughput = learned('throughput') ?? 0;
  const closedThroughput = learned('throughput', 'closed') ?? anyThroughput;
  const regime = (arrival: Arrival): Record<MetricClass, number> => {
    const out = {} as Record<MetricClass, number>;
    for (const cls of CLASSES)
      out[cls] =
        learned(cls, arrival) ??
        (arrival === 'closed' && cls !== 'throughput' ? closedThroughput : undefined) ??
        learned(cls) ??
        anyThroughput;
    return out;
  };
  return { closed: regime('closed'), open: regime('open') };
}

/**
 * The range term: per e-fold outside the measured range, the widening beyond their source term
 * that holds 80% of the rows outside it (each source weighing the same), at least 0.
 */
function rangeTerm(
  needs: readonly Need[],
  source: Widening['source'],
  evidence: Record<string, WideningEvidence>,
): number {
  const outside = needs.filter((n) => n.outside > 0);
  const count = countBy(outside.map((n) => n.source));
  const needed = weightedQuantile(
    outside.map((n) => ({
      value: (n.value - source[n.arrival][n.cls]) / n.outside,
      weight: 1 / (count.get(n.source) ?? 1),
    })),
    NOMINAL_COVERAGE,
  );
  if (needed === undefined) return 0;
  evidence['range'] = { rows: outside.length, heldOut: [...count.keys()], needed };
  return Math.max(0, needed);
}

/**
 * Learns the widening from residual rows (see the module comment). Source, per arrival regime and
 * metric class: each source held out, its rows whose factors all occur in the other sources;
 * each source weighs the same (sourceTerms). Range: those of them outside the range of the rows
 * their band drew on, per e-fold beyond their source term (rangeTerm). Factor k: each of its
 * values v held out in turn (with the row's own source), every row of v predicted from rows with
 * another value; each value weighs the same. The factor's term is the widening that holds 80% of
 * those rows beyond their source and range terms, at least 0.
 */
export function learnWidening(
  rows: readonly ServingResidual[],
  options: BandOptions = BAND_OPTIONS,
): WideningFit {
  const needsWith = (w: Widening): Need[] => {
    const perSource = heldOutParts(
      rows,
      rows,
      (t) => ({ key: t.source, keep: (r) => r.source !== t.source }),
      options,
      w,
    );
    const needs: Need[] = [];
    rows.forEach((r, i) => {
      const p = perSource[i];
      if (p !== undefined && p.unseen.length === 0)
        needs.push({
          value: neededExtra(r.residual, p),
          source: r.source,
          cls: r.metricClass,
          arrival: arrivalOf(r.load),
          outside: p.outside,
        });
    });
    return needs;
  };
  let evidence: Record<string, WideningEvidence> = {};
  let needs = needsWith(NO_WIDENING);
  let source = sourceTerms(needs, evidence);
  // An open-loop band propagates the capacity band (a max-throughput run's band at the same
  // conditions, with the closed-loop throughput term) through the run's utilization: the rows'
  // needs are measured again with that term, which closed-loop rows alone set.
  const capacity: Widening = {
    ...NO_WIDENING,
    source: {
      ...NO_WIDENING.source,
      closed: { ...NO_WIDENING.source.closed, throughput: source.closed.throughput },
    },
  };
  if (rows.some((r) => r.utilization !== undefined)) {
    evidence = {};
    needs = needsWith(capacity);
    source = sourceTerms(needs, evidence);
  }
  const widening: Record<WideningFactor, number> & { source: Widening['source']; range: number } = {
    ...NO_WIDENING,
    source,
    range: rangeTerm(needs, source, evidence),
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
        capacity,
      );
      // Beyond the row's source and range terms.
      const extras = tests.flatMap((t, i) => {
        const p = parts[i];
        if (p === undefined) return [];
        const expected = source[arrivalOf(t.load)][t.metricClass] + widening.range * p.outside;
        return [neededExtra(t.residual, p) - expected];
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
      const band = widenedBand(parts, wideningExtra(widening, metric, t.load, parts));
      return { id: t.id, source, band, inside: t.residual >= band.lo && t.residual <= band.hi };
    });
    out.push(...mine);
    bySource.push({ source, ...summarize(mine) });
  }
  return { overall: summarize(out), sources: bySource, rows: out };
}
