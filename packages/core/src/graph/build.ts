/**
 * buildGraph: the operators one device runs in a step, per layer group, following the modeling
 * method of design.md §3. Each block is norm, token mixer, all-reduce, norm, FFN, all-reduce
 * (or one norm and one all-reduce for parallel blocks); the mixer's and the FFN's operators come
 * from their layer kinds (layers/: GQA/MHA/MQA and MLA attention, dense FFN, MoE). Projections
 * are GEMMs split by tensor parallelism (Megatron-style: QKV and gate/up column-parallel, output
 * and down row-parallel, one all-reduce after each).
 *
 * Parallelism: layer counts are those of the busiest pipeline stage (ceil(L/pp) layers);
 * attention and dense layers split over attnTp devices; under attention DP each device runs its
 * own share of the sequences and MoE tokens move by all-to-all (dispatch, combine); routed
 * experts split over ep devices and each expert over tp/ep. XQuant-style caching stores the
 * layer input X and recomputes K and V from it every step.
 */
import { layerStackOf } from '../layers/registry.js';
import type { GraphContext } from '../scenario/types.js';
import { bytesPerElement, rateClassOf, scaleBytesPerElement } from '../units/formats.js';
import type { Operator, PhaseGraph, PhaseKind } from './operator.js';
import { collective, elementwise, gemm, op, withCount, type StepContext } from './ops.js';

export { causalPairs } from './ops.js';
export { expectedExpertsTouched } from '../layers/moe.js';

export interface StepShape {
  readonly phase: PhaseKind;
  /** Sequences in the step, over the whole replica (attention DP splits them over its ranks). */
  readonly sequences: number;
  /** New tokens per sequence (prefill: the prompt or a chunk; decode: 1, or 1 + speculative proposals). */
  readonly tokensPerSequence: number;
  /** Prefill: positions already cached before these tokens (prefix cache hits, earlier chunks). Default 0. */
  readonly priorContext?: number;
  /**
   * Attention DP: new tokens on the busiest attention rank, where the caller knows how whole
   * sequences sit on the ranks (a prompt runs on the one rank it was sent to, serving/step-cost.ts).
   * Default ceil(sequences/dp)·tokensPerSequence.
   */
  readonly busiestRankTokens?: number;
}

function allReduce(c: StepContext, name: string, count: number, out: Operator[]): void {
  if (c.tp === 1) return;
  out.push(collective(name, count, 'all-reduce', c.tokens * c.model.hiddenSize * c.streamBytes, c.tp));
}

/** Sequences on the busiest of `dp` attention ranks: ceil(B/dp) for whole sequences, B/dp for a fractional share. */
export function busiestRankSequences(sequences: number, dp: number): number {
  if (dp <= 1) return sequences;
  return Number.isInteger(sequences) ? Math.ceil(sequences / dp) : sequences / dp;
}

/** Bytes of one FP32 block scale. */
const FP32_SCALE_BYTES = 4;

function stepContext(ctx: GraphContext, step: StepShape): StepContext {
  const f = ctx.formats;
  const allTokens = step.sequences * step.tokensPerSequence;
  // Attention-DP imbalance: whole sequences go to ranks, so the busiest rank holds
  // ceil(B/dp) of them and every rank waits for it at the MoE all-to-all.
  const busiest = busiestRankSequences(step.sequences, ctx.attnDp);
  // Block-scaled FP8 (DeepSeek-V3/R1): one FP32 scale per weight block and, for FP8 inputs, per
  // 1 × block-width group of each activation row, read beside the operands.
  const block = f.fp8Block;
  const quantizedInputs = f.activations !== 'fp32' && bytesPerElement(f.activations) < 2;
  const weightScaleBytes =
    block === undefined ? scaleBytesPerElement(f.weights) : FP32_SCALE_BYTES / block.weightBlockElements;
  const gemmInputScaleBytes = !quantizedInputs
    ? 0
    : block === undefined || rateClassOf(f.activations) !== 'fp8'
      ? scaleBytesPerElement(f.activations)
      : FP32_SCALE_BYTES / block.activationGroup;
  const gemmInputBytes =
    f.activations === 'fp32'
      ? 4
      : Math.min(2, bytesPerElement(f.activations)) + (block === undefined ? 0 : gemmInputScaleBytes);
  return {
    ctx,
    model: ctx.model,
    tp: ctx.attnTp,
    tokens: Math.min(allTokens, step.busiestRankTokens ?? busiest * step.tokensPerSequence),
    moeTokens: allTokens,
    sequences: busiest,
    tokensPerSequence: step.tokensPerSequence,
    phase: step.phase,
    priorContext: step.priorContext ?? 0,
    layerScale: ctx.layerScale,
    weightBytes: bytesPerElement(f.weights) + (block === undefined ? 0 : weightScaleBytes),
    gemmInputBytes,
    weightScaleBytes,
    // Block-scaled activations (NVFP4, MXFP4, block FP8) carry their scales into the GEMM.
    gemmInputScaleBytes,
    blockScaledFp8: block !== undefined,
    streamBytes: f.activations === 'fp32' ? 4 : 2,
    kvBytes: bytesPerElement(f.kvCache),
    gemmRate: f.gemmRate,
    attentionRate: f.attentionRate,
  };
}

