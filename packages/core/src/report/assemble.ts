/**
 * assembleReport: timings and footprint become the plain-data result of the scenario contract
 * (design.md §2): milliseconds, tokens per second, bytes per device, a per-phase and
 * per-operator breakdown with each operator's bound, and diagnostics.
 */
import type { Bound, CostedPhase } from '../cost/roofline.js';
import { boundOf } from '../cost/roofline.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { OperatorKind, PhaseKind } from '../graph/operator.js';
import type { MemoryFootprint } from '../memory/footprint.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { StaticBatchTiming } from '../serving/static-batch.js';

export interface OperatorReport {
  readonly phase: PhaseKind;
  readonly name: string;
  readonly kind: OperatorKind;
  /** Occurrences per step (layers). */
  readonly count: number;
  /** Time per step over all occurrences, ms (decode: mean over the decode steps). */
  readonly timeMs: number;
  /** Share of the phase's step time. */
  readonly share: number;
  /** FLOPs and bytes per step over all occurrences, per device (decode: at the mean context). */
  readonly flops: number;
  readonly bytes: number;
  readonly bound: Bound;
  readonly shape:
    { readonly m: number; readonly n: number; readonly k: number; readonly groups: number } | undefined;
}

export interface PhaseReport {
  readonly phase: PhaseKind;
  /** Time of one step, ms (decode: mean step). */
  readonly stepMs: number;
  readonly steps: number;
  readonly totalMs: number;
  readonly tokensPerStep: number;
  readonly flopsPerStep: number;
  readonly bytesPerStep: number;
  /** Host time per step outside the operators (scheduling, sampling), ms. */
  readonly overheadMs: number;
  /** Share of the step spent in compute-, memory-, communication- and overhead-bound work. */
  readonly boundShares: Readonly<Record<Bound, number>>;
}

export interface EstimateReport {
  readonly scenario: {
    readonly model: string;
    readonly hardware: string;
    readonly gpus: number;
    readonly parallelism: {
      readonly tp: number;
      readonly pp: number;
      readonly ep: number;
      readonly dp: number;
    };
    readonly precision: { readonly weights: string; readonly activations: string; readonly kvCache: string };
    readonly engine: string;
    readonly workload: {
      readonly kind: string;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly batch: number;
    };
  };
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly e2eLatencyMs: number;
  readonly outputTokensPerSec: number;
  readonly totalTokensPerSec: number;
  readonly requestsPerSec: number;
  /** Mean sequences in flight. */
  readonly batch: number;
  readonly memory: MemoryFootprint;
  readonly phases: readonly PhaseReport[];
  readonly breakdown: readonly OperatorReport[];
  readonly diagnostics: readonly Diagnostic[];
}

function phaseBreakdown(
  phase: CostedPhase,
  perOpSeconds: readonly number[],
  steps: number,
  context: number,
  overheadSeconds: number,
): { ops: OperatorReport[]; report: PhaseReport } {
  const stepSeconds = perOpSeconds.reduce((a, b) => a + b, 0) / Math.max(1, steps) + overheadSeconds;
  let compute = 0;
  let memory = 0;
  let communication = 0;
  let overhead = stepSeconds > 0 ? overheadSeconds / stepSeconds : 0;
  let flops = 0;
  let bytes = 0;
  const stepsDivisor = Math.max(1, steps);
  const ops: OperatorReport[] = [];
  for (let i = 0; i < phase.operators.length; i++) {
    const c = phase.operators[i];
    if (c === undefined) continue;
    const op = c.op;
    const ctx = context < op.contextCap ? context : op.contextCap;
    const opFlops = op.flops + op.flopsPerContext * ctx;
    const opBytes = op.bytes + op.bytesPerContext * ctx;
    const computeSeconds = opFlops / c.flopsPerSecond;
    const memorySeconds = opBytes / c.bytesPerSecond;
    const bound = boundOf(c, computeSeconds, memorySeconds);
    const seconds = (perOpSeconds[i] ?? 0) / stepsDivisor;
    const share = stepSeconds > 0 ? seconds / stepSeconds : 0;
    if (bound === 'compute') compute += share;
    else if (bound === 'memory') memory += share;
    else if (bound === 'communication') communication += share;
    else overhead += share;
    flops += op.count * opFlops;
    bytes += op.count * opBytes;
    ops.push({
      phase: phase.graph.phase,
      name: op.name,
      kind: op.kind,
      count: op.count,
      timeMs: seconds * 1e3,
      share,
      flops: op.count * opFlops,
      bytes: op.count * opBytes,
      bound,
      shape: op.shape,
    });
  }
  return {
    ops,
    report: {
      phase: phase.graph.phase,
      stepMs: stepSeconds * 1e3,
      steps,
      totalMs: stepSeconds * steps * 1e3,
      overheadMs: overheadSeconds * 1e3,
      tokensPerStep: phase.graph.tokens,
      flopsPerStep: flops,
      bytesPerStep: bytes,
      boundShares: { compute, memory, communication, overhead },
    },
  };
}

export function assembleReport(
  ns: NormalizedScenario,
  timing: StaticBatchTiming,
  memory: MemoryFootprint,
  diagnostics: readonly Diagnostic[],
): EstimateReport {
  const w = ns.workload;
  const totalSequences = timing.sequences * ns.dp;
  const e2e = timing.e2eSeconds;
  const overhead = ns.efficiency.stepOverheadSeconds;
  const prefill = phaseBreakdown(timing.prefill, timing.prefillOperatorSeconds, 1, w.inputTokens, overhead);
  const meanContext = w.inputTokens + w.outputTokens / 2;
  const decode = phaseBreakdown(
    timing.decode,
    timing.decodeOperatorSeconds,
    timing.decodeSteps,
    meanContext,
    overhead,
  );
  return {
    scenario: {
      model: ns.model.id,
      hardware: ns.hardware.id,
      gpus: ns.gpus,
      parallelism: { tp: ns.tp, pp: ns.pp, ep: ns.ep, dp: ns.dp },
      precision: {
        weights: ns.formats.weights,
        activations: ns.formats.activations,
        kvCache: ns.formats.kvCache,
      },
      engine: ns.engine.id,
      workload: { kind: w.kind, inputTokens: w.inputTokens, outputTokens: w.outputTokens, batch: w.batch },
    },
    ttftMs: timing.ttftSeconds * 1e3,
    tpotMs: timing.decodeSteps > 0 ? (timing.decodeSeconds / timing.decodeSteps) * 1e3 : 0,
    e2eLatencyMs: e2e * 1e3,
    outputTokensPerSec: (totalSequences * w.outputTokens) / e2e,
    totalTokensPerSec: (totalSequences * (w.inputTokens + w.outputTokens)) / e2e,
    requestsPerSec: totalSequences / e2e,
    batch: totalSequences,
    memory,
    phases: timing.decodeSteps > 0 ? [prefill.report, decode.report] : [prefill.report],
    breakdown: [...prefill.ops, ...(timing.decodeSteps > 0 ? decode.ops : [])],
    diagnostics,
  };
}
