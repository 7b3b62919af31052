/**
 * Operator constructors for graph building: every operator is built with all fields present in
 * one fixed order (monomorphic for the JIT), from a `StepContext` that holds the step's sizes
 * and byte widths. Layer kinds (layers/) and the graph builder (build.ts) both use these.
 */
import type { GraphContext } from '../scenario/types.js';
import type { RateFormat } from '../units/formats.js';
import type { Operator, PhaseKind } from './operator.js';

/** One step on one device, as the operators of every layer see it. */
export interface StepContext {
  readonly ctx: GraphContext;
  readonly model: GraphContext['model'];
  /** Devices attention and dense layers are split over. */
  readonly tp: number;
  /** New tokens on this device (attention and dense layers). */
  readonly tokens: number;
  /** New tokens across the attention-DP group (routed experts see them all). */
  readonly moeTokens: number;
  /** Sequences on this device. */
  readonly sequences: number;
  /** New tokens per sequence (the prompt or chunk length in prefill). */
  readonly tokensPerSequence: number;
  readonly phase: PhaseKind;
  readonly priorContext: number;
  /** Layers of a group on the busiest stage, per layer of the group. */
  readonly layerScale: number;
  readonly weightBytes: number;
  /** Bytes per element of GEMM inputs (fp8 activations are quantized before the GEMM). */
  readonly gemmInputBytes: number;
  /** Of weightBytes and gemmInputBytes, the block/group scales (units/formats.ts). */
  readonly weightScaleBytes: number;
  readonly gemmInputScaleBytes: number;
  /** The weight GEMMs are block-scaled FP8 (Formats.fp8Block). */
  readonly blockScaledFp8: boolean;
  /** Bytes per element of the residual stream and GEMM outputs (16-bit unless fp32). */
  readonly streamBytes: number;
  readonly kvBytes: number;
  readonly gemmRate: RateFormat;
  readonly attentionRate: RateFormat;
}

export type OperatorFields = Pick<Operator, 'name' | 'kind' | 'count' | 'flops' | 'bytes' | 'rate'> &
  Partial<
    Pick<
      Operator,
      | 'flopsPerContext'
      | 'bytesPerContext'
      | 'contextCap'
      | 'shape'
      | 'collective'
      | 'kernels'
      | 'part'
      | 'scaleBytes'
      | 'blockScaled'
    >
  >;

/** Builds an operator with every field present, in one fixed order (monomorphic for the JIT). */
export function op(f: OperatorFields): Operator {
  return {
    name: f.name,
    kind: f.kind,
    count: f.count,
    flops: f.flops,
    bytes: f.bytes,
    flopsPerContext: f.flopsPerContext ?? 0,
    bytesPerContext: f.bytesPerContext ?? 0,
    contextCap: f.contextCap ?? Number.POSITIVE_INFINITY,
    rate: f.rate,
    shape: f.shape,
    collective: f.collective,
    part: f.part ?? 'shared',
    kernels: f.kernels ?? 1,
    scaleBytes: f.scaleBytes ?? 0,
    blockScaled: f.blockScaled ?? false,
  };
}

/**
 * A GEMM [m × k]·[k × n] (× groups) with weights at the scenario's weight format; `grouped` marks
 * a grouped (MoE) kernel even when the device runs one group or fewer on average.
 */
export function gemm(
  c: StepContext,
  name: string,
  count: number,
  m: number,
  n: number,
  k: number,
  groups = 1,
  part: Operator['part'] = 'shared',
  grouped = false,
): Operator {
  return op({
    name,
    kind: groups > 1 || grouped ? 'grouped-gemm' : 'gemm',
    count,
    flops: 2 * m * n * k * groups,
    bytes: groups * (k * n * c.weightBytes + m * k * c.gemmInputBytes + m * n * c.streamBytes),
    rate: c.gemmRate,
    shape: { m, n, k, groups },
    part,
    scaleBytes: groups * (k * n * c.weightScaleBytes + m * k * c.gemmInputScaleBytes),
    blockScaled: c.blockScaledFp8,
  });
}

/** A memory-bound elementwise op reading `readElems` and writing `writeElems` stream elements. */
export function elementwise(
  c: StepContext,
  name: string,
  count: number,
  readElems: number,
  writeElems: number,
  flopsPerElem = 1,
  part: Operator['part'] = 'shared',
): Operator {
  return op({
    name,
    kind: 'elementwise',
    count,
    flops: flopsPerElem * writeElems,
    bytes: (readElems + writeElems) * c.streamBytes,
    rate: 'fp32',
    part,
  });
}

/** A collective of `bytes` per device over `group` devices (no local work). */
export function collective(
  name: string,
  count: number,
  kind: NonNullable<Operator['collective']>['kind'],
  bytes: number,
  group: number,
  part: Operator['part'] = 'shared',
): Operator {
  return op({
    name,
    kind: 'collective',
    count,
    flops: 0,
    bytes: 0,
    rate: 'fp32',
    collective: { kind, bytes, group },
    part,
  });
}

/** Σ over the positions p+1..p+L of min(position, window): attended pairs of one prompt chunk. */
export function causalPairs(prior: number, length: number, window: number): number {
  const lo = prior + 1;
  const hi = prior + length;
  if (length <= 0) return 0;
  if (window >= hi) return (length * (lo + hi)) / 2;
  if (window < lo) return length * window;
  return ((window - lo + 1) * (lo + window)) / 2 + (hi - window) * window;
}
