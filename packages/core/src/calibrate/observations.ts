/**
 * Observations: one measured number and how to predict it under a profile set. They come from
 * reference-CSV rows (every rule of predictRow: kernels, layer operators, static and offline
 * serving runs) or from imported benchmark records (a scenario fragment plus measured metrics,
 * measurements/), and are what fitting and cross-validation work on.
 */
import { estimate } from '../estimate.js';
import type { MeasurementRecord } from '../measurements/types.js';
import type { EstimateReport } from '../report/assemble.js';
import type { EngineId } from '../scenario/schema.js';
import type { NumericFormat } from '../units/formats.js';
import { rateClassOf } from '../units/formats.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { calibrateMessages } from './messages.js';
import type { RecordDefaults } from '../measurements/scenario.js';
import { recordScenario } from '../measurements/scenario.js';
import type { PredictOptions } from '../validate/predict.js';
import { predictRow } from '../validate/predict.js';
import type { CalibrationParameter, ProfileParameters, ProfileSet } from './profile.js';
import { CALIBRATION_PARAMETERS, profileParametersFor } from './profile.js';
import { engineOf, formatOf, intCell, resolveRowHardware } from '../measurements/resolve.js';
import { STATIC_METRICS } from '../validate/serving-rows.js';
import { sourceLabel } from '../validate/validate.js';

export interface Observation {
  /** Row id, or file:line and metric for an imported record. */
  readonly id: string;
  /** Short source label (sourceLabel of the row, or the file). */
  readonly source: string;
  /**
   * What leave-one-source-out leaves out together (cvSourceOf): the source, or for a source that
   * gathers many submissions (MLPerf results, InferenceX recipes) the submission.
   */
  readonly cvSource: string;
  /**
   * Which parameters the measurement is evidence for: 'kernel' (kernel ceilings and per-operator
   * rows: GEMM, attention, bandwidth and collective efficiencies), 'serving' (end-to-end serving
   * runs: the engine's step, per-sequence and per-request overheads), 'none' (neither).
   */
  readonly level: ObservationLevel;
  readonly metric: string;
  /** Catalog id of the device; undefined when the value depends on no device (model constants). */
  readonly hardware: string | undefined;
  /** Engine whose profile applies ('ideal' for kernel and operator rows). */
  readonly engine: EngineId;
  readonly measured: number;
  /** Parameters the prediction can depend on (a hint that spares work in the Jacobian). */
  readonly sensitiveTo: ReadonlySet<CalibrationParameter>;
  /** An assumption made to predict it, when one was needed. */
  readonly note?: string;
  /** The prediction under a profile set, in the measured unit; undefined when none. */
  readonly predict: (profiles: ProfileSet | undefined) => number | undefined;
}

export type ObservationLevel = 'kernel' | 'serving' | 'none';

/** Metrics of kernel ceilings and operators: evidence for the kernel-level parameters. */
const KERNEL_METRICS: ReadonlySet<string> = new Set(['achieved_tflops', 'achieved_bw_gbs', 'op_latency_ms']);

/** Metrics of end-to-end serving runs: evidence for the serving-level parameters. */
const SERVING_METRICS: ReadonlySet<string> = new Set([
  'output_tok_s',
  'output_tok_s_per_gpu',
  'total_tok_s',
  'tokens_per_s',
  'samples_per_s',
  'req_s',
  'ttft_ms',
  'ttft_p99_ms',
  'tpot_ms',
  'tpot_p99_ms',
  'e2e_latency_ms',
]);

/** The level a metric is evidence for (see Observation.level). */
export function metricLevel(metric: string): ObservationLevel {
  if (KERNEL_METRICS.has(metric)) return 'kernel';
  return SERVING_METRICS.has(metric) || SERVING_METRICS.has(metric.replace(/ \(p50\)$/, ''))
    ? 'serving'
    : 'none';
}

/**
 * The unit leave-one-source-out leaves out for a row: its source label, except where one source
 * column gathers independent submissions. MLPerf results: the division and submitter
 * (closed/NVIDIA, open/Krai), since a submitter's runs share its systems, software and tuning.
 * InferenceX: the recipe, engine and device (one nightly job per engine image and device, whose
 * concurrency points share everything but the load).
 */
export function cvSourceOf(row: Pick<MeasurementRow, 'source' | 'framework' | 'hardware'>): string {
  const label = sourceLabel(row.source);
  const mlperf = /\b(closed|open)\/([^/\s]+)\/results\//.exec(row.source);
  if (mlperf !== null && /mlcommons|mlperf/i.test(label))
    return `${label} ${mlperf[1] ?? ''}/${mlperf[2] ?? ''}`;
  if (/InferenceX/i.test(label)) {
    const engine = row.framework.split('[')[0]?.trim() ?? row.framework;
    return `${label} ${engine} on ${row.hardware.trim()}`;
  }
  return label;
}

