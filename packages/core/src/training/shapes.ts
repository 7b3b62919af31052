/**
 * Per-layer shapes of a training job: the linear layers one GPU runs (after TP/EP splits), the
 * parameters it holds, the trainable (LoRA) parameters, and the FLOP conventions used for MFU.
 */
import {
  attentionFlopsPerContextToken,
  attentionParams,
  countParams,
  denseFfnParams,
  meanCausalContext,
  normParams,
  routerParams,
  sharedExpertParams,
  expertParams,
} from '../model/stats.js';
import type { ModelSpec } from '../model/schema.js';
import { layerGroupsOf } from '../model/schema.js';
import type { MfuConvention } from './schema.js';

/** One linear layer as one GPU runs it: out = in[m × k] · W[k × n], `groups` independent GEMMs. */
export interface Linear {
  readonly name: string;
  /** Tokens per GPU per micro-batch that pass through it, as a fraction of the micro-batch's tokens. */
  readonly tokenShare: number;
  readonly n: number;
  readonly k: number;
  readonly groups: number;
  /** Attention projection (a LoRA target under 'attention'). */
  readonly attention: boolean;
  /** Routed experts: one grouped GEMM over the `groups` local experts (cost/efficiency.ts groupRamp). */
  readonly grouped?: boolean;
}

export interface LayerShape {
  readonly count: number;
  readonly moe: boolean;
  /** Attention window (undefined: full causal attention). */
  readonly window: number | undefined;
  readonly linears: readonly Linear[];
  /** Elements per token of the intermediate FFN activation(s) on one GPU (for memory and elementwise traffic). */
  readonly ffnWidth: number;
}

export interface Split {
  readonly tp: number;
  readonly ep: number;
}

/** The linear layers of each layer group on one GPU. Experts are not tensor-split when ep > 1. */
export function layerShapes(model: ModelSpec, split: Split): LayerShape[] {
  const h = model.hiddenSize;
  const { tp, ep } = split;
  const a = model.attention;
  const attn: Linear[] = [];
  if (a.kind === 'gqa') {
    const q = a.numHeads * a.headDim;
    const kv = a.numKvHeads * a.headDim;
    attn.push({ name: 'qkv', tokenShare: 1, n: (q + 2 * kv) / tp, k: h, groups: 1, attention: true });
    attn.push({ name: 'attn-out', tokenShare: 1, n: h, k: q / tp, groups: 1, attention: true });
  } else {
    // MLA: the projections as one equivalent GEMM of the same weight count (k = hidden).
    attn.push({
      name: 'mla-proj',
      tokenShare: 1,
      n: attentionParams(model) / h / tp,
      k: h,
      groups: 1,
      attention: true,
    });
  }
  const out: LayerShape[] = [];
  for (const g of layerGroupsOf(model)) {
    const window = g.attention === 'full' ? undefined : model.slidingWindow;
    const linears = [...attn];
    let ffnWidth: number;
    if (g.moe && model.moe !== undefined) {
      const moe = model.moe;
      const fe = moe.expertIntermediateSize;
      const local = moe.numExperts / ep;
      const expertTp = ep > 1 ? 1 : tp;
      // Balanced routing: each GPU runs topK/tp token copies (ep > 1, tokens split by TP/SP before
      // dispatch) or every token's experts split by TP (ep = 1); the FLOPs per GPU are equal.
      const share = ep > 1 ? moe.topK / tp : moe.topK;
      linears.push({ name: 'router', tokenShare: 1, n: moe.numExperts, k: h, groups: 1, attention: false });
      linears.push({
        name: 'expert-up',
        tokenShare: share / local,
        n: (2 * fe) / expertTp,
        k: h,
        groups: local,
        attention: false,
        grouped: true,
      });
      linears.push({
        name: 'expert-down',
        tokenShare: share / local,
        n: h,
        k: fe / expertTp,
        groups: local,
        attention: false,
        grouped: true,
      });
      ffnWidth = (share * 3 * fe) / expertTp;
      if (moe.numSharedExperts > 0) {
        const fs = (moe.sharedExpertIntermediateSize ?? fe) * moe.numSharedExperts;
        linears.push({
          name: 'shared-up',
          tokenShare: 1,
          n: (2 * fs) / tp,
          k: h,
          groups: 1,
          attention: false,
        });
        linears.push({ name: 'shared-down', tokenShare: 1, n: h, k: fs / tp, groups: 1, attention: false });
        ffnWidth += (3 * fs) / tp;
      }
    } else {
      const f = model.ffn.intermediateSize;
      const up = model.ffn.gated ? 2 * f : f;
      linears.push({ name: 'ffn-up', tokenShare: 1, n: up / tp, k: h, groups: 1, attention: false });
      linears.push({ name: 'ffn-down', tokenShare: 1, n: h, k: f / tp, groups: 1, attention: false });
      ffnWidth = (model.ffn.gated ? 3 * f : 2 * f) / tp;
    }
    out.push({ count: g.count, moe: g.moe, window, linears, ffnWidth });
  }
  return out;
}

