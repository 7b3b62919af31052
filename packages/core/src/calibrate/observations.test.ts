/**
 * An observation predicts what `ridgeline validate` predicts for its row: observationsFromRows
 * passes the file's other rows as validateRows does (an MLPerf run whose KV format is unstated
 * takes its submission's), so calibration and its cross-validation fit and report the model
 * validate runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasurementCsv } from '../measurements/csv.js';
import { validateRows } from '../validate/validate.js';
import { observationsFromRows } from './observations.js';

const csv = readFileSync(new URL('../../data/measurements/serving-modern.csv', import.meta.url), 'utf8');

describe('observationsFromRows against validateRows', () => {
  it('predicts the MLPerf rows without a stated KV format as validate does', () => {
    const parsed = parseMeasurementCsv(csv);
    if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
    const rows = parsed.value.filter((r) => /inference_results/.test(r.source));
    const unstated = new Set(rows.filter((r) => r.precisionKv.trim() === '').map((r) => r.id));
    const predicted = new Map(validateRows(rows).rows.map((r) => [r.id, r.predicted]));
    const { observations } = observationsFromRows(rows);
    const compared = observations.filter((o) => unstated.has(o.id) && predicted.has(o.id));
    expect(compared.length).toBeGreaterThan(10);
    for (const o of compared) {
      const p = predicted.get(o.id) ?? Number.NaN;
      expect(o.predict(undefined), o.id).toBeCloseTo(p, 9);
    }
  });
});
