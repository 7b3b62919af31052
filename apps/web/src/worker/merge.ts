/**
 * The summary of a serving validation file from its chunks (see fidelity.ts). Kept apart from the
 * core so that the page can merge chunks as they arrive without loading the model.
 */
import type { GroupSummary, RowRecord, SkippedRecord } from '@ridgeline/core';

export interface FidelityFile {
  readonly file: string;
  readonly rows: number;
  readonly used: number;
  readonly skipped: number;
  readonly medianErrorPct: number | null;
  readonly p90ErrorPct: number | null;
  readonly groups: readonly GroupSummary[];
  readonly skippedByReason: Readonly<Record<string, number>>;
  readonly points: readonly RowRecord[];
  readonly error?: string;
}

/** One chunk of a serving file: its rows' records and the groups in order of first appearance. */
export interface FidelityChunk {
  readonly file: string;
  /** Rows in the whole file. */
  readonly total: number;
  readonly start: number;
  readonly end: number;
  readonly groups: readonly { readonly source: string; readonly metric: string }[];
  readonly used: readonly RowRecord[];
  readonly skipped: readonly SkippedRecord[];
  /** The parser's messages when the file did not parse (then no rows). */
  readonly error?: string;
}

export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (at - lo);
}

/** A file whose CSV did not parse: no rows, and the parser's messages as its error. */
export function unreadable(file: string, error: string): FidelityFile {
  return {
    file,
    rows: 0,
    used: 0,
    skipped: 0,
    medianErrorPct: null,
    p90ErrorPct: null,
    groups: [],
    skippedByReason: {},
    points: [],
    error,
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/**
 * The summary of a file from its chunks, in row order: what `validateRows` gives for the rows
 * the chunks cover (all of them once the last chunk is in; `rows` counts only the covered rows).
 */
export function mergeChunks(file: string, chunks: readonly FidelityChunk[]): FidelityFile {
  const failed = chunks.find((c) => c.error !== undefined);
  if (failed?.error !== undefined) return unreadable(file, failed.error);
  const key = (source: string, metric: string): string => `${source}\u0000${metric}`;
  const groups = new Map<
    string,
    { source: string; metric: string; used: RowRecord[]; skipped: SkippedRecord[] }
  >();
  const used: RowRecord[] = [];
  const skipped: SkippedRecord[] = [];
  let rows = 0;
  for (const c of chunks) {
    rows += c.end - c.start;
    for (const g of c.groups) {
      const k = key(g.source, g.metric);
      if (!groups.has(k)) groups.set(k, { source: g.source, metric: g.metric, used: [], skipped: [] });
    }
    for (const r of c.used) {
      used.push(r);
      groups.get(key(r.source, r.metric))?.used.push(r);
    }
    for (const s of c.skipped) {
      skipped.push(s);
      groups.get(key(s.source, s.metric))?.skipped.push(s);
    }
  }
  const errors = used.map((r) => r.errorPct);
  return {
    file,
    rows,
    used: used.length,
    skipped: skipped.length,
    medianErrorPct: quantile(errors, 0.5),
    p90ErrorPct: quantile(errors, 0.9),
    groups: [...groups.values()].map((g) => {
      const e = g.used.map((r) => r.errorPct);
      return {
        source: g.source,
        metric: g.metric,
        used: g.used.length,
        skipped: g.skipped.length,
        skippedByReason: countBy(g.skipped.map((s) => s.reason)),
        medianErrorPct: quantile(e, 0.5),
        p90ErrorPct: quantile(e, 0.9),
      };
    }),
    skippedByReason: countBy(skipped.map((s) => s.reason)),
    points: used,
  };
}
