/**
 * Serving workloads (concurrency, requestRate, maxThroughput) on dp replicas, colocated or
 * disaggregated. One replica is simulated with its share of the load (a Poisson stream split
 * over dp replicas stays Poisson at rate/dp); throughput is summed over replicas and latency
 * percentiles are the replica's.
 *
 * Disaggregation: a prefill pool runs prompts only (each request ends at its first token), the
 * KV cache then crosses the network (bytes of the prompt's KV per device over the link, plus the
 * link latency), and the decode pool admits the request with its prompt cached.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { memoryMessages } from '../memory/messages.js';
import { scenarioMessages } from '../scenario/messages.js';
import { servingMessages } from './messages.js';
import type { KvBudget } from '../memory/footprint.js';
import { kvBudget, kvBytesPerSequence, kvCapacityTokens } from '../memory/footprint.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { SimulationResult } from './continuous.js';
import { poissonArrivals, seededRandom, simulate } from './continuous.js';
import type { SimState } from './simulator/state.js';
import { drawLengths } from '../scenario/lengths.js';
import { StepCoster } from './step-cost.js';
import { instanceMaxSequences } from './engines.js';
import { percentile } from '../util/percentile.js';

type Disaggregation = NonNullable<NormalizedScenario['serving']['disaggregation']>;

export interface LatencyStats {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface PoolRun {
  readonly ns: NormalizedScenario;
  readonly budget: KvBudget;
  readonly kvCapacityTokens: number;
  readonly result: SimulationResult;
}

export interface ServingTiming {
  /** Requests over all replicas. */
  readonly requests: number;
  readonly durationSeconds: number;
  readonly ttftSeconds: LatencyStats;
  readonly tpotSeconds: LatencyStats;
  readonly e2eSeconds: LatencyStats;
  /** Output and input tokens per second over all replicas. */
  readonly outputTokensPerSecond: number;
  readonly inputTokensPerSecond: number;
  readonly requestsPerSecond: number;
  /** Mean sequences in flight over all replicas (decode pool when disaggregated). */
  readonly meanBatch: number;
  readonly maxBatch: number;
  readonly preemptions: number;
  readonly steps: number;
  /** The colocated run, or the decode pool when disaggregated. */
  readonly main: PoolRun;
  readonly prefillPool: PoolRun | undefined;
  readonly kvTransferSeconds: number;
  /** Mean TTFT split: API server per request, wait in the engine's queue, prompt steps to the first token, s. */
  readonly ttftParts: TtftParts;
  /** Share of the run in which running decodes stalled for prompt-only steps (prefill-first engines). */
  readonly decodeStallShare: number;
  /**
   * Set when Poisson arrivals outrun the deployment (`serving.saturated`): the queue grows for
   * the whole run, so the latencies measure the run's length, not the deployment. Requests per
   * second, over all replicas: the arrival rate and the rate served while requests arrive.
   */
  readonly overloaded?: { readonly requestsPerSecond: number; readonly servedRequestsPerSecond: number };
}

export interface TtftParts {
  readonly requestOverheadSeconds: number;
  /** Wait in the engine's queue, the overlap scheduler's part excluded. */
  readonly queueSeconds: number;
  /** Wait for the step the overlap scheduler had already built when the request arrived. */
  readonly overlapWaitSeconds: number;
  readonly prefillSeconds: number;
}

/**
 * Mean queue wait (arrival to first scheduled step, less the overlap scheduler's part), the
 * overlap scheduler's part, and prompt time (to the first token) of a run.
 */
function ttftSplit(r: SimulationResult): { queue: number; overlap: number; prefill: number } {
  let queue = 0;
  let overlap = 0;
  let prefill = 0;
  let n = 0;
  for (let i = 0; i < r.requests; i++) {
    const start = r.startSeconds[i] ?? -1;
    if (start < 0) continue;
    const lag = r.overlapWaitSeconds[i] ?? 0;
    queue += start - (r.arrivalSeconds[i] ?? 0) - lag;
    overlap += lag;
    prefill += (r.firstTokenSeconds[i] ?? 0) - start;
    n++;
  }
  return n > 0
    ? { queue: queue / n, overlap: overlap / n, prefill: prefill / n }
    : { queue: 0, overlap: 0, prefill: 0 };
}

