/**
 * Fitting the training efficiency parameters (gemmScale, attentionScale, overlapSlowdown) to
 * data/measurements/training.csv, and leave-one-source-out cross-validation of the fit
 * (`ridgeline validate training.csv --cross-validate`).
 */
import type { TrainingRow } from '../measurements/training-csv.js';
import type { TrainingEfficiency } from '../training/normalize.js';
import { TRAINING_EFFICIENCY_DEFAULTS } from '../training/normalize.js';
import type { PreparedRow, TrainingValidationReport } from '../validate/training-rows.js';
import { median, predictPrepared, prepareTrainingRow, trainingReport } from '../validate/training-rows.js';

const TIME_METRICS = new Set([
  'train_tok_s_per_gpu',
  'mfu_pct',
  'hfu_pct',
  'model_tflops_per_gpu',
  'step_time_s',
]);

/**
 * Loss of a parameter set on some rows: the median over sources of each source's median
 * |log(predicted / measured)| on time metrics, so every source weighs the same however many
 * rows it has (training-SOURCES.md weighting warning).
 */
function loss(rows: readonly PreparedRow[], e: TrainingEfficiency): number {
  const bySource = new Map<string, number[]>();
  for (const p of rows) {
    const v = predictPrepared(p, e);
    if (!Number.isFinite(v) || v <= 0) continue;
    const list = bySource.get(p.source) ?? [];
    list.push(Math.abs(Math.log(v / p.measured)));
    bySource.set(p.source, list);
  }
  const medians = [...bySource.values()].map((l) => median(l) ?? 0);
  return median(medians) ?? Number.POSITIVE_INFINITY;
}

const GRID: Readonly<Record<keyof TrainingEfficiency, readonly number[]>> = {
  gemmScale: [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1],
  attentionScale: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  overlapSlowdown: [0, 0.1, 0.2, 0.3, 0.5],
};

/** Coordinate search over the grid, three sweeps from the defaults. */
export function fitTrainingEfficiency(
  rows: readonly PreparedRow[],
  start: TrainingEfficiency = TRAINING_EFFICIENCY_DEFAULTS,
): TrainingEfficiency {
  let best = start;
  let bestLoss = loss(rows, best);
  for (let sweep = 0; sweep < 3; sweep++) {
    let moved = false;
    for (const key of Object.keys(GRID) as (keyof TrainingEfficiency)[]) {
      for (const v of GRID[key]) {
        const candidate = { ...best, [key]: v };
        const l = loss(rows, candidate);
        if (l < bestLoss - 1e-9) {
          best = candidate;
          bestLoss = l;
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  return best;
}

export interface TrainingCrossValidation {
  /** Parameters fitted on every source. */
  readonly fitted: TrainingEfficiency;
  /** Parameters fitted without each source. */
  readonly heldOutParameters: Readonly<Record<string, TrainingEfficiency>>;
  /** Defaults (as shipped), in-sample refit, and leave-one-source-out reports. */
  readonly defaults: TrainingValidationReport;
  readonly inSample: TrainingValidationReport;
  readonly heldOut: TrainingValidationReport;
}

/** Leave-one-source-out: refit the efficiency parameters without each source and predict it. */
export function crossValidateTraining(rows: readonly TrainingRow[]): TrainingCrossValidation {
  const prepared = rows.map(prepareTrainingRow);
  const usable = prepared.filter(
    (p) => p.reason === undefined && TIME_METRICS.has(p.row.metric) && p.measured > 0,
  );
  const fitted = fitTrainingEfficiency(usable);
  const held = new Map<string, TrainingEfficiency>();
  for (const source of new Set(usable.map((p) => p.source)))
    held.set(
      source,
      fitTrainingEfficiency(
        usable.filter((p) => p.source !== source),
        fitted,
      ),
    );
  return {
    fitted,
    heldOutParameters: Object.fromEntries(held),
    defaults: trainingReport(prepared),
    inSample: trainingReport(prepared, fitted),
    heldOut: trainingReport(prepared, fitted, held),
  };
}
