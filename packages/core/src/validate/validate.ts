/**
 * validateRows: predicts every row it can express and summarizes the absolute percentage error
 * |predicted − measured| / measured per (source, metric): rows used, rows skipped by reason,
 * median and p90. Sources are weighed separately because one source has over half the rows.
 */
import type { MeasurementRow } from '../measurements/csv.js';
import type { Prediction, PredictOptions } from './predict.js';
import { predictRow } from './predict.js';
import { percentile as percentileOf } from '../util/percentile.js';

export interface RowRecord {
  readonly id: string;
  /** Short source label (see sourceLabel). */
  readonly source: string;
  readonly metric: string;
  readonly measured: number;
  readonly predicted: number;
  /** |predicted − measured| / measured × 100. */
  readonly errorPct: number;
  /** An assumption made to predict this row, when one was needed. */
  readonly note?: string;
}

export interface SkippedRecord {
  readonly id: string;
  readonly source: string;
  readonly metric: string;
  readonly reason: string;
}

export interface GroupSummary {
  readonly source: string;
  readonly metric: string;
  readonly used: number;
  readonly skipped: number;
  /** Skipped rows per reason. */
  readonly skippedByReason: Readonly<Record<string, number>>;
  /** Absolute percentage error, % (null when no row was used). */
  readonly medianErrorPct: number | null;
  readonly p90ErrorPct: number | null;
}

export interface ValidationReport {
  readonly totals: {
    readonly rows: number;
    readonly used: number;
    readonly skipped: number;
    readonly medianErrorPct: number | null;
    readonly p90ErrorPct: number | null;
  };
  /** One entry per (source, metric), in order of first appearance. */
  readonly groups: readonly GroupSummary[];
  /** Skipped rows per reason, over all sources. */
  readonly skippedByReason: Readonly<Record<string, number>>;
  readonly rows: readonly RowRecord[];
  readonly skipped: readonly SkippedRecord[];
}

/**
 * A short label for a source cell: the text before the first ' @' (repository and path, commit
 * dropped), ' (' (table remarks dropped) or ': ' (a paper's subtitle dropped).
 */
export function sourceLabel(source: string): string {
  const t = source.trim();
  const cuts = [t.indexOf(' @'), t.indexOf(' ('), t.indexOf(': ')].filter((i) => i > 0);
  return cuts.length > 0 ? t.slice(0, Math.min(...cuts)).trim() : t;
}

/** Percentile of sorted values with linear interpolation between closest ranks (p in [0, 1]). */
export function percentile(sorted: readonly number[], p: number): number | null {
  return percentileOf(sorted, p) ?? null;
}

function summary(errors: readonly number[]): { medianErrorPct: number | null; p90ErrorPct: number | null } {
  const sorted = [...errors].sort((x, y) => x - y);
  return { medianErrorPct: percentile(sorted, 0.5), p90ErrorPct: percentile(sorted, 0.9) };
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** One measured value and its prediction (or why none), as assembleReport tabulates it. */
export interface PredictedItem {
  readonly id: string;
  /** Short source label. */
  readonly source: string;
  readonly metric: string;
  readonly measured: number;
  readonly prediction: Prediction;
}

/**
 * The report over predicted items: a prediction that is not a positive number, or a measured 0,
 * is skipped with the reason; the rest are used. Groups by (source, metric), in order of first
 * appearance. `rows` is the count of rows read (an item may be one of several metrics of a row).
 */
export function assembleReport(items: Iterable<PredictedItem>, rowCount?: number): ValidationReport {
  const used: RowRecord[] = [];
  const skipped: SkippedRecord[] = [];
  const keys: string[] = [];
  const groups = new Map<
    string,
    { source: string; metric: string; used: RowRecord[]; skipped: SkippedRecord[] }
  >();
  let count = 0;
  for (const item of items) {
    count++;
    const { id, source, metric, measured } = item;
    const key = `${source}\u0000${metric}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { source, metric, used: [], skipped: [] };
      groups.set(key, g);
      keys.push(key);
    }
    const p = item.prediction;
    if ('skip' in p) {
      const s = { id, source, metric, reason: p.skip };
      skipped.push(s);
      g.skipped.push(s);
      continue;
    }
    if (!Number.isFinite(p.predicted) || p.predicted <= 0 || measured === 0) {
      const s = {
        id,
        source,
        metric,
        reason:
          measured === 0 ? 'measured value is 0' : `prediction is not a positive number (${p.predicted})`,
      };
      skipped.push(s);
      g.skipped.push(s);
      continue;
    }
    const base = {
      id,
      source,
      metric,
      measured,
      predicted: p.predicted,
      errorPct: (Math.abs(p.predicted - measured) / Math.abs(measured)) * 100,
    };
    const r: RowRecord = p.note === undefined ? base : { ...base, note: p.note };
    used.push(r);
    g.used.push(r);
  }
  const summaries: GroupSummary[] = [];
  for (const key of keys) {
    const g = groups.get(key);
    if (g === undefined) continue;
    summaries.push({
      source: g.source,
      metric: g.metric,
      used: g.used.length,
      skipped: g.skipped.length,
      skippedByReason: countBy(g.skipped.map((s) => s.reason)),
      ...summary(g.used.map((r) => r.errorPct)),
    });
  }
  return {
    totals: {
      rows: rowCount ?? count,
      used: used.length,
      skipped: skipped.length,
      ...summary(used.map((r) => r.errorPct)),
    },
    groups: summaries,
    skippedByReason: countBy(skipped.map((s) => s.reason)),
    rows: used,
    skipped,
  };
}

export function validateRows(
  rows: readonly MeasurementRow[],
  options: PredictOptions = {},
): ValidationReport {
  const withRows: PredictOptions = options.rows === undefined ? { ...options, rows } : options;
  return assembleReport(
    rows.map((row) => ({
      id: row.id,
      source: sourceLabel(row.source),
      metric: row.metric,
      measured: row.value,
      prediction: predictRow(row, withRows),
    })),
  );
}
