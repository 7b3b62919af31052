/** Messages of the serving simulation. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';

export type ServingCode =
  | 'serving.invalid'
  | 'serving.preemptions'
  | 'serving.prompt-over-budget'
  | 'serving.saturated'
  | 'serving.ttft-over-limit';

const err = (code: ServingCode, message: string, path?: DataPath) => diagnostic('error', code, message, path);
const warn = (code: ServingCode, message: string, path?: DataPath) =>
  diagnostic('warning', code, message, path);
const info = (code: ServingCode, message: string) => diagnostic('info', code, message);

export const servingMessages = {
  servingInvalid: (path: readonly (string | number)[], message: string) =>
    err('serving.invalid', message, path),
  preemptions: (count: number, requests: number) =>
    warn(
      'serving.preemptions',
      `The KV cache ran out ${String(count)} time(s) over ${String(requests)} requests: preempted requests were recomputed. Throughput and tail latency suffer; more KV memory or a lower load avoids it.`,
    ),
  promptOverBudget: (prompt: number, budget: number) =>
    info(
      'serving.prompt-over-budget',
      `Chunked prefill is off and the ${String(prompt)}-token prompt exceeds the ${String(budget)}-token step budget: each prompt runs in a step of its own (the engine must be built with max_num_tokens >= the prompt).`,
    ),
  ttftOverLimit: (seconds: number) =>
    err(
      'serving.ttft-over-limit',
      `The simulation stopped early: its p90 TTFT is surely above the ${(seconds * 1e3).toPrecision(4)} ms asked for.`,
    ),
  saturated: (rate: number, capacity: number) =>
    warn(
      'serving.saturated',
      `Requests arrive at ${rate.toPrecision(3)}/s but the deployment serves about ${capacity.toPrecision(3)}/s while they arrive (requests over the run without the drain after the last arrival): the queue grows for the whole run and latencies depend on how many requests are simulated.`,
      ['workload', 'requestRate'],
    ),
};
