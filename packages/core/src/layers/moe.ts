/**
 * Mixture of experts: a router, top-k routed experts and optional shared experts. T tokens touch
 * E·(1 − (1 − k/E)^T) distinct experts; routed experts split over ep devices and each expert
 * over tp/ep; each device reads only the experts its tokens touch. Redundant replicas (EPLB,
 * parallelism.redundantExperts) make E + R expert slots over the ep devices. Under attention DP
 * tokens move to their experts' devices and back by all-to-all (dispatch, combine), which
 * replaces the block's all-reduce after the FFN.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { messages } from '../diagnostics/messages.js';
import type { Operator } from '../graph/operator.js';
import { collective, elementwise, gemm, type StepContext } from '../graph/ops.js';
import { isMoeLayer, type ModelSpec } from '../model/schema.js';
import type { GraphContext } from '../scenario/types.js';
import { NO_DIAGNOSTICS, type Layer, type LayerKind, type LayerParams, type LayerSplit } from './types.js';

type Moe = NonNullable<ModelSpec['moe']>;

/** Expected distinct experts hit when `tokens` tokens each pick `topK` of `experts`. */
export function expectedExpertsTouched(experts: number, topK: number, tokens: number): number {
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

/**
 * Standard normal quantile for p in (0.5, 1): Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4).
 */
function normalQuantile(p: number): number {
  const t = Math.sqrt(-2 * Math.log(1 - p));
  return (
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
}

/**
 * Load imbalance over expert-parallel ranks: the expected busiest rank's share of `assignments`
 * (token, expert) picks spread over `ranks` ranks, relative to the mean. Each rank's count is
 * binomial(assignments, 1/ranks); the expected maximum of `ranks` such counts is taken from the
 * normal approximation with Blom's plotting position, Φ⁻¹((n − 0.375)/(n + 0.25)), capped by
 * every pick landing on one rank. Uniform random routing is an assumption: it is the least
 * imbalance a real router shows (learned routers are skewed), so this is a lower bound.
 */
export function expectedMaxLoadFactor(assignments: number, ranks: number): number {
  if (ranks <= 1 || assignments <= 0) return 1;
  const p = 1 / ranks;
  const mean = assignments * p;
  const sd = Math.sqrt(assignments * p * (1 - p));
  const z = normalQuantile((ranks - 0.375) / (ranks + 0.25));
  return Math.min(assignments, mean + z * sd) / mean;
}

/** Weights of one routed expert. */
export function expertParams(model: ModelSpec, moe: Moe): number {
  const bias = model.linearBias ? 2 * moe.expertIntermediateSize + model.hiddenSize : 0;
  return 3 * model.hiddenSize * moe.expertIntermediateSize + bias;
}

/** Weights of the shared experts of one layer. */
export function sharedExpertParams(model: ModelSpec, moe: Moe): number {
  if (moe.numSharedExperts === 0) return 0;
  const width = moe.sharedExpertIntermediateSize ?? moe.expertIntermediateSize;
  return moe.numSharedExperts * 3 * model.hiddenSize * width;
}

/**
 * Expected distinct EP ranks a token's top-k experts sit on: k distinct picks of `slots` expert
 * slots, `slots/ranks` per rank; a rank is missed with probability C(S − S/R, k)/C(S, k).
 */
export function expectedRanksTouched(slots: number, topK: number, ranks: number): number {
  if (ranks <= 1) return 1;
  return ranks * (1 - missProbability(slots, slots / ranks, topK));
}

/** Probability that k distinct picks of `pool` slots miss a given `held` of them: C(P − h, k)/C(P, k). */
function missProbability(pool: number, held: number, topK: number): number {
  let miss = 1;
  for (let i = 0; i < topK; i++) miss *= Math.max(0, pool - held - i) / (pool - i);
  return miss;
}

/** Group-limited routing: `groups` contiguous expert groups, a token's experts from its `topKGroups` best. */
export type RoutingGroups = NonNullable<Moe['routingGroups']>;

/** Most groups meeting one bin that the exact sum over their subsets enumerates. */
const MAX_BIN_GROUPS = 12;

/**
 * Expected distinct bins (EP ranks, or nodes of EP ranks) a token's top-k experts land on, with
 * `slots` expert slots laid out contiguously over `bins` equal bins (as EP ranks hold them and as
 * DeepEP maps ranks to nodes). Without group-limited routing this is `expectedRanksTouched`. With
 * it (DeepSeek-V3: 8 groups, top 4), the token first picks `topKGroups` of the `groups`
 * contiguous groups and then its k experts among their slots, all uniformly at random (the
 * routing assumption of the imbalance too): a bin is missed with probability Σ over the subsets A
 * of the groups meeting it of P(the picked groups meet it in A) · C(M − o(A), k)/C(M, k), with `M`
 * the picked groups' slots and o(A) the bin's slots in A. Where the groups do not fit (k above
 * the picked groups' slots, a bin meeting more than 12 groups) the unlimited count is used.
 */
export function expectedBinsTouched(
  slots: number,
  topK: number,
  bins: number,
  routing?: RoutingGroups,
): number {
  if (bins <= 1) return 1;
  const unlimited = expectedRanksTouched(slots, topK, bins);
  if (routing === undefined || routing.topKGroups >= routing.groups) return unlimited;
  const { groups, topKGroups } = routing;
  const perGroup = slots / groups;
  const pool = topKGroups * perGroup;
  if (pool < topK) return unlimited;
  const perBin = slots / bins;
  let touched = 0;
  for (let b = 0; b < bins; b++) {
    const lo = b * perBin;
    const hi = lo + perBin;
    const overlaps: number[] = [];
    for (let g = Math.floor(lo / perGroup); g < groups && g * perGroup < hi; g++) {
      const o = Math.min(hi, (g + 1) * perGroup) - Math.max(lo, g * perGroup);
      if (o > 1e-9) overlaps.push(o);
    }
    if (overlaps.length > MAX_BIN_GROUPS) return unlimited;
    let miss = 0;
    const n = overlaps.length;
    for (let mask = 0; mask < 1 << n; mask++) {
      let size = 0;
      let held = 0;
      for (let i = 0; i < n; i++)
        if ((mask >> i) & 1) {
          size++;
          held += overlaps[i] ?? 0;
        }
      const p = binomial(groups - n, topKGroups - size) / binomial(groups, topKGroups);
      if (p > 0) miss += p * missProbability(pool, held, topK);
    }
    touched += 1 - miss;
  }
  return touched;
}

/** C(n, k) for small integers; 0 outside 0 ≤ k ≤ n. */
function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c;
}

/** Devices of the all-to-all group per scale-up domain when the group spans domains, else undefined. */
function spannedDomain(c: StepContext): number | undefined {
  const domain = c.ctx.hardware?.scaleUp?.domainSize;
  return domain !== undefined && domain > 1 && c.ctx.tp > domain ? domain : undefined;
}

/**
 * Per-device bytes of DeepEP's internode normal kernels over an EP group of `ep` ranks on
 * `nodes` nodes: each token goes once over the scale-out network to every remote node holding
 * any of its experts (`nodes` bins of the expert slots; the own node's copy stays in its
 * buffer), and that node's receiving GPU forwards it over scale-up to each of its ranks holding
 * any of them (`ep` bins; the forwarder's own copy stays local). The combine runs the reverse
 * with the same bytes (reduce inside the node, then once per node back).
 */
export function nodeAllToAllBytes(
  slots: number,
  topK: number,
  ep: number,
  nodes: number,
  perTokenBytes: number,
  tokens: number,
  routing?: RoutingGroups,
): { nodesPerToken: number; ranksPerToken: number; scaleOutBytes: number; forwardBytes: number } {
  const nodesPerToken = Math.min(topK, expectedBinsTouched(slots, topK, nodes, routing));
  const ranksPerToken = Math.min(topK, expectedBinsTouched(slots, topK, ep, routing));
  const ranksPerNode = ep / nodes;
  return {
    nodesPerToken,
    ranksPerToken,
    scaleOutBytes: (tokens * nodesPerToken * (nodes - 1) * perTokenBytes) / nodes,
    forwardBytes:
      ranksPerNode > 1 ? (tokens * ranksPerToken * (ranksPerNode - 1) * perTokenBytes) / ranksPerNode : 0,
  };
}

/**
 * MoE dispatch or combine under attention DP, as DeepEP's two kernel families move it (its
 * docs: normal kernels for training and prefill, low-latency kernels for decode; SGLang
 * --deepep-mode auto picks them by phase). Low-latency kernels (decode, `_ll`) send each token to
 * each of its top-k experts (k copies; the receiver reduces the combine) with direct writes and
 * no handshake: one collective latency. Normal kernels (prefill, `_normal`) send a token once per
 * EP rank that holds any of its experts, and a rank reduces its experts' outputs before the
 * combine, so k copies become `expectedRanksTouched` ones; before the dispatch they exchange
 * the per-rank and per-expert token counts (`moe_dispatch_notify`, a collective latency of its
 * own; the combine reuses the dispatch's layout). When the group spans scale-up domains the
 * normal kernels work per node (`nodeAllToAllBytes`): `_normal_rdma` sends each token once per
 * remote node over scale-out, `_normal_nvl` forwards it inside the node over scale-up, pipelined
 * with the RDMA stage, so it carries only its excess over that stage.
 */
function allToAll(
  c: StepContext,
  moe: Moe,
  name: 'moe_dispatch' | 'moe_combine',
  count: number,
  bytesPerElement: number,
  out: Operator[],
): void {
  const perToken = c.model.hiddenSize * bytesPerElement;
  const group = c.ctx.tp;
  if (c.phase === 'decode') {
    out.push(collective(`${name}_ll`, count, 'all-to-all', c.tokens * moe.topK * perToken, group));
    return;
  }
  const slots = moe.numExperts + (c.ctx.redundantExperts ?? 0);
  const domain = spannedDomain(c);
  if (domain === undefined) {
    // Inside one domain the group limit is not applied (see docs/modeling.md: DeepEP's intranode
    // rows route without groups); it would cut copies further where EP ≥ groups.
    const copies = Math.min(moe.topK, expectedRanksTouched(slots, moe.topK, c.ctx.ep));
    out.push(collective(`${name}_normal`, count, 'all-to-all', c.tokens * copies * perToken, group));
    return;
  }
  const nodes = Math.ceil(group / domain);
  const b = nodeAllToAllBytes(slots, moe.topK, c.ctx.ep, nodes, perToken, c.tokens, moe.routingGroups);
  out.push(stage(`${name}_normal_rdma`, count, b.scaleOutBytes, group, 'scale-out', 0));
  out.push(stage(`${name}_normal_nvl`, count, b.forwardBytes, group, 'scale-up-forward', b.scaleOutBytes));
}

/** One stage of a node-level all-to-all (Operator.collective.stage); the forward is part of the same kernel. */
function stage(
  name: string,
  count: number,
  bytes: number,
  group: number,
  kind: 'scale-out' | 'scale-up-forward',
  pipelinedBytes: number,
): Operator {
  const base = collective(name, count, 'all-to-all', bytes, group);
  return {
    ...base,
    collective: { kind: 'all-to-all', bytes, group, stage: kind, pipelinedBytes },
    kernels: kind === 'scale-out' ? 1 : 0,
  };
}

/** DeepEP normal dispatch's notify round: every rank sends its per-rank and per-expert counts (int32). */
function dispatchNotify(c: StepContext, moe: Moe, count: number): Operator {
  const slots = moe.numExperts + (c.ctx.redundantExperts ?? 0);
  return collective('moe_dispatch_notify', count, 'all-to-all', (c.ctx.ep + slots) * 4, c.ctx.tp);
}

class MoeLayer implements Layer {
  readonly kind = 'moe';
  readonly key = 'moe';
  constructor(readonly moe: Moe) {}

  params(model: ModelSpec): LayerParams {
    const moe = this.moe;
    const expert = expertParams(model, moe);
    const routed = moe.numExperts * expert;
    const router = model.hiddenSize * moe.numExperts;
    const fixed = router + sharedExpertParams(model, moe);
    return {
      total: routed + fixed,
      activePerToken: moe.topK * expert + fixed,
      replicated: router,
      routedExperts: routed,
    };
  }

  cacheElements(): number {
    return 0;
  }

  contextFlopsPerToken(): number {
    return 0;
  }

  activationElementsPerToken(model: ModelSpec, attnTp: number): number {
    return (
      (3 * Math.max(model.ffn.intermediateSize, this.moe.topK * this.moe.expertIntermediateSize)) / attnTp
    );
  }

  operators(c: StepContext, n: number, out: Operator[]): void {
    const moe = this.moe;
    const { tp, tokens: t } = c;
    const h = c.model.hiddenSize;
    const ctx = c.ctx;
    out.push(gemm(c, 'router', n, t, moe.numExperts, h));
    // Softmax (or sigmoid) over the E router logits and the top-k selection: one fused kernel
    // (vLLM topk_softmax, SGLang biased_grouped_topk) reading T·E logits, writing T·k ids and weights.
    out.push(elementwise(c, 'moe_topk', n, t * moe.numExperts, 2 * t * moe.topK, 4));
    // Tokens are gathered into expert order (top-k copies) and scattered back with their weights.
    out.push(elementwise(c, 'moe_permute', n, t * h, t * moe.topK * h));
    const unpermute = elementwise(c, 'moe_unpermute', n, t * moe.topK * h, t * h, 2 * moe.topK);
    const dispatch = ctx.attnDp > 1;
    // Dispatch at the GEMM input width (FP8 with FP8 activations), combine in 16-bit [M1051-M1070].
    if (dispatch && c.phase !== 'decode') out.push(dispatchNotify(c, moe, n));
    if (dispatch) allToAll(c, moe, 'moe_dispatch', n, c.gemmInputBytes, out);
    // Routed experts: the group's tokens pick top-k of E; this device holds E/ep of them, each
    // split over tp/ep devices, and reads only the ones its tokens touch.
    // The step waits for the busiest EP rank: its rows exceed the mean by the expected maximum
    // load over ranks (expectedMaxLoadFactor). Rows per expert then set the grouped GEMM's tile
    // padding and wave quantization (gemmEfficiency): few tokens per expert pad the M tiles.
    // Redundant replicas (EPLB) add expert slots: a hot expert's tokens split over its copies, so
    // the picks spread over experts + redundant slots of (experts + redundant)/ep per rank.
    const tAll = c.moeTokens;
    const slots = moe.numExperts + (ctx.redundantExperts ?? 0);
    const touched = expectedExpertsTouched(slots, moe.topK, tAll);
    const imbalance = expectedMaxLoadFactor(tAll * moe.topK, ctx.ep);
    const rowsPerExpert = ((tAll * moe.topK) / touched) * imbalance;
    const local = touched / ctx.ep;
    const width = moe.expertIntermediateSize / ctx.moeTp;
    const rows = ((tAll * moe.topK) / ctx.ep) * imbalance;
    out.push(gemm(c, 'experts_gate_up', n, rowsPerExpert, 2 * width, h, local, 'shared', true));
    out.push(elementwise(c, 'experts_activation', n, rows * 2 * width, rows * width, 8));
    out.push(gemm(c, 'experts_down', n, rowsPerExpert, h, width, local, 'shared', true));
    if (dispatch) allToAll(c, moe, 'moe_combine', n, c.streamBytes, out);
    out.push(unpermute);
    if (moe.numSharedExperts > 0) {
      const sw =
        (moe.numSharedExperts * (moe.sharedExpertIntermediateSize ?? moe.expertIntermediateSize)) / tp;
      out.push(gemm(c, 'shared_gate_up', n, t, 2 * sw, h));
      out.push(gemm(c, 'shared_down', n, t, h, sw));
    }
  }

  /** Each expert's FFN columns split over tp/ep devices. */
  checkSplit(_model: ModelSpec, split: LayerSplit): readonly Diagnostic[] {
    const width = this.moe.expertIntermediateSize;
    const moeTp = split.tp / split.ep;
    return width % moeTp !== 0 && moeTp > 1
      ? [messages.tpDoesNotDivide('expert FFN columns', width, moeTp)]
      : NO_DIAGNOSTICS;
  }

  checkCacheLayerInput(): readonly Diagnostic[] {
    return NO_DIAGNOSTICS;
  }

  skipsBlockAllReduce(ctx: GraphContext): boolean {
    return ctx.attnDp > 1;
  }
}

const layers = new WeakMap<Moe, MoeLayer>();

export const moeFfn: LayerKind = {
  kind: 'moe',
  role: 'ffn',
  select(model, index) {
    const moe = model.moe;
    if (moe === undefined || !isMoeLayer(model, index)) return undefined;
    let layer = layers.get(moe);
    if (layer === undefined) {
      layer = new MoeLayer(moe);
      layers.set(moe, layer);
    }
    return layer;
  },
};
