/** Messages between the page and the worker: one request, one reply with the same id. */
import type { BenchmarkArgs, BenchmarkOutcome } from './benchmark.js';
import type { FidelityChunk, FidelityFile, ServingFile } from './fidelity.js';
import type { PlanArgs, PlanOutcome, RequireArgs, RequireOutcome } from './explore.js';
import type { Catalogs, CompareOutcome, EstimateOutcome, SweepAxis, SweepOutcome } from './engine.js';

export interface Requests {
  catalogs: { args: Record<string, never>; result: Catalogs };
  estimate: { args: { text: string }; result: EstimateOutcome };
  compare: { args: { texts: string[] }; result: CompareOutcome };
  sweep: { args: { text: string; x: SweepAxis; y?: SweepAxis; metric: string }; result: SweepOutcome };
  fidelityChunk: { args: { file: ServingFile; start: number; end: number }; result: FidelityChunk };
  fidelityTraining: { args: Record<string, never>; result: FidelityFile };
  benchmark: { args: BenchmarkArgs; result: BenchmarkOutcome };
  require: { args: RequireArgs; result: RequireOutcome };
  plan: { args: PlanArgs; result: PlanOutcome };
}

export type RequestType = keyof Requests;

export interface RequestMessage<T extends RequestType = RequestType> {
  readonly id: number;
  readonly type: T;
  readonly args: Requests[T]['args'];
}

export type ReplyMessage =
  | { readonly id: number; readonly ok: true; readonly result: unknown; readonly ms: number }
  | { readonly id: number; readonly ok: false; readonly error: string };
