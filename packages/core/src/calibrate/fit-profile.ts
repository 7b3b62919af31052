/**
 * Fitting a calibration profile: the observations on one device (and engine) become a robust
 * log-error problem over that device's efficiency parameters, with the family defaults as the
 * prior (fit.ts). Priors and bounds per parameter are set here and documented in
 * docs/calibration.md.
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { findHardware } from '../hardware/catalog.js';
import type { EngineId } from '../scenario/schema.js';
import type { FitParameter, FitProblem, FitResult, Loss } from './fit.js';
import { fitParameters } from './fit.js';
import { fitMessages } from './messages.js';
import type { Observation } from './observations.js';
import type { CalibrationParameter, FitRecord, ProfileParameters, ProfileSet } from './profile.js';
import { HARDWARE_PARAMETERS, defaultParameters } from './profile.js';
import { percentile } from '../validate/validate.js';

interface ParameterSpec {
  /** Prior standard deviation of log(value / default). */
  readonly priorLogSigma: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * Prior widths and bounds. Fractions: within about 15–30% of the family default (the spread the
 * MAMF, DeepGEMM and LLMCompass kernel measurements show across devices of one family), never
 * above 1. Times: a factor of e either way, no firm knowledge behind the defaults.
 */
export const PARAMETER_SPECS: Readonly<Record<CalibrationParameter, ParameterSpec>> = {
  gemmPeakFraction: { priorLogSigma: 0.2, lower: 0.05, upper: 1 },
  gemmLowPrecisionPeakFraction: { priorLogSigma: 0.2, lower: 0.05, upper: 1 },
  gemmFp4PeakFraction: { priorLogSigma: 0.2, lower: 0.05, upper: 1 },
  memoryBandwidthFraction: { priorLogSigma: 0.15, lower: 0.05, upper: 1 },
  attentionPeakFraction: { priorLogSigma: 0.3, lower: 0.05, upper: 1 },
  collectiveBandwidthFraction: { priorLogSigma: 0.3, lower: 0.05, upper: 1 },
  collectiveLatencySeconds: { priorLogSigma: 1, lower: 1e-7, upper: 1e-3 },
  kernelLaunchSeconds: { priorLogSigma: 1, lower: 1e-8, upper: 1e-3 },
  stepOverheadSeconds: { priorLogSigma: 1, lower: 1e-6, upper: 0.05 },
  stepOverheadPerSequenceSeconds: { priorLogSigma: 1, lower: 1e-8, upper: 1e-3 },
  requestOverheadSeconds: { priorLogSigma: 1, lower: 1e-5, upper: 0.5 },
};

/**
 * Parameters fitted by default: the device's, plus the engine's step overhead for an engine
 * profile. kernelLaunchSeconds is left out: its override sets eager and CUDA-graph launches to
 * one value, so fitting it would tie two different costs (a profile may still set it by hand).
 */
export function defaultFitParameters(engine: EngineId | undefined): readonly CalibrationParameter[] {
  return engine === undefined || engine === 'ideal'
    ? HARDWARE_PARAMETERS
    : [...HARDWARE_PARAMETERS, 'stepOverheadSeconds'];
}

/** Fewest usable measurements `ridgeline calibrate` fits from. */
export const MIN_CALIBRATION_ROWS = 3;

export interface ProfileFitOptions {
  /** Catalog id of the device. */
  readonly hardware: string;
  /** Fit an engine profile: only this engine's measurements, engine parameters too. */
  readonly engine?: EngineId;
  readonly parameters?: readonly CalibrationParameter[];
  readonly loss?: Loss;
  /** Residual scale in log units (default 0.1). */
  readonly scale?: number;
  readonly weighting?: Weighting;
  /** Significant digits of the written parameters (default 4). */
  readonly digits?: number;
  /** Jacobian at the prior over the selected observations, when already computed (fit.ts). */
  readonly jacobian?: readonly Float64Array[];
  /**
   * Profiles held fixed under the fitted one (the device's kernel-level profile under a
   * serving-level fit); the prior point is the defaults with these applied.
   */
  readonly base?: ProfileSet;
  /** Prior centre other than the defaults (the family's pooled fit), with its log width. */
  readonly prior?: PriorCentre;
  /** A starting point other than the prior (the optimum of a nearby fit); missing values start at the prior. */
  readonly start?: ProfileParameters;
}

