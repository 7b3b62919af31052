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
  return operator(
    f.name,
    f.kind,
    f.count,
    f.flops,
    f.bytes,
    f.flopsPerContext ?? 0,
    f.bytesPerContext ?? 0,
    f.contextCap ?? Number.POSITIVE_INFINITY,
    f.rate,
    f.shape,
    f.collective,
    f.part ?? 'shared',
    f.kernels ?? 1,
    f.scaleBytes ?? 0,
    f.blockScaled ?? false,
  );
}

/**
 * The one operator literal, from positional fields: the constructors below call it directly, so
 * no options object is built per operator and read back through a megamorphic load (each call
 * site of `op` passes a differently shaped one).
 */
function operator(
  name: string,
  kind: Operator['kind'],
  count: number,
  flops: number,
  bytes: number,
  flopsPerContext: number,
  bytesPerContext: number,
  contextCap: number,
  rate: Operator['rate'],
  shape: Operator['shape'],
  collective: Operator['collective'],
  part: Operator['part'],
  kernels: number,
  scaleBytes: number,
  blockScaled: boolean,
): Operator {
  return {
    name,
    kind,
    count,
    flops,
    bytes,
    flopsPerContext,
    bytesPerContext,
    contextCap,
    rate,
    shape,
    collective,
    part,
    kernels,
    scaleBytes,
    blockScaled,
  };
}

/** The same operator occurring `count` times per step (layer groups merged: graph/build.ts). */
export function withCount(o: Operator, count: number): Operator {
  return operator(
    o.name,
    o.kind,
    count,
    o.flops,
    o.bytes,
    o.flopsPerContext,
    o.bytesPerContext,
    o.contextCap,
    o.rate,
    o.shape,
    o.collective,
    o.part,
    o.kernels,
    o.scaleBytes ?? 0,
    o.blockScaled ?? false,
  );
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
  return operator(
    name,
    groups > 1 || grouped ? 'grouped-gemm' : 'gemm',
    count,
    2 * m * n * k * groups,
    groups * (k * n * c.weightBytes + m * k * c.gemmInputBytes + m * n * c.streamBytes),
    0,
    0,
    Number.POSITIVE_INFINITY,
    c.gemmRate,
    { m, n, k, groups },
    undefined,
    part,
    1,
    groups * (k * n * c.weightScaleBytes + m * k * c.gemmInputScaleBytes),
    c.blockScaledFp8,
  );
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
  return operator(
    name,
    'elementwise',
    count,
    flopsPerElem * writeElems,
    (readElems + writeElems) * c.streamBytes,
    0,
    0,
    Number.POSITIVE_INFINITY,
    'fp32',
    undefined,
    undefined,
    part,
    1,
    0,
    false,
  );
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
  return operator(
    name,
    'collective',
    count,
    0,
    0,
    0,
    0,
    Number.POSITIVE_INFINITY,
    'fp32',
    undefined,
    { kind, bytes, group },
    part,
    1,
    0,
    false,
  );
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
