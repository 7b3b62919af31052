/**
 * The two levels of calibration (docs/calibration.md, "Two levels"): kernel-level parameters are
 * fitted to kernel and operator rows only, serving-level ones to serving rows only with the
 * kernel-level profile held fixed; leave-one-source-out refits both without the source. Synthetic
 * observations (a closed-form prediction of the profile set) keep these fast and exact.
 */
import { describe, expect, it } from 'vitest';
import { crossValidate } from './cross-validate.js';
import type { Observation, ObservationLevel } from './observations.js';
import type { CalibrationParameter, ProfileSet } from './profile.js';
import { KERNEL_PARAMETERS, SERVING_PARAMETERS, profileParametersFor } from './profile.js';
import { findHardware } from '../hardware/catalog.js';
import { defaultParameters } from './profile.js';

const HW = 'h100-sxm';
const hw = findHardware(HW);
if (hw === undefined) throw new Error('h100-sxm missing');
const defaults = defaultParameters(hw, 'trtllm');

/** A kernel row: a GEMM whose time is 1/gemmPeakFraction, measured as if the fraction were `truth`. */
function kernelRow(i: number, source: string, truth: number): Observation {
  const predict = (set: ProfileSet | undefined) => {
    const g = profileParametersFor(set, HW, 'ideal')?.gemmPeakFraction ?? defaults.gemmPeakFraction;
    return (1 + i / 10) / g;
  };
  return obs(`k${String(i)}`, source, 'kernel', 'ideal', (1 + i / 10) / truth, ['gemmPeakFraction'], predict);
}

/** A serving row: GEMM time plus 20 steps of host overhead, measured with a true step overhead. */
function servingRow(
  i: number,
  source: string,
  gemmTruth: number,
  stepTruth: number,
  hardware = HW,
): Observation {
  const time = (g: number, step: number) => (1 + i / 10) / g + 20 * step * 1e3;
  const predict = (set: ProfileSet | undefined) => {
    const p = profileParametersFor(set, hardware, 'trtllm');
    return time(
      p?.gemmPeakFraction ?? defaults.gemmPeakFraction,
      p?.stepOverheadSeconds ?? defaults.stepOverheadSeconds,
    );
  };
  return {
    ...obs(
      `s${String(i)}`,
      source,
      'serving',
      'trtllm',
      time(gemmTruth, stepTruth),
      ['gemmPeakFraction', 'stepOverheadSeconds'],
      predict,
    ),
    hardware,
  };
}

function obs(
  id: string,
  source: string,
  level: ObservationLevel,
  engine: 'ideal' | 'trtllm',
  measured: number,
  sensitive: readonly CalibrationParameter[],
  predict: (set: ProfileSet | undefined) => number,
): Observation {
  return {
    id,
    source,
    cvSource: source,
    level,
    metric: level === 'kernel' ? 'achieved_tflops' : 'tpot_ms',
    hardware: HW,
    engine,
    measured,
    sensitiveTo: new Set(sensitive),
    predict,
  };
}

const kernels = (truth: number) => [
  ...Array.from({ length: 6 }, (_, i) => kernelRow(i, 'kernels A', truth)),
  ...Array.from({ length: 6 }, (_, i) => kernelRow(i + 6, 'kernels B', truth)),
];
const serving = (gemm: number, stepA: number, stepB: number) => [
  ...Array.from({ length: 8 }, (_, i) => servingRow(i, 'serving A', gemm, stepA)),
  ...Array.from({ length: 8 }, (_, i) => servingRow(i + 8, 'serving B', gemm, stepB)),
];

/** Within `pct` percent of `target`. */
function near(value: number | undefined, target: number, pct = 2): void {
  expect(Math.abs((value ?? Number.NaN) / target - 1) * 100).toBeLessThan(pct);
}

const kernelProfile = (cv: ReturnType<typeof crossValidate>) =>
  cv.profiles.find((p) => p.engine === undefined)?.parameters;
const servingProfile = (cv: ReturnType<typeof crossValidate>) =>
  cv.profiles.find((p) => p.engine === 'trtllm')?.parameters;

