/**
 * The shipping rule (guard.ts): a profile ships only where it improves its rows in-sample and held
 * out and worsens, held out, no (source, metric) group of five rows or more by more than a point.
 */
import { describe, expect, it } from 'vitest';
import type { ShippingCandidate, ShippingEvidence } from './guard.js';
import { SHIPPING_RULE, guardedCrossValidate, shippingDecisions } from './guard.js';
import type { CrossValidationRow } from './cross-validate.js';
import { errorStats } from './cross-validate.js';
import { absErrorPct } from './fit-profile.js';
import type { Observation } from './observations.js';
import { defaultParameters, profileParametersFor } from './profile.js';
import { findHardware } from '../hardware/catalog.js';
import type { HardwareSpec } from '../hardware/schema.js';

type Row = ShippingEvidence['rows'][number];

/** n serving rows of one source and metric on h200-sxm under trtllm, measured 100, with the given errors. */
function rows(
  source: string,
  n: number,
  uncalibratedPct: number,
  heldOutPct: number,
  metric = 'tpot_ms',
): Row[] {
  return Array.from({ length: n }, () => ({
    source,
    metric,
    level: 'serving' as const,
    hardware: 'h200-sxm',
    engine: 'trtllm' as const,
    measured: 100,
    uncalibrated: 100 + uncalibratedPct,
    heldOut: 100 + heldOutPct,
  }));
}

/** A serving-level profile fitted on the rows, with its in-sample medians and held-out stats from the rows. */
function evidence(all: Row[], fit: { before: number; after: number }): ShippingEvidence {
  const profile: ShippingCandidate = {
    hardware: 'h200-sxm',
    engine: 'trtllm',
    fit: { rows: all.length, medianErrorPctBefore: fit.before, medianErrorPctAfter: fit.after },
  };
  return {
    profiles: [profile],
    heldOutMedianByProfile: [errorStats(all.map((r) => absErrorPct(r.heldOut, r.measured)))],
    rows: all,
  };
}

describe('shippingDecisions', () => {
  it('ships a profile that improves every group of its rows, in-sample and held out', () => {
    const all = [...rows('InferenceX', 12, 10, 6), ...rows('MLPerf', 6, 10, 9)];
    const [d] = shippingDecisions(evidence(all, { before: 10, after: 5 }));
    expect(d?.ships).toBe(true);
    expect(d?.refusal).toBeUndefined();
    expect(d?.worsens).toBeUndefined();
    expect(d?.heldOut.medianErrorPct).toBeCloseTo(6, 9);
  });

  it("refuses a profile that improves its rows overall but worsens one source's group held out", () => {
    // 30 InferenceX rows improve from 10% to 5%; the 6 MLPerf rows go from 10% to 12% held out.
    const all = [...rows('InferenceX', 30, 10, 5), ...rows('MLPerf', 6, 10, 12)];
    const ev = evidence(all, { before: 10, after: 5 });
    // The profile's own rows improve held out: only the group check refuses it.
    expect(ev.heldOutMedianByProfile[0]?.medianErrorPct).toBeCloseTo(5, 9);
    const [d] = shippingDecisions(ev);
    expect(d?.ships).toBe(false);
    expect(d?.refusal).toBe('worsens a group');
    expect(d?.worsens).toMatchObject({ source: 'MLPerf', metric: 'tpot_ms', rows: 6 });
    expect(d?.worsens?.medianErrorPctBefore).toBeCloseTo(10, 9);
    expect(d?.worsens?.medianErrorPctHeldOut).toBeCloseTo(12, 9);
  });

  it('lets a group worsen by up to the tolerance, and ignores groups under five rows', () => {
    const within = [
      ...rows('InferenceX', 30, 10, 5),
      ...rows('MLPerf', 6, 10, 10 + SHIPPING_RULE.groupTolerancePct),
    ];
    expect(shippingDecisions(evidence(within, { before: 10, after: 5 }))[0]?.ships).toBe(true);
    const small = [
      ...rows('InferenceX', 30, 10, 5),
      ...rows('MLPerf', SHIPPING_RULE.minGroupRows - 1, 10, 40),
    ];
    expect(shippingDecisions(evidence(small, { before: 10, after: 5 }))[0]?.ships).toBe(true);
    // The same group one row larger is read, and refuses it.
    const read = [...rows('InferenceX', 30, 10, 5), ...rows('MLPerf', SHIPPING_RULE.minGroupRows, 10, 40)];
    expect(shippingDecisions(evidence(read, { before: 10, after: 5 }))[0]?.refusal).toBe('worsens a group');
  });

  it('groups by metric too: a source worsened on one metric only is caught', () => {
    const all = [
      ...rows('InferenceX', 30, 10, 5),
      ...rows('MLPerf', 6, 10, 5, 'tpot_ms'),
      ...rows('MLPerf', 6, 10, 20, 'ttft_ms'),
    ];
    const [d] = shippingDecisions(evidence(all, { before: 10, after: 5 }));
    expect(d?.worsens).toMatchObject({ source: 'MLPerf', metric: 'ttft_ms' });
  });

  it('refuses a profile worse in-sample, worse held out, or fitted on too few rows', () => {
    const good = rows('InferenceX', 12, 10, 6);
    expect(shippingDecisions(evidence(good, { before: 10, after: 11 }))[0]?.refusal).toBe('worse in-sample');
    const worseHeldOut = rows('InferenceX', 12, 10, 10.5);
    // 10.5% held out against 10% before: within the group tolerance, but the profile's rows got worse.
    expect(shippingDecisions(evidence(worseHeldOut, { before: 10, after: 8 }))[0]?.refusal).toBe(
      'worse held out',
    );
    const few = rows('InferenceX', SHIPPING_RULE.minRows - 1, 10, 6);
    expect(shippingDecisions(evidence(few, { before: 10, after: 5 }))[0]?.refusal).toBe('too few rows');
  });

  it("reads only the profile's own rows: other devices' and kernel rows do not refuse it", () => {
    const other = rows('MLPerf', 6, 10, 40).map((r) => ({ ...r, hardware: 'h100-sxm' }));
    const kernel = rows('MLPerf', 6, 10, 40).map((r) => ({ ...r, level: 'kernel' as const }));
    const own = rows('InferenceX', 12, 10, 6);
    const ev = evidence(own, { before: 10, after: 5 });
    const [d] = shippingDecisions({ ...ev, rows: [...own, ...other, ...kernel] });
    expect(d?.ships).toBe(true);
  });
});

