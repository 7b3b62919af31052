/**
 * validateRecords: the per-metric report of `validateRows` for benchmark-tool records (vLLM,
 * SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf; measurements/). Each record is predicted by
 * the observations `ridgeline calibrate` fits to (observationsFromRecords: one simulation per
 * record, one row per measured metric), so validate and calibrate compare the same numbers.
 */
import type { ProfileSet } from '../calibrate/profile.js';
import { observationsFromRecords } from '../calibrate/observations.js';
import type { RecordDefaults } from '../measurements/scenario.js';
import type { MeasurementRecord } from '../measurements/types.js';
import type { PredictedItem, ValidationReport } from './validate.js';
import { assembleReport } from './validate.js';

/** Skip reason of a metric a profile set cannot predict. */
const NO_PREDICTION = 'no prediction under the calibration profiles';

/**
 * Predicts every metric of every record it can express (throughput, TTFT, TPOT, end-to-end
 * latency; medians where a tool gives only those) under `profiles` (none: the raw model), with
 * `defaults` for what the files do not say. A record that cannot be expressed is one skipped
 * row per metric it measured, with the reason. `totals.rows` counts metric rows.
 */
export function validateRecords(
  records: readonly MeasurementRecord[],
  defaults: RecordDefaults = {},
  profiles?: ProfileSet,
): ValidationReport {
  const { observations, skipped } = observationsFromRecords(records, defaults);
  const items: PredictedItem[] = [];
  for (const o of observations) {
    const predicted = o.predict(profiles);
    items.push({
      id: o.id,
      source: o.source,
      metric: o.metric,
      measured: o.measured,
      prediction: predicted === undefined ? { skip: NO_PREDICTION } : { predicted },
    });
  }
  for (const s of skipped) {
    // A record skipped whole lists its metrics, comma-separated: one row each.
    const metrics = s.metric.split(', ').filter((m) => m !== '');
    for (const metric of metrics.length === 0 ? ['-'] : metrics) {
      items.push({
        id: metric === '-' ? s.id : `${s.id} ${metric}`,
        source: s.source,
        metric,
        measured: Number.NaN,
        prediction: { skip: s.reason },
      });
    }
  }
  return assembleReport(items);
}
