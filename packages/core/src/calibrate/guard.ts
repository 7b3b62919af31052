/**
 * The shipping rule of the calibration profiles (docs/calibration.md, "Only profiles that improve
 * ship"), and the cross-validation of what it ships. One implementation: `npm run fit` decides with
 * it which fitted profiles ship (and so apply by default), and `npm run fidelity` and
 * `npm run residuals` report, with `guardedCrossValidate`, the default a user gets:
 *
 * - in-sample: every row predicted by the profiles that ship, as shipped;
 * - leave-one-source-out: for each source, both levels refitted without it AND the rule applied to
 *   the refit using only the remaining rows (its own leave-one-source-out folds inside), then the
 *   source predicted by what would have shipped without it.
 */
import type {
  CrossValidationOptions,
  CrossValidationReport,
  CrossValidationRow,
  ErrorStats,
} from './cross-validate.js';
import { crossValidateWithStarts, crossValidationReport, errorStats } from './cross-validate.js';
import type { ProfileFit } from './fit-profile.js';
import { MIN_CALIBRATION_ROWS, absErrorPct } from './fit-profile.js';
import type { Observation } from './observations.js';
import type { ProfileLike, ProfileSet } from './profile.js';
import { profileParametersFor } from './profile.js';
import { findHardware } from '../hardware/catalog.js';
import type { EngineId } from '../scenario/schema.js';

export interface ShippingRule {
  /** Fewest rows a profile is fitted from to ship. */
  readonly minRows: number;
  /** Fewest rows of one (source, metric) group of a profile's rows that the group check reads. */
  readonly minGroupRows: number;
  /** Points of median absolute error, held out, by which a group may not get worse. */
  readonly groupTolerancePct: number;
}

/**
 * A profile ships only where it does not worsen its own rows in-sample, nor held out, nor, held out,
 * any one source's rows of one metric (at least five of them) by more than one point of median: a
 * profile fitted mostly to one source's load range (InferenceX at up to a few hundred clients) must
 * not carry its per-sequence costs into another's (MLPerf batches of thousands).
 */
export const SHIPPING_RULE: ShippingRule = {
  minRows: MIN_CALIBRATION_ROWS,
  minGroupRows: 5,
  groupTolerancePct: 1,
};

/** What the rule reads of a fitted profile (a ProfileFit has it). */
export interface ShippingCandidate {
  readonly hardware: string;
  readonly engine: EngineId | undefined;
  readonly fit: {
    readonly rows: number;
    readonly medianErrorPctBefore: number;
    readonly medianErrorPctAfter: number;
  };
}

/** What the rule reads of a cross-validation (a CrossValidationReport has it). */
export interface ShippingEvidence<P extends ShippingCandidate = ShippingCandidate> {
  /** The profiles fitted on all rows. */
  readonly profiles: readonly P[];
  /** Held-out error of each profile's rows, in the order of `profiles`. */
  readonly heldOutMedianByProfile: readonly ErrorStats[];
  /** Per row: uncalibrated and held-out predictions. */
  readonly rows: readonly Pick<
    CrossValidationRow,
    'source' | 'metric' | 'level' | 'hardware' | 'engine' | 'measured' | 'uncalibrated' | 'heldOut'
  >[];
}

export interface ShippingDecision<P extends ShippingCandidate = ShippingCandidate> {
  readonly profile: P;
  /** Held-out error of the profile's rows (each predicted by profiles fitted without its source). */
  readonly heldOut: ErrorStats;
  readonly ships: boolean;
  /** Why it does not ship; undefined when it ships. */
  readonly refusal?: 'too few rows' | 'worse in-sample' | 'worse held out' | 'worsens a group';
  /** The first (source, metric) group it worsens held out, when one is. */
  readonly worsens?: {
    readonly source: string;
    readonly metric: string;
    readonly rows: number;
    readonly medianErrorPctBefore: number;
    readonly medianErrorPctHeldOut: number;
  };
}

/** The rows a profile applies to: its device's kernel rows, or its device's serving rows under its engine. */
function appliesTo(p: ShippingCandidate, r: ShippingEvidence['rows'][number]): boolean {
  return (
    r.hardware === p.hardware &&
    (p.engine === undefined ? r.level === 'kernel' : r.level === 'serving' && r.engine === p.engine)
  );
}

