/**
 * The unpublished input-length means of the MLPerf datasets, treated as one global unknown
 * parameter per dataset (shared by every submitter, hardware and engine) and fitted to the MLPerf
 * v5.1 Offline throughput rows by scripts/fit-dataset-lengths.mjs (docs/fidelity.md, "The input
 * lengths of the MLPerf datasets"). The script writes dataset-fit-data.ts; the presets of
 * lengths.ts read it.
 */
import type { DATASET_PRESETS, LengthDistribution } from './schema.js';

type DatasetPreset = (typeof DATASET_PRESETS)[number];

/**
 * The published input maximum of each MLPerf dataset, tokens (datasets.md, Overview table; the
 * sources are in each preset's text, lengths.ts). llama2-70b: the filter keeps
 * tok_input_length < 1024.
 */
export const DATASET_INPUT_MAX: Readonly<Record<DatasetPreset, number>> = {
  'mlperf-llama2-70b': 1023,
  'mlperf-mixtral-8x7b': 2048,
  'mlperf-llama3.1-405b': 20000,
  'mlperf-llama3.1-8b': 2048,
  'mlperf-deepseek-r1': 3136,
};

/** One point of a dataset's sweep: the fit rows' median absolute error at that input mean. */
export interface SweepPoint {
  readonly meanTokens: number;
  readonly medianErrorPct: number;
}

/** A held-out submitter: the mean fitted without its rows, and its rows' error there and at the preset's uniform. */
export interface HeldOutFold {
  readonly source: string;
  readonly rows: number;
  readonly fittedMeanTokens: number;
  readonly uniformErrorPct: number;
  readonly fittedErrorPct: number;
}

/** A metric of the MLPerf rows that the fitted mean worsens beyond the regression gate's tolerance. */
export interface WorsenedMetric {
  readonly metric: string;
  readonly rowsBefore: number;
  readonly medianBeforePct: number;
  readonly rowsAfter: number;
  readonly medianAfterPct: number;
}

export interface DatasetInputFit {
  /** Whether the preset takes the fitted mean (true) or keeps prompts uniform up to the maximum. */
  readonly fitted: boolean;
  /** The mean the sweep chose (pickSweepMean of `sweep`), applied or not, tokens. */
  readonly fitMeanTokens: number;
  /** The mean the preset's prompts have, tokens. */
  readonly inputMeanTokens: number;
  /** The published maximum the draws stay within, tokens. */
  readonly inputMaxTokens: number;
  /** MLPerf submitters (division/submitter) with fit rows. */
  readonly submitters: number;
  /** Offline tokens/s and samples/s rows fitted to. */
  readonly fitRows: number;
  /** Median absolute error of the fit rows at each swept mean (the last point: the uniform preset). */
  readonly sweep: readonly SweepPoint[];
  /** Leave-one-submitter-out: every held-out row pooled, at the uniform preset and at the refitted mean. */
  readonly heldOut: { readonly uniformErrorPct: number; readonly fittedErrorPct: number };
  readonly folds: readonly HeldOutFold[];
  /** The mean each hardware family's fit rows alone choose (a check that the fit is one mechanism). */
  readonly byFamily: Readonly<Record<string, number>>;
  /** The largest family's mean over the smallest's. */
  readonly familySpread: number;
  /** MLPerf metrics the fitted mean worsens beyond the gate's tolerance (empty: none). */
  readonly worsened: readonly WorsenedMetric[];
  /** Why the dataset is fitted or not. */
  readonly reason: string;
}

/**
 * The swept mean with the lowest median error; of equal ones, the largest (the nearest to the
 * uniform assumption the sweep starts from).
 */
export function pickSweepMean(sweep: readonly SweepPoint[]): number {
  let best: SweepPoint | undefined;
  for (const p of sweep)
    if (
      best === undefined ||
      p.medianErrorPct < best.medianErrorPct ||
      (p.medianErrorPct === best.medianErrorPct && p.meanTokens > best.meanTokens)
    )
      best = p;
  if (best === undefined) throw new Error('pickSweepMean: empty sweep');
  return best.meanTokens;
}

