/**
 * The regression gate: no change may quietly make Ridgeline less accurate. The reference-set
 * median error (overall and per source and metric) must stay within `tolerancePoints` of the
 * baseline recorded in data/measurements/baseline.json; updating that file is a reviewed edit.
 */
import { describe, expect, it } from 'vitest';
import { expectGroupsWithin, measurementFile } from '../../test/gate.js';
import { parseMeasurementCsv } from '../measurements/csv.js';
import { servingModernGateSample } from './targets.js';
import { validateRows } from './validate.js';

interface Gate {
  readonly overall: { readonly used: number; readonly medianErrorPct: number };
  readonly groups: readonly { source: string; metric: string; used: number; medianErrorPct: number }[];
}

interface Baseline extends Gate {
  readonly tolerancePoints: number;
  readonly servingModern: Gate & { readonly maxDisaggregatedClients: number };
}

describe('regression gate against data/measurements/baseline.json', () => {
  const baseline = JSON.parse(measurementFile('baseline.json')) as Baseline;
  const parsed = parseMeasurementCsv(measurementFile('reference.csv'));
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const report = validateRows(parsed.value);
  const tol = baseline.tolerancePoints;

  it('the overall median error stays within the tolerance, over at least as many rows', () => {
    expect(report.totals.used).toBeGreaterThanOrEqual(baseline.overall.used);
    expect(report.totals.medianErrorPct ?? Infinity).toBeLessThanOrEqual(
      baseline.overall.medianErrorPct + tol,
    );
  });

  it('no source and metric gets worse by more than the tolerance', () => {
    expectGroupsWithin(baseline.groups, report.groups, tol);
  });
});

describe('regression gate on serving-modern.csv (sampled, see baseline.json servingModern)', () => {
  const baseline = JSON.parse(measurementFile('baseline.json')) as Baseline;
  const gate = baseline.servingModern;
  const parsed = parseMeasurementCsv(measurementFile('serving-modern.csv'));
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  // The sample: every row but the disaggregated runs of many clients (the slow ones).
  const sample = servingModernGateSample(parsed.value, gate.maxDisaggregatedClients);
  const report = validateRows(sample);
  const tol = baseline.tolerancePoints;

  it('the overall median error stays within the tolerance, over at least as many rows', () => {
    expect(report.totals.used).toBeGreaterThanOrEqual(gate.overall.used);
    expect(report.totals.medianErrorPct ?? Infinity).toBeLessThanOrEqual(gate.overall.medianErrorPct + tol);
  });

  it('no source and metric gets worse by more than the tolerance', () => {
    expectGroupsWithin(gate.groups, report.groups, tol);
  });
});