/** The shipping rule (SHIPPING_RULE) applied to every profile of a cross-validation, in its order. */
export function shippingDecisions<P extends ShippingCandidate>(
  cv: ShippingEvidence<P>,
  rule: ShippingRule = SHIPPING_RULE,
): ShippingDecision<P>[] {
  return cv.profiles.map((p, i) => {
    const heldOut = cv.heldOutMedianByProfile[i] ?? errorStats([]);
    const worsens = worsenedGroup(cv, p, rule);
    const heldOutPct = heldOut.medianErrorPct ?? Number.NaN;
    const refusal =
      p.fit.rows < rule.minRows
        ? 'too few rows'
        : !(p.fit.medianErrorPctAfter <= p.fit.medianErrorPctBefore)
          ? 'worse in-sample'
          : heldOutPct > p.fit.medianErrorPctBefore
            ? 'worse held out'
            : worsens !== undefined
              ? 'worsens a group'
              : undefined;
    return {
      profile: p,
      heldOut,
      ships: refusal === undefined,
      ...(refusal === undefined ? {} : { refusal }),
      ...(worsens === undefined ? {} : { worsens }),
    };
  });
}

/** The first (source, metric) group of at least minGroupRows of the profile's rows it worsens held out. */
function worsenedGroup(
  cv: ShippingEvidence,
  p: ShippingCandidate,
  rule: ShippingRule,
): ShippingDecision['worsens'] {
  const groups = new Map<string, ShippingEvidence['rows'][number][]>();
  for (const r of cv.rows) {
    if (!appliesTo(p, r) || !Number.isFinite(r.heldOut) || !Number.isFinite(r.uncalibrated)) continue;
    const k = `${r.source} ${r.metric}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  for (const rs of groups.values()) {
    const first = rs[0];
    if (first === undefined || rs.length < rule.minGroupRows) continue;
    const before = errorStats(rs.map((r) => absErrorPct(r.uncalibrated, r.measured))).medianErrorPct;
    const after = errorStats(rs.map((r) => absErrorPct(r.heldOut, r.measured))).medianErrorPct;
    if (before !== null && after !== null && after > before + rule.groupTolerancePct)
      return {
        source: first.source,
        metric: first.metric,
        rows: rs.length,
        medianErrorPctBefore: before,
        medianErrorPctHeldOut: after,
      };
  }
  return undefined;
}

/** The profiles of a cross-validation that ship, as a profile set. */
export function shippedSet(decisions: readonly ShippingDecision<ProfileFit>[]): ProfileLike[] {
  return decisions.flatMap((d) =>
    d.ships
      ? [
          d.profile.engine === undefined
            ? { hardware: d.profile.hardware, parameters: d.profile.parameters }
            : { hardware: d.profile.hardware, engine: d.profile.engine, parameters: d.profile.parameters },
        ]
      : [],
  );
}

export interface GuardedCrossValidation {
  /** Every profile fitted on all rows, unguarded, with its held-out figures: the rule's evidence. */
  readonly fitted: CrossValidationReport;
  /** The rule applied to `fitted.profiles`, in their order. */
  readonly decisions: readonly ShippingDecision<ProfileFit>[];
  /**
   * The shipped default: `inSample` is each row predicted by the profiles that ship (as
   * shipped); `heldOut` each row predicted by what would ship without its source (refitted and
   * guarded on the other rows only). `profiles` are the shipped ones.
   */
  readonly shipped: CrossValidationReport;
  /** Per source left out: the labels (`<hardware>` or `<hardware>/<engine>`) of the profiles that would ship without it, among those its rows use. */
  readonly shippedWithout: ReadonlyMap<string, readonly string[]>;
}

const labelOf = (p: ProfileLike): string =>
  p.engine === undefined ? p.hardware : `${p.hardware}/${p.engine}`;

/** A row's prediction under a profile set: the uncalibrated one where no profile of the set applies to it. */
function predictWith(o: Observation, set: ProfileSet, uncalibrated: number): number {
  const own = set.filter((p) => p.hardware === o.hardware);
  if (o.hardware === undefined || profileParametersFor(own, o.hardware, o.engine) === undefined)
    return uncalibrated;
  return o.predict(own) ?? Number.NaN;
}

/**
 * Leave-one-source-out cross-validation of the shipped default (see the module comment). For each
 * source the refit and its guard run on the rows that decide the profiles its rows use: the kernel
 * rows of its devices, and the serving rows of each (device family, engine) it has serving rows
 * of, with the kernel rows of that family's devices (the pooled serving fit holds their
 * kernel-level profiles). Those profiles come out as `npm run fit` on all rows but the source's
 * would make them: the other groups do not enter their fits.
 */
export function guardedCrossValidate(
  observations: readonly Observation[],
  options: CrossValidationOptions & { readonly rule?: ShippingRule } = {},
): GuardedCrossValidation {
  const rule = options.rule ?? SHIPPING_RULE;
  const fitOptions: CrossValidationOptions = {
    ...(options.loss === undefined ? {} : { loss: options.loss }),
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    ...(options.weighting === undefined ? {} : { weighting: options.weighting }),
    ...(options.kernelParameters === undefined ? {} : { kernelParameters: options.kernelParameters }),
    ...(options.servingParameters === undefined ? {} : { servingParameters: options.servingParameters }),
    ...(options.minRows === undefined ? {} : { minRows: options.minRows }),
  };
  const { report: fitted, startsWithout } = crossValidateWithStarts(observations, {
    ...fitOptions,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const decisions = shippingDecisions(fitted, rule);
  const set = shippedSet(decisions);
  const shown = options.report === undefined ? observations : observations.filter(options.report);
  const uncalibrated = new Map<Observation, number>();
  for (const o of observations) uncalibrated.set(o, o.predict(undefined) ?? Number.NaN);
  const inSample = new Map<Observation, number>();
  for (const o of shown) inSample.set(o, predictWith(o, set, uncalibrated.get(o) ?? Number.NaN));

  const fittable = observations.filter((o) => o.hardware !== undefined && o.sensitiveTo.size > 0);
  const familyKey = (o: Observation) =>
    `${findHardware(o.hardware ?? '')?.family ?? o.hardware ?? ''}\u0000${o.engine}`;
  const servingFitted = (o: Observation) => o.level === 'serving' && o.engine !== 'ideal';
  const heldOut = new Map<Observation, number>();
  const shippedWithout = new Map<string, string[]>();
  const fittableSet = new Set(fittable);
  const sources = [...new Set(shown.filter((o) => fittableSet.has(o)).map((o) => o.cvSource))];
  for (const source of sources) {
    const own = fittable.filter((o) => o.cvSource === source);
    const pairs = new Set(own.filter(servingFitted).map(familyKey));
    const devices = new Set(own.map((o) => o.hardware));
    for (const o of fittable) if (servingFitted(o) && pairs.has(familyKey(o))) devices.add(o.hardware);
    const rest = fittable.filter(
      (o) =>
        o.cvSource !== source &&
        ((o.level === 'kernel' && devices.has(o.hardware)) || (servingFitted(o) && pairs.has(familyKey(o)))),
    );
    // Each refit starts from this cross-validation's fold without the source: the same problem.
    const cv = crossValidateWithStarts(rest, {
      ...fitOptions,
      starts: startsWithout(source),
      servingProfiles: (hw, engine) => own.some((o) => o.hardware === hw && o.engine === engine),
    }).report;
    const without = shippedSet(shippingDecisions(cv, rule));
    const used = without.filter((p) =>
      own.some((o) => o.hardware === p.hardware && (p.engine === undefined || p.engine === o.engine)),
    );
    shippedWithout.set(source, used.map(labelOf));
    for (const o of own) heldOut.set(o, predictWith(o, used, uncalibrated.get(o) ?? Number.NaN));
    options.onProgress?.(
      `without ${source}: ${String(rest.length)} rows refitted, ships ${used.length === 0 ? 'nothing' : used.map(labelOf).join(', ')} for its ${String(own.length)} rows`,
    );
  }
  for (const o of shown) if (!heldOut.has(o)) heldOut.set(o, uncalibrated.get(o) ?? Number.NaN);
  const devices = [...new Set(fittable.flatMap((o) => (o.hardware === undefined ? [] : [o.hardware])))];
  const shipped = crossValidationReport(
    shown,
    devices,
    decisions.flatMap((d) => (d.ships ? [d.profile] : [])),
    { uncalibrated, inSample, heldOut },
  );
  return { fitted, decisions, shipped, shippedWithout };
}