describe('guardedCrossValidate', () => {
  // One device's kernel-level rows from three sources. The prediction scales as 1 / gemmPeakFraction
  // (100 at the default). Sources A and B measure 120; source C measures 100, as the raw model
  // predicts. A profile fitted with C's rows in it moves C away from the raw model.
  const hw = 'h100-sxm';
  const g0 = defaultParameters(findHardware(hw) as HardwareSpec, 'ideal').gemmPeakFraction;
  const observation = (source: string, i: number, measured: number): Observation => ({
    id: `${source}-${String(i)}`,
    source,
    cvSource: source,
    level: 'kernel',
    metric: 'achieved_tflops',
    hardware: hw,
    engine: 'ideal',
    measured,
    sensitiveTo: new Set(['gemmPeakFraction']),
    predict: (set) => {
      const g = profileParametersFor(set, hw, 'ideal')?.gemmPeakFraction ?? g0;
      return (100 * g) / g0;
    },
  });
  const rowsOf = (source: string, measured: number) =>
    Array.from({ length: 6 }, (_, i) => observation(source, i, measured));
  const observations = [...rowsOf('A', 120), ...rowsOf('B', 120), ...rowsOf('C', 100)];
  const g = guardedCrossValidate(observations);
  const rowOf = (report: { rows: readonly CrossValidationRow[] }, id: string) => {
    const r = report.rows.find((x) => x.id === id);
    if (r === undefined) throw new Error(`no row ${id}`);
    return r;
  };

  it('refuses the profile fitted on all rows: held out, it worsens source C', () => {
    expect(g.decisions).toHaveLength(1);
    expect(g.decisions[0]?.ships).toBe(false);
    expect(g.decisions[0]?.worsens?.source).toBe('C');
    expect(g.shipped.profiles).toHaveLength(0);
    // In-sample is the default as shipped: nothing ships, so the raw prediction.
    expect(rowOf(g.shipped, 'A-0').inSample).toBe(100);
    expect(rowOf(g.fitted, 'A-0').inSample).toBeGreaterThan(101);
  });

  it('applies the rule inside each fold: without A, the refit on B and C is refused on B and C alone', () => {
    // Unguarded, A held out is predicted by the profile fitted on B and C: closer to 120.
    expect(rowOf(g.fitted, 'A-0').heldOut).toBeGreaterThan(101);
    // Guarded, that profile worsens C held out within the fold (fitted on B alone): A stays raw.
    expect(rowOf(g.shipped, 'A-0').heldOut).toBe(100);
    expect(g.shippedWithout.get('A')).toEqual([]);
    // Without C, the refit on A and B worsens no other source: it ships, and C gets it.
    expect(g.shippedWithout.get('C')).toEqual([hw]);
    // The same fit as the unguarded fold's, to its rounding (4 digits, as shipped) and start.
    expect(rowOf(g.shipped, 'C-0').heldOut).toBeCloseTo(rowOf(g.fitted, 'C-0').heldOut, 1);
    expect(rowOf(g.shipped, 'C-0').heldOut).toBeGreaterThan(101);
  });
});
