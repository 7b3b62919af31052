/**
 * The utilization ρ of an open-loop run (Poisson arrivals at a request rate): the arrival rate
 * over the rate the predicted deployment can serve. Near ρ = 1 a small error in the step cost
 * (the capacity) becomes a large latency error, so the band of such a run propagates the
 * capacity band through ρ (band.ts, `propagated`; docs/uncertainty.md).
 */
import type { NormalizedScenario } from '../scenario/normalize.js';
import { simulateStaticBatch } from '../serving/static-batch.js';
import { instanceMaxSequences } from '../serving/engines.js';

/** How near saturation an open-loop run is, as its band reads it (BandConditions). */
export interface OpenLoopLoad {
  /** ρ: the arrival rate over the predicted capacity. */
  readonly utilization: number;
  /**
   * φ: the share of a full decode step (at the batch limit) that grows with the batch,
   * 1 − t(1) / t(B). With a step cost t(b) = a + c·b, the decode batch at arrival rate λ is the
   * fixed point b = λ·L·t(b), and TPOT = a / (1 − φ·ρ): TPOT is amplified by φ·ρ, not ρ.
   */
  readonly batchShare: number;
}

/**
 * ρ and φ of an open-loop run, undefined for any other workload. ρ: where the simulation found the
 * arrivals outrunning the deployment (`overloaded`), the arrival rate over the rate it served;
 * otherwise the arrival rate over the capacity of full replicas: B sequences at once, B the
 * engine's sequence limit or the sequences whose input and output fit the KV cache, whichever is
 * smaller, served in the time of a static batch of B (its prefill and every decode step). Two
 * closed-form static batches (B, and 1 for φ), not a second simulation: 1–17% above the
 * capacity a max-throughput simulation finds on most MLPerf Server rows, up to 39% on some
 * (docs/uncertainty.md, Limits).
 *
 * `ns` is the scenario of the colocated run, or of the decode pool when disaggregated; its
 * per-replica KV capacity in tokens comes from the simulation.
 */
export function openLoopLoad(
  ns: NormalizedScenario,
  kvCapacityTokens: number,
  overloaded?: { readonly requestsPerSecond: number; readonly servedRequestsPerSecond: number },
): OpenLoopLoad | undefined {
  const w = ns.workload;
  if (w.kind !== 'requestRate' || !(w.requestRate > 0)) return undefined;
  const context = w.inputTokens + w.outputTokens;
  const full = Math.max(
    1,
    Math.min(instanceMaxSequences(ns.engine, ns.attnDp), Math.floor(kvCapacityTokens / Math.max(1, context))),
  );
  const replicas = Math.max(1, ns.dp);
  const atFull = simulateStaticBatch({ ...ns, workload: { ...w, kind: 'batch', batch: full * replicas } });
  const alone = simulateStaticBatch({ ...ns, workload: { ...w, kind: 'batch', batch: replicas } });
  const step = (t: { decodeSeconds: number; decodeSteps: number }) =>
    t.decodeSteps > 0 ? t.decodeSeconds / t.decodeSteps : 0;
  const fullStep = step(atFull);
  const batchShare = fullStep > 0 ? Math.min(1, Math.max(0, 1 - step(alone) / fullStep)) : 0;
  const utilization =
    overloaded !== undefined && overloaded.servedRequestsPerSecond > 0
      ? overloaded.requestsPerSecond / overloaded.servedRequestsPerSecond
      : (w.requestRate * atFull.e2eSeconds) / (full * replicas);
  return Number.isFinite(utilization) && utilization > 0 ? { utilization, batchShare } : undefined;
}