describe('kernel-level and serving-level parameters are fitted to their own evidence', () => {
  it('kernel rows set the GEMM fraction; serving rows, however far off, never move it', () => {
    const alone = kernelProfile(crossValidate(kernels(0.6)));
    // Serving rows that would want a much lower GEMM fraction (0.3) if they could move it.
    const withServing = kernelProfile(crossValidate([...kernels(0.6), ...serving(0.3, 1e-3, 1e-3)]));
    near(alone?.gemmPeakFraction, 0.6);
    expect(withServing).toEqual(alone);
  });

  it('the kernel-level profile holds only kernel-level parameters, the serving one only serving-level', () => {
    const cv = crossValidate([...kernels(0.6), ...serving(0.6, 1e-3, 1e-3)]);
    const k = Object.keys(kernelProfile(cv) ?? {});
    const s = Object.keys(servingProfile(cv) ?? {});
    expect(k.length).toBeGreaterThan(0);
    expect(s).toEqual(['stepOverheadSeconds']);
    for (const name of k) expect(KERNEL_PARAMETERS as readonly string[]).toContain(name);
    for (const name of s) expect(SERVING_PARAMETERS as readonly string[]).toContain(name);
  });

  it('serving rows are fitted with the kernel-level profile held: the step overhead comes out right', () => {
    const cv = crossValidate([...kernels(0.6), ...serving(0.6, 1e-3, 1e-3)]);
    near(servingProfile(cv)?.stepOverheadSeconds, 1e-3);
    expect(cv.totals.inSample.medianErrorPct).toBeLessThan(0.5);
  });

  it('serving rows alone leave the kernel-level parameters at their defaults', () => {
    const cv = crossValidate(serving(0.3, 1e-3, 1e-3));
    expect(kernelProfile(cv)).toBeUndefined();
    expect(Object.keys(servingProfile(cv) ?? {})).toEqual(['stepOverheadSeconds']);
  });
});

describe('leave-one-source-out refits without the source', () => {
  it('each serving source is predicted by a fit on the other one only', () => {
    // Source A's runs pay 1 ms a step, B's 3 ms: held out, A is predicted from B's fit and the
    // reverse; in-sample both are predicted by the compromise.
    const cv = crossValidate([...kernels(0.6), ...serving(0.6, 1e-3, 3e-3)]);
    const rows = cv.rows.filter((r) => r.level === 'serving');
    const fromB = servingRow(0, 'serving A', 0.6, 3e-3).measured;
    const a0 = rows.find((r) => r.id === 's0');
    near(a0?.heldOut, fromB);
    expect(Math.abs((a0?.inSample ?? 0) - (a0?.measured ?? 0))).toBeLessThan(
      Math.abs((a0?.heldOut ?? 0) - (a0?.measured ?? 0)),
    );
    const fromA = servingRow(8, 'serving B', 0.6, 1e-3).measured;
    near(rows.find((r) => r.id === 's8')?.heldOut, fromA);
  });

  it('a kernel source is predicted by the kernel fit on the other kernel source', () => {
    // Kernel source A measured at 0.5 of peak, B at 0.7: held out, A's rows come from B's fraction.
    const rows = [
      ...Array.from({ length: 6 }, (_, i) => kernelRow(i, 'kernels A', 0.5)),
      ...Array.from({ length: 6 }, (_, i) => kernelRow(i + 6, 'kernels B', 0.7)),
    ];
    const cv = crossValidate(rows);
    const r0 = cv.rows.find((r) => r.id === 'k0');
    // Within 2%: the prior pulls a six-row fit a little toward the family default.
    near(r0?.heldOut, 1 / 0.7);
    near(cv.rows.find((r) => r.id === 'k6')?.heldOut, (1 + 0.6) / 0.5);
  });

  it('a source with too few other rows left is predicted without a profile of that level', () => {
    const cv = crossValidate([...kernels(0.6), ...serving(0.6, 1e-3, 3e-3).slice(0, 9)]);
    // Without source A, one row of B is left: no serving fit, the kernel-level profile alone.
    const a0 = cv.rows.find((r) => r.id === 's0');
    const kernelOnly = servingRow(0, 'serving A', 0.6, defaults.stepOverheadSeconds).measured;
    near(a0?.heldOut, kernelOnly);
  });
});

describe('a device with few serving rows is shrunk toward its family', () => {
  it("two H200 rows move its profile from the Hopper family's fit, not all the way", () => {
    // H100 (16 rows) pays 1 ms a step; H200 (2 rows, its own source) 3 ms.
    const rows = [
      ...serving(0.6, 1e-3, 1e-3),
      servingRow(20, 'h200 runs', 0.6, 3e-3, 'h200-sxm'),
      servingRow(21, 'h200 runs', 0.6, 3e-3, 'h200-sxm'),
    ];
    const cv = crossValidate(rows);
    const step = (hardware: string) =>
      cv.profiles.find((p) => p.hardware === hardware && p.engine === 'trtllm')?.parameters
        .stepOverheadSeconds ?? Number.NaN;
    expect(step('h200-sxm')).toBeGreaterThan(step('h100-sxm') * 1.1);
    expect(step('h200-sxm')).toBeLessThan(3e-3);
    // Held out, the H200 rows (their only source) are predicted from the family fit on H100.
    const held = cv.rows.find((r) => r.id === 's20');
    near(held?.heldOut, servingRow(20, 'x', 0.6, 1e-3, 'h200-sxm').measured, 3);
  });
});
