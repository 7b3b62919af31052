/**
 * Fidelity: predicted against measured for each validation source shipped with the core
 * (packages/core/data/measurements, the same files `ridgeline validate` reads). Loaded lazily:
 * the CSV text is only fetched when the Fidelity view opens.
 */
import { parseMeasurementCsv, validateRows } from '@ridgeline/core';
import type { GroupSummary, RowRecord } from '@ridgeline/core';
import reference from '../../../../packages/core/data/measurements/reference.csv?raw';
import servingModern from '../../../../packages/core/data/measurements/serving-modern.csv?raw';

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

export function fidelity(): FidelityFile[] {
  return FILES.map(([file, text]) => {
    const parsed = parseMeasurementCsv(text);
    if (!parsed.ok) {
      const error = parsed.diagnostics.map((d) => d.message).join('; ');
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
    const r = validateRows(parsed.value);
    return { file, ...r.totals, groups: r.groups, skippedByReason: r.skippedByReason, points: r.rows };
  });
}
