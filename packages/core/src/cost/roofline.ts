/**
 * cost: time of each operator from the roofline with efficiencies (design.md §3):
 * t = max(flops / (peak(format)·ηc(shape)), bytes / (bandwidth·ηm)) + t_launch + t_kernel, and collectives
 * from collectives.ts. Rates are resolved once per operator so a decode step at any context is
 * a handful of multiply-adds.
 */
import type { Operator, PhaseGraph } from '../graph/operator.js';
import type { ModelSpec } from '../model/schema.js';
import type { CostContext, DeviceContext } from '../scenario/types.js';
import type { RateFormat } from '../units/formats.js';
import { collectiveSeconds, nodeAllToAllStageSeconds } from './collectives.js';
import { gemmEfficiency, gemmTileRows, groupRamp } from './efficiency.js';

export type Bound = 'compute' | 'memory' | 'communication' | 'overhead';

export interface CostedOperator {
  readonly op: Operator;
  /** Effective FLOP/s and bytes/s for this operator. */
  readonly flopsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Fixed time per occurrence: launches and collectives. */
  readonly fixedSeconds: number;
  readonly communicationSeconds: number;
  /**
   * GEMMs: the fraction of the rate class's peak the operator reaches (flopsPerSecond / peak:
   * the family fraction for its format, grouped-GEMM factor, tile padding, waves, K ramp) and the
   * M tile its rows are padded to (gemmTileRows). Absent for other operators.
   */
  readonly computeFraction?: number;
  readonly tileRows?: number;
}

export interface CostedPhase {
  readonly graph: PhaseGraph;
  readonly operators: readonly CostedOperator[];
}

function peakFor(device: DeviceContext, rate: RateFormat): number {
  const peaks = device.hardware.peakFlopsPerSecond;
  // Elementwise work runs on vector units; only its bytes matter, so any positive rate serves.
  // A device without a BF16 rate (Volta, Turing) runs 16-bit math in FP16.
  const own = peaks[rate] ?? (rate === 'bf16' ? peaks.fp16 : undefined);
  return own ?? peaks.fp32 ?? peaks.bf16 ?? peaks.fp16 ?? 1e12;
}

function isLowPrecision(rate: RateFormat): boolean {
  return rate === 'fp8' || rate === 'int8' || rate === 'int4' || rate === 'fp4';
}

/**
 * The asymptotic GEMM fraction of a rate class: 16-bit, 8-bit, block-scaled FP8 (DeepSeek's 128×128
 * weight blocks), or block-scaled FP4.
 */
function gemmFraction(eff: DeviceContext['efficiency'], rate: RateFormat, blockScaled = false): number {
  if (rate === 'fp4') return eff.gemmFp4PeakFraction ?? eff.gemmLowPrecisionPeakFraction;
  if (rate === 'fp8' && blockScaled) return eff.gemmBlockFp8PeakFraction ?? eff.gemmLowPrecisionPeakFraction;
  return isLowPrecision(rate) ? eff.gemmLowPrecisionPeakFraction : eff.gemmPeakFraction;
}

/**
 * Fixed seconds per compute kernel. Replaying a CUDA graph, a kernel starts after the previous one
 * drains plus the graph's launch gap, so its fill and drain (kernelFixedSeconds) add to the gap.
 * Launching eagerly, the host issues the next kernel while the current one runs: the launch
 * interval and the kernel's fill and drain overlap, and the longer of the two counts (the eager
 * launch costs were fitted to per-operator timings that include both).
 */
export function perKernelSeconds(
  launchSeconds: number,
  kernelFixedSeconds: number,
  graphed: boolean,
): number {
  return graphed ? launchSeconds + kernelFixedSeconds : Math.max(launchSeconds, kernelFixedSeconds);
}

