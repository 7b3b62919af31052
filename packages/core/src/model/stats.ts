/**
 * Model statistics from shapes alone: parameter counts (total and active per token), weight
 * bytes at a format, KV-cache bytes per token, and forward/training FLOPs per token.
 *
 * FLOP convention (reproduces the DeepSeek-V3 "Insights" paper, arXiv 2505.09343, Table 2):
 * forward = 2 FLOPs per active matmul weight (LM head included, input embedding excluded) plus
 * attention score and value products, 2·heads·(dQK + dV) per token per context position,
 * averaged over a causal sequence (mean context S/2); training = 3 × forward.
 */
import type { NumericFormat } from '../units/formats.js';
import { bytesPerElement } from '../units/formats.js';
import type { ModelSpec } from './schema.js';
import { layerGroupsOf } from './schema.js';

/** Weights of the attention block of one layer (projections and their biases). */
export function attentionParams(model: ModelSpec): number {
  const h = model.hiddenSize;
  const a = model.attention;
  if (a.kind === 'gqa') {
    const q = a.numHeads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    const bias = a.qkvBias ? q + 2 * kv : 0;
    const outBias = model.linearBias ? h : 0;
    return h * (q + 2 * kv) + q * h + bias + outBias;
  }
  const qkHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const qProj =
    a.qLoraRank === null ? h * a.numHeads * qkHead : h * a.qLoraRank + a.qLoraRank * a.numHeads * qkHead;
  const kvDown = h * (a.kvLoraRank + a.qkRopeHeadDim);
  const kvUp = a.kvLoraRank * a.numHeads * (a.qkNopeHeadDim + a.vHeadDim);
  const out = a.numHeads * a.vHeadDim * h;
  const loraNorms = (a.qLoraRank ?? 0) + a.kvLoraRank;
  return qProj + kvDown + kvUp + out + loraNorms;
}

export function denseFfnParams(model: ModelSpec): number {
  const bias = model.linearBias ? model.ffn.intermediateSize + model.hiddenSize : 0;
  return (model.ffn.gated ? 3 : 2) * model.hiddenSize * model.ffn.intermediateSize + bias;
}

export function expertParams(model: ModelSpec): number {
  const moe = model.moe;
  if (moe === undefined) return 0;
  const bias = model.linearBias ? 2 * moe.expertIntermediateSize + model.hiddenSize : 0;
  return 3 * model.hiddenSize * moe.expertIntermediateSize + bias;
}

export function sharedExpertParams(model: ModelSpec): number {
  const moe = model.moe;
  if (moe === undefined || moe.numSharedExperts === 0) return 0;
  const width = moe.sharedExpertIntermediateSize ?? moe.expertIntermediateSize;
  return moe.numSharedExperts * 3 * model.hiddenSize * width;
}

export function routerParams(model: ModelSpec): number {
  return model.moe === undefined ? 0 : model.hiddenSize * model.moe.numExperts;
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

const paramCache = new WeakMap<ModelSpec, ParamCounts>();

/** Parameter counts; cached per model object (sweeps evaluate one model many times). */
export function countParams(model: ModelSpec): ParamCounts {
  const cached = paramCache.get(model);
  if (cached !== undefined) return cached;
  const counts = computeParams(model);
  paramCache.set(model, counts);
  return counts;
}

function computeParams(model: ModelSpec): ParamCounts {
  const positions = model.positionEmbedding === 'learned' ? (model.maxPositionEmbeddings ?? 0) : 0;
  const embedding = (model.vocabSize + positions) * model.hiddenSize;
  const lmHead = model.tiedEmbeddings ? 0 : model.vocabSize * model.hiddenSize;
  const attn = attentionParams(model);
  const norms = normParams(model);
  let total = embedding + lmHead + model.hiddenSize;
  let active = embedding + lmHead + model.hiddenSize;
  let routedExperts = 0;
  for (const g of layerGroupsOf(model)) {
    const shared = attn + norms;
    total += g.count * shared;
    active += g.count * shared;
    if (g.moe && model.moe !== undefined) {
      const routed = model.moe.numExperts * expertParams(model);
      const fixed = routerParams(model) + sharedExpertParams(model);
      total += g.count * (routed + fixed);
      active += g.count * (model.moe.topK * expertParams(model) + fixed);
      routedExperts += g.count * routed;
    } else {
      total += g.count * denseFfnParams(model);
      active += g.count * denseFfnParams(model);
    }
  }
  return { total, activePerToken: active, embedding, lmHead, routedExperts };
}

/** Weight bytes at a storage format (norms and biases are counted at the same format). */
export function weightBytes(model: ModelSpec, format: NumericFormat): number {
  return countParams(model).total * bytesPerElement(format);
}

/** Elements cached per token per layer: K and V heads, or the MLA latent plus RoPE key. */
export function kvElementsPerTokenPerLayer(model: ModelSpec): number {
  const a = model.attention;
  return a.kind === 'gqa' ? 2 * a.numKvHeads * a.headDim : a.kvLoraRank + a.qkRopeHeadDim;
}

/** KV-cache bytes per token over all layers, before any sliding-window cap. */
export function kvCacheBytesPerToken(model: ModelSpec, format: NumericFormat = 'bf16'): number {
  return kvElementsPerTokenPerLayer(model) * model.numLayers * bytesPerElement(format);
}

/**
 * KV-cache bytes per token of a sequence of `contextTokens` tokens: sliding-window layers hold at
 * most the window, so per token they cost less as the context grows (what estimate allocates).
 */
export function kvCacheBytesPerTokenAt(
  model: ModelSpec,
  format: NumericFormat,
  contextTokens: number,
): number {
  let layerTokens = 0;
  for (const g of layerGroupsOf(model)) {
    const held =
      g.attention === 'full' ? contextTokens : Math.min(contextTokens, model.slidingWindow ?? contextTokens);
    layerTokens += g.count * held;
  }
  return (kvElementsPerTokenPerLayer(model) * layerTokens * bytesPerElement(format)) / contextTokens;
}

/** Query·key plus attention·value FLOPs per query token per context position, one layer. */
export function attentionFlopsPerContextToken(model: ModelSpec): number {
  const a = model.attention;
  if (a.kind === 'gqa') return 2 * a.numHeads * (2 * a.headDim);
  return 2 * a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim);
}

/** Mean attended context of a token in a causal sequence of length S, under a window cap. */
export function meanCausalContext(sequenceLength: number, window: number | undefined): number {
  if (window === undefined || window >= sequenceLength) return (sequenceLength + 1) / 2;
  // Tokens before the window fills attend to i+1 positions, the rest to `window`.
  const ramp = (window * (window + 1)) / 2;
  return (ramp + (sequenceLength - window) * window) / sequenceLength;
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
  const perCtx = attentionFlopsPerContextToken(model);
  for (const g of layerGroupsOf(model)) {
    const window = g.attention === 'full' ? undefined : model.slidingWindow;
    attention += g.count * perCtx * meanCausalContext(sequenceLength, window);
  }
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
  /** Per token of a sequence of sequenceLength tokens, sliding-window layers capped at the window. */
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
