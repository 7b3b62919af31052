/**
 * The two-level calibration fit and its leave-one-source-out cross-validation
 * (docs/calibration.md, "Two levels"). Kernel-level parameters are fitted per device to kernel and
 * operator rows; serving-level parameters per family and engine (pooled), then per device and
 * engine around the pooled fit, to serving rows with the kernel-level profile held fixed. For each
 * source (Observation.cvSource: a paper, an MLPerf submitter, an InferenceX recipe) both levels
 * are refitted without it and its rows are predicted with the result. Sources, not rows, are left
 * out because rows of one source share its harness and conventions: a row-level split would let a
 * source calibrate itself. The held-out error is the figure to quote; the in-sample error
 * (profiles fitted on everything: the shipped default) only shows what the fit absorbs.
 *
 * For other uses of held-out predictions (uncertainty bands), `crossValidate(observations).rows`
 * holds per measurement the uncalibrated, in-sample and held-out predictions with its cvSource.
 */
import type { Loss } from './fit.js';
import { fitParameters, jacobianAt } from './fit.js';
import type { PriorCentre, ProfileFit, Weighting } from './fit-profile.js';
import {
  DEFAULT_WEIGHTING,
  MIN_CALIBRATION_ROWS,
  absErrorPct,
  fitParametersFor,
  fitProfile,
  observationsFor,
  profileProblem,
  residualsAtDefaults,
  sourceWeights,
  startOption,
} from './fit-profile.js';
import { findHardware } from '../hardware/catalog.js';
import type { Observation, ObservationLevel } from './observations.js';
import type { CalibrationParameter, ProfileLike, ProfileParameters, ProfileSet } from './profile.js';
import { KERNEL_PARAMETERS, SERVING_PARAMETERS } from './profile.js';
import type { EngineId } from '../scenario/schema.js';
import { percentile } from '../validate/validate.js';

export interface ErrorStats {
  readonly rows: number;
  /** Absolute percentage error, % (null without rows). */
  readonly medianErrorPct: number | null;
  readonly p90ErrorPct: number | null;
}

export interface CrossValidationGroup {
  readonly source: string;
  readonly metric: string;
  /** Set in the per-device breakdown. */
  readonly hardware?: string;
  /** Default efficiencies, no profile. */
  readonly uncalibrated: ErrorStats;
  /** Profiles fitted on all sources. */
  readonly inSample: ErrorStats;
  /** Profiles fitted without this source. */
  readonly heldOut: ErrorStats;
}

export interface CrossValidationRow {
  readonly id: string;
  readonly source: string;
  /** What leave-one-source-out left out together with this row (Observation.cvSource). */
  readonly cvSource: string;
  readonly level: ObservationLevel;
  readonly metric: string;
  readonly hardware: string | undefined;
  readonly engine: EngineId;
  readonly measured: number;
  readonly uncalibrated: number;
  readonly inSample: number;
  readonly heldOut: number;
}

export interface CrossValidationReport {
  readonly totals: {
    readonly uncalibrated: ErrorStats;
    readonly inSample: ErrorStats;
    readonly heldOut: ErrorStats;
  };
  /** Per (source, metric), in order of first appearance. */
  readonly groups: readonly CrossValidationGroup[];
  /** Per (source, metric, device). */
  readonly hardwareGroups: readonly CrossValidationGroup[];
  /** Per (cvSource, metric): the units left out (MLPerf submitters, InferenceX recipes). */
  readonly cvSourceGroups: readonly CrossValidationGroup[];
  /**
   * The in-sample profiles: kernel-level per device (no engine), serving-level per device and
   * engine. These are the shipped profiles when fitted on the shipped measurements.
   */
  readonly profiles: readonly ProfileFit[];
  /** Held-out median error of each device's rows (each row predicted without its source). */
  readonly heldOutMedianByHardware: Readonly<Record<string, number>>;
  /** Held-out error of the rows each profile was fitted to, in the order of `profiles`. */
  readonly heldOutMedianByProfile: readonly ErrorStats[];
  readonly rows: readonly CrossValidationRow[];
}

