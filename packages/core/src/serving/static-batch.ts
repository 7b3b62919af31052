/**
 * Static batching: B sequences prefill together, then decode in lock-step. TTFT is the prefill
 * of the whole batch; TPOT is the mean decode step over the steps as contexts grow from
 * S+1 to S+O−1 (the first output token comes from prefill): TPOT = (e2e − TTFT) / (O − 1).
 * Decode steps are summed in closed form, so a batch of any length costs one pass over its
 * operators.
 */
import type { StepShape } from '../graph/build.js';
import { causalPairs } from '../graph/build.js';
import type { CostedPhase } from '../cost/roofline.js';
import { operatorSeconds, operatorSecondsOverContexts } from '../cost/roofline.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import { expectedAcceptedTokens } from './continuous.js';
import { StepCoster, emptyLoad } from './step-cost.js';
import { hostSequences } from './engines.js';
import { costStepCached } from './phase-cache.js';

export interface StaticBatchTiming {
  readonly prefill: CostedPhase;
  readonly decode: CostedPhase;
  /** Sequences per replica. */
  readonly sequences: number;
  readonly ttftSeconds: number;
  /** Sum of all decode steps. */
  readonly decodeSeconds: number;
  readonly decodeSteps: number;
  readonly e2eSeconds: number;
  /** Seconds per operator (all occurrences), summed over decode steps, same order as decode.operators. */
  readonly decodeOperatorSeconds: readonly number[];
  /** Seconds per operator in the prefill step, same order as prefill.operators. */
  readonly prefillOperatorSeconds: readonly number[];
  /** Speculative proposals (draft model or MTP) over all decode steps. */
  readonly proposalSeconds: number;
  /** The drafter's pass over the prompts, part of the TTFT (StepCoster.draftExtendSeconds). */
  readonly draftPrefillSeconds: number;
  /** Offload: the link's share of a decode step (1 when the link sets the pace). */
  readonly offloadShare: number;
}

/**
 * Host time: a fixed part per step plus a part per sequence in the step. A decode step holds every
 * sequence (`overhead` per step); the prefill's steps hold each sequence once, a step at least one.
 */
export function staticHostSeconds(
  ns: NormalizedScenario,
  sequences: number,
): { overhead: number; prefillOverhead: number } {
  const e = ns.efficiency;
  const steps = prefillSteps(ns, sequences);
  return {
    overhead: e.stepOverheadSeconds + e.stepOverheadPerSequenceSeconds * hostSequences(ns, sequences),
    prefillOverhead:
      steps * e.stepOverheadSeconds + e.stepOverheadPerSequenceSeconds * Math.max(steps, sequences),
  };
}

/** Steps the prefill of `sequences` prompts takes under the engine's per-step token budget. */
export function prefillSteps(ns: NormalizedScenario, sequences: number): number {
  return Math.max(1, Math.ceil((sequences * prefillTokensPerSequence(ns)) / ns.engine.maxBatchedTokens));
}

/** Prompt tokens each sequence computes: the prompt less its prefix-cache hits. */
export function prefillTokensPerSequence(ns: NormalizedScenario): number {
  const s = ns.workload.inputTokens;
  return s - cachedPrefixTokens(ns, s);
}

export function cachedPrefixTokens(ns: NormalizedScenario, inputTokens: number): number {
  return Math.min(inputTokens - 1, Math.round(inputTokens * ns.serving.prefixCacheHitRate));
}

/** Tokens in the largest step (sizes the activation workspace). */
export function peakStepTokens(ns: NormalizedScenario, sequences: number): number {
  return Math.min(sequences * prefillTokensPerSequence(ns), ns.engine.maxBatchedTokens);
}

/** Builds and costs the graph of one step (sweeps pass a memoizing one: explore/evaluate.ts). */
export type PhaseCoster = (ns: NormalizedScenario, step: StepShape) => CostedPhase;

/** The default: costed phases kept across evaluations under a complete key (phase-cache.ts). */
const costStep: PhaseCoster = costStepCached;

/** The drafter's pass over `sequences` prompts of `tokens` new tokens after `prior` cached ones. */
function draftExtend(
  coster: StepCoster,
  ns: NormalizedScenario,
  sequences: number,
  tokens: number,
  prior: number,
): number {
  const load = emptyLoad();
  load.prefillTokens = sequences * tokens;
  load.prefillSequences = sequences;
  load.prefillPairs = sequences * causalPairs(prior, tokens, Number.POSITIVE_INFINITY);
  load.prefillPairsWindowed =
    sequences * causalPairs(prior, tokens, ns.model.slidingWindow ?? Number.POSITIVE_INFINITY);
  load.prefillPriorContext = sequences * prior;
  load.emitting = sequences;
  return coster.draftExtendSeconds(load);
}

