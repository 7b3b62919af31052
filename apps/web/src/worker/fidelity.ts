/**
 * Fidelity: predicted against measured for each validation source shipped with the core
 * (packages/core/data/measurements, the same files `ridgeline validate` reads). Loaded lazily:
 * the CSV text is only fetched when the Fidelity view opens.
 */
import { parseMeasurementCsv, parseTrainingCsv, validateRows, validateTrainingRows } from '@ridgeline/core';
import type { GroupSummary, RowRecord } from '@ridgeline/core';
import reference from '../../../../packages/core/data/measurements/reference.csv?raw';
import servingModern from '../../../../packages/core/data/measurements/serving-modern.csv?raw';
import training from '../../../../packages/core/data/measurements/training.csv?raw';

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

const FILES: readonly (readonly [string, string])[] = [
  ['reference.csv', reference],
  ['serving-modern.csv', servingModern],
];

function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (at - lo);
}

/** A file whose CSV did not parse: no rows, and the parser's messages as its error. */
function unreadable(file: string, diagnostics: readonly { readonly message: string }[]): FidelityFile {
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
    error: diagnostics.map((d) => d.message).join('; '),
  };
}

/** training.csv, through the training validation (`ridgeline validate` on that file). */
function trainingFidelity(): FidelityFile {
  const file = 'training.csv';
  const parsed = parseTrainingCsv(training);
  if (!parsed.ok) return unreadable(file, parsed.diagnostics);
  const r = validateTrainingRows(parsed.value);
  const errors = r.rows.map((x) => x.errorPct);
  const skippedByReason: Record<string, number> = {};
  for (const k of r.skipped) skippedByReason[k.reason] = (skippedByReason[k.reason] ?? 0) + 1;
  return {
    file,
    rows: r.totals.rows,
    used: r.totals.used,
    skipped: r.totals.skipped,
    medianErrorPct: quantile(errors, 0.5),
    p90ErrorPct: quantile(errors, 0.9),
    groups: r.groups,
    skippedByReason,
    points: r.rows,
  };
}

export function fidelity(): FidelityFile[] {
  return [...servingFidelity(), trainingFidelity()];
}

function servingFidelity(): FidelityFile[] {
  return FILES.map(([file, text]) => {
    const parsed = parseMeasurementCsv(text);
    if (!parsed.ok) return unreadable(file, parsed.diagnostics);
    const r = validateRows(parsed.value);
    return { file, ...r.totals, groups: r.groups, skippedByReason: r.skippedByReason, points: r.rows };
  });
}
