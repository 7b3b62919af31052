/**
 * Observations: one measured number and how to predict it under a profile set. They come from
 * reference-CSV rows (every rule of predictRow: kernels, layer operators, static and offline
 * serving runs) or from imported benchmark records (a scenario fragment plus measured metrics,
 * measurements/), and are what fitting and cross-validation work on.
 */
import { estimate } from '../estimate.js';
import { findHardware } from '../hardware/catalog.js';
import type { ScenarioFragment, MeasurementRecord } from '../measurements/types.js';
import { findModel } from '../model/catalog.js';
import type { EstimateReport } from '../report/assemble.js';
import type { EngineId } from '../scenario/schema.js';
import type { NumericFormat } from '../units/formats.js';
import { isNumericFormat, rateClassOf } from '../units/formats.js';
import type { MeasurementRow } from './csv.js';
import { calibrateMessages } from './messages.js';
import type { PredictOptions } from './predict.js';
import { predictRow } from './predict.js';
import type { CalibrationParameter, ProfileParameters, ProfileSet } from './profile.js';
import { CALIBRATION_PARAMETERS, profileParametersFor } from './profile.js';
import { engineOf, formatOf, intCell, resolveRowHardware } from './resolve.js';
import { STATIC_METRICS } from './serving.js';
import { sourceLabel } from './validate.js';

export interface Observation {
  /** Row id, or file:line and metric for an imported record. */
  readonly id: string;
  /** Short source label (sourceLabel of the row, or the file). */
  readonly source: string;
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

export interface SkippedObservation {
  readonly id: string;
  readonly source: string;
  readonly metric: string;
  readonly reason: string;
}

const ALL: ReadonlySet<CalibrationParameter> = new Set(CALIBRATION_PARAMETERS);
const NONE: ReadonlySet<CalibrationParameter> = new Set();

/** Parameters a run in `format` on tp × pp devices can depend on. */
function runSensitivity(
  format: NumericFormat | undefined,
  devices: number,
  kernelOnly: boolean,
): Set<CalibrationParameter> {
  const out = new Set<CalibrationParameter>(kernelOnly ? ['memoryBandwidthFraction'] : ALL);
  if (format !== undefined) {
    const low = ['fp8', 'int8', 'int4', 'fp4'].includes(rateClassOf(format));
    out.add(low ? 'gemmLowPrecisionPeakFraction' : 'gemmPeakFraction');
    if (!kernelOnly) out.delete(low ? 'gemmPeakFraction' : 'gemmLowPrecisionPeakFraction');
  } else {
    out.add('gemmPeakFraction');
    out.add('gemmLowPrecisionPeakFraction');
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
  return runSensitivity(format, devices, false);
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
  for (const row of rows) {
    const source = sourceLabel(row.source);
    const p = predictRow(row, options);
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
    const engine: EngineId = STATIC_METRICS[row.metric] !== undefined ? engineOf(row.framework) : 'ideal';
    const predict = (profiles: ProfileSet | undefined): number | undefined => {
      if (profiles === undefined || profiles.length === 0) return p.predicted;
      const q = predictRow(row, { ...options, profiles });
      return 'skip' in q ? undefined : q.predicted;
    };
    observations.push({
      ...base,
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

/** What the files leave out, filled by the caller (`ridgeline calibrate` flags). */
export interface RecordDefaults {
  /** The device the records were measured on (required when a record does not say). */
  readonly hardware?: string;
  readonly engine?: EngineId;
  /** Model of records whose own model name the catalog does not know (or that name none). */
  readonly model?: string;
  readonly tp?: number;
  readonly weights?: NumericFormat;
  readonly kvCache?: NumericFormat;
}

/** Requests a serving run is simulated with when the record does not say how many it measured. */
export const DEFAULT_RECORD_REQUESTS = 1000;

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

function formatOfText(text: string | undefined): NumericFormat | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  return isNumericFormat(t) ? t : formatOf(t);
}

/** The core scenario of a record, or why it cannot be built. */
export function recordScenario(
  s: ScenarioFragment,
  defaults: RecordDefaults,
):
  | {
      scenario: Record<string, unknown>;
      hardware: string;
      engine: EngineId;
      weights: NumericFormat | undefined;
      devices: number;
    }
  | { skip: string } {
  const hwName = s.hardware ?? defaults.hardware;
  if (hwName === undefined) return { skip: calibrateMessages.noHardware };
  const hw = findHardware(hwName);
  if (hw === undefined) return { skip: calibrateMessages.unknownRecordHardware(hwName) };
  if (defaults.hardware !== undefined && findHardware(defaults.hardware)?.id !== hw.id)
    return { skip: calibrateMessages.otherHardware(hw.id, defaults.hardware) };
  const engine: EngineId = s.engine ?? defaults.engine ?? 'ideal';
  if (defaults.engine !== undefined && engine !== defaults.engine)
    return { skip: calibrateMessages.otherEngine(engine, defaults.engine) };
  // The file's model when the catalog knows it; else the one the caller gives.
  const fromFile = s.model === undefined ? undefined : findModel(s.model);
  const modelName = fromFile?.id ?? defaults.model ?? s.model;
  if (modelName === undefined) return { skip: calibrateMessages.noModel };
  const model = fromFile ?? findModel(modelName);
  if (model === undefined) return { skip: calibrateMessages.unknownRecordModel(modelName) };
  const w = s.workload;
  if (w.inputTokens === undefined || w.outputTokens === undefined)
    return { skip: calibrateMessages.noLengths };
  const tp = s.tp ?? defaults.tp ?? s.gpus ?? 1;
  const pp = s.pp ?? 1;
  const dp = s.gpus !== undefined && s.gpus > tp * pp && s.gpus % (tp * pp) === 0 ? s.gpus / (tp * pp) : 1;
  const weights = defaults.weights ?? formatOfText(s.precision?.weights);
  const kvCache = defaults.kvCache ?? formatOfText(s.precision?.kvCache);
  const requests = w.requests ?? DEFAULT_RECORD_REQUESTS;
  let workload: Record<string, unknown>;
  if (w.batch !== undefined) workload = { batch: w.batch };
  else if (w.concurrency !== undefined) workload = { concurrency: w.concurrency, requests };
  else if (w.requestRate !== undefined) workload = { requestRate: w.requestRate, requests };
  else if (w.maxThroughput === true) workload = { maxThroughput: true, requests };
  else return { skip: calibrateMessages.noLoad };
  const precision: Record<string, unknown> = {};
  if (weights !== undefined) precision['weights'] = weights;
  if (kvCache !== undefined) precision['kvCache'] = kvCache;
  return {
    scenario: {
      model: model.id,
      hardware: hw.id,
      gpus: tp * pp * dp,
      parallelism: { tp, pp, dp },
      precision,
      engine,
      workload: { ...workload, inputTokens: w.inputTokens, outputTokens: w.outputTokens },
    },
    hardware: hw.id,
    engine,
    weights,
    devices: tp * pp,
  };
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
      const result = estimate(
        parameters === undefined ? s.scenario : { ...s.scenario, efficiency: parameters },
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