export function latencyStats(values: Float64Array): LatencyStats {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    mean: sorted.length > 0 ? sum / sorted.length : 0,
    p50: percentile(sorted, 0.5) ?? 0,
    p90: percentile(sorted, 0.9) ?? 0,
    p99: percentile(sorted, 0.99) ?? 0,
  };
}

/**
 * A pool's scenario: its own tp and dp (disaggregation), and its own ep and attention DP where
 * the pool sets them; everything else shared.
 */
function poolScenario(ns: NormalizedScenario, pool: Disaggregation['prefill']): NormalizedScenario {
  const { tp, dp } = pool;
  const ep = pool.ep ?? ns.ep;
  const attentionDp = pool.attentionDp ?? ns.attentionDp;
  const attnTp = attentionDp ? 1 : tp;
  return {
    ...ns,
    tp,
    dp,
    ep,
    attentionDp,
    attnTp,
    attnDp: tp / attnTp,
    moeTp: tp / ep,
    redundantExperts: pool.redundantExperts ?? ns.redundantExperts,
    gpus: tp * dp * ns.pp,
  };
}

/** Per-request prompt and output lengths of one replica's requests. */
export interface RequestLengths {
  readonly input: Float64Array;
  readonly output: Float64Array;
}

/**
 * The lengths of `requests` requests, drawn from the workload's distributions with its seed
 * (fixed at inputTokens / outputTokens where no distribution is set).
 */
export function requestLengths(ns: NormalizedScenario, requests: number): RequestLengths {
  const w = ns.workload;
  const input =
    w.inputLengths === undefined
      ? new Float64Array(requests).fill(w.inputTokens)
      : drawLengths(w.inputLengths, requests, seededRandom(w.seed + 0x5eed1));
  const output =
    w.outputLengths === undefined
      ? new Float64Array(requests).fill(w.outputTokens)
      : drawLengths(w.outputLengths, requests, seededRandom(w.seed + 0x5eed2));
  return { input, output };
}