/**
 * torchtitan's per-op selective activation checkpointing (`activation_checkpoint.selective_ac_option
 * = "op"`, the llama3 recipes' default): inside each block it saves the outputs of the attention
 * kernel and of every second matmul (`aten.mm`: the 1st, 3rd, 5th, … of the block, in forward
 * order), and recomputes everything else in backward from the saved block input. A block's
 * matmuls in forward order: wq, wk, wv, wo, then w1, w3, w2 (gated FFN) or up, down; a MoE block
 * runs its router (a matmul), then the routed experts as grouped GEMMs (not `aten.mm`: never
 * saved), then the shared expert's matmuls. MLA's projections count as two matmuls of equal size.
 */
export interface SelectiveOpPolicy {
  /** Elements per token one GPU keeps per layer: saved matmul outputs and the attention output. */
  readonly savedElementsPerToken: number;
  /** Share of each linear's forward GEMM recomputed in backward (by linear name). */
  readonly recomputed: ReadonlyMap<string, number>;
}

export function selectiveOpPolicy(model: ModelSpec, shape: LayerShape, tp: number): SelectiveOpPolicy {
  const h = model.hiddenSize;
  const a = model.attention;
  // [linear name, share of that linear, output elements per token on one GPU]
  const mms: [string, number, number][] = [];
  let attentionOut: number;
  if (a.kind === 'gqa') {
    const q = (a.numHeads * a.headDim) / tp;
    const kv = (a.numKvHeads * a.headDim) / tp;
    const qkv = q + 2 * kv;
    mms.push(['qkv', q / qkv, q], ['qkv', kv / qkv, kv], ['qkv', kv / qkv, kv], ['attn-out', 1, h]);
    attentionOut = q;
  } else {
    const proj = shape.linears.find((l) => l.name === 'mla-proj')?.n ?? 0;
    mms.push(['mla-proj', 0.5, proj / 2], ['mla-proj', 0.5, proj / 2]);
    attentionOut = (a.numHeads * a.vHeadDim) / tp;
  }
  const recomputed = new Map<string, number>();
  for (const l of shape.linears) {
    if (l.name === 'router') mms.push(['router', 1, l.n]);
    else if (l.name === 'expert-up' || l.name === 'expert-down') recomputed.set(l.name, 1);
    else if (l.name === 'ffn-up' || l.name === 'shared-up') {
      const gated = l.name === 'shared-up' || model.ffn.gated;
      if (gated) mms.push([l.name, 0.5, l.n / 2], [l.name, 0.5, l.n / 2]);
      else mms.push([l.name, 1, l.n]);
    } else if (l.name === 'ffn-down' || l.name === 'shared-down') mms.push([l.name, 1, l.n]);
  }
  let saved = attentionOut;
  mms.forEach(([name, share, width], i) => {
    if (i % 2 === 0) saved += width;
    else recomputed.set(name, (recomputed.get(name) ?? 0) + share);
  });
  return { savedElementsPerToken: saved, recomputed };
}

/** Parameters of one transformer layer of each kind (all experts), and the fixed parts. */
export interface ParamSplit {
  /** Parameters that TP splits and every EP rank holds (attention, dense FFN, shared experts, router, norms). */
  readonly denseLayers: number;
  /** Routed-expert parameters (split by EP). */
  readonly experts: number;
  /** Embedding and LM head (and final norm). */
  readonly embeddings: number;
}

export function paramSplit(model: ModelSpec): ParamSplit {
  const c = countParams(model);
  const embeddings = c.embedding + c.lmHead + model.hiddenSize;
  return { denseLayers: c.total - embeddings - c.routedExperts, experts: c.routedExperts, embeddings };
}

/** Parameters one GPU holds (before ZeRO sharding), on the stage with the embedding or the head. */
export function paramsPerGpu(model: ModelSpec, tp: number, pp: number, ep: number): number {
  const s = paramSplit(model);
  const expertTp = ep > 1 ? 1 : tp;
  // The bottleneck stage holds its layers plus the embedding (first) or the LM head (last); untied
  // models split them, tied ones (MPT) keep the shared matrix on one stage.
  const c = countParams(model);
  const endStage = pp === 1 ? s.embeddings : Math.max(c.embedding, c.lmHead);
  return s.denseLayers / tp / pp + s.experts / ep / expertTp / pp + endStage / tp;
}

