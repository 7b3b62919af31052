/**
 * Serving runs at a load (data/measurements/serving-modern.csv and any CSV of its shape): a
 * closed loop of N clients at unbounded request rate (InferenceX, benchmark_serving), MLPerf
 * Offline (every sample queued at once) and Server/Interactive (Poisson arrivals at the target
 * QPS). Each row becomes a serving scenario built from its own cells and notes: engine from the
 * framework (Dynamo + X is X disaggregated), formats from the precision, TP/EP/attention-DP and
 * the pools of a disaggregated layout, replicas, the engine limits the notes state, and request
 * lengths (InferenceX: uniform in [0.8·L, L]; MLPerf: the dataset preset, with the row's own
 * accuracy-run mean output when recorded). Runs shared by several rows (a run reports several
 * metrics) are simulated once.
 */
import { estimate } from '../estimate.js';
import type { EstimateReport } from '../report/assemble.js';
import type { MeasurementRow } from '../measurements/csv.js';
import {
  closestHardwareIds,
  closestModelIds,
  engineOf,
  firstError,
  formatOf,
  hardwareForRate,
  intAfter,
  intCell,
  resolveRowHardware,
  resolveRowModelNamed,
} from '../measurements/resolve.js';
import type { ScenarioInput } from '../scenario/schema.js';
import type { DatasetPreset } from '../scenario/lengths.js';
import { DATASET_LENGTHS } from '../scenario/lengths.js';
import { profileParametersFor } from '../calibrate/profile.js';
import { skipReasons } from './messages.js';
import type { Prediction, PredictOptions } from './predict-types.js';

/** How a load cell is read. */
export type LoadKind = 'concurrency' | 'offline' | 'server';

export function loadKindOf(cell: string): LoadKind | undefined {
  if (/^\s*concurrency\s*=\s*\d+/i.test(cell)) return 'concurrency';
  if (/^\s*offline\b/i.test(cell)) return 'offline';
  if (/^\s*(server|interactive)\b/i.test(cell)) return 'server';
  return undefined;
}

/** Metrics of a loaded serving run, read from its report; `gpus` is the row's per-GPU denominator. */
const LOADED_METRICS: Readonly<Record<string, (r: EstimateReport, gpus: number) => number | undefined>> = {
  output_tok_s_per_gpu: (r, gpus) => r.outputTokensPerSec / gpus,
  output_tok_s: (r) => r.outputTokensPerSec,
  tokens_per_s: (r) => r.outputTokensPerSec,
  samples_per_s: (r) => r.requestsPerSec,
  total_tok_s: (r) => r.totalTokensPerSec,
  req_s: (r) => r.requestsPerSec,
  ttft_ms: (r) => r.latency.ttft.mean,
  tpot_ms: (r) => r.latency.tpot.mean,
  e2e_latency_ms: (r) => r.latency.e2e.mean,
  ttft_p90_ms: (r) => r.latency.ttft.p90,
  tpot_p90_ms: (r) => r.latency.tpot.p90,
  ttft_p99_ms: (r) => r.latency.ttft.p99,
  tpot_p99_ms: (r) => r.latency.tpot.p99,
  avg_power_w_per_gpu: (r) => r.energy?.wattsPerDevice,
  joules_per_output_token: (r) => r.energy?.joulesPerOutputToken,
};

export function isLoadedServingRow(row: MeasurementRow): boolean {
  return loadKindOf(row.batchOrConcurrency) !== undefined && LOADED_METRICS[row.metric] !== undefined;
}

/**
 * Requests a closed loop of N clients runs when the source does not say: 10 per client, but no
 * more than max(2·N, 2000) to keep validation fast (the InferenceX rows do not record
 * num_prompts). Two rounds per client already reach the steady state the means are read from.
 */
export const REQUESTS_PER_CLIENT = 10;

export function closedLoopRequests(clients: number): number {
  return Math.min(REQUESTS_PER_CLIENT * clients, Math.max(2 * clients, 2000));
}

/**
 * Requests an MLPerf run is simulated with: the run's samples, capped at enough for the steady
 * state (4 full batches per replica, at least 1000) to keep a validation run in seconds. LoadGen
 * Server runs last 600 s; the cap shortens the run, not the load.
 */
function mlperfRequests(samples: number | undefined, maxSequences: number, replicas: number): number {
  const steady = Math.max(1000, 4 * maxSequences * replicas);
  return Math.min(samples ?? steady, steady, 20000);
}