/** The transformer blocks: per layer group, norms, the mixer, the FFN, all-reduces and residuals. */
function blockOps(c: StepContext, ops: Operator[]): void {
  const { ctx, model, tokens } = c;
  const h = model.hiddenSize;
  for (const g of layerStackOf(model)) {
    const n = g.count * ctx.layerScale;
    ops.push(elementwise(c, 'attn_norm', n, tokens * h, tokens * h, 4));
    g.mixer.operators(c, n, ops);
    if (model.parallelBlock) {
      g.ffn.operators(c, n, ops);
      allReduce(c, 'all_reduce', n, ops);
      ops.push(elementwise(c, 'residual_add', n, 3 * tokens * h, tokens * h));
    } else {
      allReduce(c, 'attn_all_reduce', n, ops);
      ops.push(elementwise(c, 'residual_norm', n, 2 * tokens * h, 2 * tokens * h, 5));
      g.ffn.operators(c, n, ops);
      // Under attention DP the MoE combine (all-to-all) brings the tokens back instead.
      if (!g.ffn.skipsBlockAllReduce(ctx)) allReduce(c, 'ffn_all_reduce', n, ops);
      ops.push(elementwise(c, 'residual_add', n, 2 * tokens * h, tokens * h));
    }
  }
}

/** Pipeline send, final norm, LM head (vocabulary split over tp), logits gather and sampling. */
function headOps(c: StepContext, step: StepShape, ops: Operator[]): void {
  const { ctx, model } = c;
  const h = model.hiddenSize;
  if (ctx.pp > 1) ops.push(collective('pp_send', 1, 'p2p', c.tokens * h * c.streamBytes, ctx.tp * ctx.pp));
  // Logit rows: the sequences that emit tokens (every speculative position in a verify step).
  // Under attention DP the group's rows are gathered and the vocabulary split over tp.
  const logits = step.phase === 'decode' ? step.sequences * step.tokensPerSequence : step.sequences;
  const vocab = model.vocabSize / ctx.tp;
  ops.push(elementwise(c, 'final_norm', 1, logits * h, logits * h, 4, 'head'));
  ops.push(gemm(c, 'lm_head', 1, logits, vocab, h, 1, 'head'));
  if (ctx.tp > 1)
    ops.push(collective('logits_all_gather', 1, 'all-gather', logits * vocab * 4, ctx.tp, 'head'));
  ops.push(elementwise(c, 'sampling', 1, logits * model.vocabSize * 2, logits, 5, 'head'));
}

/** The operators of one step on one device. */
export function buildGraph(ctx: GraphContext, step: StepShape): PhaseGraph {
  const c = stepContext(ctx, step);
  const ops: Operator[] = [
    op({
      name: 'embedding',
      kind: 'embedding',
      count: 1,
      flops: 0,
      bytes: 2 * c.tokens * ctx.model.hiddenSize * c.streamBytes,
      rate: 'fp32',
    }),
  ];
  blockOps(c, ops);
  headOps(c, step, ops);
  const graph: PhaseGraph = {
    phase: step.phase,
    sequences: step.sequences,
    tokens: step.sequences * step.tokensPerSequence,
    operators: ops,
  };
  return layerStackOf(ctx.model).length > 1 ? mergeByName(graph) : graph;
}

/**
 * Layer groups produce same-named operators; merge those with identical per-occurrence work.
 * `out` never holds two operators of the same name and work (the second would have merged into
 * the first), so an operator has at most one match there. Layer groups emit their shared
 * operators in the same order, so the slot after the last merge is tried before a scan (this
 * runs for every step of a multi-group model, e.g. DeepSeek's dense and MoE layers).
 */
function mergeByName(graph: PhaseGraph): PhaseGraph {
  const out: Operator[] = [];
  let hint = 0;
  for (const o of graph.operators) {
    let same = -1;
    const h = out[hint];
    if (h !== undefined && h.name === o.name && sameWork(h, o)) same = hint;
    else
      for (let i = 0; i < out.length; i++) {
        const p = out[i];
        if (p !== undefined && p.name === o.name && sameWork(p, o)) {
          same = i;
          break;
        }
      }
    const prev = same >= 0 ? out[same] : undefined;
    if (prev !== undefined) {
      out[same] = withCount(prev, prev.count + o.count);
      hint = same + 1;
    } else out.push(o);
  }
  return { phase: graph.phase, sequences: graph.sequences, tokens: graph.tokens, operators: out };
}

/** Identical work per occurrence (and GEMM shape). */
function sameWork(p: Operator, o: Operator): boolean {
  return (
    p.flops === o.flops &&
    p.bytes === o.bytes &&
    p.flopsPerContext === o.flopsPerContext &&
    p.bytesPerContext === o.bytesPerContext &&
    p.contextCap === o.contextCap &&
    p.shape?.m === o.shape?.m &&
    p.shape?.n === o.shape?.n &&
    p.shape?.k === o.shape?.k &&
    p.shape?.groups === o.shape?.groups
  );
}
