/**
 * Leave-one-source-out cross-validation of calibration: for each source, every device's profile
 * is refitted on the other sources' measurements and the left-out source is predicted with it.
 * Sources, not rows, are left out because rows of one source share its harness and conventions:
 * a row-level split would let a source calibrate itself. The held-out error is the figure to
 * quote; the in-sample error (profiles fitted on everything) only shows what the fit absorbs.
 */
import type { Loss } from './fit.js';
import { fitParameters, jacobianAt } from './fit.js';
import type { ProfileFit, Weighting } from './fit-profile.js';
import {
  DEFAULT_WEIGHTING,
  MIN_CALIBRATION_ROWS,
  absErrorPct,
  defaultFitParameters,
  fitProfile,
  observationsFor,
  profileProblem,
  residualsAtDefaults,
  singleProfile,
} from './fit-profile.js';
import type { Observation } from './observations.js';
import type { CalibrationParameter, ProfileParameters } from './profile.js';
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
  readonly metric: string;
  readonly hardware: string | undefined;
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
  /** The in-sample profile of every device with measurements. */
  readonly profiles: readonly ProfileFit[];
  /** Held-out median error of each device's rows (each row predicted without its source). */
  readonly heldOutMedianByHardware: Readonly<Record<string, number>>;
  readonly rows: readonly CrossValidationRow[];
}

export interface CrossValidationOptions {
  readonly loss?: Loss;
  readonly scale?: number;
  readonly weighting?: Weighting;
  readonly parameters?: readonly CalibrationParameter[];
  /**
   * Fewest rows a device (or a fold's training set) is fitted from; fewer keep the defaults
   * (default MIN_CALIBRATION_ROWS, as `ridgeline calibrate` and the shipped profiles).
   */
  readonly minRows?: number;
  /** Called after each device's in-sample fit and each fold (progress for long runs). */
  readonly onProgress?: (message: string) => void;
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
      source: first?.source ?? '',
      metric: first?.metric ?? '',
      uncalibrated: err((r) => r.uncalibrated),
      inSample: err((r) => r.inSample),
      heldOut: err((r) => r.heldOut),
    };
    return withHardware ? { ...g, hardware: first?.hardware ?? '-' } : g;
  });
}

/** One device's observations, its in-sample fit and what its folds share. */
interface DeviceFit {
  readonly obs: readonly Observation[];
  readonly hw: string;
  readonly names: readonly CalibrationParameter[];
  readonly weighting: Weighting;
  readonly fitOptions: { loss?: Loss; scale?: number };
  /** The Jacobian and residuals at the prior, over obs. */
  readonly jac: readonly Float64Array[];
  readonly r0: Float64Array;
  readonly full: ProfileFit | undefined;
  readonly minRows: number;
}

/** Leave-one-source-out folds of one device: each source's rows predicted by a fit on the others. */
function foldsOf(
  device: DeviceFit,
  heldOut: Map<Observation, number>,
  onProgress: ((message: string) => void) | undefined,
): void {
  const { obs, hw, names, weighting, fitOptions, jac, r0, full, minRows } = device;
  const sources = [...new Set(obs.map((o) => o.source))];
  for (const source of sources) {
    const train: number[] = [];
    const test: Observation[] = [];
    obs.forEach((o, i) => {
      if (o.source === source) test.push(o);
      else train.push(i);
    });
    // Too little else measured on this device: the held-out prediction is the default one.
    if (train.length < minRows) continue;
    const trainObs = train.flatMap((i) => (obs[i] === undefined ? [] : [obs[i]]));
    const sub = profileProblem(trainObs, hw, undefined, names, weighting);
    const result = fitParameters(sub, {
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
    });
    const set = singleProfile(hw, undefined, names, result.values);
    for (const o of test) heldOut.set(o, o.predict(set) ?? Number.NaN);
    onProgress?.(`${hw}: without ${source}, fitted on ${String(train.length)} rows`);
  }
}

/** The report: predictions per row, error totals, per-group and per-device summaries. */
function crossValidationReport(
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
    metric: o.metric,
    hardware: o.hardware,
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
    profiles,
    heldOutMedianByHardware,
    rows,
  };
}

/** Leave-one-source-out cross-validation over the observations (see the module comment). */
export function crossValidate(
  observations: readonly Observation[],
  options: CrossValidationOptions = {},
): CrossValidationReport {
  const names = options.parameters ?? defaultFitParameters(undefined);
  const fitOptions = {
    ...(options.loss === undefined ? {} : { loss: options.loss }),
    ...(options.scale === undefined ? {} : { scale: options.scale }),
  };
  const weighting = options.weighting ?? DEFAULT_WEIGHTING;
  const minRows = options.minRows ?? MIN_CALIBRATION_ROWS;
  const uncalibrated = new Map<Observation, number>();
  const inSample = new Map<Observation, number>();
  const heldOut = new Map<Observation, number>();
  for (const o of observations) {
    const p = o.predict(undefined) ?? Number.NaN;
    uncalibrated.set(o, p);
    inSample.set(o, p);
    heldOut.set(o, p);
  }
  const devices = [
    ...new Set(
      observations.flatMap((o) => (o.hardware !== undefined && o.sensitiveTo.size > 0 ? [o.hardware] : [])),
    ),
  ];
  const profiles: ProfileFit[] = [];
  for (const hw of devices) {
    const obs = observationsFor(observations, hw, undefined);
    if (obs.length < minRows) continue;
    const problem = profileProblem(obs, hw, undefined, names, weighting);
    const r0 = residualsAtDefaults(obs);
    // One Jacobian at the prior serves the in-sample fit and every fold of this device.
    const jac = jacobianAt(
      problem,
      problem.parameters.map((p) => p.prior),
      undefined,
      r0,
    );
    const full = fitProfile(obs, {
      hardware: hw,
      parameters: names,
      jacobian: jac,
      weighting,
      ...fitOptions,
    });
    if (full.ok) {
      profiles.push(full.value);
      full.value.observations.forEach((o, i) => inSample.set(o, full.value.predictedAfter[i] ?? Number.NaN));
    }
    options.onProgress?.(`${hw}: in-sample fit on ${String(obs.length)} rows`);
    const device = {
      obs,
      hw,
      names,
      weighting,
      fitOptions,
      jac,
      r0,
      full: full.ok ? full.value : undefined,
      minRows,
    };
    foldsOf(device, heldOut, options.onProgress);
  }
  return crossValidationReport(observations, devices, profiles, { uncalibrated, inSample, heldOut });
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