/** The MLPerf dataset a row's notes or model name point to. */
function datasetOf(row: MeasurementRow): DatasetPreset | undefined {
  const t = `${row.notes} ${row.model}`.toLowerCase();
  if (t.includes('deepseek-r1')) return 'mlperf-deepseek-r1';
  if (t.includes('mixtral')) return 'mlperf-mixtral-8x7b';
  if (t.includes('405b')) return 'mlperf-llama3.1-405b';
  if (t.includes('cnn') || t.includes('llama3.1-8b') || t.includes('llama-3.1-8b'))
    return 'mlperf-llama3.1-8b';
  if (t.includes('openorca') || t.includes('llama2-70b')) return 'mlperf-llama2-70b';
  return undefined;
}

/** A number after `label=` (decimal allowed). */
function numberAfter(text: string, label: string): number | undefined {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}\\s*[=:]\\s*(\\d+(?:\\.\\d+)?)`, 'i').exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

interface PoolLayout {
  readonly workers: number;
  readonly tp: number;
  readonly ep: number;
  readonly attentionDp: boolean;
}

/**
 * "prefill 1 worker(s) x TP4/EP4/dp_attention=true = 4 GPUs". Where a worker has more GPUs than
 * its recorded TP (Dynamo + SGLang rows record TP1 for 4-GPU workers), the worker's GPUs are its
 * TP group.
 */
function poolOf(notes: string, pool: 'prefill' | 'decode', said: string[]): PoolLayout | undefined {
  const m = new RegExp(
    `${pool}\\s+(\\d+)\\s+worker\\(s\\)\\s*x\\s*TP(\\d+)/EP(\\d+)/dp_attention=(true|false)(?:\\s*=\\s*(\\d+)\\s*GPUs)?`,
    'i',
  ).exec(notes);
  if (m === null) return undefined;
  const workers = Number(m[1]);
  const tp = Number(m[2]);
  const gpus = m[5] === undefined ? undefined : Number(m[5]);
  const perWorker = gpus !== undefined && gpus % workers === 0 ? gpus / workers : tp;
  if (perWorker > tp)
    said.push(`${pool} workers of ${perWorker} GPUs recorded as TP${tp}: TP${perWorker} used`);
  return { workers, tp: Math.max(tp, perWorker), ep: Number(m[3]), attentionDp: m[4] === 'true' };
}

/**
 * TP, EP and attention DP of a single-node or MLPerf row's notes. Where neither the tp cell nor
 * the notes state TP, the row's GPUs form one instance (said in the row's note).
 */
function parallelismOf(
  row: MeasurementRow,
  notes: string[],
): { tp: number; pp: number; ep: number; attentionDp: boolean } {
  const n = row.notes;
  const stated = intCell(row.tp) ?? intAfter(n, 'TP=') ?? intAfter(n, 'tp=') ?? /\bTP(\d+)/.exec(n)?.[1];
  const whole = intCell(row.numGpus) ?? 1;
  if (stated === undefined) notes.push(`TP not stated; one instance over the ${whole} GPUs assumed`);
  const tp = stated === undefined ? whole : Number(stated);
  const pp = intCell(row.pp) ?? intAfter(n, 'pp=') ?? 1;
  const epText = /\bEP\s*=?\s*(\d+)/.exec(n);
  const ep = epText?.[1] !== undefined ? Number(epText[1]) : 1;
  const attentionDp = /dp_attention=true|attention[- ]DP|enable_attention_dp/i.test(n);
  return { tp, pp, ep: ep <= tp && tp % ep === 0 ? ep : 1, attentionDp };
}

interface Built {
  readonly scenario: ScenarioInput;
  /** The per-GPU denominator of the row's *_per_gpu metrics. */
  readonly perGpu: number;
  readonly notes: string[];
}

type BuildResult = Built | { readonly skip: string };

function lengthsFor(row: MeasurementRow, kind: LoadKind, notes: string[]) {
  const isl = intCell(row.inputLen);
  const osl = intCell(row.outputLen);
  if (isl !== undefined && osl !== undefined) {
    if (/random-range-ratio|\[0\.8\*ISL, ISL\]/i.test(row.notes)) {
      return {
        inputTokens: isl,
        outputTokens: osl,
        inputLengths: { kind: 'uniform' as const, min: Math.floor(isl * 0.8), max: isl },
        outputLengths: { kind: 'uniform' as const, min: Math.floor(osl * 0.8), max: osl },
      };
    }
    return { inputTokens: isl, outputTokens: osl };
  }
  if (kind === 'concurrency') return undefined;
  const dataset = datasetOf(row);
  if (dataset === undefined) return undefined;
  const preset = DATASET_LENGTHS[dataset];
  const perSample = numberAfter(row.notes, 'TOKENS_PER_SAMPLE');
  const output =
    perSample !== undefined
      ? { kind: 'fixed' as const, tokens: Math.max(1, Math.round(perSample)) }
      : preset.output;
  notes.push(
    perSample !== undefined
      ? `lengths: ${dataset} preset inputs, outputs at the row's accuracy-run mean ${perSample.toFixed(1)} tokens`
      : `lengths: ${dataset} preset`,
  );
  const inputMean =
    preset.input.kind === 'uniform' ? Math.round((preset.input.min + preset.input.max) / 2) : 1;
  const outputMean = output.kind === 'fixed' ? output.tokens : 1;
  return {
    inputTokens: inputMean,
    outputTokens: outputMean,
    inputLengths: preset.input,
    outputLengths: output,
  };
}

