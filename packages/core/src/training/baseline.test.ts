/**
 * The training regression gate: per source and metric, the median error on training.csv must
 * stay within `tolerancePoints` of data/measurements/training-baseline.json, over at least as
 * many rows. Updating the baseline is a reviewed edit.
 */
import { describe, expect, it } from 'vitest';
import { expectGroupsWithin, measurementFile } from '../../test/gate.js';
import { parseTrainingCsv } from '../measurements/training-csv.js';
import { validateTrainingRows } from '../validate/training-rows.js';

interface Baseline {
  readonly tolerancePoints: number;
  readonly overall: { readonly used: number; readonly medianOfSourceMediansPct: number };
  readonly groups: readonly { source: string; metric: string; used: number; medianErrorPct: number }[];
}

describe('training regression gate against data/measurements/training-baseline.json', () => {
  const baseline = JSON.parse(measurementFile('training-baseline.json')) as Baseline;
  const parsed = parseTrainingCsv(measurementFile('training.csv'));
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const report = validateTrainingRows(parsed.value);
  const tol = baseline.tolerancePoints;

  it('predicts at least as many rows, with the median over sources within the tolerance', () => {
    expect(report.totals.used).toBeGreaterThanOrEqual(baseline.overall.used);
    expect(report.totals.medianOfSourceMediansPct ?? Infinity).toBeLessThanOrEqual(
      baseline.overall.medianOfSourceMediansPct + tol,
    );
  });

  it('no source and metric gets worse by more than the tolerance', () => {
    expectGroupsWithin(baseline.groups, report.groups, tol);
  });

  it('skips the H100 HBM2e variants torchtitan ran on (not in the catalog) with the reason, never as h100-sxm', () => {
    const variants = parsed.value.filter((r) => /H100 SXM 9[4-6].*HBM2e/.test(r.hardware));
    expect(variants.length).toBe(54);
    for (const r of variants) {
      expect(report.rows.some((x) => x.id === r.id)).toBe(false);
      const skip = report.skipped.find((x) => x.id === r.id);
      expect(skip?.reason).toMatch(
        /^hardware variant not in the catalog \(H100 SXM 9.*\); closest catalog id h100-sxm$/,
      );
    }
  });
});
