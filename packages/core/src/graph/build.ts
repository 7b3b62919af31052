/* eslint-disable max-lines-per-function -- owned by structure branch */
/**
 * buildGraph: the operators one device runs in a step, per layer group, following the modeling
 * method of design.md §3. Projections are GEMMs split by tensor parallelism (Megatron-style:
 * QKV and gate/up column-parallel, output and down row-parallel, one all-reduce after each);
 * MoE layers touch E·(1 − (1 − k/E)^T) distinct experts for T tokens; MLA decode runs in the
 * absorbed form (queries attend over the latent), MLA prefill in the expanded form.
 *
 * Parallelism: layer counts are those of the busiest pipeline stage (ceil(L/pp) layers);
 * attention and dense layers split over attnTp devices; under attention DP each device runs its
 * own share of the sequences and MoE tokens move by all-to-all (dispatch, combine); routed
 * experts split over ep devices and each expert over tp/ep. XQuant-style caching stores the
 * layer input X and recomputes K and V from it every step.
 */
import type { LayerGroup, ModelSpec } from '../model/schema.js';
import { layerGroupsOf } from '../model/schema.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { RateFormat } from '../units/formats.js';
import { bytesPerElement } from '../units/formats.js';
import type { Operator, PhaseGraph, PhaseKind } from './operator.js';

export interface StepShape {
  readonly phase: PhaseKind;
  /** Sequences in the step, over the whole replica (attention DP splits them over its ranks). */
  readonly sequences: number;
  /** New tokens per sequence (prefill: the prompt or a chunk; decode: 1, or 1 + speculative proposals). */
  readonly tokensPerSequence: number;
  /** Prefill: positions already cached before these tokens (prefix cache hits, earlier chunks). Default 0. */
  readonly priorContext?: number;
}

interface Ctx {
  readonly ns: NormalizedScenario;
  readonly model: ModelSpec;
  /** Devices attention and dense layers are split over. */
  readonly tp: number;
  /** New tokens on this device (attention and dense layers). */
  readonly tokens: number;
  /** New tokens across the attention-DP group (routed experts see them all). */
  readonly moeTokens: number;
  /** Sequences on this device. */
  readonly sequences: number;
  readonly phase: PhaseKind;
  readonly priorContext: number;
  /** Layers of a group on the busiest stage, per layer of the group. */
  readonly layerScale: number;
  readonly weightBytes: number;
  /** Bytes per element of GEMM inputs (fp8 activations are quantized before the GEMM). */
  readonly gemmInputBytes: number;
  /** Bytes per element of the residual stream and GEMM outputs (16-bit unless fp32). */
  readonly streamBytes: number;
  readonly kvBytes: number;
  readonly gemmRate: RateFormat;
  readonly attentionRate: RateFormat;
}

type OperatorFields = Pick<Operator, 'name' | 'kind' | 'count' | 'flops' | 'bytes' | 'rate'> &
  Partial<
    Pick<
      Operator,
      'flopsPerContext' | 'bytesPerContext' | 'contextCap' | 'shape' | 'collective' | 'kernels' | 'part'
    >
  >;

/** Builds an operator with every field present, in one fixed order (monomorphic for the JIT). */
function op(f: OperatorFields): Operator {
  return {
    name: f.name,
    kind: f.kind,
    count: f.count,
    flops: f.flops,
    bytes: f.bytes,
    flopsPerContext: f.flopsPerContext ?? 0,
    bytesPerContext: f.bytesPerContext ?? 0,
    contextCap: f.contextCap ?? Number.POSITIVE_INFINITY,
    rate: f.rate,
    shape: f.shape,
    collective: f.collective,
    part: f.part ?? 'shared',
    kernels: f.kernels ?? 1,
  };
}

/** A GEMM [m × k]·[k × n] (× groups) with weights at the scenario's weight format. */
function gemm(
  c: Ctx,
  name: string,
  count: number,
  m: number,
  n: number,
  k: number,
  groups = 1,
  part: Operator['part'] = 'shared',
): Operator {
  return op({
    name,
    kind: groups > 1 ? 'grouped-gemm' : 'gemm',
    count,
    flops: 2 * m * n * k * groups,
    bytes: groups * (k * n * c.weightBytes + m * k * c.gemmInputBytes + m * n * c.streamBytes),
    rate: c.gemmRate,
    shape: { m, n, k, groups },
    part,
  });
}

/** A memory-bound elementwise op reading `readElems` and writing `writeElems` stream elements. */
function elementwise(
  c: Ctx,
  name: string,
  count: number,
  readElems: number,
  writeElems: number,
  flopsPerElem = 1,
  part: Operator['part'] = 'shared',
) {
  return op({
    name,
    kind: 'elementwise',
    count,
    flops: flopsPerElem * writeElems,
    bytes: (readElems + writeElems) * c.streamBytes,
    rate: 'fp32',
    part,
  });
}