interface Layout {
  readonly parallelism: { tp: number; pp: number; ep: number; dp: number; attentionDp: boolean };
  /** The per-GPU denominator: the GPUs the source divided by. */
  readonly perGpu: number;
  readonly disaggregation?: {
    prefill: { tp: number; dp: number };
    decode: { tp: number; dp: number };
    kvTransferLink: 'scale-up';
  };
}

/**
 * The deployment: TP/PP/EP/attention DP and replicas (num_gpus over one replica's GPUs), or the
 * two pools of a disaggregated layout (Dynamo), whose per-GPU metrics count decode GPUs only.
 */
function layoutOf(row: MeasurementRow, notes: string[]): Layout | { readonly skip: string } {
  const n = row.notes;
  if (/disaggregat/i.test(row.framework)) {
    const prefill = poolOf(n, 'prefill', notes);
    const decode = poolOf(n, 'decode', notes);
    if (prefill === undefined || decode === undefined)
      return { skip: skipReasons.unparsed('the prefill and decode pools of a disaggregated layout') };
    // One EP degree and attention-DP setting serve both pools: the decode pool's, with EP no
    // wider than either pool's TP.
    const ep = Math.min(decode.ep, prefill.ep, prefill.tp, decode.tp);
    if (prefill.ep !== decode.ep || prefill.attentionDp !== decode.attentionDp)
      notes.push(
        `pools differ (prefill TP${prefill.tp}/EP${prefill.ep}, decode TP${decode.tp}/EP${decode.ep}); EP${ep} and the decode pool's attention DP used for both`,
      );
    const decodeGpus = /DECODE GPUs only \((\d+)\)/i.exec(n)?.[1];
    return {
      parallelism: { tp: decode.tp, pp: 1, ep, dp: 1, attentionDp: decode.attentionDp },
      perGpu: decodeGpus !== undefined ? Number(decodeGpus) : decode.tp * decode.workers,
      disaggregation: {
        prefill: { tp: prefill.tp, dp: prefill.workers },
        decode: { tp: decode.tp, dp: decode.workers },
        kvTransferLink: 'scale-up',
      },
    };
  }
  const p = parallelismOf(row, notes);
  const gpus = intCell(row.numGpus) ?? p.tp * p.pp;
  const dp = Math.max(1, Math.floor(gpus / (p.tp * p.pp)));
  if (p.tp * p.pp * dp !== gpus)
    notes.push(`${gpus} GPUs do not split into TP${p.tp}·PP${p.pp} replicas; ${dp} used`);
  return { parallelism: { ...p, dp }, perGpu: gpus };
}

