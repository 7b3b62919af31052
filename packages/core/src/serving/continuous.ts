/**
 * Continuous batching as vLLM, TensorRT-LLM and SGLang run it: a request-level discrete-event
 * simulation of engine steps on one replica (design.md §3, Serving).
 *
 * Each step the scheduler walks the running requests first (a decode token each, or the next
 * chunk of a prompt), then admits waiting requests in arrival order while the per-step token
 * budget, the sequence cap and the KV cache allow. KV is paged: a request holds
 * ceil(tokens / page) blocks. Two KV policies: 'preempt' (vLLM, SGLang) allocates as tokens
 * arrive and, when the cache runs out, evicts the most recently admitted request, which later
 * recomputes its prompt and the tokens it had generated; 'reserve' (TensorRT-LLM
 * GUARANTEED_NO_EVICT) admits a request only when blocks for its whole length can be reserved.
 * A step's time comes from StepCoster in closed form; the clock jumps to the next arrival when
 * the replica is idle.
 *
 * Speculative decoding: each decode step verifies k proposals and accepts, in expectation,
 * (1 − α^(k+1)) / (1 − α) tokens (α the per-token acceptance rate, i.i.d.; Leviathan et al.
 * 2023). Prefix caching: a hit rate h means the first h·S prompt tokens are a cached prefix,
 * shared by all requests (held once) and skipped by prefill, though still attended to.
 */
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { StepCoster } from './step-cost.js';
import { accountStep, applyStep, simulationResult } from './simulator/accounting.js';
import { advanceArrivals, buildStep } from './simulator/admission.js';
import { SimState } from './simulator/state.js';
import { stepTime } from './simulator/step-time.js';

export interface SimulationInput {
  readonly requests: number;
  /** Arrival times, s (open loop), sorted; undefined for a closed loop. */
  readonly arrivals: Float64Array | undefined;
  /** Closed loop: clients, each sending its next request when the last one ends. */
  readonly clients: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Per-request prompt and output lengths (at least `requests` long); default: all inputTokens / outputTokens. */
  readonly inputLengths?: Float64Array | undefined;
  readonly outputLengths?: Float64Array | undefined;
  /** Requests arrive with their prompt already in the KV cache (the decode pool of a disaggregated deployment). */
  readonly prefilled: boolean;
  readonly kvCapacityTokens: number;
  /**
   * Closed loop: seconds from a request's completion in the engine to its client's next request
   * reaching the engine (the API server's per-request time, outside the step loop). Default 0.
   */
  readonly clientGapSeconds?: number | undefined;
  /** Ends the run early when it returns true (checked before each step; the result is then partial). */
  readonly stop?: ((st: SimState) => boolean) | undefined;
}

export interface SimulationResult {
  readonly requests: number;
  /** First arrival to last completion, s. */
  readonly durationSeconds: number;
  /** Per request, s: arrival, first token, completion. */
  readonly arrivalSeconds: Float64Array;
  readonly firstTokenSeconds: Float64Array;
  readonly finishSeconds: Float64Array;
  /** Per request, s: the start of the step that first scheduled it (its wait in the queue ends). */
  readonly startSeconds: Float64Array;
  /**
   * Per request, s: the part of its wait in the queue spent because the overlap scheduler had
   * already built the next step when it arrived (0 without an overlap scheduler).
   */
  readonly overlapWaitSeconds: Float64Array;
  readonly steps: number;
  /** Time-weighted mean of running sequences. */
  readonly meanBatch: number;
  readonly maxBatch: number;
  readonly preemptions: number;
  /** Device-busy time split by token kind (a mixed step is split by its token shares), s. */
  readonly prefillSeconds: number;
  readonly decodeSeconds: number;
  readonly busySeconds: number;
  /** Time of prompt-only steps (prefill-first) while other requests were decoding: their stall, s. */
  readonly decodeStallSeconds: number;
  /** False when a request could never be scheduled (the KV cache cannot hold one). */
  readonly feasible: boolean;
}

export { expectedAcceptedTokens } from './simulator/speculative.js';

/** mulberry32: a small, fast, seedable PRNG (deterministic runs for a given seed). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson arrivals: exponential gaps at `rate` per second. */
export function poissonArrivals(requests: number, rate: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const out = new Float64Array(requests);
  let t = 0;
  for (let i = 0; i < requests; i++) {
    out[i] = t;
    t += -Math.log(1 - rand()) / rate;
  }
  return out;
}

/**
 * Simulates one replica: each step admits arrivals, schedules the running requests and admits
 * waiting ones (simulator/scheduling.ts, simulator/admission.ts), costs the step
 * (simulator/step-time.ts) and applies it (simulator/accounting.ts). The clock jumps to the next
 * arrival when the replica is idle.
 */
export function simulate(
  ns: NormalizedScenario,
  coster: StepCoster,
  input: SimulationInput,
): SimulationResult {
  const st = new SimState(ns, coster, input);
  const stop = input.stop;
  while (st.done < st.n) {
    if (stop !== undefined && stop(st)) break;
    advanceArrivals(st);
    if (st.nRun === 0 && st.waiting() === 0) {
      if (st.arrived < st.issued) {
        st.now = Math.max(st.now, st.arrival[st.arrived] ?? st.now);
        st.stepInFlight = false;
        continue;
      }
      break;
    }
    buildStep(st);
    if (st.load.prefillTokens === 0 && st.load.decodeSequences === 0) {
      // A step that only preempted runs again; otherwise nothing can ever run (the cache
      // cannot hold the next request even when empty).
      if (st.anyPreempted && st.preemptions < 100 * st.n) continue;
      st.feasible = false;
      break;
    }
    accountStep(st, stepTime(st));
    applyStep(st);
  }
  return simulationResult(st);
}