export interface CrossValidationOptions {
  readonly loss?: Loss;
  readonly scale?: number;
  readonly weighting?: Weighting;
  /** Kernel-level parameters fitted per device (default KERNEL_PARAMETERS). */
  readonly kernelParameters?: readonly CalibrationParameter[];
  /** Serving-level parameters fitted per device and engine (default SERVING_PARAMETERS). */
  readonly servingParameters?: readonly CalibrationParameter[];
  /** Parameters of fewShotValidate's single-level fit. */
  readonly parameters?: readonly CalibrationParameter[];
  /**
   * Fewest rows a device (or a fold's training set) is fitted from; fewer keep the defaults
   * (default MIN_CALIBRATION_ROWS, as `ridgeline calibrate` and the shipped profiles).
   */
  readonly minRows?: number;
  /**
   * Observations the report covers (default all): the others are fitted to but not reported
   * (validate --cross-validate --also: fitted alongside, as the shipped profiles are).
   */
  readonly report?: (o: Observation) => boolean;
  /** Called after each device's in-sample fit and each fold (progress for long runs). */
  readonly onProgress?: (message: string) => void;
  /**
   * The devices whose serving-level profile under an engine is fitted (default all). The others
   * still enter their family's pooled fit; their rows keep the kernel-level predictions. Spares
   * the nested cross-validations of guardedCrossValidate the profiles they do not read.
   */
  readonly servingProfiles?: (hardware: string, engine: EngineId) => boolean;
  /**
   * Starting points of the in-sample fits (default: the priors). guardedCrossValidate starts a
   * refit without a source from the enclosing cross-validation's fold without that source, the
   * optimum of the same problem: the fit converges in a few evaluations instead of a dozen.
   */
  readonly starts?: FitStarts;
}

/** Starting points of the in-sample fits of a cross-validation, per group. */
export interface FitStarts {
  readonly kernel: (hardware: string) => ProfileParameters | undefined;
  readonly pooled: (family: string, engine: EngineId) => ProfileParameters | undefined;
  readonly serving: (hardware: string, engine: EngineId) => ProfileParameters | undefined;
}

/** Each group's fitted values, in-sample and per source left out (undefined: no fit). */
type Solutions = Map<
  string,
  { inSample: ProfileParameters; without: Map<string, ProfileParameters | undefined> }
>;

function solutionOf(solutions: Solutions, key: string, source: string): ProfileParameters | undefined {
  const s = solutions.get(key);
  if (s === undefined) return undefined;
  return s.without.has(source) ? s.without.get(source) : s.inSample;
}

export function errorStats(errors: readonly number[]): ErrorStats {
  const sorted = errors.filter((e) => Number.isFinite(e)).sort((a, b) => a - b);
  return {
    rows: sorted.length,
    medianErrorPct: percentile(sorted, 0.5),
    p90ErrorPct: percentile(sorted, 0.9),
  };
}

function grouped(
  rows: readonly CrossValidationRow[],
  key: (r: CrossValidationRow) => string,
  withHardware: boolean,
  byCvSource = false,
): CrossValidationGroup[] {
  const order: string[] = [];
  const by = new Map<string, CrossValidationRow[]>();
  for (const r of rows) {
    const k = key(r);
    let list = by.get(k);
    if (list === undefined) {
      list = [];
      by.set(k, list);
      order.push(k);
    }
    list.push(r);
  }
  return order.map((k) => {
    const list = by.get(k) ?? [];
    const first = list[0];
    const err = (pick: (r: CrossValidationRow) => number) =>
      errorStats(list.map((r) => absErrorPct(pick(r), r.measured)));
    const g = {
      source: (byCvSource ? first?.cvSource : first?.source) ?? '',
      metric: first?.metric ?? '',
      uncalibrated: err((r) => r.uncalibrated),
      inSample: err((r) => r.inSample),
      heldOut: err((r) => r.heldOut),
    };
    return withHardware ? { ...g, hardware: first?.hardware ?? '-' } : g;
  });
}

