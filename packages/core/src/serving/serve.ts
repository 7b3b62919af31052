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
import { poissonArrivals, simulate } from './continuous.js';
import { StepCoster } from './step-cost.js';
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

/** A pool's scenario: its own tp and dp (disaggregation), everything else shared. */
function poolScenario(ns: NormalizedScenario, tp: number, dp: number): NormalizedScenario {
  const attnTp = ns.attentionDp ? 1 : tp;
  return { ...ns, tp, dp, attnTp, attnDp: tp / attnTp, moeTp: tp / ns.ep, gpus: tp * dp * ns.pp };
}

function runPool(
  ns: NormalizedScenario,
  requests: number,
  arrivals: Float64Array | undefined,
  clients: number,
  outputTokens: number,
  prefilled: boolean,
): Result<PoolRun> {
  const w = ns.workload;
  const budget = kvBudget(ns, ns.engine.maxBatchedTokens, Math.min(ns.engine.maxSequences, requests));
  if (budget.weightsBytes + budget.reservedBytes > ns.hardware.memory.capacityBytes)
    return fail(
      memoryMessages.weightsDoNotFit(budget.weightsBytes, ns.hardware.memory.capacityBytes, ns.gpus),
    );
  const capacity = kvCapacityTokens(ns, budget, w.inputTokens + outputTokens);
  const need = w.inputTokens + outputTokens + (ns.serving.speculative?.tokens ?? 0);
  if (capacity < need + ns.engine.kvPageTokens) return fail(memoryMessages.kvCacheTooSmall(capacity, need));
  const coster = new StepCoster(ns);
  const result = simulate(ns, coster, {
    requests,
    arrivals,
    clients,
    inputTokens: w.inputTokens,
    outputTokens,
    prefilled,
    kvCapacityTokens: capacity,
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
}

function runColocated(ns: NormalizedScenario): Result<PoolRuns> {
  const replicas = ns.dp;
  const a = arrivalsFor(ns, replicas);
  const run = runPool(ns, a.requests, a.arrivals, a.clients, ns.workload.outputTokens, false);
  if (!run.ok) return run;
  const main = run.value;
  const r = main.result;
  const ttft = new Float64Array(r.requests);
  const e2e = new Float64Array(r.requests);
  for (let i = 0; i < r.requests; i++) {
    ttft[i] = (r.firstTokenSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
    e2e[i] = (r.finishSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
  }
  return ok({ main, prefillPool: undefined, kvTransferSeconds: 0, replicas, ttft, e2e });
}

/** Seconds the KV of one prompt takes from the prefill pool to the decode pool, or a failure. */
function kvTransfer(ns: NormalizedScenario, pns: NormalizedScenario, d: Disaggregation): Result<number> {
  // KV of one prompt, per prefill device, over the link between the pools.
  const bytes = kvBytesPerSequence(pns, ns.workload.inputTokens);
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

function runDisaggregated(ns: NormalizedScenario, d: Disaggregation): Result<PoolRuns> {
  const w = ns.workload;
  if (w.kind === 'concurrency') return fail(servingMessages.disaggregatedClosedLoop());
  const pns = poolScenario(ns, d.prefill.tp, d.prefill.dp);
  const dns = poolScenario(ns, d.decode.tp, d.decode.dp);
  const a = arrivalsFor(pns, d.prefill.dp);
  const pre = runPool(pns, a.requests, a.arrivals, 0, 1, false);
  if (!pre.ok) return pre;
  const prefillPool = pre.value;
  const transfer = kvTransfer(ns, pns, d);
  if (!transfer.ok) return transfer;
  const kvTransferSeconds = transfer.value;
  // Each decode request keeps the TTFT of the prefill request it came from.
  const pr = prefillPool.result;
  const { arrivals, source } = decodeArrivals(pr, d, w.requests, kvTransferSeconds);
  const run = runPool(dns, arrivals.length, arrivals, 0, w.outputTokens, true);
  if (!run.ok) return run;
  const main = run.value;
  const r = main.result;
  const ttft = new Float64Array(r.requests);
  const e2e = new Float64Array(r.requests);
  for (let i = 0; i < r.requests; i++) {
    const k = source[i] ?? 0;
    const t = (pr.firstTokenSeconds[k] ?? 0) - (pr.arrivalSeconds[k] ?? 0);
    ttft[i] = t;
    e2e[i] = t + kvTransferSeconds + (r.finishSeconds[i] ?? 0) - (r.arrivalSeconds[i] ?? 0);
  }
  return ok({ main, prefillPool, kvTransferSeconds, replicas: d.decode.dp, ttft, e2e });
}

/** Warnings and notes a serving run earns. */
function servingDiagnostics(
  ns: NormalizedScenario,
  r: SimulationResult,
  requests: number,
  replicas: number,
  duration: number,
): Diagnostic[] {
  const w = ns.workload;
  const diagnostics: Diagnostic[] = [];
  if (r.preemptions > 0) diagnostics.push(servingMessages.preemptions(r.preemptions * replicas, requests));
  if (!ns.engine.chunkedPrefill && w.inputTokens > ns.engine.maxBatchedTokens)
    diagnostics.push(servingMessages.promptOverBudget(w.inputTokens, ns.engine.maxBatchedTokens));
  if (w.kind === 'requestRate') {
    // The service rate while requests arrive: the drain after the last arrival (the last
    // request's latency) is no part of it, so requests/duration would understate it.
    const serving = duration - drainSeconds(r.arrivalSeconds, r.finishSeconds);
    const served = serving > 0 ? requests / serving : requests / duration;
    if (w.requestRate > served * 1.05 && duration > 0)
      diagnostics.push(servingMessages.saturated(w.requestRate, served));
  }
  return diagnostics;
}

export function simulateServing(ns: NormalizedScenario): Result<ServingTiming> {
  const w = ns.workload;
  const d = ns.serving.disaggregation;
  const runs = d === undefined ? runColocated(ns) : runDisaggregated(ns, d);
  if (!runs.ok) return runs;
  const { main, prefillPool, kvTransferSeconds, replicas, ttft, e2e } = runs.value;
  // Online requests pass the API server, tokenization and detokenization outside the step loop.
  const perRequest = w.kind === 'maxThroughput' ? 0 : ns.efficiency.requestOverheadSeconds;
  if (perRequest > 0)
    for (let i = 0; i < e2e.length; i++) {
      ttft[i] = (ttft[i] ?? 0) + perRequest;
      e2e[i] = (e2e[i] ?? 0) + perRequest;
    }
  const r = main.result;
  const o = w.outputTokens;
  const tpot = new Float64Array(e2e.length);
  for (let i = 0; i < e2e.length; i++) tpot[i] = o > 1 ? ((e2e[i] ?? 0) - (ttft[i] ?? 0)) / (o - 1) : 0;
  const requests = r.requests * replicas;
  const duration =
    d === undefined
      ? r.durationSeconds
      : Math.max(r.durationSeconds, prefillPool?.result.durationSeconds ?? 0);
  return ok(
    {
      requests,
      durationSeconds: duration,
      ttftSeconds: latencyStats(ttft),
      tpotSeconds: latencyStats(tpot),
      e2eSeconds: latencyStats(e2e),
      outputTokensPerSecond: (requests * o) / duration,
      inputTokensPerSecond: (requests * w.inputTokens) / duration,
      requestsPerSecond: requests / duration,
      meanBatch: r.meanBatch * replicas,
      maxBatch: r.maxBatch * replicas,
      preemptions: r.preemptions * replicas,
      steps: r.steps,
      main,
      prefillPool,
      kvTransferSeconds,
    },
    servingDiagnostics(ns, r, requests, replicas, duration),
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
