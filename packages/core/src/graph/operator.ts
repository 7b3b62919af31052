/**
 * Operators: the unit of cost. Each carries its work per device for one occurrence (one layer),
 * split into a context-independent part and a part linear in the attended context, so a decode
 * step at any context is costed without rebuilding the graph.
 */
import type { RateFormat } from '../units/formats.js';

export type OperatorKind = 'gemm' | 'grouped-gemm' | 'attention' | 'elementwise' | 'embedding' | 'collective';

export interface GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Independent GEMMs of this shape in one launch (experts, heads). */
  readonly groups: number;
}

export interface Operator {
  readonly name: string;
  readonly kind: OperatorKind;
  /** Occurrences per step on this device (layers of the group). */
  readonly count: number;
  readonly flops: number;
  readonly bytes: number;
  /** FLOPs and bytes per position of attended context (decode attention), per occurrence. */
  readonly flopsPerContext: number;
  readonly bytesPerContext: number;
  /** Context positions a layer attends to at most (sliding window); Infinity when unbounded. */
  readonly contextCap: number;
  /** Rate class the arithmetic runs at. */
  readonly rate: RateFormat;
  readonly shape: GemmShape | undefined;
  /** Bytes each device contributes to a collective, and the group size. */
  readonly collective:
    | {
        readonly kind: 'all-reduce' | 'all-gather' | 'all-to-all' | 'p2p';
        readonly bytes: number;
        readonly group: number;
        /**
         * One stage of a node-level all-to-all across scale-up domains (DeepEP normal kernels
         * spanning nodes, layers/moe.ts): 'scale-out' moves `bytes` over the scale-out network
         * alone (each token once per remote node it reaches); 'scale-up-forward' moves `bytes`
         * inside the domain, pipelined with the scale-out stage of `pipelinedBytes` (charged only
         * where it outlasts that stage; cost/collectives.ts). Absent: a plain collective.
         */
        readonly stage?: 'scale-out' | 'scale-up-forward';
        readonly pipelinedBytes?: number;
      }
    | undefined;
  /**
   * Which tokens of a step the operator's work scales with, so a mixed continuous-batching step
   * is costed from its parts: 'shared' (every new token), 'prefill' (prompt tokens only: MLA
   * expanded form, prefill attention), 'decode' (decode tokens only: absorbed MLA, decode
   * attention) or 'head' (one row per sequence that emits a token).
   */
  readonly part: 'shared' | 'prefill' | 'decode' | 'head';

  /** Kernel launches per occurrence. */
  readonly kernels: number;
  /**
   * Of `bytes`, those of block/group scales (NVFP4, MXFP4, int4 groups) read with the GEMM's
   * weights and quantized inputs, per occurrence; 0 for other operators. Reported, not costed
   * apart: they are already in `bytes`. Operators built by graph/ops.ts always carry it.
   */
  readonly scaleBytes?: number;
  /**
   * A GEMM whose FP8 operands carry fine-grained block scales (precision.fp8Scaling 'block'): it
   * runs at the family's gemmBlockFp8PeakFraction (cost/roofline.ts). False or absent otherwise.
   */
  readonly blockScaled?: boolean;
}

export type PhaseKind = 'prefill' | 'decode';

export interface PhaseGraph {
  readonly phase: PhaseKind;
  /** Sequences in the step. */
  readonly sequences: number;
  /** New tokens processed in the step, over all sequences. */
  readonly tokens: number;
  readonly operators: readonly Operator[];
}