export interface SkippedObservation {
  readonly id: string;
  readonly source: string;
  readonly metric: string;
  readonly reason: string;
}

const ALL: ReadonlySet<CalibrationParameter> = new Set(CALIBRATION_PARAMETERS);
const NONE: ReadonlySet<CalibrationParameter> = new Set();
const GEMM_FRACTIONS: readonly CalibrationParameter[] = [
  'gemmPeakFraction',
  'gemmLowPrecisionPeakFraction',
  'gemmFp4PeakFraction',
];

/** Parameters a run in `format` on tp × pp devices can depend on. */
function runSensitivity(
  format: NumericFormat | undefined,
  devices: number,
  kernelOnly: boolean,
): Set<CalibrationParameter> {
  const out = new Set<CalibrationParameter>(kernelOnly ? ['memoryBandwidthFraction'] : ALL);
  if (format !== undefined) {
    // Each rate class has its own GEMM fraction: 16-bit, 8-bit (and int4), block-scaled FP4.
    const rate = rateClassOf(format);
    const own: CalibrationParameter =
      rate === 'fp4'
        ? 'gemmFp4PeakFraction'
        : ['fp8', 'int8', 'int4'].includes(rate)
          ? 'gemmLowPrecisionPeakFraction'
          : 'gemmPeakFraction';
    out.add(own);
    if (!kernelOnly) for (const p of GEMM_FRACTIONS) if (p !== own) out.delete(p);
  } else {
    // No format stated: 16-bit or 8-bit; an FP4 run states its format.
    out.add('gemmPeakFraction');
    out.add('gemmLowPrecisionPeakFraction');
    out.delete('gemmFp4PeakFraction');
  }
  if (devices <= 1) {
    out.delete('collectiveBandwidthFraction');
    out.delete('collectiveLatencySeconds');
  }
  return out;
}

function rowSensitivity(row: MeasurementRow): ReadonlySet<CalibrationParameter> {
  const m = row.metric;
  if (m === 'kv_kb_per_token' || m === 'gflops_per_token') return NONE;
  const format = formatOf(row.precisionWeights);
  const devices = (intCell(row.tp) ?? 1) * (intCell(row.pp) ?? 1);
  if (m === 'achieved_tflops' || m === 'achieved_bw_gbs') return runSensitivity(format, 1, true);
  const out = runSensitivity(format, devices, false);
  // The per-request overhead is paid once per request, before its first token.
  if (!/ttft|e2e/.test(m)) out.delete('requestOverheadSeconds');
  return out;
}

/**
 * Observations for the reference-CSV rows predictRow can express (positive prediction and
 * measurement); the rest are returned as skipped with the reason.
 */
export function observationsFromRows(
  rows: readonly MeasurementRow[],
  options: PredictOptions = {},
): { observations: Observation[]; skipped: SkippedObservation[] } {
  const observations: Observation[] = [];
  const skipped: SkippedObservation[] = [];
  // The file's other rows, as validateRows passes them (a run's unstated KV format is its
  // submission's): an observation predicts what `validate` predicts.
  const withRows: PredictOptions = options.rows === undefined ? { ...options, rows } : options;
  for (const row of rows) {
    const source = sourceLabel(row.source);
    const p = predictRow(row, withRows);
    const base = { id: row.id, source, metric: row.metric };
    if ('skip' in p) {
      skipped.push({ ...base, reason: p.skip });
      continue;
    }
    if (!Number.isFinite(p.predicted) || p.predicted <= 0 || !(row.value > 0)) {
      skipped.push({ ...base, reason: calibrateMessages.notPositive(p.predicted, row.value) });
      continue;
    }
    const sensitiveTo = rowSensitivity(row);
    const hardware = sensitiveTo.size === 0 ? undefined : resolveRowHardware(row.hardware)?.id;
    const level = hardware === undefined ? 'none' : metricLevel(row.metric);
    const engine: EngineId =
      level === 'serving' || STATIC_METRICS[row.metric] !== undefined ? engineOf(row.framework) : 'ideal';
    const predict = (profiles: ProfileSet | undefined): number | undefined => {
      if (profiles === undefined || profiles.length === 0) return p.predicted;
      const q = predictRow(row, { ...withRows, profiles });
      return 'skip' in q ? undefined : q.predicted;
    };
    observations.push({
      ...base,
      cvSource: cvSourceOf(row),
      level,
      hardware,
      engine,
      measured: row.value,
      sensitiveTo: hardware === undefined ? NONE : sensitiveTo,
      ...(p.note === undefined ? {} : { note: p.note }),
      predict,
    });
  }
  return { observations, skipped };
}

interface MetricRead {
  readonly metric: string;
  readonly measured: number;
  readonly read: (r: EstimateReport) => number;
}

