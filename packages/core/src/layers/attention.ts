/**
 * Attention with grouped KV heads: MHA (kv = heads), GQA, MQA (kv = 1), on full, sliding-window
 * or chunked layers (the window caps the cached and attended positions). Projections are split
 * by heads over attnTp devices; KV heads are replicated when attnTp exceeds them. XQuant-style
 * caching stores the layer input X and recomputes K and V from it every step.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { messages } from '../diagnostics/messages.js';
import type { Operator } from '../graph/operator.js';
import type { GraphContext } from '../scenario/types.js';
import { causalPairs, elementwise, gemm, op, type StepContext } from '../graph/ops.js';
import type { LayerAttentionType, ModelSpec } from '../model/schema.js';
import type { CacheShard, Layer, LayerKind, LayerParams, LayerSplit } from './types.js';

type Gqa = Extract<ModelSpec['attention'], { kind: 'gqa' }>;

function gqaOf(model: ModelSpec): Gqa {
  const a = model.attention;
  if (a.kind !== 'gqa') throw new Error(`layer kind 'gqa' on a '${a.kind}' model`);
  return a;
}

/** Window of a layer type: sliding and chunked layers attend to at most slidingWindow positions. */
export function windowOf(model: ModelSpec, type: LayerAttentionType): number {
  return type === 'full' ? Number.POSITIVE_INFINITY : (model.slidingWindow ?? Number.POSITIVE_INFINITY);
}

/** The attention layer type of layer `index` ('full' when the model lists none). */
export function attentionTypeOf(model: ModelSpec, index: number): LayerAttentionType | undefined {
  const t = model.layerTypes?.[index] ?? 'full';
  return t === 'full' || t === 'sliding' || t === 'chunked' ? t : undefined;
}

/** Mean attended context of a token in a causal sequence of length S, under a window cap. */
export function meanCausalContext(sequenceLength: number, window: number | undefined): number {
  if (window === undefined || window >= sequenceLength) return (sequenceLength + 1) / 2;
  // Tokens before the window fills attend to i+1 positions, the rest to `window`.
  const ramp = (window * (window + 1)) / 2;
  return (ramp + (sequenceLength - window) * window) / sequenceLength;
}

/** Query heads must split evenly over the attention devices (GQA and MLA alike). */
export function checkHeads(heads: number, attnTp: number, out: Diagnostic[]): void {
  if (heads % attnTp !== 0) out.push(messages.tpDoesNotDivide('attention heads', heads, attnTp));
}

/**
 * What GQA and MLA layers share: a key and an operator name per attention type, the window that
 * caps their context, and no all-reduce of their own.
 */
export abstract class AttentionLayer {
  readonly key: string;
  /** Operator name: 'attention', or 'attention_sliding' / 'attention_chunked'. */
  readonly opName: string;
  constructor(
    /** Registry key of the kind: 'gqa' or 'mla'. */
    readonly kind: string,
    readonly type: LayerAttentionType,
    readonly window: number,
  ) {
    this.key = `${kind}/${type}`;
    this.opName = type === 'full' ? 'attention' : `attention_${type}`;
  }

  /** Mean attended context of a token in a causal sequence, under this layer's window (if any). */
  protected meanContext(model: ModelSpec, sequenceLength: number): number {
    return meanCausalContext(sequenceLength, this.type === 'full' ? undefined : model.slidingWindow);
  }

  skipsBlockAllReduce(): boolean {
    return false;
  }
}

/** The layer kind of an attention variant: its layers on full, sliding and chunked layer types. */
export function attentionKind(
  kind: ModelSpec['attention']['kind'],
  LayerClass: new (kind: string, type: LayerAttentionType, window: number) => Layer,
): LayerKind {
  return {
    kind,
    role: 'mixer',
    select(model, index) {
      if (model.attention.kind !== kind) return undefined;
      const type = attentionTypeOf(model, index);
      return type === undefined ? undefined : new LayerClass(kind, type, windowOf(model, type));
    },
  };
}

/** Weights of a GQA attention block (projections and their biases). */
export function gqaParams(model: ModelSpec): number {
  const h = model.hiddenSize;
  const a = gqaOf(model);
  const q = a.numHeads * a.headDim;
  const kv = a.numKvHeads * a.headDim;
  const bias = a.qkvBias ? q + 2 * kv : 0;
  const outBias = model.linearBias ? h : 0;
  return h * (q + 2 * kv) + q * h + bias + outBias;
}

/**
 * How many times a decode step reads each cached position of a GQA layer on one device: once,
 * or once per query head of a group (query heads over KV heads on the device) where the engine's
 * generation kernel does not share K and V across the group (GraphContext.decodeKvReadsPerQueryHead).
 * A cache of layer inputs (formats.cacheLayerInput) is read once: K and V are recomputed from it.
 */