function allReduce(c: Ctx, name: string, count: number): Operator | undefined {
  if (c.tp === 1) return undefined;
  const bytes = c.tokens * c.model.hiddenSize * c.streamBytes;
  return op({
    name,
    kind: 'collective',
    count,
    flops: 0,
    bytes: 0,
    rate: 'fp32',
    collective: { kind: 'all-reduce', bytes, group: c.tp },
  });
}

/** MoE dispatch or combine under attention DP: each token goes to (and returns from) its top-k experts' devices. */
function allToAll(c: Ctx, name: string, count: number, bytesPerElement: number): Operator {
  const topK = c.model.moe?.topK ?? 1;
  return op({
    name,
    kind: 'collective',
    count,
    flops: 0,
    bytes: 0,
    rate: 'fp32',
    collective: {
      kind: 'all-to-all',
      bytes: c.tokens * topK * c.model.hiddenSize * bytesPerElement,
      group: c.ns.tp,
    },
  });
}

/** Σ over the positions p+1..p+L of min(position, window): attended pairs of one prompt chunk. */
export function causalPairs(prior: number, length: number, window: number): number {
  const lo = prior + 1;
  const hi = prior + length;
  if (length <= 0) return 0;
  if (window >= hi) return (length * (lo + hi)) / 2;
  if (window < lo) return length * window;
  return ((window - lo + 1) * (lo + window)) / 2 + (hi - window) * window;
}

function attentionOps(c: Ctx, g: LayerGroup, promptTokens: number): Operator[] {
  const { model, tp, tokens: t, sequences: b } = c;
  const h = model.hiddenSize;
  const a = model.attention;
  const window = g.attention === 'full' ? Number.POSITIVE_INFINITY : (model.slidingWindow ?? Infinity);
  const n = g.count * c.layerScale;
  const attnName = g.attention === 'full' ? 'attention' : `attention_${g.attention}`;
  const ops: Operator[] = [];
  const causal = (perCtx: number) => b * causalPairs(c.priorContext, promptTokens, window) * perCtx;

  if (a.kind === 'gqa') {
    const heads = a.numHeads / tp;
    const kvHeads = Math.max(1, a.numKvHeads / tp);
    const d = a.headDim;
    ops.push(gemm(c, 'qkv_proj', n, t, (heads + 2 * kvHeads) * d, h));
    if (model.positionEmbedding === 'rope')
      ops.push(elementwise(c, 'rope', n, t * (heads + kvHeads) * d, t * (heads + kvHeads) * d, 6));
    const perCtxFlops = 2 * heads * 2 * d;
    const xquant = c.ns.formats.cacheLayerInput;
    // XQuant caches X (h elements per token, replicated on every TP rank) and recomputes this
    // rank's K and V from it for every cached position, every step.
    const cachedPerToken = (xquant ? h : 2 * kvHeads * d) * c.kvBytes;
    const recomputeFlops = xquant ? 2 * h * 2 * kvHeads * d : 0;
    const qo = t * 2 * heads * d * c.streamBytes;
    if (c.phase === 'prefill') {
      const read = b * (c.priorContext * cachedPerToken);
      ops.push(
        op({
          name: attnName,
          kind: 'attention',
          count: n,
          flops: causal(perCtxFlops) + b * c.priorContext * recomputeFlops,
          bytes: qo + t * cachedPerToken + t * 2 * kvHeads * d * c.kvBytes + read,
          rate: c.attentionRate,
          part: 'prefill',
        }),
      );
    } else {
      ops.push(
        op({
          name: attnName,
          kind: 'attention',
          count: n,
          flops: 0,
          bytes: qo + t * cachedPerToken,
          flopsPerContext: t * perCtxFlops + b * recomputeFlops,
          bytesPerContext: b * cachedPerToken,
          contextCap: window,
          rate: c.attentionRate,
          part: 'decode',
        }),
      );
    }
    ops.push(gemm(c, 'o_proj', n, t, h, heads * d));
    return ops;
  }

  // MLA. Down-projections are replicated on every TP rank (as in vLLM/SGLang); up-projections split by heads.
  const heads = a.numHeads / tp;
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const latent = a.kvLoraRank + a.qkRopeHeadDim;
  if (a.qLoraRank === null) {
    ops.push(gemm(c, 'q_proj', n, t, heads * qk, h));
  } else {
    ops.push(gemm(c, 'q_a_proj', n, t, a.qLoraRank, h));
    ops.push(gemm(c, 'q_b_proj', n, t, heads * qk, a.qLoraRank));
  }
  ops.push(gemm(c, 'kv_a_proj', n, t, latent, h));
  if (c.phase === 'prefill') {
    // The expanded form up-projects the latent of every attended position, cached ones included.
    const expanded = t + b * c.priorContext;
    ops.push(
      gemm(c, 'kv_b_proj', n, expanded, heads * (a.qkNopeHeadDim + a.vHeadDim), a.kvLoraRank, 1, 'prefill'),
    );
    const perCtxFlops = 2 * heads * (qk + a.vHeadDim);
    ops.push(
      op({
        name: attnName,
        kind: 'attention',
        count: n,
        flops: causal(perCtxFlops),
        bytes: t * heads * (2 * qk + 2 * a.vHeadDim) * c.streamBytes + t * latent * c.kvBytes,
        rate: c.attentionRate,
        part: 'prefill',
      }),
    );
    ops.push(gemm(c, 'o_proj', n, t, h, heads * a.vHeadDim));
    return ops;
  }
  // Absorbed decode: q_nope·W_UK per head, attention over the latent, then W_UV per head.
  ops.push(gemm(c, 'q_absorb', n, t, a.kvLoraRank, a.qkNopeHeadDim, heads, 'decode'));
  ops.push(
    op({
      name: attnName,
      kind: 'attention',
      count: n,
      flops: 0,
      bytes: t * heads * (latent + a.kvLoraRank) * c.streamBytes + t * latent * c.kvBytes,
      flopsPerContext: t * 2 * heads * (latent + a.kvLoraRank),
      bytesPerContext: b * latent * c.kvBytes,
      contextCap: window,
      rate: c.attentionRate,
      part: 'decode',
    }),
  );
  ops.push(gemm(c, 'v_absorb', n, t, a.vHeadDim, a.kvLoraRank, heads, 'decode'));
  ops.push(gemm(c, 'o_proj', n, t, h, heads * a.vHeadDim));
  return ops;
}