/** The measured metrics of a record Ridgeline predicts, with the report field each compares with. */
function metricReads(m: MeasurementRecord['metrics']): MetricRead[] {
  const out: MetricRead[] = [];
  const latency = (
    metric: string,
    stats: { readonly mean?: number; readonly p50?: number } | undefined,
    pick: (r: EstimateReport) => { mean: number; p50: number },
  ) => {
    if (stats?.mean !== undefined) out.push({ metric, measured: stats.mean, read: (r) => pick(r).mean });
    else if (stats?.p50 !== undefined)
      out.push({ metric: `${metric} (p50)`, measured: stats.p50, read: (r) => pick(r).p50 });
  };
  // Output, total and request throughput carry the same information for fixed lengths: one is kept.
  if (m.outputTokensPerSec !== undefined)
    out.push({ metric: 'output_tok_s', measured: m.outputTokensPerSec, read: (r) => r.outputTokensPerSec });
  else if (m.totalTokensPerSec !== undefined)
    out.push({ metric: 'total_tok_s', measured: m.totalTokensPerSec, read: (r) => r.totalTokensPerSec });
  else if (m.requestsPerSec !== undefined)
    out.push({ metric: 'req_s', measured: m.requestsPerSec, read: (r) => r.requestsPerSec });
  latency('ttft_ms', m.ttftMs, (r) => r.latency.ttft);
  latency('tpot_ms', m.tpotMs, (r) => r.latency.tpot);
  latency('e2e_latency_ms', m.e2eLatencyMs, (r) => r.latency.e2e);
  return out.filter((x) => Number.isFinite(x.measured) && x.measured > 0);
}

/**
 * Observations for imported benchmark records: one per predicted metric (throughput, TTFT, TPOT,
 * end-to-end latency; means, or medians where a tool gives only those). ITL is not compared: it
 * pools chunk gaps, which Ridgeline does not model apart from TPOT.
 */
export function observationsFromRecords(
  records: readonly MeasurementRecord[],
  defaults: RecordDefaults = {},
): { observations: Observation[]; skipped: SkippedObservation[] } {
  const observations: Observation[] = [];
  const skipped: SkippedObservation[] = [];
  for (const rec of records) {
    const id = rec.line === undefined ? rec.file : `${rec.file}:${String(rec.line)}`;
    const reads = metricReads(rec.metrics);
    const s = recordScenario(rec.scenario, defaults);
    if ('skip' in s) {
      skipped.push({ id, source: rec.file, metric: reads.map((r) => r.metric).join(', '), reason: s.skip });
      continue;
    }
    if (reads.length === 0) {
      skipped.push({ id, source: rec.file, metric: '-', reason: calibrateMessages.noMetric });
      continue;
    }
    const run = (parameters: ProfileParameters | undefined): EstimateReport | string => {
      // The raw model under the profile set alone: the shipped default does not stack under it.
      const result = estimate(
        parameters === undefined
          ? { ...s.scenario, calibration: 'none' }
          : { ...s.scenario, efficiency: parameters, calibration: 'none' },
      );
      if (result.ok) return result.value;
      return result.diagnostics.find((d) => d.severity === 'error')?.message ?? 'estimate failed';
    };
    const atDefaults = run(undefined);
    if (typeof atDefaults === 'string') {
      skipped.push({
        id,
        source: rec.file,
        metric: reads.map((r) => r.metric).join(', '),
        reason: calibrateMessages.estimateFailed(atDefaults),
      });
      continue;
    }
    // One simulation serves every metric of a record: the last one is kept per profile set.
    let lastKey: ProfileSet | undefined;
    let lastReport: EstimateReport | string = atDefaults;
    const reportFor = (profiles: ProfileSet | undefined): EstimateReport | string => {
      const parameters = profileParametersFor(profiles, s.hardware, s.engine);
      if (parameters === undefined) return atDefaults;
      if (profiles !== lastKey) {
        lastKey = profiles;
        lastReport = run(parameters);
      }
      return lastReport;
    };
    const sensitiveTo = runSensitivity(s.weights, s.devices, false);
    for (const r of reads) {
      if (!(r.read(atDefaults) > 0)) {
        skipped.push({
          id,
          source: rec.file,
          metric: r.metric,
          reason: calibrateMessages.notPositive(r.read(atDefaults), r.measured),
        });
        continue;
      }
      observations.push({
        id: `${id} ${r.metric}`,
        source: rec.file,
        cvSource: rec.file,
        level: 'serving',
        metric: r.metric,
        hardware: s.hardware,
        engine: s.engine,
        measured: r.measured,
        sensitiveTo,
        predict: (profiles) => {
          const report = reportFor(profiles);
          return typeof report === 'string' ? undefined : r.read(report);
        },
      });
    }
  }
  return { observations, skipped };
}