/** One fit group's observations (a device, or a device and engine), its in-sample fit and what its folds share. */
interface GroupFit {
  readonly obs: readonly Observation[];
  readonly hw: string;
  readonly engine: EngineId | undefined;
  readonly names: readonly CalibrationParameter[];
  readonly weighting: Weighting;
  readonly fitOptions: { loss?: Loss; scale?: number };
  /** Profiles held fixed under the fitted one (in-sample). */
  readonly base: ProfileSet;
  /** The Jacobian and residuals at the prior, over obs. */
  readonly jac: readonly Float64Array[];
  readonly r0: Float64Array;
  readonly full: ProfileFit | undefined;
  readonly minRows: number;
}

/** A fitted group's parameters as a profile (the engine's when it has one). */
function profileOf(hw: string, engine: EngineId | undefined, parameters: ProfileParameters): ProfileLike {
  return engine === undefined ? { hardware: hw, parameters } : { hardware: hw, engine, parameters };
}

/**
 * Leave-one-source-out folds of one group: each source's rows refitted without it. Returns the
 * fold profile per left-out source (absent: too few rows left, the prior holds, i.e. no profile).
 * `baseFor` gives the fixed profiles of a fold (the kernel-level fit without the same source).
 */
function foldsOf(
  g: GroupFit,
  baseFor: (source: string) => ProfileSet,
  onProgress: ((message: string) => void) | undefined,
): Map<string, ProfileLike | undefined> {
  const { obs, hw, engine, names, weighting, fitOptions, jac, r0, full, minRows } = g;
  const out = new Map<string, ProfileLike | undefined>();
  const sources = [...new Set(obs.map((o) => o.cvSource))];
  for (const source of sources) {
    const train: number[] = [];
    obs.forEach((o, i) => {
      if (o.cvSource !== source) train.push(i);
    });
    // Too little else measured in this group: the held-out prediction has no profile of it.
    if (train.length < minRows) {
      out.set(source, undefined);
      continue;
    }
    const base = baseFor(source);
    // The in-sample Jacobian and optimum serve as the fold's start when its fixed profiles are
    // the in-sample ones.
    const reuse = base === g.base;
    const trainObs = train.flatMap((i) => (obs[i] === undefined ? [] : [obs[i]]));
    const sub = profileProblem(trainObs, hw, engine, names, weighting, base);
    const result = fitParameters(
      sub,
      reuse
        ? {
            ...fitOptions,
            jacobian: jac.map((col) => Float64Array.from(train, (i) => col[i] ?? 0)),
            priorResiduals: Float64Array.from(train, (i) => r0[i] ?? Number.NaN),
            // The fold's optimum lies near the in-sample one when the left-out source is small.
            ...(full !== undefined
              ? {
                  start: {
                    values: full.result.values,
                    residuals: Float64Array.from(train, (i) => full.result.residuals[i] ?? Number.NaN),
                  },
                }
              : {}),
          }
        : { ...fitOptions, priorResiduals: residualsAtDefaults(trainObs, base) },
    );
    const parameters: ProfileParameters = {};
    names.forEach((n, j) => {
      const v = result.values[j];
      if (v !== undefined) parameters[n] = v;
    });
    out.set(source, profileOf(hw, engine, parameters));
    onProgress?.(
      `${hw}${engine === undefined ? '' : ` ${engine}`}: without ${source}, fitted on ${String(train.length)} rows`,
    );
  }
  return out;
}

