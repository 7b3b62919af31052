/**
 * Memory per device: weights (sharded by tensor parallelism; MLA down-projections, routers and
 * norms replicated), KV cache (tokens × bytes per token, sliding-window layers capped at the
 * window, KV heads replicated when tp exceeds them), activation workspace of the largest step,
 * and the engine's runtime reserve. The usable capacity follows the engine's memory fraction.
 */
import { layerStackOf } from '../layers/registry.js';
import { countParams, replicatedLayerParams } from '../model/stats.js';
import type { GraphContext, MemoryContext } from '../scenario/types.js';
import { bytesPerElement } from '../units/formats.js';

export interface MemoryFootprint {
  readonly weightsBytes: number;
  readonly kvCacheBytes: number;
  readonly activationsBytes: number;
  readonly reservedBytes: number;
  readonly totalBytes: number;
  /** Device memory the engine lets this scenario use. */
  readonly capacityBytes: number;
  readonly fits: boolean;
  /** KV bytes one sequence of the scenario's length needs on this device. */
  readonly kvBytesPerSequence: number;
  /** Largest batch of sequences of this length that fits (0 when the weights alone do not). */
  readonly maxBatch: number;
}

/**
 * Weight bytes held by one device of the busiest pipeline stage. Attention and dense layers are
 * split over attnTp devices (replicated under attention DP); routed experts over ep devices and
 * each expert over tp/ep; MLA down-projections, routers and norms are replicated; the embedding
 * and LM head are vocabulary-parallel over tp and, with pp > 1, sit on the first and last stage.
 */
export function weightsBytesPerDevice(ctx: GraphContext): number {
  const m = ctx.model;
  const params = countParams(m);
  const vocab = params.embedding + params.lmHead;
  const vocabPerDevice = (ctx.pp === 1 ? vocab : Math.max(params.embedding, params.lmHead)) / ctx.tp;
  return (
    (layerParamsPerDevice(ctx, params) * ctx.layerScale + vocabPerDevice + m.hiddenSize) *
    bytesPerElement(ctx.formats.weights)
  );
}

/** Parameters of all decoder layers (no embedding or head) one device holds, before pipeline stages. */
function layerParamsPerDevice(ctx: GraphContext, params = countParams(ctx.model)): number {
  const m = ctx.model;
  const replicated = replicatedLayerParams(m);
  const vocab = params.embedding + params.lmHead;
  const layerSharded = params.total - replicated - vocab - params.routedExperts - m.hiddenSize;
  // Each of the ep ranks holds (experts + redundant)/ep expert slots, each split over tp/ep devices.
  const experts = m.moe?.numExperts ?? 0;
  const slots = experts > 0 ? (experts + (ctx.redundantExperts ?? 0)) / experts : 1;
  return replicated + layerSharded / ctx.attnTp + (params.routedExperts * slots) / ctx.tp;
}

/**
 * The MTP modules' weights, loaded when MTP speculation runs: each is one decoder layer of the
 * target (its mean layer here) plus the projection of [hidden; embedding] to the hidden size,
 * sharing the target's embedding and head (DeepSeek-V3 technical report §2.2); on the last
 * pipeline stage.
 */
export function mtpWeightsBytesPerDevice(ns: MemoryContext): number {
  if (ns.serving.speculative?.method !== 'mtp') return 0;
  const m = ns.model;
  const perModule = layerParamsPerDevice(ns) / m.numLayers + (2 * m.hiddenSize * m.hiddenSize) / ns.attnTp;
  return m.mtpLayers * perModule * bytesPerElement(ns.formats.weights);
}

/** A speculative draft model's weights, split like the target's attention over attnTp devices. */
export function draftWeightsBytesPerDevice(ns: MemoryContext): number {
  const draft = ns.serving.speculative?.draft;
  if (draft === undefined) return 0;
  return (countParams(draft).total / ns.attnTp) * bytesPerElement(ns.formats.weights);
}

/**
 * KV-cache (or recurrent-state) bytes per device for one sequence holding `tokens` tokens (the
 * busiest stage): each layer kind says what it caches.
 */
export function kvBytesPerSequence(ctx: GraphContext, tokens: number): number {
  const m = ctx.model;
  const shard = { attnTp: ctx.attnTp, cacheLayerInput: ctx.formats.cacheLayerInput };
  let total = 0;
  for (const g of layerStackOf(m))
    total += g.count * (g.mixer.cacheElements(m, tokens, shard) + g.ffn.cacheElements(m, tokens, shard));
  // Bytes per cached element, block/group scales included (KIVI 2-bit is 'int2').
  return total * ctx.layerScale * bytesPerElement(ctx.formats.kvCache);
}

