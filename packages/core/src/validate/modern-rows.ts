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
import { DATASET_LENGTHS, lengthMean } from '../scenario/lengths.js';
import { profileParametersFor } from '../calibrate/profile.js';
import { engineRefForRelease, releaseOfFramework } from '../scenario/engine-releases.js';
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

/**
 * Metrics that include the wait in the queue. In an overloaded run (arrivals faster than the
 * predicted capacity) the queue grows without bound, so these describe the simulated run's length,
 * not the deployment: such rows are skipped as overloaded. TPOT and throughput stay predicted
 * (a full batch, and the capacity itself).
 */
const QUEUE_METRICS = /^(ttft|e2e)/;

const THROUGHPUT_METRICS = /^(tokens_per_s|samples_per_s|output_tok_s|total_tok_s|req_s)/;

/**
 * LoadGen's Server throughput ("Completed tokens per second") counts a run that is long against
 * one request's latency (600 s of arrivals at least), so it is the steady state: the target rate
 * when the deployment keeps up, its capacity when it does not. The simulated run is shorter and
 * its requests/duration includes the drain after the last arrival; this is the factor that takes
 * it to min(target rate, capacity).
 */
function steadyShare(report: EstimateReport, scenario: ScenarioInput): number {
  const w = scenario.workload as { requestRate?: number };
  const served = report.serving?.overloaded?.servedRequestsPerSecond ?? w.requestRate;
  return served !== undefined && report.requestsPerSec > 0 ? served / report.requestsPerSec : 1;
}

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

/** LoadGen's shortest Server run: `*.Server.min_duration = 600000` ms (mlperf.conf l.85, datasets.md). */
export const LOADGEN_SERVER_SECONDS = 600;

/**
 * Requests one replica simulates at most, Offline and Server. An MLPerf run is long (Offline
 * issues hundreds of thousands of samples, Server arrivals span 600 s), so warm-up and drain are a
 * sliver of it. Offline keeps every request queued, so a few batch turnovers already give its
 * throughput (the medians over the MLPerf rows move by under 2 points from 2,500 to 25,000
 * requests per replica). A Server run needs its whole 600 s: whether the queue grows (an
 * overloaded run) shows only over several request latencies, and simulated time, not the request
 * count, sets its cost. Both caps keep a validation run, and the web app's Fidelity view, in
 * seconds.
 */
export const MLPERF_OFFLINE_REQUESTS_PER_REPLICA = 2500;
export const MLPERF_SERVER_REQUESTS_PER_REPLICA = 10000;

/**
 * Requests an MLPerf run is simulated with: Offline, the samples the cell says were issued;
 * Server and Interactive, LoadGen's 600 s of arrivals at the target QPS. Both capped per replica
 * (said in the row's note).
 */
function mlperfRequests(
  issued: number | undefined,
  perReplica: number,
  replicas: number,
  notes: string[],
): number {
  const cap = perReplica * replicas;
  const run = issued ?? cap;
  if (run > cap) notes.push(`${String(cap)} of the run's ${String(run)} requests simulated`);
  return Math.max(1, Math.min(run, cap));
}

/** The MLPerf dataset a row's notes or model name point to. */
export function datasetOf(row: MeasurementRow): DatasetPreset | undefined {
  const t = `${row.notes} ${row.model}`.toLowerCase();
  if (t.includes('deepseek-r1')) return 'mlperf-deepseek-r1';
  if (t.includes('mixtral')) return 'mlperf-mixtral-8x7b';
  if (t.includes('405b')) return 'mlperf-llama3.1-405b';
  if (t.includes('cnn') || t.includes('llama3.1-8b') || t.includes('llama-3.1-8b'))
    return 'mlperf-llama3.1-8b';
  if (t.includes('openorca') || t.includes('llama2-70b')) return 'mlperf-llama2-70b';
  return undefined;
}

/**
 * The submission an MLPerf row belongs to: its results path up to the scenario folder
 * (`.../results/<system>/<benchmark>/`), the same for its Offline, Server and Interactive runs.
 */