export function costOperator(
  device: DeviceContext,
  op: Operator,
  launchSeconds: number,
  graphed = false,
): CostedOperator {
  const eff = device.efficiency;
  const bytesPerSecond = device.hardware.memory.bandwidthBytesPerSecond * eff.memoryBandwidthFraction;
  if (op.collective !== undefined) {
    const launch = launchSeconds * op.kernels;
    const cl = op.collective;
    const comm =
      cl.stage === undefined
        ? collectiveSeconds(cl.kind, cl.bytes, cl.group, device.hardware, eff)
        : nodeAllToAllStageSeconds(cl.stage, cl.bytes, cl.pipelinedBytes ?? 0, device.hardware, eff);
    return { op, flopsPerSecond: 1, bytesPerSecond, fixedSeconds: comm + launch, communicationSeconds: comm };
  }
  const peak = peakFor(device, op.rate);
  const fraction = gemmFraction(eff, op.rate, op.blockScaled === true);
  let flopsPerSecond: number;
  let computeFraction: number | undefined;
  let tileRows: number | undefined;
  switch (op.kind) {
    case 'gemm':
    case 'grouped-gemm': {
      const s = op.shape;
      // Grouped (MoE) GEMMs: each group restarts the pipeline, worth groupedGemmRowsHalf rows of
      // its padded tiles (gemmEfficiency already charges the padding of few rows per expert).
      const ramp =
        s !== undefined && s.m > 0 ? groupRamp(s.m, eff.groupedGemmRowsHalf, eff.gemmMinTileRows) : 1;
      const f = op.kind === 'grouped-gemm' ? fraction * eff.groupedGemmFraction * ramp : fraction;
      const achieved = s === undefined ? f : gemmEfficiency(s.m, s.n, s.k, f, eff, s.groups);
      flopsPerSecond = peak * achieved;
      computeFraction = achieved;
      if (s !== undefined) tileRows = gemmTileRows(s.m, eff.gemmMinTileRows);
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
  // Every kernel also fills and drains its pipeline (families.ts kernelFixedSeconds).
  const fixed = perKernelSeconds(launchSeconds, eff.kernelFixedSeconds, graphed) * op.kernels;
  const costed: Mutable<CostedOperator> = {
    op,
    flopsPerSecond,
    bytesPerSecond,
    fixedSeconds: fixed,
    communicationSeconds: 0,
  };
  // GEMM fields are assigned, not spread in (a spread per operator is slow; same keys, same order).
  if (computeFraction !== undefined) costed.computeFraction = computeFraction;
  if (tileRows !== undefined) costed.tileRows = tileRows;
  return costed;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Share of the compute units a decode attention kernel over a latent (MLA) cache keeps busy: each
 * of the step's sequences (on the busiest attention-DP rank) is split into at most
 * `mlaDecodeSplits` work-groups, one compute unit each (families.ts). 1 where the family's kernels
 * split until the device is full (mlaDecodeSplits undefined) and for other attention kinds.
 */
export function decodeAttentionOccupancy(
  eff: Pick<DeviceContext['efficiency'], 'mlaDecodeSplits' | 'gemmWaveSlots'>,
  attention: ModelSpec['attention']['kind'] | undefined,
  sequences: number,
): number {
  const splits = eff.mlaDecodeSplits;
  if (attention !== 'mla' || splits === undefined || eff.gemmWaveSlots <= 0 || sequences <= 0) return 1;
  const busy = (sequences * splits) / eff.gemmWaveSlots;
  return busy < 1 ? busy : 1;
}

export function costPhase(ctx: CostContext, graph: PhaseGraph): CostedPhase {
  const e = ctx.efficiency;
  const graphed = graph.phase === 'decode' && ctx.engine.cudaGraphDecode;
  const launch = graphed ? e.graphKernelLaunchSeconds : e.kernelLaunchSeconds;
  const dp = ctx.attnDp ?? 1;
  const occupancy =
    graph.phase === 'decode'
      ? decodeAttentionOccupancy(e, ctx.model?.attention.kind, Math.ceil(graph.sequences / dp))
      : 1;
  return {
    graph,
    operators: graph.operators.map((op) => {
      // costOperator returns a fresh object, so the occupancy is applied in place (no copy).
      const c: Mutable<CostedOperator> = costOperator(ctx, op, launch, graphed);
      if (occupancy < 1 && op.kind === 'attention' && op.part === 'decode') {
        c.flopsPerSecond = c.flopsPerSecond * occupancy;
        c.bytesPerSecond = c.bytesPerSecond * occupancy;
      }
      return c;
    }),
  };
}

export interface OperatorTime {
  readonly seconds: number;
  readonly computeSeconds: number;
  readonly memorySeconds: number;
  readonly bound: Bound;
}

/**
 * GEMMs near the ridge point reach neither roofline: the main loop overlaps loads with math
 * only partly. Their time is the p-norm of the two terms, (c^p + m^p)^(1/p), which equals the
 * larger term far from the ridge and exceeds it by 2^(1/p) at the ridge. p = ROOFLINE_SHARPNESS.
 */
export const ROOFLINE_SHARPNESS = 3;

/** Work time of an operator from its compute and memory terms. */
export function workOf(kind: Operator['kind'], compute: number, memory: number): number {
  if (kind !== 'gemm' && kind !== 'grouped-gemm') return compute > memory ? compute : memory;
  const hi = compute > memory ? compute : memory;
  if (hi <= 0) return 0;
  const a = compute / hi;
  const b = memory / hi;
  return hi * Math.cbrt(a * a * a + b * b * b);
}

/** Time of one occurrence at an attended context of `context` positions. */
export function operatorSeconds(c: CostedOperator, context: number): number {
  const op = c.op;
  const ctx = context < op.contextCap ? context : op.contextCap;
  const compute = (op.flops + op.flopsPerContext * ctx) / c.flopsPerSecond;
  const memory = (op.bytes + op.bytesPerContext * ctx) / c.bytesPerSecond;
  return workOf(op.kind, compute, memory) + c.fixedSeconds;
}

export function operatorTime(c: CostedOperator, context: number): OperatorTime {
  const op = c.op;
  const ctx = Math.min(context, op.contextCap);
  const computeSeconds = (op.flops + op.flopsPerContext * ctx) / c.flopsPerSecond;
  const memorySeconds = (op.bytes + op.bytesPerContext * ctx) / c.bytesPerSecond;
  const work = workOf(op.kind, computeSeconds, memorySeconds);
  return {
    seconds: work + c.fixedSeconds,
    computeSeconds,
    memorySeconds,
    bound: boundOf(c, computeSeconds, memorySeconds),
  };
}

/** What limits an operator: its collective, its fixed launch cost, or the larger roofline term. */
export function boundOf(c: CostedOperator, computeSeconds: number, memorySeconds: number): Bound {
  if (c.communicationSeconds > 0 || c.op.collective?.stage !== undefined) return 'communication';
  if (c.fixedSeconds > Math.max(computeSeconds, memorySeconds)) return 'overhead';
  return computeSeconds >= memorySeconds ? 'compute' : 'memory';
}

/** Time of a whole step at a context: every operator times its occurrence count. */
export function stepSeconds(phase: CostedPhase, context: number): number {
  let total = 0;
  for (const c of phase.operators) total += c.op.count * operatorSeconds(c, context);
  return total;
}

/** Σ_{x=lo..hi} (p0 + p1·x) over integers. */
function sumLinear(p0: number, p1: number, lo: number, hi: number): number {
  const n = hi - lo + 1;
  return n <= 0 ? 0 : n * p0 + (p1 * (lo + hi) * n) / 2;
}

/** Σ_{x=lo..hi} max(a0 + a1·x, b0 + b1·x), in closed form (the two lines cross at most once). */
function sumMaxLinear(a0: number, a1: number, b0: number, b1: number, lo: number, hi: number): number {
  if (hi < lo) return 0;
  let split = hi;
  if (a1 !== b1) {
    const cross = (b0 - a0) / (a1 - b1);
    split = Math.min(hi, Math.max(lo - 1, Math.floor(cross)));
  }
  const part = (from: number, to: number): number => {
    if (to < from) return 0;
    const mid = (from + to) / 2;
    return a0 + a1 * mid >= b0 + b1 * mid ? sumLinear(a0, a1, from, to) : sumLinear(b0, b1, from, to);
  };
  return part(lo, split) + part(split + 1, hi);
}

/**
 * Σ of one occurrence's time over the consecutive contexts lo..hi, exact and O(1): a decode
 * phase of thousands of steps costs the same as one step.
 */
export function operatorSecondsOverContexts(c: CostedOperator, lo: number, hi: number): number {
  const op = c.op;
  const steps = hi - lo + 1;
  if (steps <= 0) return 0;
  if (op.flopsPerContext === 0 && op.bytesPerContext === 0) return steps * operatorSeconds(c, 0);
  const capHi = Math.min(hi, op.contextCap);
  const a0 = op.flops / c.flopsPerSecond;
  const a1 = op.flopsPerContext / c.flopsPerSecond;
  const b0 = op.bytes / c.bytesPerSecond;
  const b1 = op.bytesPerContext / c.bytesPerSecond;
  // Context-dependent operators are attention (plain max), so the closed form stays exact.
  const rising = sumMaxLinear(a0, a1, b0, b1, lo, capHi);
  const flat = Math.max(0, hi - Math.max(lo - 1, capHi));
  const capped = flat > 0 ? flat * (operatorSeconds(c, op.contextCap) - c.fixedSeconds) : 0;
  return rising + capped + steps * c.fixedSeconds;
}
