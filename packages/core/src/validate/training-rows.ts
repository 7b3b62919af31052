/**
 * Predicting the rows of data/measurements/training.csv and tabulating the errors per source and
 * metric. Nothing is fitted here: every row is predicted from the catalog, the efficiency
 * defaults and the mechanisms of training/step.ts and training/memory.ts, so a
 * leave-one-source-out figure with the defaults equals the plain per-source figure. Rows that
 * cannot be expressed are kept with a skip reason.
 */
import type { RowConvention, TrainingRow } from '../measurements/training-csv.js';
import { trainingScenarioOf, trainingSourceLabel } from '../measurements/training-csv.js';
import { estimateTrainingNormalized } from '../training/estimate.js';
import type { NormalizedTraining, TrainingEfficiency } from '../training/normalize.js';
import { normalizeTraining, validateTraining } from '../training/normalize.js';
import { megatronCoreFlopsPerToken } from '../training/shapes.js';
import { percentile } from '../util/percentile.js';
import type { GroupSummary, SkippedRecord } from './validate.js';

export interface TrainingRowRecord {
  readonly id: string;
  readonly source: string;
  readonly metric: string;
  readonly measured: number;
  readonly predicted: number;
  /** |predicted − measured| / measured, %. */
  readonly errorPct: number;
  /** predicted / measured − 1, % (sign shows the direction). */
  readonly signedErrorPct: number;
}

/** A row that could not be predicted, as the serving validation reports it. */
export type TrainingSkip = SkippedRecord;

/** A source and metric's errors, as the serving validation's, with the median signed error. */
export interface TrainingGroup extends GroupSummary {
  readonly medianSignedErrorPct: number | null;
}

export interface TrainingValidationReport {
  readonly totals: {
    readonly rows: number;
    readonly used: number;
    readonly skipped: number;
    /** Median over sources of each source's median error (sources weigh equally). */
    readonly medianOfSourceMediansPct: number | null;
  };
  readonly groups: readonly TrainingGroup[];
  readonly rows: readonly TrainingRowRecord[];
  readonly skipped: readonly TrainingSkip[];
}

const METRICS = [
  'train_tok_s_per_gpu',
  'mfu_pct',
  'hfu_pct',
  'model_tflops_per_gpu',
  'memory_gib',
  'step_time_s',
];

export function median(xs: number[]): number | null {
  return (
    percentile(
      [...xs].sort((a, b) => a - b),
      0.5,
    ) ?? null
  );
}

/** A row resolved to a normalized job (or the reason it cannot be), ready to predict. */
export interface PreparedRow {
  readonly row: TrainingRow;
  readonly source: string;
  readonly measured: number;
  readonly job?: NormalizedTraining;
  readonly convention: RowConvention;
  readonly reason?: string;
}

export function prepareTrainingRow(row: TrainingRow): PreparedRow {
  const source = trainingSourceLabel(row.source);
  const measured = Number(row.value);
  const base = { row, source, measured, convention: 'megatron' as const };
  if (!METRICS.includes(row.metric)) return { ...base, reason: `metric '${row.metric}' not predicted` };
  const mapped = trainingScenarioOf(row);
  if (!mapped.ok) return { ...base, reason: mapped.reason };
  const v = validateTraining(mapped.input);
  if (!v.ok) return { ...base, reason: `not expressible: ${v.diagnostics[0]?.message ?? ''}` };
  const n = normalizeTraining(v.value);
  if (!n.ok) return { ...base, reason: `not expressible: ${n.diagnostics[0]?.message ?? ''}` };
  return { row, source, measured, job: n.value, convention: mapped.convention };
}

export function predictPrepared(p: PreparedRow, efficiency?: TrainingEfficiency): number {
  if (p.job === undefined) return Number.NaN;
  const job = efficiency === undefined ? p.job : { ...p.job, trainingEfficiency: efficiency };
  const r = estimateTrainingNormalized(job, { largestMicroBatch: false, uncertainty: false });
  const f = p.convention === 'megatron-core' ? megatronCoreFigures(job, r) : r.mfu[p.convention];
  switch (p.row.metric) {
    case 'train_tok_s_per_gpu':
      return r.tokensPerSecondPerGpu;
    case 'mfu_pct':
      return 100 * f.mfu;
    case 'hfu_pct':
      return 100 * f.hfu;
    case 'model_tflops_per_gpu':
      return f.modelFlopsPerSecondPerGpu / 1e12;
    case 'memory_gib':
      return r.memory.totalBytes / 2 ** 30;
    default:
      return r.step.stepSeconds;
  }
}

