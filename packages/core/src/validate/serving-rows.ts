/**
 * Whole-run rows with an explicit static batch (TensorRT-LLM performance.md v0.6.1 peak
 * throughput, v0.5 batch-1 first-token latency): the core `estimate` with the row's engine,
 * model, device, TP and formats. Model constants (KV bytes per token, training FLOPs per token)
 * come from modelStats.
 */
import { estimate } from '../estimate.js';
import { modelStats } from '../model/stats.js';
import type { EstimateReport } from '../report/assemble.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { modelNotInCatalogSkip, skipReasons } from './messages.js';
import type { Prediction, PredictOptions } from './predict-types.js';
import { profileParametersFor } from '../calibrate/profile.js';
import { engineRefForRelease, releaseOfFramework } from '../scenario/engine-releases.js';
import {
  engineOf,
  firstError,
  formatOf,
  hardwareForRate,
  intCell,
  resolveRowHardware,
  resolveRowModel,
} from '../measurements/resolve.js';

/** Serving metrics a static-batch estimate answers, read from its report. */
export const STATIC_METRICS: Readonly<Record<string, (r: EstimateReport) => number>> = {
  output_tok_s_per_gpu: (r) => r.outputTokensPerSec / r.scenario.gpus,
  output_tok_s: (r) => r.outputTokensPerSec,
  total_tok_s: (r) => r.totalTokensPerSec,
  ttft_ms: (r) => r.ttftMs,
  tpot_ms: (r) => r.tpotMs,
  e2e_latency_ms: (r) => r.e2eLatencyMs,
  req_s: (r) => r.requestsPerSec,
};

/**
 * Requests an offline max-throughput row is simulated with. TensorRT-LLM perf-overview does not
 * publish its dataset sizes; 1000 is vLLM benchmark_serving's default num_prompts.
 */
export const MAX_THROUGHPUT_REQUESTS = 1000;

/** The scenario behind a static or max-throughput row, with the notes its resolution adds. */
export type StaticRowScenario =
  { readonly skip: string } | { readonly scenario: Readonly<Record<string, unknown>>; readonly note: string };

/**
 * The scenario `predictStaticRow` estimates for a row (raw model, with `options.profiles`'
 * parameters where given). scripts/residuals.mjs rebuilds its estimates from it, so the two
 * cannot drift apart.
 */
export function staticRowScenario(row: MeasurementRow, options: PredictOptions = {}): StaticRowScenario {
  const batch = intCell(row.batchOrConcurrency);
  const offline = /^\s*max\b/i.test(row.batchOrConcurrency);
  if (batch === undefined && !offline) {
    return /concurren|rate/i.test(row.batchOrConcurrency)
      ? { skip: skipReasons.maxThroughput }
      : { skip: skipReasons.unparsed('a static batch size') };
  }
  const inputTokens = intCell(row.inputLen);
  const outputTokens = intCell(row.outputLen);
  if (inputTokens === undefined || outputTokens === undefined) {
    return { skip: skipReasons.unparsed('the input and output lengths') };
  }
  const model = resolveRowModel(row.model);
  if (model === undefined) return { skip: modelNotInCatalogSkip(row.model) };
  const found = resolveRowHardware(row.hardware);
  if (found === undefined) return { skip: skipReasons.hardwareNotInCatalog(row.hardware) };
  const weights = formatOf(row.precisionWeights);
  if (weights === undefined) return { skip: skipReasons.unsupportedPrecision(row.precisionWeights) };
  const kvCache = formatOf(row.precisionKv) ?? weights;
  const hw = hardwareForRate(found, weights);
  const tp = intCell(row.tp) ?? 1;
  const pp = intCell(row.pp) ?? 1;
  const engine = engineOf(row.framework);
  // The release in the framework cell ('TensorRT-LLM 0.6.1') picks the engine's release profile.
  const release = engineRefForRelease(engine, releaseOfFramework(row.framework));
  const scenario = {
    model: model.id,
    hardware: hw.spec,
    gpus: tp * pp,
    parallelism: { tp, pp },
    precision: { weights, activations: weights, kvCache },
    engine: release.ref,
    efficiency: profileParametersFor(options.profiles, hw.spec.id, engine),
    calibration: 'none',
    workload:
      batch !== undefined
        ? { batch, inputTokens, outputTokens }
        : { maxThroughput: true, requests: MAX_THROUGHPUT_REQUESTS, inputTokens, outputTokens },
  };
  const note = [hw.note, release.note].filter((n) => n !== undefined).join('; ');
  return { scenario, note };
}

/** The value a static row's metric reads from an estimate (per GPU where the table is). */
export function staticRowValue(row: MeasurementRow, report: EstimateReport): number | undefined {
  const read = STATIC_METRICS[row.metric];
  if (read === undefined) return undefined;
  // The A100 table of TRT-LLM performance.md says only "out tok/s"; its notes record that the H100
  // table of the same document is per GPU. Read it the same way: per GPU, like its sibling table.
  const perGpuByContext = row.metric === 'output_tok_s' && /per-GPU or total is not stated/i.test(row.notes);
  return perGpuByContext ? report.outputTokensPerSec / report.scenario.gpus : read(report);
}

export function predictStaticRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  if (STATIC_METRICS[row.metric] === undefined) return { skip: skipReasons.noRule(row.metric) };
  const built = staticRowScenario(row, options);
  if ('skip' in built) return built;
  const result = estimate(built.scenario);
  if (!result.ok) return { skip: skipReasons.estimateFailed(firstError(result)) };
  const predicted = staticRowValue(row, result.value);
  if (predicted === undefined) return { skip: skipReasons.noRule(row.metric) };
  return built.note === '' ? { predicted } : { predicted, note: built.note };
}

/** kv_kb_per_token (decimal KB, BF16 unless the row says otherwise) and gflops_per_token (training, S = 4096). */
export function predictConstantRow(row: MeasurementRow): Prediction {
  const model = resolveRowModel(row.model);
  if (model === undefined) return { skip: skipReasons.modelNotInCatalog };
  if (row.metric === 'kv_kb_per_token') {
    const kvFormat = formatOf(row.precisionKv) ?? 'bf16';
    return { predicted: modelStats(model, { kvFormat }).kvCacheBytesPerToken / 1000 };
  }
  return { predicted: modelStats(model, { sequenceLength: 4096 }).trainingFlopsPerToken / 1e9 };
}