/**
 * The routed-expert part of paramsPerGpu: what the expert-data-parallel group, not the dense
 * one, replicates (training/memory.ts expertDataParallel).
 */
export function expertParamsPerGpu(model: ModelSpec, tp: number, pp: number, ep: number): number {
  const expertTp = ep > 1 ? 1 : tp;
  return paramSplit(model).experts / ep / expertTp / pp;
}

/** LoRA adapter parameters over the whole model: rank·(k + n) per adapted matrix. */
export function loraParams(model: ModelSpec, rank: number, attentionOnly: boolean): number {
  let total = 0;
  for (const g of layerShapes(model, { tp: 1, ep: 1 })) {
    for (const l of g.linears) {
      if (l.name === 'router' || (attentionOnly && !l.attention)) continue;
      total += g.count * l.groups * rank * (l.k + l.n);
    }
  }
  return total;
}

/** Norm weights are counted with the layer; nothing to split. */
export const NORM_PARAMS = normParams;
export { denseFfnParams, routerParams, sharedExpertParams, expertParams };

/**
 * Model FLOPs per token under a counting convention (training = forward + backward = 3 × forward):
 * - 'megatron' (Narayanan et al. 2021, eq. 3; Korthikanti et al. 2022 appendix): 6 per matmul
 *   weight a token uses (LM head included, embedding lookup excluded) plus 12·L·(heads·headDim)·S
 *   for attention over the full (non-causal) S×S score matrix.
 * - 'mosaicml' (llm-foundry scripts/train/benchmarking/README.md): 6·N with N = all parameters
 *   (embeddings included) plus the same full-S attention term (n_layers·2·2·d_model·S² per sequence, ×3).
 * - 'causal': Ridgeline's forward count (model/stats.ts, DeepSeek-V3 "Insights" convention:
 *   attention over the mean causal context) × 3.
 */
export function modelFlopsPerToken(
  model: ModelSpec,
  sequenceLength: number,
  convention: MfuConvention,
): number {
  const c = countParams(model);
  const perCtx = attentionFlopsPerContextToken(model);
  let attention = 0;
  let causalAttention = 0;
  for (const g of layerGroupsOf(model)) {
    const window = g.attention === 'full' ? undefined : model.slidingWindow;
    attention += g.count * perCtx * Math.min(sequenceLength, window ?? sequenceLength);
    causalAttention += g.count * perCtx * meanCausalContext(sequenceLength, window);
  }
  // The LM head is a matmul even when it shares the embedding matrix (tied models).
  const lmHead = model.tiedEmbeddings ? model.vocabSize * model.hiddenSize : 0;
  const matmul = c.activePerToken - c.embedding - model.hiddenSize + lmHead;
  if (convention === 'megatron') return 6 * matmul + 3 * attention;
  if (convention === 'mosaicml') return 6 * c.total + 3 * attention;
  return 3 * (2 * matmul + causalAttention);
}

/**
 * Megatron-Core's own count (`num_floating_point_operations` in megatron/training/training.py, the
 * "model TFLOP/s/GPU" Megatron-Bridge's 26.04.01 tables print), per token:
 * `12·L·h²·[(1 + g/a + S/2h)·(a·d/h) + (f/h)·k·γ + (f_shared/h)·γ + V/(2·L·h)]` with attention
 * over the causal half of the full S×S matrix on every layer (no sliding window) and γ = 3/2 only
 * for a SiLU-gated FFN (`args.swiglu`; any other gated activation is counted as two matrices).
 * Written per layer group below (dense layers with their FFN width). Undefined for MLA, whose
 * separate branch is not reproduced here.
 */
export function megatronCoreFlopsPerToken(model: ModelSpec, sequenceLength: number): number | undefined {
  const a = model.attention;
  if (a.kind !== 'gqa') return undefined;
  const h = model.hiddenSize;
  const qd = a.numHeads * a.headDim;
  const kvd = a.numKvHeads * a.headDim;
  const gamma = model.ffn.gated && model.ffn.activation === 'silu' ? 1.5 : 1;
  let weights = 0;
  for (const g of layerGroupsOf(model)) {
    let ffn = 2 * h * model.ffn.intermediateSize * gamma;
    if (g.moe && model.moe !== undefined) {
      const moe = model.moe;
      const shared = (moe.sharedExpertIntermediateSize ?? moe.expertIntermediateSize) * moe.numSharedExperts;
      ffn = 2 * h * (moe.expertIntermediateSize * moe.topK + shared) * gamma;
    }
    weights += g.count * (2 * h * qd + 2 * h * kvd + ffn);
  }
  // Attention scores: 12·L·(a·d)·S over the full matrix, halved (causal).
  const scores = 6 * model.numLayers * qd * sequenceLength;
  return 6 * (weights + h * model.vocabSize) + scores;
}