/** A prior centred elsewhere than the defaults: values per parameter and one log width. */
export interface PriorCentre {
  readonly values: ProfileParameters;
  readonly logSigma: number;
}

export interface ProfileFit {
  readonly hardware: string;
  readonly engine: EngineId | undefined;
  /** Fitted values of the parameters some measurement informs, rounded. */
  readonly parameters: ProfileParameters;
  readonly fit: FitRecord;
  readonly observations: readonly Observation[];
  /** Absolute percentage errors per observation, with the defaults and with the profile. */
  readonly errorPctBefore: readonly number[];
  readonly errorPctAfter: readonly number[];
  /** Predictions with the profile, per observation (NaN where none). */
  readonly predictedAfter: readonly number[];
  readonly result: FitResult;
}

export function absErrorPct(predicted: number | undefined, measured: number): number {
  return predicted === undefined ? Number.NaN : (Math.abs(predicted - measured) / measured) * 100;
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return percentile(finite, 0.5) ?? Number.NaN;
}

/** The observations a profile for (hardware, engine) is fitted to. */
export function observationsFor(
  observations: readonly Observation[],
  hardware: string,
  engine: EngineId | undefined,
): Observation[] {
  return observations.filter(
    (o) => o.hardware === hardware && o.sensitiveTo.size > 0 && (engine === undefined || o.engine === engine),
  );
}

/** A profile set holding one profile with these parameter values. */
export function singleProfile(
  hardware: string,
  engine: EngineId | undefined,
  names: readonly CalibrationParameter[],
  values: readonly number[],
  base: ProfileSet = [],
): ProfileSet {
  const parameters: ProfileParameters = {};
  names.forEach((n, j) => {
    const v = values[j];
    if (v !== undefined) parameters[n] = v;
  });
  return [...base, engine === undefined ? { hardware, parameters } : { hardware, engine, parameters }];
}

/**
 * How measurements are weighed: 'row' = each alike; 'source' = each source's rows share a total
 * weight of √n (n rows), so one large table does not drown a small one, then scaled so the
 * weights sum to the number of rows (the balance against the prior is kept).
 */
export type Weighting = 'row' | 'source';
export const DEFAULT_WEIGHTING: Weighting = 'row';

export function sourceWeights(observations: readonly Observation[], weighting: Weighting): Float64Array {
  const w = new Float64Array(observations.length).fill(1);
  if (weighting === 'row' || observations.length === 0) return w;
  const counts = new Map<string, number>();
  for (const o of observations) counts.set(o.source, (counts.get(o.source) ?? 0) + 1);
  let total = 0;
  observations.forEach((o, i) => {
    w[i] = 1 / Math.sqrt(counts.get(o.source) ?? 1);
    total += w[i] ?? 0;
  });
  const scale = observations.length / total;
  for (let i = 0; i < w.length; i++) w[i] = (w[i] ?? 0) * scale;
  return w;
}

/** Priors and bounds of the fitted parameters: the defaults, or another centre. */
export function fitParametersFor(
  hardware: string,
  engine: EngineId | undefined,
  names: readonly CalibrationParameter[],
  centre?: PriorCentre,
): FitParameter[] {
  const spec = findHardware(hardware);
  const defaults = spec === undefined ? undefined : defaultParameters(spec, engine ?? 'ideal');
  return names.map((name) => {
    const s = PARAMETER_SPECS[name];
    const c = centre?.values[name];
    const prior = Math.min(s.upper, Math.max(s.lower, c ?? defaults?.[name] ?? s.lower));
    const sigma = c === undefined ? s.priorLogSigma : (centre?.logSigma ?? s.priorLogSigma);
    return { name, prior, priorLogSigma: sigma, lower: s.lower, upper: s.upper };
  });
}

/** fitParameters' `start` from a starting point by name (the prior where it has none); none without one. */
export function startOption(
  problem: FitProblem,
  names: readonly CalibrationParameter[],
  start: ProfileParameters | undefined,
): { start?: { values: number[]; residuals: Float64Array } } {
  if (start === undefined) return {};
  const values = problem.parameters.map((p, j) => {
    const n = names[j];
    return (n === undefined ? undefined : start[n]) ?? p.prior;
  });
  return { start: { values, residuals: problem.residuals(values) } };
}

