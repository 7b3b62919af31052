/**
 * Training rows of reference.csv (Megatron-Bridge 25.11 pre-training tables; DeepSeek-V3 Insights
 * Table 4), predicted by the training model on the same code path as training.csv: the row is
 * rewritten in training.csv's columns (GBS/MBS from batch_or_concurrency, sequence length from
 * input_len, FSDP/CP/VP/EP from the notes) and handed to validate/training-rows.ts
 * predictTrainingRow, so the mapping (hardware, model, ZeRO stage, precision, MFU convention,
 * TP overlap) is training-csv.ts's. A row whose setup is not stated is skipped naming what is
 * missing. training.csv holds no copy of these rows: its Megatron-Bridge rows come from the
 * archive page (other containers, commit 067f987) and carry "config key not present in 25.11
 * table already used".
 */
import type { MeasurementRow } from '../measurements/csv.js';
import type { TrainingRow } from '../measurements/training-csv.js';
import { skipReasons } from './messages.js';
import type { Prediction } from './predict-types.js';
import { predictTrainingRow } from './training-rows.js';

/** A `KEY=value` setting of the notes ('n/a' reads as unstated). */
function setting(notes: string, key: string): string | undefined {
  const m = new RegExp(`\\b${key}=([^\\s;,]+)`).exec(notes);
  const v = m?.[1];
  return v === undefined || v.toLowerCase() === 'n/a' ? undefined : v;
}

/** What the row leaves out of a training setup (empty when the setup is complete). */
export function missingTrainingSetup(row: MeasurementRow): string[] {
  const missing: string[] = [];
  if (row.tp === '' && row.pp === '' && setting(row.notes, 'EP') === undefined)
    missing.push('parallelism (TP, PP, EP, DP)');
  if (setting(row.batchOrConcurrency, 'GBS') === undefined) missing.push('global batch');
  if (setting(row.batchOrConcurrency, 'MBS') === undefined) missing.push('micro-batch');
  if (!/^\d+$/.test(row.inputLen.trim())) missing.push('sequence length');
  return missing;
}

/** The row in training.csv's columns. */
export function asTrainingRow(row: MeasurementRow): TrainingRow {
  const n = row.notes;
  const fsdp = setting(n, 'FSDP');
  return {
    line: row.line,
    id: row.id,
    source: row.source,
    hardware: row.hardware,
    num_gpus: row.numGpus,
    model: row.model,
    precision: row.precisionWeights,
    framework: row.framework,
    seq_len: row.inputLen,
    global_batch: setting(row.batchOrConcurrency, 'GBS') ?? '',
    micro_batch: setting(row.batchOrConcurrency, 'MBS') ?? '',
    tp: row.tp,
    pp: row.pp,
    dp: '',
    cp: setting(n, 'CP') ?? '',
    ep: setting(n, 'EP') ?? '',
    vp: setting(n, 'VP') ?? '',
    zero_or_fsdp: fsdp === undefined ? 'not stated' : `FSDP=${fsdp}`,
    recompute: 'not stated',
    metric: row.metric,
    value: String(row.value),
    notes: n,
  };
}

export function predictReferenceTrainingRow(row: MeasurementRow): Prediction {
  const missing = missingTrainingSetup(row);
  if (missing.length > 0) return { skip: skipReasons.trainingSetupNotStated(missing) };
  const p = predictTrainingRow(asTrainingRow(row));
  if ('reason' in p) return { skip: skipReasons.trainingNotExpressible(p.reason) };
  return { predicted: p.value };
}
