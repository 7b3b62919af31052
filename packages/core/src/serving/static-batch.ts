/**
 * Static batching: B sequences prefill together, then decode in lock-step. TTFT is the prefill
 * of the whole batch; TPOT is the mean decode step over the steps as contexts grow from
 * S+1 to S+O−1 (the first output token comes from prefill): TPOT = (e2e − TTFT) / (O − 1).
 */
import { buildGraph } from '../graph/build.js';
import type { CostedPhase } from '../cost/roofline.js';
import { costPhase, operatorSeconds, operatorSecondsOverContexts } from '../cost/roofline.js';
import type { NormalizedScenario } from '../scenario/normalize.js';

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
}

/** Steps the prefill of `sequences` prompts takes under the engine's per-step token budget. */
export function prefillSteps(ns: NormalizedScenario, sequences: number): number {
  return Math.max(1, Math.ceil((sequences * ns.workload.inputTokens) / ns.engine.maxBatchedTokens));
}

/** Tokens in the largest step (sizes the activation workspace). */
export function peakStepTokens(ns: NormalizedScenario, sequences: number): number {
  return Math.min(sequences * ns.workload.inputTokens, ns.engine.maxBatchedTokens);
}

export function simulateStaticBatch(ns: NormalizedScenario): StaticBatchTiming {
  const { inputTokens: s, outputTokens: o } = ns.workload;
  const sequences = Math.ceil(ns.workload.batch / ns.dp);
  const prefill = costPhase(ns, buildGraph(ns, { phase: 'prefill', sequences, tokensPerSequence: s }));
  const decode = costPhase(ns, buildGraph(ns, { phase: 'decode', sequences, tokensPerSequence: 1 }));
  const overhead = ns.efficiency.stepOverheadSeconds;

  const prefillOperatorSeconds = prefill.operators.map((c) => c.op.count * operatorSeconds(c, s));
  // The engine's per-step token budget splits a large batched prefill into several steps.
  let ttftSeconds = prefillSteps(ns, sequences) * overhead;
  for (const t of prefillOperatorSeconds) ttftSeconds += t;

  const steps = o - 1;
  const decodeOperatorSeconds = new Array<number>(decode.operators.length).fill(0);
  let decodeSeconds = steps * overhead;
  for (let i = 0; i < decode.operators.length; i++) {
    const c = decode.operators[i];
    if (c === undefined) continue;
    const total = c.op.count * operatorSecondsOverContexts(c, s + 1, s + steps);
    decodeOperatorSeconds[i] = total;
    decodeSeconds += total;
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
  };
}