/**
 * Prompts of mean `meanTokens`, uniform over [1, 2·mean − 1] and kept within the published
 * maximum: a one-parameter family that holds the uniform-to-the-maximum assumption as its
 * largest member (mean (1 + max)/2), so the fit can only move away from it on evidence.
 */
export function fittedInputLengths(meanTokens: number, maxTokens: number): LengthDistribution {
  const top = Math.min(maxTokens, Math.max(1, Math.round(2 * meanTokens - 1)));
  return { kind: 'uniform', min: 1, max: top };
}

/**
 * A fitted mean is applied only where leave-one-submitter-out lowers the pooled held-out median
 * error of the Offline throughput rows by at least this many points, for most held-out submitters.
 */
export const MIN_HELD_OUT_GAIN_POINTS = 5;

/**
 * The mean is one property of the dataset: the means each hardware family's rows choose alone
 * must agree within this factor, else part of the misfit is another mechanism's (reported, not
 * averaged away).
 */
export const MAX_FAMILY_SPREAD = 1.5;

/** The evidence a fit is judged on (the fields of DatasetInputFit the script measures). */
export type FitEvidence = Pick<
  DatasetInputFit,
  | 'fitMeanTokens'
  | 'inputMaxTokens'
  | 'submitters'
  | 'heldOut'
  | 'folds'
  | 'byFamily'
  | 'familySpread'
  | 'worsened'
>;

/**
 * Whether a dataset's fitted mean is applied, and why (or why not): two submitters or more, a mean
 * below the uniform preset's, a clear held-out gain for most submitters, hardware families that
 * agree, and no MLPerf metric worsened beyond the regression gate's tolerance (`tolerancePoints`).
 */
export function fitDecision(
  e: FitEvidence,
  tolerancePoints: number,
): { readonly fitted: boolean; readonly reason: string } {
  const uniformMean = (1 + e.inputMaxTokens) / 2;
  const better = e.folds.filter((f) => f.fittedErrorPct < f.uniformErrorPct).length;
  const gain = e.heldOut.uniformErrorPct - e.heldOut.fittedErrorPct;
  const pct = (x: number) => `${x.toFixed(1)}%`;
  if (e.submitters < 2)
    return {
      fitted: false,
      reason: `fewer than two submitters have Offline throughput rows (${String(e.submitters)})`,
    };
  if (e.fitMeanTokens >= uniformMean)
    return {
      fitted: false,
      reason:
        'the fit rows are best at the uniform preset itself (the family cannot lengthen prompts past it)',
    };
  if (gain < MIN_HELD_OUT_GAIN_POINTS)
    return {
      fitted: false,
      reason: `held out, the fitted mean lowers the median error by ${gain.toFixed(1)} points only (under ${String(MIN_HELD_OUT_GAIN_POINTS)})`,
    };
  if (2 * better <= e.folds.length)
    return {
      fitted: false,
      reason: `held out, only ${String(better)} of ${String(e.folds.length)} submitters improve`,
    };
  if (e.familySpread > MAX_FAMILY_SPREAD)
    return {
      fitted: false,
      reason: `the hardware families disagree (${Object.entries(e.byFamily)
        .map(([f, m]) => `${f} ${String(m)}`)
        .join(
          ', ',
        )}: ${String(e.familySpread)}x apart, over ${String(MAX_FAMILY_SPREAD)}x), so part of the misfit is another mechanism's`,
    };
  if (e.worsened.length > 0)
    return {
      fitted: false,
      reason: `held out, the Offline error drops ${pct(e.heldOut.uniformErrorPct)} -> ${pct(e.heldOut.fittedErrorPct)}, but other MLPerf metrics worsen beyond ${String(tolerancePoints)} points (${e.worsened
        .map(
          (w) =>
            `${w.metric} ${pct(w.medianBeforePct)} -> ${pct(w.medianAfterPct)} over ${String(w.rowsBefore)} -> ${String(w.rowsAfter)} rows`,
        )
        .join('; ')})`,
    };
  return {
    fitted: true,
    reason: `held out, the median error drops ${pct(e.heldOut.uniformErrorPct)} -> ${pct(e.heldOut.fittedErrorPct)} and ${String(better)} of ${String(e.folds.length)} submitters improve`,
  };
}