/** The report: predictions per row, error totals, per-group and per-device summaries. */
export function crossValidationReport(
  observations: readonly Observation[],
  devices: readonly string[],
  profiles: ProfileFit[],
  predicted: {
    readonly uncalibrated: ReadonlyMap<Observation, number>;
    readonly inSample: ReadonlyMap<Observation, number>;
    readonly heldOut: ReadonlyMap<Observation, number>;
  },
): CrossValidationReport {
  const { uncalibrated, inSample, heldOut } = predicted;
  const rows: CrossValidationRow[] = observations.map((o) => ({
    id: o.id,
    source: o.source,
    cvSource: o.cvSource,
    level: o.level,
    metric: o.metric,
    hardware: o.hardware,
    engine: o.engine,
    measured: o.measured,
    uncalibrated: uncalibrated.get(o) ?? Number.NaN,
    inSample: inSample.get(o) ?? Number.NaN,
    heldOut: heldOut.get(o) ?? Number.NaN,
  }));
  const all = (pick: (r: CrossValidationRow) => number) =>
    errorStats(rows.map((r) => absErrorPct(pick(r), r.measured)));
  const heldOutMedianByHardware: Record<string, number> = {};
  for (const hw of devices) {
    const s = errorStats(
      rows.filter((r) => r.hardware === hw).map((r) => absErrorPct(r.heldOut, r.measured)),
    );
    if (s.medianErrorPct !== null) heldOutMedianByHardware[hw] = s.medianErrorPct;
  }
  return {
    totals: {
      uncalibrated: all((r) => r.uncalibrated),
      inSample: all((r) => r.inSample),
      heldOut: all((r) => r.heldOut),
    },
    groups: grouped(rows, (r) => `${r.source}\u0000${r.metric}`, false),
    hardwareGroups: grouped(rows, (r) => `${r.source}\u0000${r.metric}\u0000${r.hardware ?? ''}`, true),
    cvSourceGroups: grouped(rows, (r) => `${r.cvSource}\u0000${r.metric}`, false, true),
    profiles,
    heldOutMedianByHardware,
    heldOutMedianByProfile: profiles.map((p) =>
      errorStats(
        rows
          .filter(
            (r) =>
              r.hardware === p.hardware &&
              (p.engine === undefined
                ? r.level === 'kernel'
                : r.level === 'serving' && r.engine === p.engine),
          )
          .map((r) => absErrorPct(r.heldOut, r.measured)),
      ),
    ),
    rows,
  };
}

/** Fits one group in-sample (kernel-level per device, or serving-level per device and engine). */
function fitGroup(
  obs: readonly Observation[],
  hw: string,
  engine: EngineId | undefined,
  names: readonly CalibrationParameter[],
  base: ProfileSet,
  shared: Shared,
  centre?: PriorCentre,
  start?: ProfileParameters,
): GroupFit {
  const problem = profileProblem(obs, hw, engine, names, shared.weighting, base, centre);
  const r0 =
    centre === undefined
      ? residualsAtDefaults(obs, base)
      : problem.residuals(problem.parameters.map((p) => p.prior));
  // One Jacobian at the prior serves the in-sample fit and every fold of this group.
  const jac = jacobianAt(
    problem,
    problem.parameters.map((p) => p.prior),
    undefined,
    r0,
  );
  const full = fitProfile(obs, {
    hardware: hw,
    ...(engine === undefined ? {} : { engine }),
    parameters: names,
    jacobian: jac,
    weighting: shared.weighting,
    base,
    ...(centre === undefined ? {} : { prior: centre }),
    ...(start === undefined ? {} : { start }),
    ...shared.fitOptions,
  });
  return {
    obs,
    hw,
    engine,
    names,
    base,
    jac,
    r0,
    full: full.ok ? full.value : undefined,
    ...shared,
  };
}

const EMPTY: ProfileSet = [];

/** Fit settings every group of one cross-validation shares. */
interface Shared {
  readonly weighting: Weighting;
  readonly fitOptions: { loss?: Loss; scale?: number };
  readonly minRows: number;
}

/** Prior width (log) of a device's serving-level parameters around its family's pooled fit. */
export const FAMILY_SHRINK_LOG_SIGMA = 0.5;

function valuesOf(names: readonly CalibrationParameter[], values: readonly number[]): ProfileParameters {
  const out: ProfileParameters = {};
  names.forEach((n, j) => {
    const v = values[j];
    if (v !== undefined) out[n] = v;
  });
  return out;
}