/** Peak activation workspace of a step processing `tokens` tokens for `sequences` sequences. */
export function activationBytes(ctx: GraphContext, tokens: number, sequences: number): number {
  const m = ctx.model;
  const stream = ctx.formats.activations === 'fp32' ? 4 : 2;
  // The widest token mixer and the widest FFN of the model.
  let mixer = 0;
  let ffn = 0;
  for (const g of layerStackOf(m)) {
    mixer = Math.max(mixer, g.mixer.activationElementsPerToken(m, ctx.attnTp));
    ffn = Math.max(ffn, g.ffn.activationElementsPerToken(m, ctx.attnTp));
  }
  const perToken = 4 * m.hiddenSize + mixer + ffn;
  const logits = sequences * (m.vocabSize / ctx.tp) * 4;
  return tokens * perToken * stream + logits;
}

/** What the device holds besides the KV cache, and what the engine lets KV use. */
export interface KvBudget {
  readonly weightsBytes: number;
  /** Weights held off-device (offload), per device. */
  readonly offloadedWeightsBytes: number;
  readonly activationsBytes: number;
  readonly reservedBytes: number;
  readonly capacityBytes: number;
  /** Device bytes left for the KV cache (never negative). */
  readonly kvRoomBytes: number;
}

export function kvBudget(ns: MemoryContext, peakStepTokens: number, sequences: number): KvBudget {
  const allWeights =
    weightsBytesPerDevice(ns) + draftWeightsBytesPerDevice(ns) + mtpWeightsBytesPerDevice(ns);
  const offloadedWeightsBytes = allWeights * (ns.offload?.weightsFraction ?? 0);
  const weightsBytes = allWeights - offloadedWeightsBytes;
  const activationsBytes = activationBytes(ns, peakStepTokens, sequences);
  const reservedBytes = ns.engine.runtimeReserveBytes;
  const device = ns.hardware.memory.capacityBytes;
  const fixed = weightsBytes + activationsBytes + reservedBytes;
  const f = ns.engine.memoryFraction;
  let capacityBytes: number;
  switch (ns.engine.kvMemoryBasis) {
    case 'total':
      capacityBytes = device * f;
      break;
    case 'free-after-weights':
      capacityBytes = Math.min(device, fixed + Math.max(0, device - fixed) * f);
      break;
    case 'weights-and-kv':
      // mem_fraction_static bounds weights + KV; activations and graphs live in the rest.
      capacityBytes = Math.min(device, device * f + activationsBytes + reservedBytes);
      break;
  }
  return {
    weightsBytes,
    offloadedWeightsBytes,
    activationsBytes,
    reservedBytes,
    capacityBytes,
    kvRoomBytes: Math.max(0, capacityBytes - fixed),
  };
}

/**
 * KV tokens one replica can hold: the device's KV room over the bytes per token, times the
 * attention-DP ranks that each hold their own sequences; the offloaded KV share lives elsewhere
 * and stretches the device's room by 1/(1 − share).
 */
export function kvCapacityTokens(ns: MemoryContext, budget: KvBudget, requestTokens = 1): number {
  // Sliding-window layers hold at most the window: the bytes per token of a request of this length.
  const perToken = kvBytesPerSequence(ns, requestTokens) / requestTokens;
  if (perToken <= 0) return Number.MAX_SAFE_INTEGER;
  const share = ns.offload?.kvCacheFraction ?? 0;
  const onDevice = 1 - share;
  const tokens = onDevice <= 0 ? Number.MAX_SAFE_INTEGER : budget.kvRoomBytes / (perToken * onDevice);
  return Math.floor(Math.min(tokens, Number.MAX_SAFE_INTEGER / 4)) * ns.attnDp;
}

export function memoryFootprint(
  ns: MemoryContext,
  sequences: number,
  tokensPerSequence: number,
  peakStepTokens: number,
): MemoryFootprint {
  const b = kvBudget(ns, peakStepTokens, sequences);
  // Under attention DP each device holds the KV of its own share of the sequences.
  const perSeq = kvBytesPerSequence(ns, tokensPerSequence) * (1 - (ns.offload?.kvCacheFraction ?? 0));
  const kvCacheBytes = Math.ceil(sequences / ns.attnDp) * perSeq;
  const totalBytes = b.weightsBytes + kvCacheBytes + b.activationsBytes + b.reservedBytes;
  const maxBatch = b.kvRoomBytes <= 0 || perSeq <= 0 ? 0 : Math.floor(b.kvRoomBytes / perSeq) * ns.attnDp;
  return {
    weightsBytes: b.weightsBytes,
    kvCacheBytes,
    activationsBytes: b.activationsBytes,
    reservedBytes: b.reservedBytes,
    totalBytes,
    capacityBytes: b.capacityBytes,
    fits: totalBytes <= b.capacityBytes,
    kvBytesPerSequence: perSeq,
    maxBatch,
  };
}
