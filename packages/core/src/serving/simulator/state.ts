/**
 * The state of one replica's continuous-batching simulation: the configuration read once from
 * the scenario, per-request arrays (allocated once, indexed by request), the queue and the
 * counters. The phases (admission, scheduling, step cost, accounting) read and update it; no
 * phase allocates per step.
 */
import type { NormalizedScenario } from '../../scenario/normalize.js';
import type { StepCoster, StepLoad } from '../step-cost.js';
import { emptyLoad } from '../step-cost.js';
import { instanceMaxSequences } from '../engines.js';
import type { SimulationInput } from '../continuous.js';
import { expectedAcceptedTokens } from './speculative.js';

export class SimState {
  // Configuration.
  readonly n: number;
  readonly page: number;
  /** Prompt and output tokens of each request. */
  readonly S: Float64Array;
  readonly O: Float64Array;
  readonly prefilled: boolean;
  readonly openLoop: boolean;
  /** Closed loop: seconds from a completion to the client's next request reaching the engine. */
  readonly clientGap: number;
  /** The step's token budget (room for one oversize prompt when chunking is off). */
  readonly budgetMax: number;
  readonly maxSeqs: number;
  /** Speculative proposals per decode step, and the tokens a decode step yields in expectation. */
  readonly k: number;
  readonly perStep: number;
  readonly reserve: boolean;
  /**
   * Reserve policy: the output tokens reserved for a request at admission, at least its own
   * (workload.maxOutputTokens: the engine cannot know where a request stops). 0: its own.
   */
  readonly reserveOutput: number;
  readonly chunked: boolean;
  /** Prompt chunks run in steps of their own while prompts wait (not mixed with decodes). */
  readonly prefillFirst: boolean;
  /**
   * The scheduler builds each step while the previous one runs (overlap scheduler, async
   * scheduling): a step admits only requests that arrived before the previous step began.
   */
  readonly overlap: boolean;
  readonly window: number;
  /** Cached shared prefix, tokens. */
  readonly prefix: number;
  readonly capacityBlocks: number;
  readonly coster: StepCoster;

  // Per request.
  readonly arrival: Float64Array;
  readonly first: Float64Array;
  readonly finish: Float64Array;
  /** Start of the step that first scheduled each request (-1 until then). */
  readonly started: Float64Array;
  /**
   * Overlap scheduler: the first step boundary at which each request had arrived but was not yet
   * visible to the scheduler (-1: never held back), and the wait that cost it, s.
   */
  readonly heldAt: Float64Array;
  readonly overlapWait: Float64Array;
  /** Prompt tokens still to compute (own prompt, or prompt + generated after a preemption). */
  readonly toPrefill: Float64Array;
  readonly prefilledNow: Float64Array;
  readonly generated: Float64Array;
  readonly blocks: Int32Array;
  /** Tokens scheduled for each request in the current step. */
  readonly sched: Float64Array;

  // Queue: running requests in admission order, preempted ones (a stack), and arrival order:
  // requests [queueHead, arrived) wait, [arrived, issued) are yet to arrive.
  readonly running: Int32Array;
  nRun = 0;
  readonly preempted: number[] = [];
  queueHead = 0;
  arrived = 0;
  issued: number;
  freeBlocks: number;
  reservedBlocks = 0;

  /** Start of the last step run, and whether a step ran last (no idle jump since). */
  lastStepStart = 0;
  stepInFlight = false;

  // The step being built.
  readonly load: StepLoad = emptyLoad();
  budget = 0;
  anyPreempted = false;
  /** Whether running decodes may join the step being built (false in a prefill-first prompt step). */
  decodesAllowed = true;
  /** Steps the built step stands for (a stretch of identical-shape decode steps, or 1). */
  stretch = 1;

  // Counters.
  done = 0;
  now = 0;
  steps = 0;
  preemptions = 0;
  batchTime = 0;
  maxBatch = 0;
  prefillSeconds = 0;
  decodeSeconds = 0;
  busy = 0;
  decodeStall = 0;
  feasible = true;
  readonly start: number;

