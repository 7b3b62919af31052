/**
 * Model statistics from shapes alone: parameter counts (total and active per token), weight
 * bytes at a format, KV-cache bytes per token, and forward/training FLOPs per token.
 *
 * FLOP convention (reproduces the DeepSeek-V3 "Insights" paper, arXiv 2505.09343, Table 2):
 * forward = 2 FLOPs per active matmul weight (LM head included, input embedding excluded) plus
 * attention score and value products, 2·heads·(dQK + dV) per token per context position,
 * averaged over a causal sequence (mean context S/2); training = 3 × forward.
 */
import { denseFfnParams } from '../layers/dense-ffn.js';
import { expertParams as routedExpertParams, sharedExpertParams as sharedParams } from '../layers/moe.js';
import { layerStackOf } from '../layers/registry.js';
import { UNSHARDED } from '../layers/types.js';
import type { NumericFormat } from '../units/formats.js';
import { bytesPerElement } from '../units/formats.js';
import type { ModelSpec } from './schema.js';

export { meanCausalContext } from '../layers/attention.js';
export { denseFfnParams };

// Model-level shorthands of the per-layer figures, for callers that think of a model as one
// attention kind and one FFN (the first layer's token mixer). New code iterates layerStackOf.

/** Weights of the first layer's token mixer (attention projections and their biases). */
export function attentionParams(model: ModelSpec): number {
  return firstMixer(model).params(model).total;
}

/** Weights of one routed expert (0 for a dense model). */
export function expertParams(model: ModelSpec): number {
  return model.moe === undefined ? 0 : routedExpertParams(model, model.moe);
}

/** Weights of one layer's shared experts (0 for a dense model). */
export function sharedExpertParams(model: ModelSpec): number {
  return model.moe === undefined ? 0 : sharedParams(model, model.moe);
}

/** Weights of one MoE layer's router (0 for a dense model). */
export function routerParams(model: ModelSpec): number {
  return model.moe === undefined ? 0 : model.hiddenSize * model.moe.numExperts;
}

/** Elements the first layer's mixer caches per token (K and V heads, or the MLA latent plus RoPE key). */
export function kvElementsPerTokenPerLayer(model: ModelSpec): number {
  return firstMixer(model).cacheElements(model, 1, UNSHARDED);
}

/** Query·key plus attention·value FLOPs per query token per context position, first layer's mixer. */
export function attentionFlopsPerContextToken(model: ModelSpec): number {
  // A one-token sequence attends to exactly one position.
  return firstMixer(model).contextFlopsPerToken(model, 1);
}

function firstMixer(model: ModelSpec) {
  const g = layerStackOf(model)[0];
  if (g === undefined) throw new Error(`model '${model.id}' has no layers`);
  return g.mixer;
}

/** Norm weights of one layer (one norm for parallel attention/FFN blocks, two otherwise). */
export function normParams(model: ModelSpec): number {
  const perNorm = model.norm === 'layer' ? 2 * model.hiddenSize : model.hiddenSize;
  return (model.parallelBlock ? 1 : 2) * perNorm;
}

export interface ParamCounts {
  /** Every weight, embeddings included. */
  readonly total: number;
  /** Weights one token reads: shared parts plus top-k routed experts. */
  readonly activePerToken: number;
  readonly embedding: number;
  readonly lmHead: number;
  /** Routed expert weights over all layers (they shard under expert parallelism). */
  readonly routedExperts: number;
}

/** Keyed by the model's layer stack, which a registry change replaces. */
const paramCache = new WeakMap<object, ParamCounts>();

/** Parameter counts; cached per model object (sweeps evaluate one model many times). */
export function countParams(model: ModelSpec): ParamCounts {
  const stack = layerStackOf(model);
  const cached = paramCache.get(stack);
  if (cached !== undefined) return cached;
  const counts = computeParams(model);
  paramCache.set(stack, counts);
  return counts;
}

function computeParams(model: ModelSpec): ParamCounts {
  const positions = model.positionEmbedding === 'learned' ? (model.maxPositionEmbeddings ?? 0) : 0;
  const embedding = (model.vocabSize + positions) * model.hiddenSize;
  const lmHead = model.tiedEmbeddings ? 0 : model.vocabSize * model.hiddenSize;
  const norms = normParams(model);
  let total = embedding + lmHead + model.hiddenSize;
  let active = embedding + lmHead + model.hiddenSize;
  let routedExperts = 0;
  for (const g of layerStackOf(model)) {
    const mixer = g.mixer.params(model);
    const ffn = g.ffn.params(model);
    total += g.count * (mixer.total + norms) + g.count * ffn.total;
    active += g.count * (mixer.activePerToken + norms) + g.count * ffn.activePerToken;
    routedExperts += g.count * (mixer.routedExperts + ffn.routedExperts);
  }
  return { total, activePerToken: active, embedding, lmHead, routedExperts };
}