/**
 * The serving-level parameters of one family under one engine, pooled over its devices (each
 * with its own kernel-level profile held), in-sample and without each source.
 */
function fitPooled(
  obs: readonly Observation[],
  engine: EngineId,
  names: readonly CalibrationParameter[],
  kernelBase: (hw: string | undefined, source?: string) => ProfileSet,
  shared: Shared,
  onProgress: ((message: string) => void) | undefined,
  family: string,
  start?: ProfileParameters,
): { values: ProfileParameters; without: Map<string, ProfileParameters | undefined> } {
  const problemOf = (rows: readonly Observation[], source?: string) => {
    return {
      parameters: fitParametersFor(rows[0]?.hardware ?? '', engine, names),
      weights: sourceWeights(rows, shared.weighting),
      residuals: (values: readonly number[], only?: ArrayLike<boolean>) => {
        const parameters = valuesOf(names, values);
        const sets = new Map<string, ProfileSet>();
        const r = new Float64Array(rows.length).fill(Number.NaN);
        rows.forEach((o, i) => {
          if (only !== undefined && only[i] !== true) return;
          const hw = o.hardware ?? '';
          let set = sets.get(hw);
          if (set === undefined) {
            set = [...kernelBase(hw, source), { hardware: hw, engine, parameters }];
            sets.set(hw, set);
          }
          const p = o.predict(set);
          if (p !== undefined && p > 0) r[i] = Math.log(p / o.measured);
        });
        return r;
      },
      sensitive: (j: number) => {
        const name = names[j];
        return rows.map((o) => name !== undefined && o.sensitiveTo.has(name));
      },
    };
  };
  const problem = problemOf(obs);
  const r0 = problem.residuals(problem.parameters.map((p) => p.prior));
  const jac = jacobianAt(
    problem,
    problem.parameters.map((p) => p.prior),
    undefined,
    r0,
  );
  const full = fitParameters(problem, {
    ...shared.fitOptions,
    jacobian: jac,
    priorResiduals: r0,
    ...startOption(problem, names, start),
  });
  onProgress?.(`${family} ${engine}: pooled serving-level fit on ${String(obs.length)} rows`);
  const without = new Map<string, ProfileParameters | undefined>();
  for (const source of new Set(obs.map((o) => o.cvSource))) {
    const keep = obs.flatMap((o, i) => (o.cvSource === source ? [] : [i]));
    if (keep.length < shared.minRows) {
      without.set(source, undefined);
      continue;
    }
    const rows = keep.flatMap((i) => (obs[i] === undefined ? [] : [obs[i]]));
    // The kernel-level profiles of a fold may differ (a source with kernel rows): no reuse then.
    const reuse = rows.every((o) => kernelBase(o.hardware, source) === kernelBase(o.hardware));
    const result = fitParameters(
      problemOf(rows, source),
      reuse
        ? {
            ...shared.fitOptions,
            jacobian: jac.map((col) => Float64Array.from(keep, (i) => col[i] ?? 0)),
            priorResiduals: Float64Array.from(keep, (i) => r0[i] ?? Number.NaN),
            start: {
              values: full.values,
              residuals: Float64Array.from(keep, (i) => full.residuals[i] ?? Number.NaN),
            },
          }
        : shared.fitOptions,
    );
    without.set(source, valuesOf(names, result.values));
    onProgress?.(`${family} ${engine}: pooled, without ${source}, on ${String(rows.length)} rows`);
  }
  return { values: valuesOf(names, full.values), without };
}

/**
 * Leave-one-source-out cross-validation of the two-level calibration (see the module comment):
 * kernel-level parameters per device fitted to kernel and operator rows, then serving-level
 * parameters per (device, engine) fitted to serving rows with the kernel-level profile of the
 * device held fixed. Each left-out source (Observation.cvSource) is predicted by both levels
 * refitted without it.
 */