  constructor(ns: NormalizedScenario, coster: StepCoster, input: SimulationInput) {
    const n = input.requests;
    const eng = ns.engine;
    this.n = n;
    this.page = eng.kvPageTokens;
    this.S = input.inputLengths?.subarray(0, n) ?? new Float64Array(n).fill(input.inputTokens);
    this.O = input.outputLengths?.subarray(0, n) ?? new Float64Array(n).fill(input.outputTokens);
    let longestPrompt = 0;
    let shortestPrompt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const s = this.S[i] ?? 0;
      if (s > longestPrompt) longestPrompt = s;
      if (s < shortestPrompt) shortestPrompt = s;
    }
    if (n === 0) shortestPrompt = input.inputTokens;
    this.prefilled = input.prefilled;
    this.openLoop = input.arrivals !== undefined;
    this.clientGap = input.clientGapSeconds ?? 0;
    // Without chunked prefill a prompt must fit one step beside the running decodes: an engine
    // built for prompts that leave no room for them in its default budget (trtllm-bench sizes
    // max_num_tokens from the dataset) gets room for one prompt plus the default budget of
    // decode tokens. Otherwise a prompt as long as the budget would wait until no request decodes.
    const promptTokens = input.prefilled ? 0 : longestPrompt;
    const maxSeqs = Math.min(instanceMaxSequences(eng, ns.attnDp), n);
    const decodeRoom = maxSeqs * (1 + (ns.serving.speculative?.tokens ?? 0));
    // Attention-DP ranks with their own schedulers (TensorRT-LLM) each apply the budget.
    const ranks = eng.attentionDpRankSchedulers ? ns.attnDp : 1;
    this.budgetMax =
      ranks *
      (!eng.chunkedPrefill && promptTokens > 0 && promptTokens + decodeRoom > eng.maxBatchedTokens
        ? promptTokens + eng.maxBatchedTokens
        : eng.maxBatchedTokens);
    this.maxSeqs = maxSeqs;
    const spec = ns.serving.speculative;
    this.k = spec?.tokens ?? 0;
    this.perStep = expectedAcceptedTokens(this.k, spec?.acceptanceRate ?? 0);
    this.reserve = eng.kvPolicy === 'reserve';
    this.reserveOutput = ns.workload.maxOutputTokens ?? 0;
    this.chunked = eng.chunkedPrefill;
    this.prefillFirst = !eng.mixedBatches && !input.prefilled;
    // The decode pool of a disaggregated deployment is not given the lag (its arrivals are
    // prompts already computed; the prefill pool carries the first token).
    this.overlap = eng.overlapScheduler && !input.prefilled;
    this.coster = coster;
    this.window = coster.window;

    // Prefix caching: the shared prefix is held once (no longer than the shortest prompt); each
    // request computes the rest.
    this.prefix = input.prefilled
      ? 0
      : Math.min(shortestPrompt - 1, Math.round(shortestPrompt * ns.serving.prefixCacheHitRate));
    const prefixBlocks = Math.ceil(this.prefix / this.page);
    this.capacityBlocks = Math.floor(input.kvCapacityTokens / this.page) - prefixBlocks;
    this.freeBlocks = this.capacityBlocks;

    this.arrival = new Float64Array(n);
    this.first = new Float64Array(n).fill(-1);
    this.finish = new Float64Array(n);
    this.started = new Float64Array(n).fill(-1);
    this.heldAt = new Float64Array(n).fill(-1);
    this.overlapWait = new Float64Array(n);
    this.toPrefill = new Float64Array(n);
    this.prefilledNow = new Float64Array(n);
    this.generated = new Float64Array(n);
    this.blocks = new Int32Array(n);
    this.sched = new Float64Array(n);
    this.running = new Int32Array(n);

    if (input.arrivals !== undefined) {
      this.arrival.set(input.arrivals.subarray(0, n));
      this.issued = n;
    } else {
      this.issued = Math.min(input.clients, n);
    }
    for (let i = 0; i < n; i++) {
      if (input.prefilled) {
        this.toPrefill[i] = 0;
        this.generated[i] = 1;
      } else this.toPrefill[i] = (this.S[i] ?? 0) - this.prefix;
    }
    this.start = this.issued > 0 ? (input.arrivals?.[0] ?? 0) : 0;
  }

  /**
   * Tokens reserved for request r at admission (reserve policy): its prompt and the output cap
   * the engine was given, or its own output where that is longer or no cap is set.
   */
  ownTotal(r: number): number {
    const out = this.O[r] ?? 0;
    return (this.S[r] ?? 0) - this.prefix + (out > this.reserveOutput ? out : this.reserveOutput) + this.k;
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.page);
  }

  /** Requests waiting to be admitted (preempted ones included). */
  waiting(): number {
    return this.preempted.length + (this.arrived - this.queueHead);
  }
}