/** Expected distinct experts hit when `tokens` tokens each pick `topK` of `experts`. */
export function expectedExpertsTouched(experts: number, topK: number, tokens: number): number {
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

function ffnOps(c: Ctx, g: LayerGroup): Operator[] {
  const { model, tp, tokens: t } = c;
  const h = model.hiddenSize;
  const n = g.count * c.layerScale;
  const moe = model.moe;
  if (!g.moe || moe === undefined) {
    const width = model.ffn.intermediateSize / tp;
    const gated = model.ffn.gated;
    return [
      gemm(c, gated ? 'gate_up_proj' : 'up_proj', n, t, (gated ? 2 : 1) * width, h),
      elementwise(c, 'activation', n, t * (gated ? 2 : 1) * width, t * width, 8),
      gemm(c, 'down_proj', n, t, h, width),
    ];
  }
  const ops: Operator[] = [gemm(c, 'router', n, t, moe.numExperts, h)];
  const ns = c.ns;
  // Tokens are gathered into expert order (top-k copies) and scattered back with their weights.
  ops.push(elementwise(c, 'moe_permute', n, t * h, t * moe.topK * h));
  const unpermute = elementwise(c, 'moe_unpermute', n, t * moe.topK * h, t * h, 2 * moe.topK);
  const dispatch = ns.attnDp > 1;
  if (dispatch) ops.push(allToAll(c, 'moe_dispatch', n, c.gemmInputBytes));
  // Routed experts: the group's tokens pick top-k of E; this device holds E/ep of them, each
  // split over tp/ep devices, and reads only the ones its tokens touch.
  const tAll = c.moeTokens;
  const touched = expectedExpertsTouched(moe.numExperts, moe.topK, tAll);
  const rowsPerExpert = (tAll * moe.topK) / touched;
  const local = touched / ns.ep;
  const width = moe.expertIntermediateSize / ns.moeTp;
  const rows = (tAll * moe.topK) / ns.ep;
  ops.push(gemm(c, 'experts_gate_up', n, rowsPerExpert, 2 * width, h, local));
  ops.push(elementwise(c, 'experts_activation', n, rows * 2 * width, rows * width, 8));
  ops.push(gemm(c, 'experts_down', n, rowsPerExpert, h, width, local));
  if (dispatch) ops.push(allToAll(c, 'moe_combine', n, c.streamBytes));
  ops.push(unpermute);
  if (moe.numSharedExperts > 0) {
    const sw = (moe.numSharedExperts * (moe.sharedExpertIntermediateSize ?? moe.expertIntermediateSize)) / tp;
    ops.push(gemm(c, 'shared_gate_up', n, t, 2 * sw, h));
    ops.push(gemm(c, 'shared_down', n, t, h, sw));
  }
  return ops;
}

/** The operators of one step on one device. */
export function buildGraph(ns: NormalizedScenario, step: StepShape): PhaseGraph {
  const model = ns.model;
  const allTokens = step.sequences * step.tokensPerSequence;
  const sequences = step.sequences / ns.attnDp;
  const tokens = allTokens / ns.attnDp;
  const c: Ctx = {
    ns,
    model,
    tp: ns.attnTp,
    tokens,
    moeTokens: allTokens,
    sequences,
    phase: step.phase,
    priorContext: step.priorContext ?? 0,
    layerScale: ns.layerScale,
    weightBytes: bytesPerElement(ns.formats.weights),
    gemmInputBytes:
      ns.formats.activations === 'fp32' ? 4 : Math.min(2, bytesPerElement(ns.formats.activations)),
    streamBytes: ns.formats.activations === 'fp32' ? 4 : 2,
    kvBytes: bytesPerElement(ns.formats.kvCache),
    gemmRate: ns.formats.gemmRate,
    attentionRate: ns.formats.attentionRate,
  };
  const h = model.hiddenSize;
  const ops: Operator[] = [
    op({
      name: 'embedding',
      kind: 'embedding',
      count: 1,
      flops: 0,
      bytes: 2 * tokens * h * c.streamBytes,
      rate: 'fp32',
    }),
  ];
  for (const g of layerGroupsOf(model)) {
    const n = g.count * ns.layerScale;
    ops.push(elementwise(c, 'attn_norm', n, tokens * h, tokens * h, 4));
    ops.push(...attentionOps(c, g, step.tokensPerSequence));
    if (model.parallelBlock) {
      ops.push(...ffnOps(c, g));
      const ar = allReduce(c, 'all_reduce', n);
      if (ar !== undefined) ops.push(ar);
      ops.push(elementwise(c, 'residual_add', n, 3 * tokens * h, tokens * h));
    } else {
      const ar1 = allReduce(c, 'attn_all_reduce', n);
      if (ar1 !== undefined) ops.push(ar1);
      ops.push(elementwise(c, 'residual_norm', n, 2 * tokens * h, 2 * tokens * h, 5));
      ops.push(...ffnOps(c, g));
      // Under attention DP the MoE combine (all-to-all) brings the tokens back instead.
      const ar2 = g.moe && ns.attnDp > 1 ? undefined : allReduce(c, 'ffn_all_reduce', n);
      if (ar2 !== undefined) ops.push(ar2);
      ops.push(elementwise(c, 'residual_add', n, 2 * tokens * h, tokens * h));
    }
  }
  if (ns.pp > 1)
    ops.push(
      op({
        name: 'pp_send',
        kind: 'collective',
        count: 1,
        flops: 0,
        bytes: 0,
        rate: 'fp32',
        collective: { kind: 'p2p', bytes: tokens * h * c.streamBytes, group: ns.tp * ns.pp },
      }),
    );
  // Logit rows: the sequences that emit tokens (every speculative position in a verify step).
  // Under attention DP the group's rows are gathered and the vocabulary split over tp.
  const logits = step.phase === 'decode' ? step.sequences * step.tokensPerSequence : step.sequences;
  const vocab = model.vocabSize / ns.tp;
  ops.push(elementwise(c, 'final_norm', 1, logits * h, logits * h, 4, 'head'));
  ops.push(gemm(c, 'lm_head', 1, logits, vocab, h, 1, 'head'));
  if (ns.tp > 1)
    ops.push(
      op({
        name: 'logits_all_gather',
        kind: 'collective',
        count: 1,
        flops: 0,
        bytes: 0,
        rate: 'fp32',
        collective: { kind: 'all-gather', bytes: logits * vocab * 4, group: ns.tp },
        part: 'head',
      }),
    );
  ops.push(elementwise(c, 'sampling', 1, logits * model.vocabSize * 2, logits, 5, 'head'));
  const graph: PhaseGraph = {
    phase: step.phase,
    sequences: step.sequences,
    tokens: allTokens,
    operators: ops,
  };
  return layerGroupsOf(model).length > 1 ? mergeByName(graph) : graph;
}

/** Layer groups produce same-named operators; merge those with identical per-occurrence work. */
function mergeByName(graph: PhaseGraph): PhaseGraph {
  const out: Operator[] = [];
  for (const o of graph.operators) {
    const same = out.findIndex(
      (p) =>
        p.name === o.name &&
        p.flops === o.flops &&
        p.bytes === o.bytes &&
        p.flopsPerContext === o.flopsPerContext &&
        p.bytesPerContext === o.bytesPerContext &&
        p.contextCap === o.contextCap &&
        p.shape?.m === o.shape?.m &&
        p.shape?.n === o.shape?.n &&
        p.shape?.k === o.shape?.k &&
        p.shape?.groups === o.shape?.groups,
    );
    const prev = same >= 0 ? out[same] : undefined;
    if (prev !== undefined) out[same] = { ...prev, count: prev.count + o.count };
    else out.push(o);
  }
  return { ...graph, operators: out };
}