export function crossValidate(
  observations: readonly Observation[],
  options: CrossValidationOptions = {},
): CrossValidationReport {
  return crossValidateWithStarts(observations, options).report;
}

/**
 * crossValidate, with the starts of a nested cross-validation without each source: each group's
 * fit without the source where it had one, else its in-sample fit (guardedCrossValidate).
 */
export function crossValidateWithStarts(
  observations: readonly Observation[],
  options: CrossValidationOptions = {},
): { report: CrossValidationReport; startsWithout: (source: string) => FitStarts } {
  const run: Run = {
    shared: {
      weighting: options.weighting ?? DEFAULT_WEIGHTING,
      fitOptions: {
        ...(options.loss === undefined ? {} : { loss: options.loss }),
        ...(options.scale === undefined ? {} : { scale: options.scale }),
      },
      minRows: options.minRows ?? MIN_CALIBRATION_ROWS,
    },
    profiles: [],
    inSample: new Map(),
    heldOut: new Map(),
    onProgress: options.onProgress,
    starts: options.starts,
    kernelSolutions: new Map(),
    pooledSolutions: new Map(),
    servingSolutions: new Map(),
  };
  const uncalibrated = new Map<Observation, number>();
  for (const o of observations) {
    const p = o.predict(undefined) ?? Number.NaN;
    uncalibrated.set(o, p);
    run.inSample.set(o, p);
    run.heldOut.set(o, p);
  }
  const fittable = observations.filter((o) => o.hardware !== undefined && o.sensitiveTo.size > 0);
  const devices = [...new Set(fittable.flatMap((o) => (o.hardware === undefined ? [] : [o.hardware])))];
  const kernelBase = kernelLevel(fittable, devices, options.kernelParameters ?? KERNEL_PARAMETERS, run);
  servingLevel(
    fittable,
    options.servingParameters ?? SERVING_PARAMETERS,
    kernelBase,
    run,
    options.servingProfiles,
  );
  const shown = options.report === undefined ? observations : observations.filter(options.report);
  const report = crossValidationReport(shown, devices, run.profiles, {
    uncalibrated,
    inSample: run.inSample,
    heldOut: run.heldOut,
  });
  const startsWithout = (source: string): FitStarts => ({
    kernel: (hw) => solutionOf(run.kernelSolutions, hw, source),
    pooled: (family, engine) => solutionOf(run.pooledSolutions, `${family}\u0000${engine}`, source),
    serving: (hw, engine) => solutionOf(run.servingSolutions, `${hw}\u0000${engine}`, source),
  });
  return { report, startsWithout };
}

/** What the two levels of one cross-validation share and fill in. */
interface Run {
  readonly shared: Shared;
  readonly profiles: ProfileFit[];
  readonly inSample: Map<Observation, number>;
  readonly heldOut: Map<Observation, number>;
  readonly onProgress: ((message: string) => void) | undefined;
  readonly starts: FitStarts | undefined;
  /** Fitted values per group, for the starts of nested cross-validations. */
  readonly kernelSolutions: Solutions;
  readonly pooledSolutions: Solutions;
  readonly servingSolutions: Solutions;
}

/** The kernel-level profiles of a device: in-sample, or fitted without a source. */
type KernelBase = (hw: string | undefined, source?: string) => ProfileSet;

/**
 * Level 1: kernel-level parameters per device, from kernel and operator rows only. Every fitted
 * row then gets its device's kernel-level profile (in-sample, and without its source).
 */