/** The fit problem of some observations over some parameters of one device. */
export function profileProblem(
  observations: readonly Observation[],
  hardware: string,
  engine: EngineId | undefined,
  names: readonly CalibrationParameter[],
  weighting: Weighting = DEFAULT_WEIGHTING,
  base: ProfileSet = [],
  centre?: PriorCentre,
) {
  const parameters = fitParametersFor(hardware, engine, names, centre);
  return {
    parameters,
    weights: sourceWeights(observations, weighting),
    residuals: (values: readonly number[], only?: ArrayLike<boolean>) => {
      const set = singleProfile(hardware, engine, names, values, base);
      const r = new Float64Array(observations.length).fill(Number.NaN);
      observations.forEach((o, i) => {
        if (only !== undefined && only[i] !== true) return;
        const p = o.predict(set);
        if (p !== undefined && p > 0) r[i] = Math.log(p / o.measured);
      });
      return r;
    },
    sensitive: (j: number) => {
      const name = names[j];
      return observations.map((o) => name !== undefined && o.sensitiveTo.has(name));
    },
  };
}

/**
 * log(predicted / measured) with the default efficiencies (predictions cached by the
 * observations), or with the `base` profiles held fixed under a fit.
 */
export function residualsAtDefaults(
  observations: readonly Observation[],
  base: ProfileSet = [],
): Float64Array {
  const r = new Float64Array(observations.length).fill(Number.NaN);
  observations.forEach((o, i) => {
    const p = o.predict(base.length === 0 ? undefined : base);
    if (p !== undefined && p > 0) r[i] = Math.log(p / o.measured);
  });
  return r;
}

function roundTo(x: number, digits: number): number {
  return Number(x.toPrecision(digits));
}

/**
 * Fits a profile for one device (and engine) to the observations on it. Errors: unknown
 * hardware, fewer than `minRows` usable observations.
 */
export function fitProfile(
  all: readonly Observation[],
  options: ProfileFitOptions,
  minRows = 1,
): Result<ProfileFit> {
  const hw = findHardware(options.hardware);
  if (hw === undefined) return fail(fitMessages.unknownHardware(options.hardware));
  const engine = options.engine;
  const observations = observationsFor(all, hw.id, engine);
  if (observations.length < minRows)
    return fail(fitMessages.tooFewRows(observations.length, minRows, hw.id, engine));
  const names = options.parameters ?? defaultFitParameters(engine);
  const base = options.base ?? [];
  const problem = profileProblem(observations, hw.id, engine, names, options.weighting, base, options.prior);
  const errorPctBefore = observations.map((o) => absErrorPct(o.predict(undefined), o.measured));
  const result = fitParameters(problem, {
    ...(options.loss === undefined ? {} : { loss: options.loss }),
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    ...(options.jacobian === undefined ? {} : { jacobian: options.jacobian }),
    ...(options.prior === undefined ? { priorResiduals: residualsAtDefaults(observations, base) } : {}),
    ...startOption(problem, names, options.start),
  });
  const informed = names.filter((n) => observations.some((o) => o.sensitiveTo.has(n)));
  const parameters: ProfileParameters = {};
  const digits = options.digits ?? 4;
  names.forEach((n, j) => {
    const v = result.values[j];
    if (v !== undefined && informed.includes(n)) parameters[n] = roundTo(v, digits);
  });
  // An override of gemmPeakFraction alone would set the low-precision fraction too (normalize.ts).
  const low = names.indexOf('gemmLowPrecisionPeakFraction');
  const lowValue = result.values[low];
  if (parameters.gemmPeakFraction !== undefined && parameters.gemmLowPrecisionPeakFraction === undefined)
    if (lowValue !== undefined) parameters.gemmLowPrecisionPeakFraction = roundTo(lowValue, digits);
  const set: ProfileSet = [
    ...base,
    engine === undefined ? { hardware: hw.id, parameters } : { hardware: hw.id, engine, parameters },
  ];
  const predictedAfter = observations.map((o) => o.predict(set) ?? Number.NaN);
  const errorPctAfter = observations.map((o, i) => absErrorPct(predictedAfter[i], o.measured));
  const fit: FitRecord = {
    rows: observations.length,
    sources: [...new Set(observations.map((o) => o.source))],
    medianErrorPctBefore: roundTo(median(errorPctBefore), 3),
    medianErrorPctAfter: roundTo(median(errorPctAfter), 3),
  };
  return ok({
    hardware: hw.id,
    engine,
    parameters,
    fit,
    observations,
    errorPctBefore,
    errorPctAfter,
    predictedAfter,
    result,
  });
}
