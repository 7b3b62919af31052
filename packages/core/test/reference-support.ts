// Helpers shared by the tests that predict rows of reference.csv: the row by id, and its
// prediction (throwing with the skip reason when the row is skipped).
import { readFileSync } from 'node:fs';
import type { MeasurementRow } from '../src/measurements/csv.js';
import { parseMeasurementCsv } from '../src/measurements/csv.js';
import { predictRow } from '../src/validate/predict.js';

const parsed = parseMeasurementCsv(
  readFileSync(new URL('../data/measurements/reference.csv', import.meta.url), 'utf8'),
);
const rows = new Map<string, MeasurementRow>(parsed.ok ? parsed.value.map((r) => [r.id, r]) : []);

/** Every row of reference.csv, in file order. */
export function referenceRows(): readonly MeasurementRow[] {
  return [...rows.values()];
}

export function referenceRow(id: string): MeasurementRow {
  const r = rows.get(id);
  if (r === undefined) throw new Error(`no row ${id}`);
  return r;
}

export function predictedReference(id: string): number {
  const p = predictRow(referenceRow(id));
  if ('skip' in p) throw new Error(`${id} skipped: ${p.skip}`);
  return p.predicted;
}
