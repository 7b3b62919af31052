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
import { causalPairs } from '../graph/build.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { StepCoster, StepLoad } from './step-cost.js';
import { emptyLoad } from './step-cost.js';

export interface SimulationInput {
  readonly requests: number;
  /** Arrival times, s (open loop), sorted; undefined for a closed loop. */
  readonly arrivals: Float64Array | undefined;
  /** Closed loop: clients, each sending its next request when the last one ends. */
  readonly clients: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Requests arrive with their prompt already in the KV cache (the decode pool of a disaggregated deployment). */
  readonly prefilled: boolean;
  readonly kvCapacityTokens: number;
}

export interface SimulationResult {
  readonly requests: number;
  /** First arrival to last completion, s. */
  readonly durationSeconds: number;
  /** Per request, s: arrival, first token, completion. */
  readonly arrivalSeconds: Float64Array;
  readonly firstTokenSeconds: Float64Array;
  readonly finishSeconds: Float64Array;
  readonly steps: number;
  /** Time-weighted mean of running sequences. */
  readonly meanBatch: number;
  readonly maxBatch: number;
  readonly preemptions: number;
  /** Device-busy time split by token kind (a mixed step is split by its token shares), s. */
  readonly prefillSeconds: number;
  readonly decodeSeconds: number;
  readonly busySeconds: number;
  /** False when a request could never be scheduled (the KV cache cannot hold one). */
  readonly feasible: boolean;
}

/** Expected tokens a verify step yields with k proposals at acceptance rate a. */
export function expectedAcceptedTokens(k: number, a: number): number {
  if (k <= 0) return 1;
  if (a >= 1) return k + 1;
  return (1 - Math.pow(a, k + 1)) / (1 - a);
}

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

