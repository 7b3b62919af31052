/**
 * Fitting the training efficiency parameters (gemmScale, attentionScale, overlapSlowdown) to
 * data/measurements/training.csv, and leave-one-source-out cross-validation of the fit
 * (`ridgeline validate training.csv --cross-validate`).
 */
import { efficiencyFor } from '../cost/efficiency.js';
import type { TrainingRow } from '../measurements/training-csv.js';
import type { TrainingResidual, TrainingResidualClass } from '../training/bands.js';
import { trainingLogBand } from '../training/bands.js';
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

/**
 * The refitted parameters. expertOverheadSeconds is not refitted: only one source of training.csv
 * has MoE rows, so held out it would have nothing to fit (normalize.ts, docs/training.md).
 */
const GRID: Readonly<Record<Exclude<keyof TrainingEfficiency, 'expertOverheadSeconds'>, readonly number[]>> =
  {
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
    for (const key of Object.keys(GRID) as (keyof typeof GRID)[]) {
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
  /** Held-out residuals ln(measured / predicted), the data of the training bands. */
  readonly residuals: readonly TrainingResidual[];
  /** How often the measured value falls inside its p10–p90 band drawn without its own source. */
  readonly coverage: TrainingBandCoverage;
}

export interface TrainingBandCoverage {
  /** Per source and metric class: rows, rows inside the band, and the fraction. */
  readonly groups: readonly {
    readonly source: string;
    readonly metricClass: TrainingResidualClass;
    readonly rows: number;
    readonly inside: number;
    readonly fraction: number;
  }[];
  /** Fraction of rows inside, every source weighing the same (the mean of the per-source fractions). */
  readonly perSourceMean: number | null;
  /** Fraction of all rows inside. */
  readonly perRow: number | null;
}

/**
 * Residuals ln(measured / predicted) of a report's rows, in the sign of throughput (step time is
 * mirrored: time ∝ 1/throughput), with the conditions the bands are looked up by.
 */
export function trainingResiduals(
  prepared: readonly PreparedRow[],
  report: TrainingValidationReport,
): TrainingResidual[] {
  const byId = new Map(prepared.map((p) => [p.row.id, p]));
  const out: TrainingResidual[] = [];
  for (const r of report.rows) {
    const job = byId.get(r.id)?.job;
    if (job === undefined || !(r.predicted > 0) || !(r.measured > 0)) continue;
    const ln = Math.log(r.measured / r.predicted);
    out.push({
      id: r.id,
      source: r.source,
      metricClass: r.metric === 'memory_gib' ? 'memory' : 'throughput',
      moe: job.model.moe !== undefined,
      family: efficiencyFor(job.hardware).family,
      residual: r.metric === 'step_time_s' ? -ln : ln,
    });
  }
  return out;
}

/** Coverage of the p10–p90 bands, each row's band drawn from the other sources' residuals. */
export function trainingBandCoverage(residuals: readonly TrainingResidual[]): TrainingBandCoverage {
  const groups = new Map<
    string,
    { source: string; metricClass: TrainingResidualClass; rows: number; inside: number }
  >();
  for (const r of residuals) {
    const band = trainingLogBand(r.metricClass, r, { excludeSource: r.source, residuals });
    if (band === undefined) continue;
    const key = `${r.source}\u0000${r.metricClass}`;
    const g = groups.get(key) ?? { source: r.source, metricClass: r.metricClass, rows: 0, inside: 0 };
    g.rows += 1;
    if (r.residual >= band.lo && r.residual <= band.hi) g.inside += 1;
    groups.set(key, g);
  }
  const list = [...groups.values()].map((g) => ({ ...g, fraction: g.inside / g.rows }));
  const bySource = new Map<string, { rows: number; inside: number }>();
  for (const g of list) {
    const s = bySource.get(g.source) ?? { rows: 0, inside: 0 };
    s.rows += g.rows;
    s.inside += g.inside;
    bySource.set(g.source, s);
  }
  const fractions = [...bySource.values()].map((s) => s.inside / s.rows);
  const rows = list.reduce((n, g) => n + g.rows, 0);
  return {
    groups: list,
    perSourceMean: fractions.length === 0 ? null : fractions.reduce((a, b) => a + b, 0) / fractions.length,
    perRow: rows === 0 ? null : list.reduce((n, g) => n + g.inside, 0) / rows,
  };
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
  const heldOut = trainingReport(prepared, fitted, held);
  const residuals = trainingResiduals(prepared, heldOut);
  return {
    fitted,
    heldOutParameters: Object.fromEntries(held),
    defaults: trainingReport(prepared),
    inSample: trainingReport(prepared, fitted),
    heldOut,
    residuals,
    coverage: trainingBandCoverage(residuals),
  };
}