export function submissionOf(source: string): string | undefined {
  const m = /(\S*\/results\/[^/\s]+\/[^/\s]+)\/(?:offline|server|interactive)\//i.exec(source);
  return m?.[1];
}

/**
 * The rows of a file grouped by submission (submissionOf), built once per rows array: `each` sees
 * every row of a known submission and calls `add` with an update of that submission's entry
 * (undefined the first time) to fold the row in.
 */
function groupBySubmission<T>(
  cache: WeakMap<readonly MeasurementRow[], Map<string, T>>,
  rows: readonly MeasurementRow[],
  each: (row: MeasurementRow, add: (update: (entry?: T) => T) => void) => void,
): Map<string, T> {
  const kept = cache.get(rows);
  if (kept !== undefined) return kept;
  const built = new Map<string, T>();
  for (const r of rows) {
    const k = submissionOf(r.source);
    if (k !== undefined) each(r, (update) => built.set(k, update(built.get(k))));
  }
  cache.set(rows, built);
  return built;
}

const submissionKv = new WeakMap<readonly MeasurementRow[], Map<string, Set<string>>>();

/**
 * The KV format a row's submission states in its other scenarios, when they state exactly one.
 * A harness keeps one KV format per system and benchmark (serving-modern-SOURCES.md: NVIDIA's
 * configs run FP8 KV); a scenario config that leaves it unset inherits the harness's.
 */
function siblingKv(row: MeasurementRow, rows: readonly MeasurementRow[] | undefined): string | undefined {
  const key = submissionOf(row.source);
  if (key === undefined || rows === undefined) return undefined;
  const bySubmission = groupBySubmission(submissionKv, rows, (r, add) => {
    const kv = r.precisionKv.trim();
    if (kv !== '') add((set = new Set<string>()) => set.add(kv));
  });
  const stated = bySubmission.get(key);
  return stated?.size === 1 ? [...stated][0] : undefined;
}

/** The KV format of the row's cell, or, where the cell is empty, its submission's (siblingKv). */
function kvFormatOf(row: MeasurementRow, rows: readonly MeasurementRow[] | undefined, notes: string[]) {
  if (row.precisionKv.trim() !== '') return formatOf(row.precisionKv);
  const inherited = siblingKv(row, rows);
  if (inherited === undefined) return undefined;
  notes.push(`KV format not stated for this run: ${inherited}, as the submission's other scenarios state`);
  return formatOf(inherited);
}

const submissionOffline = new WeakMap<
  readonly MeasurementRow[],
  Map<string, { tokens: number[]; samples: number[] }>
>();

/**
 * Generated tokens per sample of the row's submission's Offline performance run: LoadGen prints
 * its 'Tokens per second' and 'Samples per second' for the same run (samples issued at once,
 * counted to the end), so their ratio is the mean output length that run generated. Used where
 * the row records no accuracy-run TOKENS_PER_SAMPLE (Krai's rows, Llama-3.1-8B): on the
 * submissions that record both, the two agree within 2.5% (serving-modern.csv: AMD Llama-2-70B
 * 301.7 against 301.1, NVIDIA B200 Llama-2-70B 273.3 against 273.4, MI355X MXFP4 279.2 against
 * 285.7). Undefined unless the submission has exactly one of each.
 */