export function simulate(
  ns: NormalizedScenario,
  coster: StepCoster,
  input: SimulationInput,
): SimulationResult {
  const n = input.requests;
  const eng = ns.engine;
  const page = eng.kvPageTokens;
  const S = input.inputTokens;
  const O = input.outputTokens;
  // Without chunked prefill a prompt must fit one step: an engine built for prompts longer than
  // its default budget (trtllm-bench sizes max_num_tokens from the dataset) gets room for one
  // prompt plus the default budget of decode tokens.
  const promptTokens = input.prefilled ? 0 : S;
  const budgetMax =
    !eng.chunkedPrefill && promptTokens > eng.maxBatchedTokens
      ? promptTokens + eng.maxBatchedTokens
      : eng.maxBatchedTokens;
  const maxSeqs = Math.min(eng.maxSequences, n);
  const spec = ns.serving.speculative;
  const k = spec?.tokens ?? 0;
  const perStep = expectedAcceptedTokens(k, spec?.acceptanceRate ?? 0);
  const reserve = eng.kvPolicy === 'reserve';
  const chunked = eng.chunkedPrefill;
  const window = coster.window;

  // Prefix caching: the shared prefix is held once; each request computes the rest.
  const prefix = input.prefilled ? 0 : Math.min(S - 1, Math.round(S * ns.serving.prefixCacheHitRate));
  const prefixBlocks = Math.ceil(prefix / page);
  const capacityBlocks = Math.floor(input.kvCapacityTokens / page) - prefixBlocks;
  const ownTotal = S - prefix + O + k;
  const blocksFor = (tokens: number) => Math.ceil(tokens / page);

  const arrival = new Float64Array(n);
  const first = new Float64Array(n).fill(-1);
  const finish = new Float64Array(n);
  /** Prompt tokens still to compute (own prompt, or prompt + generated after a preemption). */
  const toPrefill = new Float64Array(n);
  const prefilledNow = new Float64Array(n);
  const generated = new Float64Array(n);
  const blocks = new Int32Array(n);
  const sched = new Float64Array(n);

  let issued: number;
  if (input.arrivals !== undefined) {
    arrival.set(input.arrivals.subarray(0, n));
    issued = n;
  } else {
    issued = Math.min(input.clients, n);
  }
  for (let i = 0; i < n; i++) {
    if (input.prefilled) {
      toPrefill[i] = 0;
      generated[i] = 1;
    } else toPrefill[i] = S - prefix;
  }

  const running = new Int32Array(n);
  let nRun = 0;
  const preempted: number[] = [];
  let queueHead = 0; // arrival order: requests [queueHead, arrived) are waiting
  let arrived = 0;
  let freeBlocks = capacityBlocks;
  let reservedBlocks = 0;
  let done = 0;
  let now = 0;
  let steps = 0;
  let preemptions = 0;
  let batchTime = 0;
  let maxBatch = 0;
  let prefillSeconds = 0;
  let decodeSeconds = 0;
  let busy = 0;
  let feasible = true;
  const load: StepLoad = emptyLoad();
  const start = issued > 0 ? (input.arrivals?.[0] ?? 0) : 0;

  const preempt = (victim: number) => {
    freeBlocks += blocks[victim] ?? 0;
    blocks[victim] = 0;
    toPrefill[victim] = S - prefix + Math.max(0, (generated[victim] ?? 0) - (input.prefilled ? 1 : 0));
    prefilledNow[victim] = 0;
    preempted.push(victim);
    preemptions++;
  };

  /** The load of the decode step `j` steps after the current one (contexts grown by j·perStep). */
  const stretchLoad = (j: number): StepLoad => {
    const l = { ...load };
    l.decodeContext = load.decodeContext + j * perStep * load.decodeSequences;
    if (Number.isFinite(window)) {
      let wsum = 0;
      for (let i = 0; i < nRun; i++) {
        const ctx = S + (generated[running[i] ?? 0] ?? 0) + j * perStep;
        wsum += ctx < window ? ctx : window;
      }
      l.decodeContextWindowed = wsum;
    }
    return l;
  };

  /** Steps (>= 1) that can run as one stretch from the current pure-decode step. */
  const decodeStretch = (): number => {
    if (load.decodeSequences !== nRun) return 1;
    let kmax = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < nRun; i++) {
      const r = running[i] ?? 0;
      const left = Math.ceil((O - (generated[r] ?? 0)) / perStep);
      if (left - 1 < kmax) kmax = left - 1;
    }
    if (kmax <= 1) return 1;
    const waiting = preempted.length + (arrived - queueHead);
    // An idle queue may receive an arrival: stop before it.
    if (waiting === 0 && arrived < issued) {
      const next = arrival[arrived] ?? now;
      const f0 = coster.stepSeconds(load);
      let lo = 1;
      let hi = kmax;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        const t = (mid * (f0 + coster.stepSeconds(stretchLoad(mid - 1)))) / 2;
        if (now + t <= next) lo = mid;
        else hi = mid - 1;
      }
      kmax = lo;
    }
    if (!reserve && kmax > 1) {
      const fits = (steps: number): boolean => {
        let need = 0;
        for (let i = 0; i < nRun; i++) {
          const r = running[i] ?? 0;
          const held = S - prefix + (generated[r] ?? 0) + (steps - 1) * perStep + 1 + k;
          need += blocksFor(held) - (blocks[r] ?? 0);
        }
        return need <= freeBlocks;
      };
      let lo = 1;
      let hi = kmax;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(mid)) lo = mid;
        else hi = mid - 1;
      }
      kmax = lo;
    }
    return kmax;
  };

  while (done < n) {
    while (arrived < issued && (arrival[arrived] ?? 0) <= now) arrived++;
    const waiting = preempted.length + (arrived - queueHead);
    if (nRun === 0 && waiting === 0) {
      if (arrived < issued) {
        now = arrival[arrived] ?? now;
        continue;
      }
      break;
    }
    let budget = budgetMax;
    load.decodeSequences = 0;
    load.decodeContext = 0;
    load.decodeContextWindowed = 0;
    load.prefillTokens = 0;
    load.prefillSequences = 0;
    load.prefillPairs = 0;
    load.prefillPairsWindowed = 0;
    load.prefillPriorContext = 0;
    load.emitting = 0;
    let anyPreempted = false;

    const schedulePrefill = (r: number, chunk: number) => {
      const prior = prefix + (prefilledNow[r] ?? 0);
      sched[r] = chunk;
      budget -= chunk;
      load.prefillTokens += chunk;
      load.prefillSequences += 1;
      load.prefillPairs += causalPairs(prior, chunk, Number.POSITIVE_INFINITY);
      if (Number.isFinite(window)) load.prefillPairsWindowed += causalPairs(prior, chunk, window);
      load.prefillPriorContext += prior;
      if ((prefilledNow[r] ?? 0) + chunk >= (toPrefill[r] ?? 0)) load.emitting += 1;
    };

    // 1. Running requests, in admission order.
    for (let j = 0; j < nRun; j++) {
      const r = running[j] ?? 0;
      sched[r] = 0;
      const remaining = (toPrefill[r] ?? 0) - (prefilledNow[r] ?? 0);
      let tokens: number;
      if (remaining > 0) {
        tokens = chunked ? Math.min(remaining, budget) : remaining <= budget ? remaining : 0;
      } else tokens = budget >= 1 + k ? 1 + k : 0;
      if (tokens <= 0) continue;
      if (!reserve) {
        const held = S - prefix - (toPrefill[r] ?? 0) + (prefilledNow[r] ?? 0) + (generated[r] ?? 0);
        const extra = blocksFor(held + tokens) - (blocks[r] ?? 0);
        let ok = true;
        while (freeBlocks < extra) {
          const victim = running[nRun - 1] ?? 0;
          nRun--;
          anyPreempted = true;
          preempt(victim);
          if (victim === r) {
            ok = false;
            break;
          }
        }
        if (!ok) break;
        blocks[r] = (blocks[r] ?? 0) + extra;
        freeBlocks -= extra;
      }
      if (remaining > 0) schedulePrefill(r, tokens);
      else {
        sched[r] = tokens;
        budget -= tokens;
        load.decodeSequences += 1;
        const ctx = S + (generated[r] ?? 0);
        load.decodeContext += ctx;
        if (Number.isFinite(window)) load.decodeContextWindowed += ctx < window ? ctx : window;
        load.emitting += 1;
      }
    }

    // 2. Admit waiting requests (not in a step that preempted, as vLLM).
    if (!anyPreempted) {
      while (nRun < maxSeqs && budget > 0) {
        let r: number;
        const fromPreempted = preempted.length > 0;
        if (fromPreempted) r = preempted[preempted.length - 1] ?? 0;
        else if (queueHead < arrived) r = queueHead;
        else break;
        const remaining = toPrefill[r] ?? 0;
        const scheduledTokens = budgetMax - budget;
        const tokens =
          remaining <= 0
            ? Math.min(budget, 1 + k)
            : chunked
              ? Math.min(remaining, budget)
              : remaining <= budget || scheduledTokens === 0
                ? remaining
                : 0;
        if (tokens <= 0) break;
        const heldAfter = S - prefix - remaining + tokens + (generated[r] ?? 0);
        if (reserve) {
          const need = blocksFor(ownTotal);
          if (reservedBlocks + need > capacityBlocks) break;
          reservedBlocks += need;
          blocks[r] = need;
        } else {
          const need = blocksFor(heldAfter);
          if (need > freeBlocks) break;
          freeBlocks -= need;
          blocks[r] = need;
        }
        if (fromPreempted) preempted.pop();
        else queueHead++;
        running[nRun++] = r;
        prefilledNow[r] = 0;
        if (remaining > 0) {
          // The budget the oversize prompt takes is its own (chunking off).
          schedulePrefill(r, tokens);
          if (budget < 0) budget = 0;
        } else {
          sched[r] = tokens;
          budget -= tokens;
          load.decodeSequences += 1;
          const ctx = S + (generated[r] ?? 0);
          load.decodeContext += ctx;
          if (Number.isFinite(window)) load.decodeContextWindowed += ctx < window ? ctx : window;
          load.emitting += 1;
        }
      }
    }

    if (load.prefillTokens === 0 && load.decodeSequences === 0) {
      // A step that only preempted runs again; otherwise nothing can ever run (the cache
      // cannot hold the next request even when empty).
      if (anyPreempted && preemptions < 100 * n) continue;
      feasible = false;
      break;
    }

    // A run of pure decode steps in which nothing can change (no request finishes, nothing can
    // be admitted, no arrival, the cache does not run out) is summed at once: step times are
    // linear in the context between kinks, so the trapezoid rule is exact on each piece.
    const stretch = load.prefillTokens === 0 && !anyPreempted ? decodeStretch() : 1;
    const f0 = coster.stepSeconds(load);
    const dt = stretch > 1 ? (stretch * (f0 + coster.stepSeconds(stretchLoad(stretch - 1)))) / 2 : f0;
    now += dt;
    steps += stretch;
    busy += dt;
    const tokens = load.prefillTokens + load.decodeSequences * (1 + k);
    const prefillShare = tokens > 0 ? load.prefillTokens / tokens : 0;
    prefillSeconds += dt * prefillShare;
    decodeSeconds += dt * (1 - prefillShare);
    batchTime += nRun * dt;
    if (nRun > maxBatch) maxBatch = nRun;
    if (stretch > 1) {
      for (let j = 0; j < nRun; j++) {
        const r = running[j] ?? 0;
        generated[r] = (generated[r] ?? 0) + (stretch - 1) * perStep;
        if (!reserve) {
          const held = S - prefix + (generated[r] ?? 0) + 1 + k;
          const extra = blocksFor(held) - (blocks[r] ?? 0);
          if (extra > 0) {
            blocks[r] = (blocks[r] ?? 0) + extra;
            freeBlocks -= extra;
          }
        }
      }
    }

    // 3. Apply the step.
    let w = 0;
    for (let j = 0; j < nRun; j++) {
      const r = running[j] ?? 0;
      const s = sched[r] ?? 0;
      let finished = false;
      if (s > 0) {
        const remaining = (toPrefill[r] ?? 0) - (prefilledNow[r] ?? 0);
        if (remaining > 0) {
          prefilledNow[r] = (prefilledNow[r] ?? 0) + s;
          if (s >= remaining) {
            toPrefill[r] = 0;
            prefilledNow[r] = 0;
            if ((first[r] ?? -1) < 0) first[r] = now;
            generated[r] = (generated[r] ?? 0) + 1;
          }
        } else generated[r] = (generated[r] ?? 0) + perStep;
        if ((generated[r] ?? 0) >= O && (toPrefill[r] ?? 0) === 0) finished = true;
      }
      if (finished) {
        finish[r] = now;
        if ((first[r] ?? -1) < 0) first[r] = now;
        if (reserve) reservedBlocks -= blocks[r] ?? 0;
        else freeBlocks += blocks[r] ?? 0;
        blocks[r] = 0;
        done++;
        if (input.arrivals === undefined && issued < n) {
          arrival[issued] = now;
          issued++;
        }
      } else running[w++] = r;
    }
    nRun = w;
  }

  let last = start;
  for (let i = 0; i < n; i++) if ((finish[i] ?? 0) > last) last = finish[i] ?? last;
  const duration = Math.max(last - start, 1e-12);
  return {
    requests: n,
    durationSeconds: duration,
    arrivalSeconds: arrival,
    firstTokenSeconds: first,
    finishSeconds: finish,
    steps,
    meanBatch: batchTime / Math.max(busy, 1e-12),
    maxBatch,
    preemptions,
    prefillSeconds,
    decodeSeconds,
    busySeconds: busy,
    feasible,
  };
}