function buildScenario(row: MeasurementRow, kind: LoadKind, options: PredictOptions): BuildResult {
  const notes: string[] = [];
  const named = resolveRowModelNamed(row.model);
  if (named === undefined)
    return {
      skip: `${skipReasons.modelNotInCatalog}: '${row.model}' (closest: ${closestModelIds(row.model).join(', ')})`,
    };
  if (named.dropped !== undefined) notes.push(`${row.model} costed as ${named.model.id}`);
  const found = resolveRowHardware(row.hardware);
  if (found === undefined)
    return {
      skip: `${skipReasons.hardwareNotInCatalog(row.hardware)} (closest: ${closestHardwareIds(row.hardware).join(', ')})`,
    };
  const weights = formatOf(row.precisionWeights);
  if (weights === undefined) return { skip: skipReasons.unsupportedPrecision(row.precisionWeights) };
  const kvCache = formatOf(row.precisionKv);
  const hw = hardwareForRate(found, weights);
  if (hw.note !== undefined) notes.push(hw.note);
  const framework = row.framework;
  const engine = engineOf(framework);
  if (/\batom\b/i.test(framework)) notes.push('AMD ATOM run with the vLLM engine profile (closest)');
  const lengths = lengthsFor(row, kind, notes);
  if (lengths === undefined) return { skip: skipReasons.unparsed('the input and output lengths') };

  const n = row.notes;
  const maxSeqs =
    intAfter(n, 'max_num_seqs') ??
    intAfter(n, 'max_running_requests') ??
    intAfter(n, 'max_batch_size') ??
    intAfter(n, 'gpu_batch_size');
  const maxTokens = intAfter(n, 'max_num_batched_tokens');
  const memoryFraction = numberAfter(n, 'gpu_memory_utilization') ?? numberAfter(n, 'mem_fraction_static');
  const serving: Record<string, unknown> = {
    ...(maxSeqs !== undefined ? { maxSequences: maxSeqs } : {}),
    ...(maxTokens !== undefined ? { maxBatchedTokens: maxTokens } : {}),
    ...(memoryFraction !== undefined && memoryFraction <= 1 ? { memoryFraction } : {}),
  };

  const layout = layoutOf(row, notes);
  if ('skip' in layout) return layout;
  const { parallelism, perGpu, disaggregation } = layout;
  if (disaggregation !== undefined) serving.disaggregation = disaggregation;
  const disaggregated = disaggregation !== undefined;

  const cell = row.batchOrConcurrency;
  const replicas = disaggregated ? 1 : parallelism.dp;
  let workload: Record<string, unknown>;
  if (kind === 'concurrency') {
    const clients = intAfter(cell, 'concurrency') ?? 1;
    workload = { concurrency: clients, requests: closedLoopRequests(clients) };
  } else {
    const samples = intAfter(cell, 'all') ?? intAfter(n, 'samples');
    const requests = mlperfRequests(samples, maxSeqs ?? 256, replicas);
    if (kind === 'offline') workload = { maxThroughput: true, requests };
    else {
      const qps = numberAfter(cell, 'target_qps');
      if (qps === undefined) return { skip: skipReasons.unparsed('the target QPS') };
      workload = { requestRate: qps, requests };
    }
  }

  const scenario: ScenarioInput = {
    model: named.model.id,
    hardware: hw.spec,
    parallelism,
    precision: { weights, activations: weights, ...(kvCache !== undefined ? { kvCache } : {}) },
    engine,
    efficiency: profileParametersFor(options.profiles, hw.spec.id, engine),
    calibration: 'none',
    workload: { ...lengths, ...workload, seed: 0 },
    ...(Object.keys(serving).length > 0 ? { serving } : {}),
  };
  return { scenario, perGpu, notes };
}

/** Reports by scenario, so that the rows of one run simulate it once. */
const runs = new Map<string, { ok: true; report: EstimateReport } | { ok: false; message: string }>();
const MAX_CACHED_RUNS = 512;

function runScenario(scenario: ScenarioInput) {
  const key = JSON.stringify(scenario);
  const hit = runs.get(key);
  if (hit !== undefined) return hit;
  const result = estimate(scenario);
  const entry = result.ok
    ? { ok: true as const, report: result.value }
    : { ok: false as const, message: firstError(result) };
  if (runs.size >= MAX_CACHED_RUNS) runs.clear();
  runs.set(key, entry);
  return entry;
}

export function predictLoadedServingRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  const kind = loadKindOf(row.batchOrConcurrency);
  const read = LOADED_METRICS[row.metric];
  if (kind === undefined || read === undefined) return { skip: skipReasons.noRule(row.metric) };
  const built = buildScenario(row, kind, options);
  if ('skip' in built) return built;
  const run = runScenario(built.scenario);
  if (!run.ok) return { skip: skipReasons.estimateFailed(run.message) };
  const predicted = read(run.report, built.perGpu);
  if (predicted === undefined) return { skip: skipReasons.noRule(row.metric) };
  return built.notes.length > 0 ? { predicted, note: built.notes.join('; ') } : { predicted };
}