export function decodeKvReads(
  ctx: Pick<GraphContext, 'model' | 'attnTp' | 'decodeKvReadsPerQueryHead' | 'formats'>,
): number {
  const a = ctx.model.attention;
  if (ctx.decodeKvReadsPerQueryHead !== true || a.kind !== 'gqa' || ctx.formats.cacheLayerInput) return 1;
  return a.numHeads / ctx.attnTp / Math.max(1, a.numKvHeads / ctx.attnTp);
}

class GqaLayer extends AttentionLayer implements Layer {
  params(model: ModelSpec): LayerParams {
    const p = gqaParams(model);
    return { total: p, activePerToken: p, replicated: 0, routedExperts: 0 };
  }

  cacheElements(model: ModelSpec, tokens: number, shard: CacheShard): number {
    const a = gqaOf(model);
    // XQuant's layer input is replicated on every TP rank.
    const perToken = shard.cacheLayerInput
      ? model.hiddenSize
      : 2 * Math.max(1, a.numKvHeads / shard.attnTp) * a.headDim;
    return Math.min(tokens, this.window) * perToken;
  }

  contextFlopsPerToken(model: ModelSpec, sequenceLength: number): number {
    const a = gqaOf(model);
    return 2 * a.numHeads * (2 * a.headDim) * this.meanContext(model, sequenceLength);
  }

  activationElementsPerToken(model: ModelSpec, attnTp: number): number {
    const a = gqaOf(model);
    return (a.numHeads / attnTp + 2 * Math.max(1, a.numKvHeads / attnTp)) * a.headDim;
  }

  operators(c: StepContext, n: number, out: Operator[]): void {
    const { model, tp, tokens: t, sequences: b } = c;
    const h = model.hiddenSize;
    const a = gqaOf(model);
    const heads = a.numHeads / tp;
    const kvHeads = Math.max(1, a.numKvHeads / tp);
    const d = a.headDim;
    out.push(gemm(c, 'qkv_proj', n, t, (heads + 2 * kvHeads) * d, h));
    if (model.positionEmbedding === 'rope')
      out.push(elementwise(c, 'rope', n, t * (heads + kvHeads) * d, t * (heads + kvHeads) * d, 6));
    const perCtxFlops = 2 * heads * 2 * d;
    const xquant = c.ctx.formats.cacheLayerInput;
    // XQuant caches X (h elements per token, replicated on every TP rank) and recomputes this
    // rank's K and V from it for every cached position, every step.
    const cachedPerToken = (xquant ? h : 2 * kvHeads * d) * c.kvBytes;
    const recomputeFlops = xquant ? 2 * h * 2 * kvHeads * d : 0;
    const qo = t * 2 * heads * d * c.streamBytes;
    if (c.phase === 'prefill') {
      const pairs = b * causalPairs(c.priorContext, c.tokensPerSequence, this.window) * perCtxFlops;
      out.push(
        op({
          name: this.opName,
          kind: 'attention',
          count: n,
          flops: pairs + b * c.priorContext * recomputeFlops,
          bytes:
            qo + t * cachedPerToken + t * 2 * kvHeads * d * c.kvBytes + b * (c.priorContext * cachedPerToken),
          rate: c.attentionRate,
          part: 'prefill',
        }),
      );
    } else {
      out.push(
        op({
          name: this.opName,
          kind: 'attention',
          count: n,
          flops: 0,
          bytes: qo + t * cachedPerToken,
          flopsPerContext: t * perCtxFlops + b * recomputeFlops,
          bytesPerContext: b * cachedPerToken * decodeKvReads(c.ctx),
          contextCap: this.window,
          rate: c.attentionRate,
          part: 'decode',
        }),
      );
    }
    out.push(gemm(c, 'o_proj', n, t, h, heads * d));
  }

  checkSplit(model: ModelSpec, split: LayerSplit): readonly Diagnostic[] {
    const a = gqaOf(model);
    const out: Diagnostic[] = [];
    const attnTp = split.attnTp;
    checkHeads(a.numHeads, attnTp, out);
    const kv = a.numKvHeads;
    if (attnTp <= kv ? kv % attnTp !== 0 : attnTp % kv !== 0)
      out.push(messages.tpDoesNotDivide('KV heads', kv, attnTp));
    else if (attnTp > kv) out.push(messages.kvHeadsReplicated(kv, attnTp));
    return out;
  }

  /** XQuant stores h elements per token instead of this rank's K and V: warn when that is more. */
  checkCacheLayerInput(model: ModelSpec, attnTp: number): readonly Diagnostic[] {
    const a = gqaOf(model);
    const ratio = model.hiddenSize / (2 * Math.max(1, a.numKvHeads / attnTp) * a.headDim);
    return ratio > 1 ? [messages.xquantLarger(ratio)] : [];
  }
}

export const gqaAttention: LayerKind = attentionKind('gqa', GqaLayer);