function kernelLevel(
  fittable: readonly Observation[],
  devices: readonly string[],
  names: readonly CalibrationParameter[],
  run: Run,
): KernelBase {
  const kernelIn = new Map<string, ProfileSet>();
  const kernelFolds = new Map<string, Map<string, ProfileLike | undefined>>();
  for (const hw of devices) {
    const obs = fittable.filter((o) => o.hardware === hw && o.level === 'kernel');
    if (obs.length < run.shared.minRows) continue;
    const g = fitGroup(obs, hw, undefined, names, [], run.shared, undefined, run.starts?.kernel(hw));
    if (g.full === undefined) continue;
    run.profiles.push(g.full);
    kernelIn.set(hw, [profileOf(hw, undefined, g.full.parameters)]);
    run.onProgress?.(`${hw}: kernel-level fit on ${String(obs.length)} rows`);
    const folds = foldsOf(g, () => [], run.onProgress);
    kernelFolds.set(hw, folds);
    run.kernelSolutions.set(hw, {
      inSample: valuesOf(names, g.full.result.values),
      without: new Map([...folds].map(([s, p]) => [s, p?.parameters])),
    });
  }
  const foldSets = new Map<ProfileLike, ProfileSet>();
  // The same set object for the same profiles (fold fits compare them by identity).
  const kernelBase: KernelBase = (hw, source) => {
    if (hw === undefined) return EMPTY;
    const folds = kernelFolds.get(hw);
    if (source === undefined || folds?.has(source) !== true) return kernelIn.get(hw) ?? EMPTY;
    const p = folds.get(source);
    if (p === undefined) return EMPTY;
    let set = foldSets.get(p);
    if (set === undefined) {
      set = [p];
      foldSets.set(p, set);
    }
    return set;
  };
  for (const o of fittable) {
    const inSet = kernelBase(o.hardware);
    if (inSet.length > 0) run.inSample.set(o, o.predict(inSet) ?? Number.NaN);
    const outSet = kernelBase(o.hardware, o.cvSource);
    if (outSet.length > 0) run.heldOut.set(o, o.predict(outSet) ?? Number.NaN);
  }
  return kernelBase;
}

/**
 * Level 2: serving-level parameters, kernel-level ones held fixed. First pooled over the devices
 * of one family under one engine, then per device with the pooled fit as its prior
 * (FAMILY_SHRINK_LOG_SIGMA): a device with few rows stays near its family.
 */
function servingLevel(
  fittable: readonly Observation[],
  names: readonly CalibrationParameter[],
  kernelBase: KernelBase,
  run: Run,
  fitted: ((hardware: string, engine: EngineId) => boolean) | undefined,
): void {
  const familyGroups = new Map<string, Observation[]>();
  for (const o of fittable) {
    if (o.level !== 'serving' || o.engine === 'ideal' || o.hardware === undefined) continue;
    const k = `${findHardware(o.hardware)?.family ?? o.hardware}\u0000${o.engine}`;
    const list = familyGroups.get(k) ?? [];
    list.push(o);
    familyGroups.set(k, list);
  }
  for (const [k, obs] of familyGroups) {
    const first = obs[0];
    if (first === undefined || obs.length < run.shared.minRows) continue;
    const engine = first.engine;
    const family = k.split('\u0000')[0] ?? '';
    const pooled = fitPooled(
      obs,
      engine,
      names,
      kernelBase,
      run.shared,
      run.onProgress,
      family,
      run.starts?.pooled(family, engine),
    );
    run.pooledSolutions.set(k, { inSample: pooled.values, without: pooled.without });
    const hws = [...new Set(obs.flatMap((o) => (o.hardware === undefined ? [] : [o.hardware])))];
    for (const hw of hws) {
      if (fitted !== undefined && !fitted(hw, engine)) continue;
      const dObs = obs.filter((o) => o.hardware === hw);
      const centre = { values: pooled.values, logSigma: FAMILY_SHRINK_LOG_SIGMA };
      const start = run.starts?.serving(hw, engine);
      const g = fitGroup(dObs, hw, engine, names, kernelBase(hw), run.shared, centre, start);
      const full = g.full;
      if (full === undefined) continue;
      run.profiles.push(full);
      full.observations.forEach((o, i) => run.inSample.set(o, full.predictedAfter[i] ?? Number.NaN));
      run.onProgress?.(`${hw} ${engine}: serving-level fit on ${String(dObs.length)} rows`);
      const without = servingFolds(g, full, pooled.without, kernelBase, run);
      run.servingSolutions.set(`${hw}\u0000${engine}`, {
        inSample: valuesOf(names, full.result.values),
        without,
      });
    }
  }
}

