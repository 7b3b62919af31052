/**
 * Layer kinds. A transformer block is a token mixer (attention, MLA; later state-space or
 * convolution layers) and a channel mixer (dense FFN, MoE), with norms and residuals around
 * them. Each kind owns everything that depends on its shapes: its parameters, its cache per
 * sequence, its context FLOPs, its activation width and its operators in a step. Model
 * statistics, the memory footprint and the graph builder iterate over a model's layers through
 * the registry (registry.ts) and never switch on kinds.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Operator } from '../graph/operator.js';
import type { StepContext } from '../graph/ops.js';
import type { ModelSpec } from '../model/schema.js';
import type { GraphContext } from '../scenario/types.js';

/** Token mixers (attention and its successors) or channel mixers (FFNs). */
export type LayerRole = 'mixer' | 'ffn';

/** Parameters of one layer of a kind (norms excluded: they belong to the block). */
export interface LayerParams {
  /** Every weight of the layer. */
  readonly total: number;
  /** Weights one token reads (routed experts: top-k of them). */
  readonly activePerToken: number;
  /** Weights every tensor-parallel rank holds in full (MLA down-projections, routers). */
  readonly replicated: number;
  /** Routed expert weights: split over ep devices and each expert over tp/ep. */
  readonly routedExperts: number;
}

/** How a layer's cache is split over devices. */
export interface CacheShard {
  /** Devices attention heads are split over. */
  readonly attnTp: number;
  /** XQuant: the cache holds the layer input instead of K and V. */
  readonly cacheLayerInput: boolean;
}

/** The cache of a model as one device holding all of it sees it (model statistics). */
export const UNSHARDED: CacheShard = { attnTp: 1, cacheLayerInput: false };

/** How a layer is split over devices: heads over attnTp, experts over ep and each expert over tp/ep. */
export interface LayerSplit {
  readonly attnTp: number;
  readonly tp: number;
  readonly ep: number;
}

/** One layer of a model: a kind bound to the per-layer settings it was selected with. */
export interface Layer {
  /** Registry key of the kind ('gqa', 'mla', 'dense-ffn', 'moe', ...). */
  readonly kind: string;
  /** Layers with equal keys are identical and costed once per step (times their count). */
  readonly key: string;
  params(model: ModelSpec): LayerParams;
  /**
   * Elements one sequence of `tokens` tokens holds in this layer's cache on one device: KV heads
   * or a latent per cached position (a sliding window caps the positions), a constant for a
   * recurrent state, 0 for FFNs.
   */
  cacheElements(model: ModelSpec, tokens: number, shard: CacheShard): number;
  /** Context-dependent FLOPs per token (attention scores and values), mean over a causal sequence. */
  contextFlopsPerToken(model: ModelSpec, sequenceLength: number): number;
  /** Activation elements per token of this layer's widest intermediate, on one of attnTp devices. */
  activationElementsPerToken(model: ModelSpec, attnTp: number): number;
  /** Appends this layer's operators for one step, each occurring `count` times. */
  operators(c: StepContext, count: number, out: Operator[]): void;
  /** Problems splitting this layer over devices (heads or columns a split does not divide). */
  checkSplit(model: ModelSpec, split: LayerSplit): readonly Diagnostic[];
  /** Problems caching the layer input instead of K and V (XQuant), asked for by the scenario. */
  checkCacheLayerInput(model: ModelSpec, attnTp: number): readonly Diagnostic[];
  /** True when the layer returns its output to the tokens' owners itself (MoE combine under attention DP). */
  skipsBlockAllReduce(ctx: GraphContext): boolean;
}

/** No diagnostics. */
export const NO_DIAGNOSTICS: readonly Diagnostic[] = [];

export interface LayerKind {
  readonly kind: string;
  readonly role: LayerRole;
  /** The layer at `index` of `model` when it is of this kind, else undefined. */
  select(model: ModelSpec, index: number): Layer | undefined;
}