/**
 * MFU figures under Megatron-Core's own count (training/shapes.ts megatronCoreFlopsPerToken),
 * scaled from the causal ones (same tokens/s and peak; LoRA's 2/3 kept); MLA models, which that
 * function does not cover, keep the causal count.
 */
function megatronCoreFigures(
  job: NormalizedTraining,
  r: ReturnType<typeof estimateTrainingNormalized>,
): { mfu: number; hfu: number; modelFlopsPerSecondPerGpu: number } {
  const causal = r.mfu.causal;
  const core = megatronCoreFlopsPerToken(job.model, job.sequenceLength);
  if (core === undefined) return causal;
  const full = job.finetune.method === 'full' ? 1 : 2 / 3;
  const scale = (core * full) / causal.modelFlopsPerToken;
  return {
    mfu: causal.mfu * scale,
    hfu: causal.hfu * scale,
    modelFlopsPerSecondPerGpu: causal.modelFlopsPerSecondPerGpu * scale,
  };
}

/** Prediction of one row with the default efficiency, or why it cannot be predicted. */
export function predictTrainingRow(row: TrainingRow): { value: number } | { reason: string } {
  const p = prepareTrainingRow(row);
  return p.reason !== undefined ? { reason: p.reason } : { value: predictPrepared(p) };
}

export function validateTrainingRows(
  rows: readonly TrainingRow[],
  efficiency?: TrainingEfficiency,
): TrainingValidationReport {
  return trainingReport(rows.map(prepareTrainingRow), efficiency);
}

/** The error tables of prepared rows, with one efficiency set or one per held-out source. */
export function trainingReport(
  prepared: readonly PreparedRow[],
  efficiency?: TrainingEfficiency,
  heldOut?: ReadonlyMap<string, TrainingEfficiency>,
): TrainingValidationReport {
  const records: TrainingRowRecord[] = [];
  const skipped: TrainingSkip[] = [];
  for (const p of prepared) {
    const { row, source, measured } = p;
    const value =
      p.reason === undefined ? predictPrepared(p, heldOut?.get(source) ?? efficiency) : Number.NaN;
    if (p.reason !== undefined || !Number.isFinite(value) || measured <= 0) {
      skipped.push({ id: row.id, source, metric: row.metric, reason: p.reason ?? 'prediction not finite' });
      continue;
    }
    const signed = (value / measured - 1) * 100;
    records.push({
      id: row.id,
      source,
      metric: row.metric,
      measured,
      predicted: value,
      errorPct: Math.abs(signed),
      signedErrorPct: signed,
    });
  }
  const keys = new Map<string, { source: string; metric: string }>();
  for (const p of prepared)
    keys.set(`${p.source}\u0000${p.row.metric}`, { source: p.source, metric: p.row.metric });
  const groups: TrainingGroup[] = [...keys.values()].map(({ source, metric }) => {
    const used = records.filter((r) => r.source === source && r.metric === metric);
    const skips = skipped.filter((r) => r.source === source && r.metric === metric);
    const byReason: Record<string, number> = {};
    for (const s of skips) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1;
    const errs = used.map((r) => r.errorPct).sort((a, b) => a - b);
    return {
      source,
      metric,
      used: used.length,
      skipped: skips.length,
      skippedByReason: byReason,
      medianErrorPct: median(errs),
      p90ErrorPct: percentile(errs, 0.9) ?? null,
      medianSignedErrorPct: median(used.map((r) => r.signedErrorPct)),
    };
  });
  const sources = [...new Set(records.map((r) => r.source))];
  const perSource = sources.flatMap((s) => {
    const m = median(records.filter((r) => r.source === s).map((r) => r.errorPct));
    return m === null ? [] : [m];
  });
  return {
    totals: {
      rows: prepared.length,
      used: records.length,
      skipped: skipped.length,
      medianOfSourceMediansPct: median(perSource),
    },
    groups,
    rows: records,
    skipped,
  };
}

/** Metrics that depend on the efficiency parameters (memory does not). */