/** A device's serving-level folds: refitted without each source, around the family's fit without it. */
function servingFolds(
  g: GroupFit,
  full: ProfileFit,
  pooledWithout: ReadonlyMap<string, ProfileParameters | undefined>,
  kernelBase: KernelBase,
  run: Run,
): Map<string, ProfileParameters | undefined> {
  const { obs, hw, engine, names } = g;
  const solutions = new Map<string, ProfileParameters | undefined>();
  for (const source of new Set(obs.map((o) => o.cvSource))) {
    const train = obs.filter((o) => o.cvSource !== source);
    const foldCentre = pooledWithout.get(source);
    const foldBase = kernelBase(hw, source);
    let profile: ProfileLike | undefined;
    if (foldCentre !== undefined && train.length === 0) profile = profileOf(hw, engine, foldCentre);
    else if (foldCentre !== undefined) {
      const sub = profileProblem(train, hw, engine, names, run.shared.weighting, foldBase, {
        values: foldCentre,
        logSigma: FAMILY_SHRINK_LOG_SIGMA,
      });
      // The device's in-sample Jacobian and optimum serve as the fold's start (the same rows
      // less the source) when its kernel-level profile is the in-sample one.
      const keep = obs.flatMap((o, i) => (o.cvSource === source ? [] : [i]));
      const result = fitParameters(
        sub,
        foldBase === g.base
          ? {
              ...run.shared.fitOptions,
              jacobian: g.jac.map((col) => Float64Array.from(keep, (i) => col[i] ?? 0)),
              start: {
                values: full.result.values,
                residuals: Float64Array.from(keep, (i) => full.result.residuals[i] ?? Number.NaN),
              },
            }
          : run.shared.fitOptions,
      );
      profile = profileOf(hw, engine, valuesOf(names, result.values));
    }
    solutions.set(source, train.length === 0 ? undefined : profile?.parameters);
    for (const o of obs) {
      if (o.cvSource !== source) continue;
      const set = [...foldBase, ...(profile === undefined ? [] : [profile])];
      run.heldOut.set(o, (set.length === 0 ? o.predict(undefined) : o.predict(set)) ?? Number.NaN);
    }
  }
  return solutions;
}

export interface FewShotResult {
  readonly hardware: string;
  /** Observations the profile was fitted to, and the rest it predicts. */
  readonly trainRows: number;
  readonly testRows: number;
  readonly uncalibrated: ErrorStats;
  readonly calibrated: ErrorStats;
  readonly parameters: ProfileParameters;
}

/**
 * The use the calibration is built for: a handful of one's own runs on a device, then estimates
 * of the others. Fits a profile to `count` observations of the device spread evenly through the
 * list (deterministic) and predicts the rest.
 */
export function fewShotValidate(
  observations: readonly Observation[],
  hardware: string,
  count = 10,
  options: CrossValidationOptions = {},
): FewShotResult | undefined {
  const obs = observationsFor(observations, hardware, undefined);
  if (obs.length <= count) return undefined;
  const picked = new Set(Array.from({ length: count }, (_, i) => Math.floor((i * obs.length) / count)));
  const train = obs.filter((_, i) => picked.has(i));
  const test = obs.filter((_, i) => !picked.has(i));
  const fit = fitProfile(train, {
    hardware,
    ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
    ...(options.loss === undefined ? {} : { loss: options.loss }),
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    ...(options.weighting === undefined ? {} : { weighting: options.weighting }),
  });
  if (!fit.ok) return undefined;
  const set = [{ hardware, parameters: fit.value.parameters }];
  return {
    hardware,
    trainRows: train.length,
    testRows: test.length,
    uncalibrated: errorStats(test.map((o) => absErrorPct(o.predict(undefined), o.measured))),
    calibrated: errorStats(test.map((o) => absErrorPct(o.predict(set), o.measured))),
    parameters: fit.value.parameters,
  };
}
