/**
 * Memory per device: weights (sharded by tensor parallelism; MLA down-projections, routers and
 * norms replicated), KV cache (tokens × bytes per token, sliding-window layers capped at the
 * window, KV heads replicated when tp exceeds them), activation workspace of the largest step,
 * and the engine's runtime reserve. The usable capacity follows the engine's memory fraction.
 */
import { layerGroupsOf } from '../model/schema.js';
import { countParams, normParams, routerParams } from '../model/stats.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
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

/** Weight bytes held by one device. */
export function weightsBytesPerDevice(ns: NormalizedScenario): number {
  const m = ns.model;
  const params = countParams(m);
  let replicated = m.numLayers * normParams(m);
  if (m.attention.kind === 'mla') {
    const a = m.attention;
    const down =
      (a.qLoraRank === null ? 0 : m.hiddenSize * a.qLoraRank) +
      m.hiddenSize * (a.kvLoraRank + a.qkRopeHeadDim);
    replicated += m.numLayers * down;
  }
  for (const g of layerGroupsOf(m)) if (g.moe) replicated += g.count * routerParams(m);
  const sharded = params.total - replicated;
  return (replicated + sharded / ns.tp) * bytesPerElement(ns.formats.weights);
}

/** KV-cache bytes per device for one sequence holding `tokens` tokens. */
export function kvBytesPerSequence(ns: NormalizedScenario, tokens: number): number {
  const m = ns.model;
  const a = m.attention;
  const perLayer =
    a.kind === 'gqa' ? 2 * Math.max(1, a.numKvHeads / ns.tp) * a.headDim : a.kvLoraRank + a.qkRopeHeadDim; // the latent is replicated on every TP rank
  let total = 0;
  for (const g of layerGroupsOf(m)) {
    const held = g.attention === 'full' ? tokens : Math.min(tokens, m.slidingWindow ?? tokens);
    total += g.count * held;
  }
  return total * perLayer * bytesPerElement(ns.formats.kvCache);
}

/** Peak activation workspace of a step processing `tokens` tokens for `sequences` sequences. */
export function activationBytes(ns: NormalizedScenario, tokens: number, sequences: number): number {
  const m = ns.model;
  const stream = ns.formats.activations === 'fp32' ? 4 : 2;
  const a = m.attention;
  const qkv =
    a.kind === 'gqa'
      ? (a.numHeads / ns.tp + 2 * Math.max(1, a.numKvHeads / ns.tp)) * a.headDim
      : (a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim)) / ns.tp;
  const ffnWidth =
    m.moe !== undefined
      ? Math.max(m.ffn.intermediateSize, m.moe.topK * m.moe.expertIntermediateSize)
      : m.ffn.intermediateSize;
  const perToken = 4 * m.hiddenSize + qkv + (3 * ffnWidth) / ns.tp;
  const logits = sequences * (m.vocabSize / ns.tp) * 4;
  return tokens * perToken * stream + logits;
}

export function memoryFootprint(
  ns: NormalizedScenario,
  sequences: number,
  tokensPerSequence: number,
  peakStepTokens: number,
): MemoryFootprint {
  const weightsBytes = weightsBytesPerDevice(ns);
  const perSeq = kvBytesPerSequence(ns, tokensPerSequence);
  const kvCacheBytes = sequences * perSeq;
  const activationsBytes = activationBytes(ns, peakStepTokens, sequences);
  const reservedBytes = ns.engine.runtimeReserveBytes;
  const totalBytes = weightsBytes + kvCacheBytes + activationsBytes + reservedBytes;
  const device = ns.hardware.memory.capacityBytes;
  const fixed = weightsBytes + activationsBytes + reservedBytes;
  const capacityBytes =
    ns.engine.kvMemoryBasis === 'total'
      ? device * ns.engine.memoryFraction
      : Math.min(device, fixed + Math.max(0, device - fixed) * ns.engine.memoryFraction);
  const room = capacityBytes - fixed;
  const maxBatch = room <= 0 || perSeq <= 0 ? 0 : Math.floor(room / perSeq);
  return {
    weightsBytes,
    kvCacheBytes,
    activationsBytes,
    reservedBytes,
    totalBytes,
    capacityBytes,
    fits: totalBytes <= capacityBytes,
    kvBytesPerSequence: perSeq,
    maxBatch,
  };
}
