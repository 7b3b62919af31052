/**
 * Multi-head latent attention (DeepSeek-V2/V3): the cache holds a compressed latent plus a RoPE
 * key per position, replicated on every TP rank. Down-projections are replicated on every TP rank
 * (as in vLLM/SGLang); up-projections are split by heads. Prefill runs the expanded form (the
 * latent of every attended position is up-projected), decode the absorbed form (queries attend
 * over the latent).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { messages } from '../diagnostics/messages.js';
import type { Operator } from '../graph/operator.js';
import { causalPairs, gemm, op, type StepContext } from '../graph/ops.js';
import type { ModelSpec } from '../model/schema.js';
import { gemmRateFormat, type RateFormat } from '../units/formats.js';
import { AttentionLayer, attentionKind, checkHeads } from './attention.js';
import type { Layer, LayerKind, LayerParams, LayerSplit } from './types.js';

type Mla = Extract<ModelSpec['attention'], { kind: 'mla' }>;

/**
 * The rate MLA's attention math runs at. Its query is never the scenario's activation format:
 * prefill multiplies the up-projected query, keys and values (q_b_proj and kv_b_proj outputs), and
 * absorbed decode the absorbed query (q_absorb output), all in the 16-bit stream format, against
 * the latent as cached. A GEMM runs at the rate of its wider operand, so an FP8 latent cache is
 * dequantized and the math runs at the 16-bit rate, as FlashMLA does (BF16 compute with an FP8
 * KV cache [M1073]; dense decode 660 TFLOPS BF16 [M1072]).
 */
export function mlaAttentionRate(c: StepContext): RateFormat {
  const kv = c.ctx.formats.kvCache;
  return gemmRateFormat(kv === 'int2' ? 'bf16' : kv, c.streamBytes === 4 ? 'fp32' : 'bf16');
}

function mlaOf(model: ModelSpec): Mla {
  const a = model.attention;
  if (a.kind !== 'mla') throw new Error(`layer kind 'mla' on a '${a.kind}' model`);
  return a;
}

/** Weights of an MLA block: projections plus the two LoRA norms. */
export function mlaParams(model: ModelSpec): number {
  const h = model.hiddenSize;
  const a = mlaOf(model);
  const qkHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const qProj =
    a.qLoraRank === null ? h * a.numHeads * qkHead : h * a.qLoraRank + a.qLoraRank * a.numHeads * qkHead;
  const kvDown = h * (a.kvLoraRank + a.qkRopeHeadDim);
  const kvUp = a.kvLoraRank * a.numHeads * (a.qkNopeHeadDim + a.vHeadDim);
  const out = a.numHeads * a.vHeadDim * h;
  const loraNorms = (a.qLoraRank ?? 0) + a.kvLoraRank;
  return qProj + kvDown + kvUp + out + loraNorms;
}

class MlaLayer extends AttentionLayer implements Layer {
  params(model: ModelSpec): LayerParams {
    const a = mlaOf(model);
    const p = mlaParams(model);
    const down =
      (a.qLoraRank === null ? 0 : model.hiddenSize * a.qLoraRank) +
      model.hiddenSize * (a.kvLoraRank + a.qkRopeHeadDim);
    return { total: p, activePerToken: p, replicated: down, routedExperts: 0 };
  }

  cacheElements(model: ModelSpec, tokens: number): number {
    const a = mlaOf(model);
    return Math.min(tokens, this.window) * (a.kvLoraRank + a.qkRopeHeadDim);
  }

  contextFlopsPerToken(model: ModelSpec, sequenceLength: number): number {
    const a = mlaOf(model);
    const perCtx = 2 * a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim);
    return perCtx * this.meanContext(model, sequenceLength);
  }

  activationElementsPerToken(model: ModelSpec, attnTp: number): number {
    const a = mlaOf(model);
    return (a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim)) / attnTp;
  }

  operators(c: StepContext, n: number, out: Operator[]): void {
    const a = mlaOf(c.model);
    const t = c.tokens;
    const h = c.model.hiddenSize;
    const heads = a.numHeads / c.tp;
    const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    if (a.qLoraRank === null) {
      out.push(gemm(c, 'q_proj', n, t, heads * qk, h));
    } else {
      out.push(gemm(c, 'q_a_proj', n, t, a.qLoraRank, h));
      out.push(gemm(c, 'q_b_proj', n, t, heads * qk, a.qLoraRank));
    }
    out.push(gemm(c, 'kv_a_proj', n, t, latent, h));
    if (c.phase === 'prefill') this.expanded(c, n, a, out);
    else this.absorbed(c, n, a, out);
    out.push(gemm(c, 'o_proj', n, t, h, heads * a.vHeadDim));
  }

  /** Prefill: up-project the latent of every attended position, cached ones included. */
  private expanded(c: StepContext, n: number, a: Mla, out: Operator[]): void {
    const { tokens: t, sequences: b } = c;
    const heads = a.numHeads / c.tp;
    const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    const expanded = t + b * c.priorContext;
    out.push(
      gemm(c, 'kv_b_proj', n, expanded, heads * (a.qkNopeHeadDim + a.vHeadDim), a.kvLoraRank, 1, 'prefill'),
    );
    const perCtxFlops = 2 * heads * (qk + a.vHeadDim);
    out.push(
      op({
        name: this.opName,
        kind: 'attention',
        count: n,
        flops: b * causalPairs(c.priorContext, c.tokensPerSequence, this.window) * perCtxFlops,
        bytes: t * heads * (2 * qk + 2 * a.vHeadDim) * c.streamBytes + t * latent * c.kvBytes,
        rate: mlaAttentionRate(c),
        part: 'prefill',
      }),
    );
  }

  /** Decode: q_nope·W_UK per head, attention over the latent, then W_UV per head. */
  private absorbed(c: StepContext, n: number, a: Mla, out: Operator[]): void {
    const { tokens: t, sequences: b } = c;
    const heads = a.numHeads / c.tp;
    const latent = a.kvLoraRank + a.qkRopeHeadDim;
    out.push(gemm(c, 'q_absorb', n, t, a.kvLoraRank, a.qkNopeHeadDim, heads, 'decode'));
    out.push(
      op({
        name: this.opName,
        kind: 'attention',
        count: n,
        flops: 0,
        bytes: t * heads * (latent + a.kvLoraRank) * c.streamBytes + t * latent * c.kvBytes,
        flopsPerContext: t * 2 * heads * (latent + a.kvLoraRank),
        bytesPerContext: b * latent * c.kvBytes,
        contextCap: this.window,
        rate: mlaAttentionRate(c),
        part: 'decode',
      }),
    );
    out.push(gemm(c, 'v_absorb', n, t, a.vHeadDim, a.kvLoraRank, heads, 'decode'));
  }

  checkSplit(model: ModelSpec, split: LayerSplit): readonly Diagnostic[] {
    const out: Diagnostic[] = [];
    checkHeads(mlaOf(model).numHeads, split.attnTp, out);
    return out;
  }

  checkCacheLayerInput(): readonly Diagnostic[] {
    return [
      messages.servingInvalid(
        ['precision', 'cacheLayerInput'],
        'cacheLayerInput (XQuant) applies to GQA/MHA models; MLA already caches a compressed latent.',
      ),
    ];
  }
}

export const mlaAttention: LayerKind = attentionKind('mla', MlaLayer);
