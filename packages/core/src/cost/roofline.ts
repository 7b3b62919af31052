/**
 * cost: time of each operator from the roofline with efficiencies (design.md §3):
 * t = max(flops / (peak(format)·ηc(shape)), bytes / (bandwidth·ηm)) + t_launch, and collectives
 * from collectives.ts. Rates are resolved once per operator so a decode step at any context is
 * a handful of multiply-adds.
 */
import type { Operator, PhaseGraph } from '../graph/operator.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { RateFormat } from '../units/formats.js';
import { collectiveSeconds } from './collectives.js';
import { gemmEfficiency } from './efficiency.js';

export type Bound = 'compute' | 'memory' | 'communication' | 'overhead';

export interface CostedOperator {
  readonly op: Operator;
  /** Effective FLOP/s and bytes/s for this operator. */
  readonly flopsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Fixed time per occurrence: launches and collectives. */
  readonly fixedSeconds: number;
  readonly communicationSeconds: number;
}

export interface CostedPhase {
  readonly graph: PhaseGraph;
  readonly operators: readonly CostedOperator[];
}

function peakFor(ns: NormalizedScenario, rate: RateFormat): number {
  const peaks = ns.hardware.peakFlopsPerSecond;
  // Elementwise work runs on vector units; only its bytes matter, so any positive rate serves.
  return peaks[rate] ?? peaks.fp32 ?? peaks.bf16 ?? peaks.fp16 ?? 1e12;
}

function isLowPrecision(rate: RateFormat): boolean {
  return rate === 'fp8' || rate === 'int8' || rate === 'int4' || rate === 'fp4';
}

export function costOperator(ns: NormalizedScenario, op: Operator, launchSeconds: number): CostedOperator {
  const eff = ns.efficiency;
  const bytesPerSecond = ns.hardware.memory.bandwidthBytesPerSecond * eff.memoryBandwidthFraction;
  const launch = launchSeconds * op.kernels;
  if (op.collective !== undefined) {
    const comm = collectiveSeconds(
      op.collective.kind,
      op.collective.bytes,
      op.collective.group,
      ns.hardware,
      eff,
    );
    return { op, flopsPerSecond: 1, bytesPerSecond, fixedSeconds: comm + launch, communicationSeconds: comm };
  }
  const peak = peakFor(ns, op.rate);
  const fraction = isLowPrecision(op.rate) ? eff.gemmLowPrecisionPeakFraction : eff.gemmPeakFraction;
  let flopsPerSecond: number;
  switch (op.kind) {
    case 'gemm':
    case 'grouped-gemm': {
      const s = op.shape;
      flopsPerSecond =
        s === undefined ? peak * fraction : peak * gemmEfficiency(s.m, s.n, s.k, fraction, eff, s.groups);
      break;
    }
    case 'attention':
      flopsPerSecond = peak * eff.attentionPeakFraction;
      break;
    case 'elementwise':
    case 'embedding':
    case 'collective':
      flopsPerSecond = peak;
      break;
  }
  return { op, flopsPerSecond, bytesPerSecond, fixedSeconds: launch, communicationSeconds: 0 };
}

export function costPhase(ns: NormalizedScenario, graph: PhaseGraph): CostedPhase {
  const e = ns.efficiency;
  const launch =
    graph.phase === 'decode' && ns.engine.cudaGraphDecode
      ? e.graphKernelLaunchSeconds
      : e.kernelLaunchSeconds;
  return { graph, operators: graph.operators.map((op) => costOperator(ns, op, launch)) };
}

export interface OperatorTime {
  readonly seconds: number;
  readonly computeSeconds: number;
  readonly memorySeconds: number;
  readonly bound: Bound;
}

/** Time of one occurrence at an attended context of `context` positions. */
export function operatorSeconds(c: CostedOperator, context: number): number {
  const op = c.op;
  const ctx = context < op.contextCap ? context : op.contextCap;
  const compute = (op.flops + op.flopsPerContext * ctx) / c.flopsPerSecond;
  const memory = (op.bytes + op.bytesPerContext * ctx) / c.bytesPerSecond;
  return (compute > memory ? compute : memory) + c.fixedSeconds;
}

export function operatorTime(c: CostedOperator, context: number): OperatorTime {
  const op = c.op;
  const ctx = Math.min(context, op.contextCap);
  const computeSeconds = (op.flops + op.flopsPerContext * ctx) / c.flopsPerSecond;
  const memorySeconds = (op.bytes + op.bytesPerContext * ctx) / c.bytesPerSecond;
  const work = Math.max(computeSeconds, memorySeconds);
  let bound: Bound;
  if (c.communicationSeconds > 0) bound = 'communication';
  else if (c.fixedSeconds > work) bound = 'overhead';
  else bound = computeSeconds >= memorySeconds ? 'compute' : 'memory';
  return { seconds: work + c.fixedSeconds, computeSeconds, memorySeconds, bound };
}

/** Time of a whole step at a context: every operator times its occurrence count. */
export function stepSeconds(phase: CostedPhase, context: number): number {
  let total = 0;
  for (const c of phase.operators) total += c.op.count * operatorSeconds(c, context);
  return total;
}