function maxOf(a: Float64Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

function meanOf(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length > 0 ? s / a.length : 0;
}

function runPool(
  ns: NormalizedScenario,
  requests: number,
  arrivals: Float64Array | undefined,
  clients: number,
  lengths: RequestLengths,
  prefilled: boolean,
  stop?: (st: SimState) => boolean,
): Result<PoolRun> {
  const budget = kvBudget(
    ns,
    ns.engine.maxBatchedTokens,
    Math.min(instanceMaxSequences(ns.engine, ns.attnDp), requests),
  );
  if (budget.weightsBytes + budget.reservedBytes > ns.hardware.memory.capacityBytes)
    return fail(
      memoryMessages.weightsDoNotFit(budget.weightsBytes, ns.hardware.memory.capacityBytes, ns.gpus),
    );
  const inputTokens = Math.round(meanOf(lengths.input));
  const outputTokens = Math.round(meanOf(lengths.output));
  const capacity = kvCapacityTokens(ns, budget, inputTokens + outputTokens);
  // A reserving engine holds a request's output cap from admission (workload.maxOutputTokens).
  const reserved = ns.engine.kvPolicy === 'reserve' ? (ns.workload.maxOutputTokens ?? 0) : 0;
  const need =
    maxOf(lengths.input) + Math.max(maxOf(lengths.output), reserved) + (ns.serving.speculative?.tokens ?? 0);
  if (capacity < need + ns.engine.kvPageTokens) return fail(memoryMessages.kvCacheTooSmall(capacity, need));
  const coster = new StepCoster(ns);
  const result = simulate(ns, coster, {
    requests,
    arrivals,
    clients,
    inputTokens,
    outputTokens,
    inputLengths: lengths.input,
    outputLengths: lengths.output,
    prefilled,
    kvCapacityTokens: capacity,
    clientGapSeconds: clients > 0 ? ns.efficiency.requestOverheadSeconds : 0,
    stop,
  });
  if (!result.feasible) return fail(memoryMessages.kvCacheTooSmall(capacity, need));
  return ok({ ns, budget, kvCapacityTokens: capacity, result });
}

function arrivalsFor(
  ns: NormalizedScenario,
  replicas: number,
): { requests: number; arrivals: Float64Array | undefined; clients: number } {
  const w = ns.workload;
  const requests = Math.max(1, Math.ceil(w.requests / replicas));
  switch (w.kind) {
    case 'requestRate':
      return { requests, arrivals: poissonArrivals(requests, w.requestRate / replicas, w.seed), clients: 0 };
    case 'concurrency':
      return { requests, arrivals: undefined, clients: Math.max(1, Math.ceil(w.concurrency / replicas)) };
    case 'maxThroughput':
    case 'batch':
      return { requests, arrivals: new Float64Array(requests), clients: 0 };
  }
}

/** The pools' runs and per-request TTFT and end-to-end latency (s) of the requests served. */
interface PoolRuns {
  readonly main: PoolRun;
  readonly prefillPool: PoolRun | undefined;
  readonly kvTransferSeconds: number;
  readonly replicas: number;
  readonly ttft: Float64Array;
  readonly e2e: Float64Array;
  /** Output tokens of each request served. */
  readonly outputs: Float64Array;
  readonly inputs: Float64Array;
}

/** Steps between two counts of `ttftOverLimit`. */
const TTFT_CHECK_STEPS = 64;

/**
 * A stop condition (simulationInput.stop) that ends a run of n requests once its p90 TTFT, as
 * simulateServing reports it, is surely above `seconds`: a request's TTFT is its first token
 * minus its arrival or, while it has none, at least the clock minus its arrival (the clock only
 * moves forward); the report adds a non-negative per-request overhead, and p90 interpolates
 * between the sorted values at floor and ceil of 0.9·(n − 1), so once n − floor(0.9·(n − 1))
 * requests exceed the limit, the p90 does. `stopped()` says whether it fired.
 */
function ttftOverLimit(
  n: number,
  seconds: number,
): { stop: (st: SimState) => boolean; stopped: () => boolean } {
  const need = n - Math.floor((n - 1) * 0.9);
  // A margin far above rounding: the reported TTFT is a difference and a sum of these times.
  const limit = seconds * (1 + 1e-9) + 1e-12;
  let steps = 0;
  let above = false;
  const stop = (st: SimState): boolean => {
    if (++steps % TTFT_CHECK_STEPS !== 0) return false;
    const clock = st.now - limit;
    let over = 0;
    for (let i = 0; i < st.n; i++) {
      const first = st.first[i] ?? -1;
      const arrival = st.arrival[i] ?? 0;
      if (first >= 0 ? first - arrival > limit : arrival < clock) over++;
    }
    above = over >= need;
    return above;
  };
  return { stop, stopped: () => above };
}

function runColocated(ns: NormalizedScenario, ttftLimitSeconds?: number): Result<PoolRuns> {
  const replicas = ns.dp;
  const a = arrivalsFor(ns, replicas);
  const lengths = requestLengths(ns, a.requests);
  // Only an open loop (Poisson arrivals): a closed loop's arrivals depend on the run.
  const limit =
    ttftLimitSeconds !== undefined && ns.workload.kind === 'requestRate'
      ? ttftOverLimit(a.requests, ttftLimitSeconds)
      : undefined;
  const run = runPool(ns, a.requests, a.arrivals, a.clients, lengths, false, limit?.stop);
  if (limit?.stopped() === true) return fail(servingMessages.ttftOverLimit(ttftLimitSeconds ?? 0));
  if (!run.ok) return run;
  const main = run.value;
  const r = main.result;
  const ttft = new Float64Array(r.requests);
  const e2e = new Float64Array(r.requests);
  for (let i = 0; i < r.requests; i++) {
    ttft[i] = (r.firstTokenSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
    e2e[i] = (r.finishSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
  }
  return ok({
    main,
    prefillPool: undefined,
    kvTransferSeconds: 0,
    replicas,
    ttft,
    e2e,
    outputs: lengths.output,
    inputs: lengths.input,
  });
}

/** Seconds the KV of one prompt takes from the prefill pool to the decode pool, or a failure. */
function kvTransfer(
  ns: NormalizedScenario,
  pns: NormalizedScenario,
  d: Disaggregation,
  promptTokens: number,
): Result<number> {
  // KV of one (mean) prompt, per prefill device, over the link between the pools.
  const bytes = kvBytesPerSequence(pns, promptTokens);
  const hw = ns.hardware;
  const link =
    d.kvTransferLink === 'scale-up'
      ? hw.scaleUp?.bandwidthBytesPerSecond
      : hw.scaleOut?.bandwidthBytesPerSecond;
  if (link === undefined)
    return fail(scenarioMessages.needsScaleOut('The KV transfer between the prefill and decode pools', 2, 1));
  const latency =
    d.kvTransferLink === 'scale-up'
      ? ns.efficiency.collectiveLatencySeconds
      : ns.efficiency.scaleOutLatencySeconds;
  return ok(latency + bytes / (link * ns.efficiency.collectiveBandwidthFraction));
}

/**
 * The decode pool's arrivals: the prefill replicas' identical streams merged and dealt to decode
 * replicas in turn; `source` is the prefill request each decode request came from.
 */
function decodeArrivals(
  pr: SimulationResult,
  d: Disaggregation,
  requests: number,
  kvTransferSeconds: number,
): { arrivals: Float64Array; source: Int32Array } {
  const order: number[] = [];
  for (let i = 0; i < pr.requests; i++) for (let j = 0; j < d.prefill.dp; j++) order.push(i);
  order.sort((x, y) => (pr.firstTokenSeconds[x] ?? 0) - (pr.firstTokenSeconds[y] ?? 0));
  const decodeRequests = Math.max(1, Math.ceil(requests / d.decode.dp));
  const arrivals = new Float64Array(decodeRequests);
  const source = new Int32Array(decodeRequests);
  for (let i = 0; i < decodeRequests; i++) {
    const k = order[Math.min(order.length - 1, i * d.decode.dp)] ?? 0;
    source[i] = k;
    arrivals[i] = (pr.firstTokenSeconds[k] ?? 0) + kvTransferSeconds;
  }
  return { arrivals, source };
}

function pick(a: Float64Array, source: Int32Array): Float64Array {
  const out = new Float64Array(source.length);
  for (let i = 0; i < source.length; i++) out[i] = a[source[i] ?? 0] ?? 0;
  return out;
}

function runDisaggregated(ns: NormalizedScenario, d: Disaggregation): Result<PoolRuns> {
  const w = ns.workload;
  if (w.kind === 'concurrency') return runDisaggregatedClosedLoop(ns, d);
  const pns = poolScenario(ns, d.prefill);
  const dns = poolScenario(ns, d.decode);
  const a = arrivalsFor(pns, d.prefill.dp);
  const lengths = requestLengths(ns, a.requests);
  const pre = runPool(
    pns,
    a.requests,
    a.arrivals,
    0,
    { input: lengths.input, output: new Float64Array(a.requests).fill(1) },
    false,
  );
  if (!pre.ok) return pre;
  const prefillPool = pre.value;
  const transfer = kvTransfer(ns, pns, d, meanOf(lengths.input));
  if (!transfer.ok) return transfer;
  const kvTransferSeconds = transfer.value;
  // Each decode request keeps the TTFT of the prefill request it came from.
  const pr = prefillPool.result;
  const { arrivals, source } = decodeArrivals(pr, d, w.requests, kvTransferSeconds);
  const decodeLengths = { input: pick(lengths.input, source), output: pick(lengths.output, source) };
  const run = runPool(dns, arrivals.length, arrivals, 0, decodeLengths, true);
  if (!run.ok) return run;
  const main = run.value;
  const r = main.result;
  const ttft = new Float64Array(r.requests);
  const e2e = new Float64Array(r.requests);
  for (let i = 0; i < r.requests; i++) {
    const k = source[i] ?? 0;
    const t = (pr.firstTokenSeconds[k] ?? 0) - (pr.arrivalSeconds[k] ?? 0);
    ttft[i] = t + kvTransferSeconds + decodeSlotWait(r, i);
    e2e[i] = t + kvTransferSeconds + (r.finishSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
  }
  return ok({
    main,
    prefillPool,
    kvTransferSeconds,
    replicas: d.decode.dp,
    ttft,
    e2e,
    outputs: decodeLengths.output,
    inputs: decodeLengths.input,
  });
}

/**
 * Seconds a request of the decode pool waited for its decode slot (arrival to the step that
 * first scheduled it). The decode worker streams every token, the first included: SGLang's PD
 * router returns the decode server's stream, and its prefill server runs a prompt only once the
 * decode side has reserved the request's KV (bootstrap and pre-allocation queues); Dynamo's
 * decode worker likewise holds the request from before its remote prefill. So the wait for a
 * decode slot comes before the first token reaches the client: it is TTFT, not TPOT
 * (docs/serving.md, disaggregated serving).
 */
function decodeSlotWait(r: SimulationResult, i: number): number {
  const start = r.startSeconds[i] ?? -1;
  const arrival = r.arrivalSeconds[i] ?? 0;
  return start >= arrival ? start - arrival : 0;
}

/** Bisection rounds that split a closed loop's clients between prefill-bound disaggregated pools. */
const DISAGGREGATED_SPLIT_ROUNDS = 8;

/** Evenly spaced arrivals at `rate` per second (a closed loop's steady stream of new requests). */
function evenArrivals(requests: number, rate: number): Float64Array {
  const out = new Float64Array(requests);
  for (let i = 0; i < requests; i++) out[i] = i / rate;
  return out;
}

/**
 * A closed loop of N clients over disaggregated pools. The pools are coupled only through the
 * request rate X: the decode pool runs as a closed loop of the clients not waiting on a prompt,
 * the prefill pool receives X evenly spaced, and by Little's law X·(prefill time + transfer) of
 * the N clients are in the prefill stage. One refinement of that split is enough for it to
 * settle (the decode pool is first given all N clients).
 */
function runDisaggregatedClosedLoop(ns: NormalizedScenario, d: Disaggregation): Result<PoolRuns> {
  const w = ns.workload;
  const pns = poolScenario(ns, d.prefill);
  const dns = poolScenario(ns, d.decode);
  const decodeRequests = Math.max(1, Math.ceil(w.requests / d.decode.dp));
  const prefillRequests = Math.max(1, Math.ceil(w.requests / d.prefill.dp));
  const lengths = requestLengths(ns, Math.max(decodeRequests, prefillRequests));
  const transfer = kvTransfer(ns, pns, d, meanOf(lengths.input));
  if (!transfer.ok) return transfer;
  const kvTransferSeconds = transfer.value;
  const round = (decodeClients: number): Result<{ decode: PoolRun; prefill: PoolRun; inPrefill: number }> => {
    const clients = Math.max(1, Math.ceil(decodeClients / d.decode.dp));
    const dl = {
      input: lengths.input.subarray(0, decodeRequests),
      output: lengths.output.subarray(0, decodeRequests),
    };
    const run = runPool(dns, decodeRequests, undefined, clients, dl, true);
    if (!run.ok) return run;
    const rate = (decodeRequests * d.decode.dp) / run.value.result.durationSeconds;
    const pl = {
      input: lengths.input.subarray(0, prefillRequests),
      output: new Float64Array(prefillRequests).fill(1),
    };
    const arrivals = evenArrivals(prefillRequests, rate / d.prefill.dp);
    const pre = runPool(pns, prefillRequests, arrivals, 0, pl, false);
    if (!pre.ok) return pre;
    const pr = pre.value.result;
    let sum = 0;
    for (let i = 0; i < pr.requests; i++) sum += (pr.firstTokenSeconds[i] ?? 0) - (pr.arrivalSeconds[i] ?? 0);
    const inPrefill = rate * (sum / Math.max(1, pr.requests) + kvTransferSeconds);
    return ok({ decode: run.value, prefill: pre.value, inPrefill });
  };
  const N = w.concurrency;
  const first = round(N);
  if (!first.ok) return first;
  let settled = round(Math.max(1, Math.round(N - Math.min(first.value.inPrefill, N - 1))));
  if (!settled.ok) return settled;
  // Where the decode pool serves clients faster than the prefill pool can take their prompts, the
  // refinement above overshoots (every client counted in prefill, one left decoding). The
  // clients then split where the decode pool's rate just meets the prefill pool: the most decode
  // clients n with n + (clients in prefill at n's rate) <= N, found by bisection over log n.
  if (first.value.inPrefill >= N - 1 && N > 2) {
    let lo = 1;
    let hi = N;
    let best = settled;
    for (let i = 0; i < DISAGGREGATED_SPLIT_ROUNDS && hi / lo > 1.05; i++) {
      const mid = Math.max(lo + 1, Math.min(hi - 1, Math.round(Math.sqrt(lo * hi))));
      if (mid <= lo || mid >= hi) break;
      const at = round(mid);
      if (!at.ok) return at;
      if (mid + at.value.inPrefill <= N) {
        lo = mid;
        best = at;
      } else hi = mid;
    }
    settled = best;
  }
  const { decode, prefill } = settled.value;
  const r = decode.result;
  const pr = prefill.result;
  const ttft = new Float64Array(r.requests);
  const e2e = new Float64Array(r.requests);
  for (let i = 0; i < r.requests; i++) {
    const k = i % pr.requests;
    const t = (pr.firstTokenSeconds[k] ?? 0) - (pr.arrivalSeconds[k] ?? 0);
    ttft[i] = t + kvTransferSeconds + decodeSlotWait(r, i);
    e2e[i] = t + kvTransferSeconds + (r.finishSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
  }
  return ok({
    main: decode,
    prefillPool: prefill,
    kvTransferSeconds,
    replicas: d.decode.dp,
    ttft,
    e2e,
    outputs: lengths.output.subarray(0, decodeRequests),
    inputs: lengths.input.subarray(0, decodeRequests),
  });
}

/**
 * An open-loop run whose arrivals outrun the deployment: the arrival rate above 1.05 × the rate
 * it serves. That rate is the arrival rate times completedShare (the completions that keep pace
 * with the arrivals); where the run is too short to tell, requests over the run without the drain
 * after the last arrival (the shortest request latency), which requests/duration would count.
 */
function overloadOf(
  ns: NormalizedScenario,
  r: SimulationResult,
  requests: number,
  duration: number,
): ServingTiming['overloaded'] {
  const w = ns.workload;
  if (w.kind !== 'requestRate' || duration <= 0) return undefined;
  const share = completedShare(r.arrivalSeconds, r.finishSeconds);
  const serving = duration - drainSeconds(r.arrivalSeconds, r.finishSeconds);
  const served =
    share !== undefined ? w.requestRate * share : serving > 0 ? requests / serving : requests / duration;
  return w.requestRate > served * 1.05
    ? { requestsPerSecond: w.requestRate, servedRequestsPerSecond: served }
    : undefined;
}

/**
 * Completions against arrivals, once the ramp (the batch filling, latencies growing) is over:
 * with d the median request latency, the requests completed in [t₀ + 2d, t_last] over those
 * that arrived in [t₀ + d, t_last − d]. About 1 when the deployment keeps up (mostly the same
 * requests, d later), its capacity over the arrival rate when it does not (completions then come
 * at the capacity). Undefined when that window is under a fifth of the arrivals' span (too short
 * a run to tell).
 */
export function completedShare(
  arrivalSeconds: Float64Array,
  finishSeconds: Float64Array,
): number | undefined {
  const n = arrivalSeconds.length;
  const first = arrivalSeconds[0] ?? 0;
  const last = arrivalSeconds[n - 1] ?? 0;
  const latencies = new Float64Array(n);
  for (let i = 0; i < n; i++) latencies[i] = (finishSeconds[i] ?? 0) - (arrivalSeconds[i] ?? 0);
  const d = percentile(latencies.sort(), 0.5) ?? 0;
  if (n < 2 || last - first - 2 * d <= 0.2 * (last - first)) return undefined;
  let arrived = 0;
  let completed = 0;
  for (let i = 0; i < n; i++) {
    const a = arrivalSeconds[i] ?? 0;
    if (a >= first + d && a <= last - d) arrived++;
    const f = finishSeconds[i] ?? 0;
    if (f >= first + 2 * d && f <= last) completed++;
  }
  return arrived > 0 ? completed / arrived : undefined;
}

/** Warnings and notes a serving run earns. */
function servingDiagnostics(
  ns: NormalizedScenario,
  r: SimulationResult,
  requests: number,
  replicas: number,
  overloaded: ServingTiming['overloaded'],
): Diagnostic[] {
  const w = ns.workload;
  const diagnostics: Diagnostic[] = [];
  if (r.preemptions > 0) diagnostics.push(servingMessages.preemptions(r.preemptions * replicas, requests));
  if (!ns.engine.chunkedPrefill && w.inputTokens > ns.engine.maxBatchedTokens)
    diagnostics.push(servingMessages.promptOverBudget(w.inputTokens, ns.engine.maxBatchedTokens));
  if (overloaded !== undefined)
    diagnostics.push(
      servingMessages.saturated(overloaded.requestsPerSecond, overloaded.servedRequestsPerSecond),
    );
  return diagnostics;
}

/**
 * The serving simulation. `ttftLimitSeconds` (colocated Poisson arrivals only; `require`'s
 * device listing): a run whose p90 TTFT is surely above it stops early and fails with
 * serving.ttft-over-limit instead of a timing; any run that does not stop is the same as without it.
 */
export function simulateServing(ns: NormalizedScenario, ttftLimitSeconds?: number): Result<ServingTiming> {
  const w = ns.workload;
  const d = ns.serving.disaggregation;
  const runs = d === undefined ? runColocated(ns, ttftLimitSeconds) : runDisaggregated(ns, d);
  if (!runs.ok) return runs;
  const { main, prefillPool, kvTransferSeconds, replicas, ttft, e2e, outputs, inputs } = runs.value;
  // Online requests pass the API server, tokenization and detokenization outside the step loop
  // (in a closed loop the client's next request also waits for it: SimulationInput.clientGapSeconds).
  const perRequest = w.kind === 'maxThroughput' ? 0 : ns.efficiency.requestOverheadSeconds;
  if (perRequest > 0)
    for (let i = 0; i < e2e.length; i++) {
      ttft[i] = (ttft[i] ?? 0) + perRequest;
      e2e[i] = (e2e[i] ?? 0) + perRequest;
    }
  const r = main.result;
  const tpot = new Float64Array(e2e.length);
  let outputSum = 0;
  let inputSum = 0;
  for (let i = 0; i < e2e.length; i++) {
    const o = outputs[i] ?? w.outputTokens;
    outputSum += o;
    inputSum += inputs[i] ?? w.inputTokens;
    tpot[i] = o > 1 ? ((e2e[i] ?? 0) - (ttft[i] ?? 0)) / (o - 1) : 0;
  }
  const requests = r.requests * replicas;
  const split = ttftSplit(prefillPool?.result ?? r);
  // Disaggregated: the queue part also holds the wait for a decode slot (decodeSlotWait).
  if (d !== undefined && r.requests > 0) {
    let wait = 0;
    for (let i = 0; i < r.requests; i++) wait += decodeSlotWait(r, i);
    split.queue += wait / r.requests;
  }
  const duration =
    d === undefined
      ? r.durationSeconds
      : Math.max(r.durationSeconds, prefillPool?.result.durationSeconds ?? 0);
  const overloaded = overloadOf(ns, r, requests, duration);
  return ok(
    {
      requests,
      durationSeconds: duration,
      ttftSeconds: latencyStats(ttft),
      tpotSeconds: latencyStats(tpot),
      e2eSeconds: latencyStats(e2e),
      outputTokensPerSecond: (outputSum * replicas) / duration,
      inputTokensPerSecond: (inputSum * replicas) / duration,
      requestsPerSecond: requests / duration,
      meanBatch: r.meanBatch * replicas,
      maxBatch: r.maxBatch * replicas,
      preemptions: r.preemptions * replicas,
      steps: r.steps,
      main,
      prefillPool,
      kvTransferSeconds,
      ttftParts: {
        requestOverheadSeconds: perRequest,
        queueSeconds: split.queue,
        overlapWaitSeconds: split.overlap,
        prefillSeconds: split.prefill,
      },
      decodeStallShare: Math.min(1, r.decodeStallSeconds / Math.max(r.durationSeconds, 1e-12)),
      ...(overloaded !== undefined ? { overloaded } : {}),
    },
    servingDiagnostics(ns, r, requests, replicas, overloaded),
  );
}

/**
 * Seconds a replica's run spends draining after the arrivals stop, at the least: the shortest
 * request latency (arrival to completion), which the last request needs even without a queue.
 */
export function drainSeconds(arrivalSeconds: Float64Array, finishSeconds: Float64Array): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < arrivalSeconds.length; i++)
    shortest = Math.min(shortest, (finishSeconds[i] ?? 0) - (arrivalSeconds[i] ?? 0));
  return Number.isFinite(shortest) ? Math.max(0, shortest) : 0;
}
