/**
 * Use-case presets (request lengths) and latency/throughput targets, shared by `require` and
 * `plan`. Each preset names where its lengths come from; where the repository holds no published
 * trace for a use case, the lengths are labelled as Ridgeline's assumption.
 */
import type { EstimateReport } from '../report/assemble.js';

export const USE_CASE_IDS = ['chat', 'code', 'rag', 'reasoning', 'agent', 'offline'] as const;
export type UseCaseId = (typeof USE_CASE_IDS)[number];

export interface UseCase {
  readonly id: UseCaseId;
  readonly description: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Offline: every request queued at once (throughput, no latency target). */
  readonly offline: boolean;
  /** Where the lengths come from, or that they are an assumption. */
  readonly source: string;
  /** The source in a few words. */
  readonly basis: string;
}

const IX =
  'InferenceX fixed ISL/OSL class (SemiAnalysisAI/InferenceX @ 843c6254, packages/core/data/measurements/datasets.md "InferenceX random lengths"; lengths are drawn uniformly from 0.8× to 1× of the class)';

export const USE_CASES: Readonly<Record<UseCaseId, UseCase>> = {
  chat: {
    id: 'chat',
    description: 'chat: short prompt, medium answer',
    inputTokens: 1024,
    outputTokens: 1024,
    offline: false,
    source: `${IX}, 1024/1024; calling it chat is Ridgeline's assumption`,
    basis: 'InferenceX 1k/1k class',
  },
  code: {
    id: 'code',
    description: 'code completion: file context in, a short completion out',
    inputTokens: 2048,
    outputTokens: 128,
    offline: false,
    source: "Ridgeline's assumption (no published code-completion trace in the repository)",
    basis: "Ridgeline's assumption",
  },
  rag: {
    id: 'rag',
    description: 'retrieval with long context: long prompt, medium answer',
    inputTokens: 8192,
    outputTokens: 1024,
    offline: false,
    source: `${IX}, 8192/1024; calling it retrieval is Ridgeline's assumption`,
    basis: 'InferenceX 8k/1k class',
  },
  reasoning: {
    id: 'reasoning',
    description: 'reasoning with long outputs: short prompt, long generation',
    inputTokens: 1024,
    outputTokens: 8192,
    offline: false,
    source: `${IX}, 1024/8192; calling it reasoning is Ridgeline's assumption`,
    basis: 'InferenceX 1k/8k class',
  },
  agent: {
    id: 'agent',
    description: 'agents: long accumulated context, short actions',
    inputTokens: 16384,
    outputTokens: 512,
    offline: false,
    source: "Ridgeline's assumption (no published agent trace in the repository)",
    basis: "Ridgeline's assumption",
  },
  offline: {
    id: 'offline',
    description: 'offline batch: every request queued at once',
    inputTokens: 1024,
    outputTokens: 1024,
    offline: true,
    source: `${IX}, 1024/1024, run as maxThroughput; the offline framing is Ridgeline's assumption`,
    basis: 'InferenceX 1k/1k class, offline',
  },
};

export function isUseCaseId(s: string): s is UseCaseId {
  return (USE_CASE_IDS as readonly string[]).includes(s);
}

/** What a deployment must reach. Latencies are p90 over requests. */
export interface Targets {
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  /** Sustained requests per second (the open-loop arrival rate the system must keep up with). */
  readonly requestsPerSec?: number;
  /** Sustained output tokens per second; turned into a request rate by the output length. */
  readonly outputTokensPerSec?: number;
}

/** The arrival rate the targets ask for, req/s, or undefined when they set no throughput. */
export function targetRate(t: Targets, outputTokens: number): number | undefined {
  const a = t.requestsPerSec;
  const b = t.outputTokensPerSec === undefined ? undefined : t.outputTokensPerSec / outputTokens;
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}

/**
 * A rate counts as sustained when the queue does not grow: the p90 time to first token stays
 * under the TTFT target, or under this bound when the targets set none (Ridgeline's criterion:
 * a run whose arrivals outpace service queues requests, and their TTFT grows with the run).
 */
export const UNSTABLE_TTFT_MS = 10_000;

/** Whether a report meets the targets (p90 latencies; a rate, when asked, sustained). */
export function meetsTargets(r: EstimateReport, t: Targets, rate: number | undefined): boolean {
  const ttft = t.ttftMs ?? (rate !== undefined ? UNSTABLE_TTFT_MS : undefined);
  if (ttft !== undefined && !(r.latency.ttft.p90 <= ttft)) return false;
  if (t.tpotMs !== undefined && !(r.latency.tpot.p90 <= t.tpotMs)) return false;
  return true;
}