/** Time the prompt pass waits for the offload link to stream `priorContext` cached positions in. */
function prefillStreamWait(coster: StepCoster, priorContext: number, deviceSeconds: number): number {
  const load = emptyLoad();
  load.prefillPriorContext = priorContext;
  const stream = coster.offloadSeconds(load);
  return stream > deviceSeconds ? stream - deviceSeconds : 0;
}

/**
 * Static batch on one replica. Pipeline parallelism splits the batch into m micro-batches:
 * prefill fills and drains the pipeline, (m + pp − 1) stage times; each decode step takes
 * max(pp, m) stage times. Speculative decoding verifies 1 + k tokens per sequence per step and
 * advances by the expected accepted count, paying the proposals' cost each step.
 */
export function simulateStaticBatch(
  ns: NormalizedScenario,
  coster: PhaseCoster = costStep,
): StaticBatchTiming {
  const { inputTokens: s, outputTokens: o } = ns.workload;
  const sequences = Math.ceil(ns.workload.batch / ns.dp);
  const m = ns.pp > 1 ? Math.min(ns.microBatches, sequences) : 1;
  const perMicro = sequences / m;
  const prefix = cachedPrefixTokens(ns, s);
  const spec = ns.serving.speculative;
  const k = spec?.tokens ?? 0;
  const prefill = coster(ns, {
    phase: 'prefill',
    sequences: perMicro,
    tokensPerSequence: s - prefix,
    priorContext: prefix,
  });
  const decode = coster(ns, { phase: 'decode', sequences: perMicro, tokensPerSequence: 1 + k });
  const { overhead, prefillOverhead } = staticHostSeconds(ns, sequences);
  const prefillPasses = ns.pp > 1 ? m + ns.pp - 1 : 1;
  const decodePasses = ns.pp > 1 ? Math.max(ns.pp, m) : 1;

  const prefillOperatorSeconds = prefill.operators.map(
    (c) => prefillPasses * c.op.count * operatorSeconds(c, s),
  );
  // The engine's per-step token budget splits a large batched prefill into several steps.
  let ttftSeconds = prefillOverhead;
  for (const t of prefillOperatorSeconds) ttftSeconds += t;

  const perStep = expectedAcceptedTokens(k, spec?.acceptanceRate ?? 0);
  const steps = k > 0 ? Math.ceil((o - 1) / perStep) : o - 1;
  const decodeOperatorSeconds = new Array<number>(decode.operators.length).fill(0);
  let decodeSeconds = steps * overhead;
  for (let i = 0; i < decode.operators.length; i++) {
    const c = decode.operators[i];
    if (c === undefined) continue;
    // With speculation the context grows by perStep a step: cost at the mean context.
    const total =
      k > 0
        ? steps * operatorSeconds(c, s + 1 + (o - 2) / 2)
        : operatorSecondsOverContexts(c, s + 1, s + steps);
    decodeOperatorSeconds[i] = decodePasses * c.op.count * total;
    decodeSeconds += decodePasses * c.op.count * total;
  }
  let proposalSeconds = 0;
  let offloadShare = 0;
  let draftPrefillSeconds = 0;
  if (k > 0 || ns.offload !== undefined) {
    const coster = new StepCoster(ns);
    if (k > 0) draftPrefillSeconds = prefillPasses * draftExtend(coster, ns, perMicro, s - prefix, prefix);
    ttftSeconds += draftPrefillSeconds;
    const load = emptyLoad();
    load.decodeSequences = sequences;
    load.decodeContext = sequences * (s + o / 2);
    load.decodeContextWindowed = sequences * Math.min(s + o / 2, ns.model.slidingWindow ?? Infinity);
    load.emitting = sequences;
    if (k > 0 && steps > 0) {
      proposalSeconds = steps * coster.proposalSeconds(load);
      decodeSeconds += proposalSeconds;
    }
    // Offload: each decode step waits for the link when streaming outlasts the device's work.
    const stream = coster.offloadSeconds(load);
    const perStepDevice = steps > 0 ? decodeSeconds / steps - overhead : 0;
    if (steps > 0 && stream > perStepDevice) decodeSeconds += steps * (stream - perStepDevice);
    ttftSeconds += prefillStreamWait(coster, sequences * prefix, ttftSeconds - prefillOverhead);
    offloadShare = perStepDevice > 0 || stream > 0 ? stream / Math.max(stream, perStepDevice) : 0;
  }
  return {
    prefill,
    decode,
    sequences,
    ttftSeconds,
    decodeSeconds,
    decodeSteps: steps,
    e2eSeconds: ttftSeconds + decodeSeconds,
    decodeOperatorSeconds,
    prefillOperatorSeconds,
    proposalSeconds,
    draftPrefillSeconds,
    offloadShare,
  };
}