const replicatedCache = new WeakMap<object, number>();

/** Weights every tensor-parallel rank holds in full, over all layers: norms, MLA down-projections, routers. */
export function replicatedLayerParams(model: ModelSpec): number {
  const stack = layerStackOf(model);
  const cached = replicatedCache.get(stack);
  if (cached !== undefined) return cached;
  let replicated = model.numLayers * normParams(model);
  for (const g of stack)
    replicated += g.count * g.mixer.params(model).replicated + g.count * g.ffn.params(model).replicated;
  replicatedCache.set(stack, replicated);
  return replicated;
}

/** Weight bytes at a storage format (norms and biases are counted at the same format). */
export function weightBytes(model: ModelSpec, format: NumericFormat): number {
  return countParams(model).total * bytesPerElement(format);
}

/** KV-cache (or state) bytes per token over all layers, unsharded, before any sliding-window cap. */
export function kvCacheBytesPerToken(model: ModelSpec, format: NumericFormat = 'bf16'): number {
  let elements = 0;
  for (const g of layerStackOf(model))
    elements +=
      g.count * (g.mixer.cacheElements(model, 1, UNSHARDED) + g.ffn.cacheElements(model, 1, UNSHARDED));
  return elements * bytesPerElement(format);
}

/**
 * KV-cache (or state) bytes per token of a sequence of `contextTokens` tokens: sliding-window
 * layers hold at most the window, so per token they cost less as the context grows (what
 * estimate allocates).
 */
export function kvCacheBytesPerTokenAt(
  model: ModelSpec,
  format: NumericFormat,
  contextTokens: number,
): number {
  let elements = 0;
  for (const g of layerStackOf(model))
    elements +=
      g.count *
      (g.mixer.cacheElements(model, contextTokens, UNSHARDED) +
        g.ffn.cacheElements(model, contextTokens, UNSHARDED));
  return (elements * bytesPerElement(format)) / contextTokens;
}

export interface FlopCounts {
  readonly forwardFlopsPerToken: number;
  readonly trainingFlopsPerToken: number;
  readonly matmulFlopsPerToken: number;
  readonly attentionFlopsPerToken: number;
}

/** FLOPs per token for a causal sequence of `sequenceLength` tokens. */
export function flopsPerToken(model: ModelSpec, sequenceLength: number): FlopCounts {
  const params = countParams(model);
  const matmulWeights = params.activePerToken - params.embedding - model.hiddenSize;
  const matmul = 2 * matmulWeights;
  let attention = 0;
  for (const g of layerStackOf(model))
    attention +=
      g.count *
      (g.mixer.contextFlopsPerToken(model, sequenceLength) +
        g.ffn.contextFlopsPerToken(model, sequenceLength));
  const forward = matmul + attention;
  return {
    forwardFlopsPerToken: forward,
    trainingFlopsPerToken: 3 * forward,
    matmulFlopsPerToken: matmul,
    attentionFlopsPerToken: attention,
  };
}

export interface ModelStats {
  readonly totalParams: number;
  readonly activeParams: number;
  readonly embeddingParams: number;
  readonly weightBytes: number;
  readonly weightFormat: NumericFormat;
  /** Every layer holding every token (full attention): the figure before any window cap. */
  readonly kvCacheBytesPerToken: number;
  /** Per token of a sequence of sequenceLength tokens, sliding-window layers capped at their window size. */
  readonly kvCacheBytesPerTokenAtSequence: number;
  readonly kvFormat: NumericFormat;
  readonly sequenceLength: number;
  readonly forwardFlopsPerToken: number;
  readonly trainingFlopsPerToken: number;
}

export function modelStats(
  model: ModelSpec,
  options: { weightFormat?: NumericFormat; kvFormat?: NumericFormat; sequenceLength?: number } = {},
): ModelStats {
  const weightFormat = options.weightFormat ?? 'bf16';
  const kvFormat = options.kvFormat ?? 'bf16';
  const sequenceLength = options.sequenceLength ?? 4096;
  const params = countParams(model);
  const flops = flopsPerToken(model, sequenceLength);
  return {
    totalParams: params.total,
    activeParams: params.activePerToken,
    embeddingParams: params.embedding,
    weightBytes: params.total * bytesPerElement(weightFormat),
    weightFormat,
    kvCacheBytesPerToken: kvCacheBytesPerToken(model, kvFormat),
    kvCacheBytesPerTokenAtSequence: kvCacheBytesPerTokenAt(model, kvFormat, sequenceLength),
    kvFormat,
    sequenceLength,
    forwardFlopsPerToken: flops.forwardFlopsPerToken,
    trainingFlopsPerToken: flops.trainingFlopsPerToken,
  };
}
