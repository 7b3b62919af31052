/**
 * predictRow: the Ridgeline prediction for one measurement row in the row's own metric and
 * unit, or the reason it is not predicted. Dispatch is by metric; within a metric the row's
 * notes carry the shape (GEMM M/N/K, operator name) the rule needs.
 */
import type { MeasurementRow } from '../measurements/csv.js';
import { predictAllToAllRow } from './all-to-all.js';
import { predictGemmRow } from './kernels.js';
import { predictLayerOpRow } from './layers.js';
import { isLoadedServingRow, predictLoadedServingRow } from './modern-rows.js';
import { skipReasons } from './messages.js';
import type { Prediction, PredictOptions } from './predict-types.js';
import { predictReferenceTrainingRow } from './reference-training.js';
import { predictConstantRow, predictStaticRow, STATIC_METRICS } from './serving-rows.js';

export type { Prediction, PredictOptions } from './predict-types.js';

/** Training throughput and utilization metrics (Megatron-Bridge, DeepSeek-V3 Table 4). */
export const TRAINING_METRICS: ReadonlySet<string> = new Set([
  'train_tok_s_per_gpu',
  'model_tflops_per_gpu',
  'mfu_pct',
  'train_tok_per_day',
  'step_time_s',
]);

/** MoE dispatch/combine kernels (DeepEP). */
export const ALL_TO_ALL_METRICS: ReadonlySet<string> = new Set(['comm_bw_gbs', 'comm_latency_us']);

export function predictRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  const metric = row.metric;
  if (TRAINING_METRICS.has(metric)) return predictReferenceTrainingRow(row);
  if (ALL_TO_ALL_METRICS.has(metric)) return predictAllToAllRow(row, options);
  if (metric === 'kv_kb_per_token' || metric === 'gflops_per_token') return predictConstantRow(row);
  if (metric === 'achieved_tflops' || metric === 'achieved_bw_gbs') return predictGemmRow(row, options);
  if (metric === 'op_latency_ms') return predictLayerOpRow(row, options);
  if (isLoadedServingRow(row)) return predictLoadedServingRow(row, options);
  if (STATIC_METRICS[metric] !== undefined) return predictStaticRow(row, options);
  return { skip: skipReasons.noRule(metric) };
}