export function offlineTokensPerSample(
  row: MeasurementRow,
  rows: readonly MeasurementRow[] | undefined,
): number | undefined {
  const key = submissionOf(row.source);
  if (key === undefined || rows === undefined) return undefined;
  const bySubmission = groupBySubmission(submissionOffline, rows, (r, add) => {
    if (loadKindOf(r.batchOrConcurrency) !== 'offline') return;
    if (!/\/offline\//i.test(r.source) || !(r.value > 0)) return;
    add((entry = { tokens: [], samples: [] }) => {
      if (r.metric === 'tokens_per_s') entry.tokens.push(r.value);
      if (r.metric === 'samples_per_s') entry.samples.push(r.value);
      return entry;
    });
  });
  const run = bySubmission.get(key);
  const tokens = run?.tokens[0];
  const samples = run?.samples[0];
  if (run?.tokens.length !== 1 || run.samples.length !== 1 || tokens === undefined || samples === undefined)
    return undefined;
  return tokens / samples;
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
  /** The worker's TP was widened from the recorded one to its GPUs. */
  readonly widened: boolean;
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
  return {
    workers,
    tp: Math.max(tp, perWorker),
    ep: Number(m[3]),
    attentionDp: m[4] === 'true',
    widened: perWorker > tp,
  };
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

/**
 * The NVIDIA MLPerf harness's `gpu_batch_size`: the engine's max_batch_size, which TensorRT-LLM
 * applies per scheduler. With attention DP each of the tp ranks schedules its own requests, so
 * an instance holds gpu_batch_size on every rank; otherwise the tp group runs one batch.
 */
function harnessBatch(
  notes: string,
  p: { readonly tp: number; readonly attentionDp: boolean },
  said: string[],
): number | undefined {
  const perScheduler = intAfter(notes, 'gpu_batch_size');
  if (perScheduler === undefined || !p.attentionDp) return perScheduler;
  said.push(
    `gpu_batch_size ${String(perScheduler)} per attention-DP rank: ${String(perScheduler * p.tp)} per instance`,
  );
  return perScheduler * p.tp;
}

interface Built {
  readonly scenario: ScenarioInput;
  /** The per-GPU denominator of the row's *_per_gpu metrics. */
  readonly perGpu: number;
  readonly notes: string[];
}

type BuildResult = Built | { readonly skip: string };

function lengthsFor(row: MeasurementRow, kind: LoadKind, notes: string[], options: PredictOptions) {
  const { datasetInputs, rows } = options;
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
  const input = datasetInputs?.[dataset] ?? preset.input;
  const accuracyRun = numberAfter(row.notes, 'TOKENS_PER_SAMPLE');
  const offlineRun = accuracyRun === undefined ? offlineTokensPerSample(row, rows) : undefined;
  const perSample = accuracyRun ?? offlineRun;
  const output =
    perSample !== undefined
      ? { kind: 'fixed' as const, tokens: Math.max(1, Math.round(perSample)) }
      : preset.output;
  notes.push(
    accuracyRun !== undefined
      ? `lengths: ${dataset} preset inputs, outputs at the row's accuracy-run mean ${accuracyRun.toFixed(1)} tokens`
      : offlineRun !== undefined
        ? `lengths: ${dataset} preset inputs, outputs at ${offlineRun.toFixed(1)} tokens, the submission's Offline run's tokens_per_s ÷ samples_per_s (no accuracy-run mean recorded)`
        : `lengths: ${dataset} preset`,
  );
  return {
    inputTokens: Math.max(1, Math.round(lengthMean(input))),
    outputTokens: Math.max(1, Math.round(lengthMean(output))),
    inputLengths: input,
    outputLengths: output,
  };
}

interface Layout {
  readonly parallelism: { tp: number; pp: number; ep: number; dp: number; attentionDp: boolean };
  /** The per-GPU denominator: the GPUs the source divided by. */
  readonly perGpu: number;
  readonly disaggregation?: {
    prefill: PoolScenario;
    decode: PoolScenario;
    kvTransferLink: 'scale-up';
  };
}

interface PoolScenario {
  tp: number;
  dp: number;
  ep: number;
  attentionDp: boolean;
  redundantExperts?: number;
}

/**
 * The pool's EP and redundant experts. An EP that does not divide the pool's TP is replaced by
 * EP1. A widened worker (recorded TP1/EP1 on more GPUs) whose expert FFN columns do not split
 * over its GPUs runs wide EP over them, as the source records for a worker of that size elsewhere
 * (Dynamo + SGLang decode TP48/EP48). An EP that does not divide the experts gets the fewest
 * redundant experts that make the slots divide (SGLang --ep-num-redundant-experts, TensorRT-LLM
 * wide-EP slots): the count the runs used is not recorded, so the row's note says it is assumed.
 */
function poolExperts(
  p: PoolLayout,
  name: string,
  moe: { numExperts: number; expertIntermediateSize: number } | undefined,
  notes: string[],
): Pick<PoolScenario, 'ep' | 'redundantExperts'> {
  let ep = p.ep;
  if (!(ep <= p.tp && p.tp % ep === 0)) {
    notes.push(`${name} EP${String(ep)} does not divide its TP${String(p.tp)}: EP1 used`);
    ep = 1;
  }
  if (moe === undefined) return { ep };
  if (p.widened && ep === 1 && moe.expertIntermediateSize % p.tp !== 0) {
    notes.push(
      `${name} workers of ${String(p.tp)} GPUs recorded as EP1 cannot split the ${String(moe.expertIntermediateSize)} expert FFN columns ${String(p.tp)} ways: EP${String(p.tp)} assumed (wide EP, as the source records TP48/EP48 decode workers of this recipe)`,
    );
    ep = p.tp;
  }
  const fill = (ep - (moe.numExperts % ep)) % ep;
  if (fill === 0) return { ep };
  notes.push(
    `${name} EP${String(ep)} does not divide the ${String(moe.numExperts)} experts: ${String(fill)} redundant experts assumed (${String(moe.numExperts + fill)} slots, the fewest EP${String(ep)} divides; the run's count is not recorded)`,
  );
  return { ep, redundantExperts: fill };
}

/**
 * The deployment: TP/PP/EP/attention DP and replicas (num_gpus over one replica's GPUs), or the
 * two pools of a disaggregated layout (Dynamo), whose per-GPU metrics count decode GPUs only.
 */
function layoutOf(
  row: MeasurementRow,
  moe: { numExperts: number; expertIntermediateSize: number } | undefined,
  notes: string[],
): Layout | { readonly skip: string } {
  const n = row.notes;
  if (/disaggregat/i.test(row.framework)) {
    const prefill = poolOf(n, 'prefill', notes);
    const decode = poolOf(n, 'decode', notes);
    if (prefill === undefined || decode === undefined)
      return { skip: skipReasons.unparsed('the prefill and decode pools of a disaggregated layout') };
    // Each pool runs its own TP/EP/attention DP (Dynamo launches the prefill and decode workers
    // with their own engine arguments).
    const prefillExperts = poolExperts(prefill, 'prefill', moe, notes);
    const decodeExperts = poolExperts(decode, 'decode', moe, notes);
    const decodeGpus = /DECODE GPUs only \((\d+)\)/i.exec(n)?.[1];
    return {
      parallelism: { tp: decode.tp, pp: 1, ep: decodeExperts.ep, dp: 1, attentionDp: decode.attentionDp },
      perGpu: decodeGpus !== undefined ? Number(decodeGpus) : decode.tp * decode.workers,
      disaggregation: {
        prefill: { tp: prefill.tp, dp: prefill.workers, ...prefillExperts, attentionDp: prefill.attentionDp },
        decode: { tp: decode.tp, dp: decode.workers, ...decodeExperts, attentionDp: decode.attentionDp },
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

/** The load a row ran: a closed loop of clients, MLPerf Offline's queue, or Server arrivals. */
function loadOf(
  row: MeasurementRow,
  kind: LoadKind,
  replicas: number,
  notes: string[],
): { load: Record<string, unknown> } | { skip: string } {
  const cell = row.batchOrConcurrency;
  if (kind === 'concurrency') {
    const clients = intAfter(cell, 'concurrency') ?? 1;
    return { load: { concurrency: clients, requests: closedLoopRequests(clients) } };
  }
  if (kind === 'offline') {
    const samples = intAfter(cell, 'all') ?? intAfter(row.notes, 'samples');
    const requests = mlperfRequests(samples, MLPERF_OFFLINE_REQUESTS_PER_REPLICA, replicas, notes);
    return { load: { maxThroughput: true, requests } };
  }
  const qps = numberAfter(cell, 'target_qps');
  if (qps === undefined) return { skip: skipReasons.unparsed('the target QPS') };
  const arrivals = Math.ceil(qps * LOADGEN_SERVER_SECONDS);
  const requests = mlperfRequests(arrivals, MLPERF_SERVER_REQUESTS_PER_REPLICA, replicas, notes);
  return { load: { requestRate: qps, requests } };
}

/**
 * Whether a row's SUT drives TensorRT-LLM's TensorRT-engine executor in-process: an MLPerf harness
 * (NVIDIA's or derived from it) rather than `trtllm-serve`, and no option of the PyTorch backend
 * stated (attention DP, `enable_attention_dp`, is a PyTorch-backend option: the DeepSeek-R1 runs
 * use it). The overlap scheduler is a PyTorch-backend option (`TorchLlmArgs`,
 * data/engines/defaults.md §2b), which `trtllm-serve` runs (§2a, `backend="pytorch"`); no source
 * puts one in the TensorRT-engine flow, and the measured TTFT of these runs agrees: 1.8–2.4 mean
 * TPOTs on 8 of their 11 Server and Interactive runs with short prompts, below the 2.5 steps that
 * a step built ahead costs at least (docs/fidelity.md, MLPerf Server and Interactive near
 * capacity).
 */
export function tensorRtEngineFlow(row: MeasurementRow, attentionDp: boolean): boolean {
  const f = row.framework;
  return (
    /TensorRT-LLM/i.test(f) && /MLPerf[^;)]*harness/i.test(f) && !/trtllm-serve/i.test(f) && !attentionDp
  );
}

/** The engine limits and KV page size the notes state, and whether requests skip the API server. */
function engineSettings(
  row: MeasurementRow,
  kind: LoadKind,
  parallelism: Layout['parallelism'],
  notes: string[],
): Record<string, unknown> {
  const n = row.notes;
  const maxSeqs =
    intAfter(n, 'max_num_seqs') ??
    intAfter(n, 'max_running_requests') ??
    intAfter(n, 'max_batch_size') ??
    harnessBatch(n, parallelism, notes);
  const maxTokens = intAfter(n, 'max_num_batched_tokens');
  const memoryFraction = numberAfter(n, 'gpu_memory_utilization') ?? numberAfter(n, 'mem_fraction_static');
  const page = /(?<!\w)(?:block_size|tokens_per_block|page_size)\s*[=:]\s*(\d+)/i.exec(n)?.[1];
  // MLPerf SUTs hand token ids to the engine in-process unless they state an OpenAI API server.
  const inProcess = kind !== 'concurrency' && !/openai-api|trtllm-serve/i.test(row.framework);
  const noOverlap = kind !== 'concurrency' && tensorRtEngineFlow(row, parallelism.attentionDp);
  if (noOverlap) notes.push('TensorRT engines in-process (MLPerf harness): no overlap scheduler');
  return {
    ...(inProcess ? { apiServer: false } : {}),
    ...(noOverlap ? { overlapScheduler: false } : {}),
    ...(maxSeqs !== undefined ? { maxSequences: maxSeqs } : {}),
    ...(maxTokens !== undefined ? { maxBatchedTokens: maxTokens } : {}),
    ...(memoryFraction !== undefined && memoryFraction <= 1 ? { memoryFraction } : {}),
    ...(page !== undefined && Number(page) > 0 ? { kvPageTokens: Number(page) } : {}),
  };
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
  const kvCache = kvFormatOf(row, options.rows, notes);
  const hw = hardwareForRate(found, weights);
  if (hw.note !== undefined) notes.push(hw.note);
  const framework = row.framework;
  const engineId = engineOf(framework);
  if (/\batom\b/i.test(framework)) notes.push('AMD ATOM run with the vLLM engine profile (closest)');
  // The release from the image tag picks the engine's release profile, where it has some.
  const release = engineRefForRelease(engineId, releaseOfFramework(framework));
  if (release.note !== undefined) notes.push(release.note);
  const engine = release.ref;
  const lengths = lengthsFor(row, kind, notes, options);
  if (lengths === undefined) return { skip: skipReasons.unparsed('the input and output lengths') };

  const layout = layoutOf(row, named.model.moe, notes);
  if ('skip' in layout) return layout;
  const { parallelism, perGpu, disaggregation } = layout;
  const serving = engineSettings(row, kind, parallelism, notes);

  if (disaggregation !== undefined) serving.disaggregation = disaggregation;
  const disaggregated = disaggregation !== undefined;

  const replicas = disaggregated ? 1 : parallelism.dp;
  const load = loadOf(row, kind, replicas, notes);
  if ('skip' in load) return load;
  const workload = load.load;

  const scenario: ScenarioInput = {
    model: named.model.id,
    hardware: hw.spec,
    parallelism,
    precision: { weights, activations: weights, ...(kvCache !== undefined ? { kvCache } : {}) },
    engine,
    efficiency: profileParametersFor(options.profiles, hw.spec.id, engineId),
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

/** The serving scenario a loaded row is predicted with (and the notes said about it), or why not. */
export function loadedServingScenario(
  row: MeasurementRow,
  options: PredictOptions = {},
): { scenario: ScenarioInput; perGpu: number; notes: readonly string[] } | { skip: string } {
  const kind = loadKindOf(row.batchOrConcurrency);
  if (kind === undefined) return { skip: skipReasons.noRule(row.metric) };
  return buildScenario(row, kind, options);
}

export function predictLoadedServingRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  const kind = loadKindOf(row.batchOrConcurrency);
  const read = LOADED_METRICS[row.metric];
  if (kind === undefined || read === undefined) return { skip: skipReasons.noRule(row.metric) };
  const built = buildScenario(row, kind, options);
  if ('skip' in built) return built;
  const run = runScenario(built.scenario);
  if (!run.ok) return { skip: skipReasons.estimateFailed(run.message) };
  if (run.report.serving?.overloaded !== undefined && QUEUE_METRICS.test(row.metric))
    return { skip: skipReasons.overloaded };
  const value = read(run.report, built.perGpu);
  if (value === undefined) return { skip: skipReasons.noRule(row.metric) };
  const predicted =
    kind === 'server' && THROUGHPUT_METRICS.test(row.metric)
      ? value * steadyShare(run.report, built.scenario)
      : value;
  const notes = [...built.notes, ...limitsMissed(row.batchOrConcurrency, run.report)];
  return notes.length > 0 ? { predicted, note: notes.join('; ') } : { predicted };
}

/**
 * The MLPerf latency limits of a Server or Interactive cell ("TTFT p99<=450 ms, TPOT p99<=40 ms")
 * that the predicted run misses: LoadGen would reject such a run, so the row's note says so.
 */
export function limitsMissed(cell: string, report: EstimateReport): string[] {
  const out: string[] = [];
  const check = (metric: 'TTFT' | 'TPOT', predictedMs: number) => {
    const limit = new RegExp(`${metric}\\s*p99\\s*<=\\s*(\\d+(?:\\.\\d+)?)\\s*ms`, 'i').exec(cell)?.[1];
    if (limit !== undefined && predictedMs > Number(limit))
      out.push(`predicted p99 ${metric} ${predictedMs.toPrecision(3)} ms misses the ${limit} ms limit`);
  };
  check('TTFT', report.latency.ttft.p99);
  check('TPOT', report.latency.tpot.p99);
  return out;
}

/**
 * The estimate a loaded serving row is read from (the run shared by its metrics), or undefined
 * where the row is not predicted. The uncertainty residuals (scripts/residuals.mjs) read the
 * run's conditions from it.
 */
export function loadedServingReport(
  row: MeasurementRow,
  options: PredictOptions = {},
): EstimateReport | undefined {
  const kind = loadKindOf(row.batchOrConcurrency);
  if (kind === undefined) return undefined;
  const built = buildScenario(row, kind, options);
  if ('skip' in built) return undefined;
  const run = runScenario(built.scenario);
  return run.ok ? run.report : undefined;
}
