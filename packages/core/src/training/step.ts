/**
 * Step time of a training job, built from the operators one GPU runs per micro-batch:
 * - GEMMs on the roofline with the measured efficiency curve (cost/efficiency.ts gemmEfficiency):
 *   forward 2·m·n·k; backward = input gradient + weight gradient = 2 × forward (frozen LoRA/QLoRA
 *   base weights: input gradient only, 1 × forward);
 * - attention (FlashAttention): causal FLOPs at the attention peak fraction; backward 2.5 × forward
 *   (five matmuls against two, the score recomputation included);
 * - elementwise work (norms, residuals, activation, RoPE, loss) as HBM traffic;
 * - recomputation: full adds one forward of every layer, selective the elementwise ops it drops,
 *   selective-op (torchtitan) those plus the forward GEMMs whose outputs it does not keep;
 * - TP (with or without SP), CP ring and EP all-to-all collectives per layer (cost/collectives.ts),
 *   exposed unless overlapped; pipeline bubble per schedule; data-parallel traffic per ZeRO stage,
 *   exposed beyond the compute it overlaps; optimizer step as HBM traffic; offload over the host
 *   link or NVMe.
 */
import type { CollectiveKind } from '../cost/collectives.js';
import { collectiveSeconds } from '../cost/collectives.js';
import { gemmEfficiency, groupRamp } from '../cost/efficiency.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { attentionFlopsPerContextToken, meanCausalContext } from '../model/stats.js';
import {
  expertDataParallel,
  optimizerStateBytes,
  storedActivationBytes,
  trainableExpertParamsPerGpu,
  trainableParamsPerGpu,
} from './memory.js';
import type { NormalizedTraining } from './normalize.js';
import { expertParamsPerGpu, layerShapes, paramsPerGpu, selectiveOpPolicy } from './shapes.js';

export interface StepBreakdown {
  /** Forward compute per step (all micro-batches), s. */
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
  readonly recomputeSeconds: number;
  /** FP8 casts/amax, QLoRA dequantization, s. */
  readonly quantizationSeconds: number;
  readonly tpCommSeconds: number;
  readonly cpCommSeconds: number;
  readonly epCommSeconds: number;
  readonly ppCommSeconds: number;
  readonly bubbleSeconds: number;
  /** Data-parallel traffic left after overlap. */
  readonly dpExposedSeconds: number;
  /** Data-parallel traffic in total (overlapped or not). */
  readonly dpTotalSeconds: number;
  readonly optimizerSeconds: number;
  readonly offloadSeconds: number;
  /** Compute slowed by communication running beside it (SMs and HBM shared), s. */
  readonly contentionSeconds: number;
  readonly stepSeconds: number;
}

export interface OperatorTime {
  readonly name: string;
  /** Per step on one GPU (all micro-batches and layers of the bottleneck stage), s. */
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
}

export interface StepResult {
  readonly breakdown: StepBreakdown;
  readonly operators: readonly OperatorTime[];
  /** Compute of one micro-batch (forward + backward + recompute + exposed TP/CP/EP) on the bottleneck stage, s. */
  readonly microBatchSeconds: number;
  /** Bottleneck: the largest term of the step. */
  readonly bottleneck: string;
}

function peakOf(hw: HardwareSpec, fmt: 'bf16' | 'fp16' | 'fp8'): number {
  const r = hw.peakFlopsPerSecond;
  return (fmt === 'fp8' ? r.fp8 : fmt === 'fp16' ? (r.fp16 ?? r.bf16) : (r.bf16 ?? r.fp16)) ?? 1;
}

/** A hardware view whose scale-up domain holds `perDomain` members of a strided group. */
function strided(hw: HardwareSpec, stride: number): HardwareSpec {
  if (hw.scaleUp === undefined) return hw;
  const perDomain = Math.max(1, Math.floor(hw.scaleUp.domainSize / stride));
  return { ...hw, scaleUp: { ...hw.scaleUp, domainSize: perDomain } };
}

/** What every term of the step needs: rates, shapes of one micro-batch, the job's switches. */
interface StepContext {
  readonly j: NormalizedTraining;
  /** Achievable HBM bandwidth, B/s. */
  readonly memBw: number;
  readonly lowPrecision: boolean;
  readonly gemmPeak: number;
  readonly gemmFrac: number;
  readonly peak16: number;
  readonly frac16: number;
  /** Bytes per GEMM input element. */
  readonly inBytes: number;
  /** Tokens of one micro-batch on one GPU (after the CP split). */
  readonly tokens: number;
  /** Sequence-parallel split of the hidden state (tp with SP, else 1). */
  readonly sp: number;
  readonly lora: boolean;
  readonly qlora: boolean;
  readonly layersPerStage: number;
  readonly stageScale: number;
}

function stepContext(j: NormalizedTraining): StepContext {
  const hw = j.hardware;
  const eff = j.efficiency;
  const lowPrecision = j.precision === 'fp8' || j.precision === 'mxfp8';
  const gemmFmt = lowPrecision ? 'fp8' : j.precision === 'fp16' ? 'fp16' : 'bf16';
  const te = j.trainingEfficiency;
  const layersPerStage = Math.ceil(j.model.numLayers / j.pp);
  return {
    j,
    memBw: hw.memory.bandwidthBytesPerSecond * eff.memoryBandwidthFraction,
    lowPrecision,
    gemmPeak: peakOf(hw, gemmFmt),
    gemmFrac: (lowPrecision ? eff.gemmLowPrecisionPeakFraction : eff.gemmPeakFraction) * te.gemmScale,
    peak16: peakOf(hw, j.precision === 'fp16' ? 'fp16' : 'bf16'),
    frac16: eff.gemmPeakFraction * te.gemmScale,
    inBytes: lowPrecision ? 1 : 2,
    tokens: (j.microBatch * j.sequenceLength) / j.cp,
    sp: j.sequenceParallel ? j.tp : 1,
    lora: j.finetune.method !== 'full',
    qlora: j.finetune.method === 'qlora',
    layersPerStage,
    stageScale: layersPerStage / j.model.numLayers,
  };
}

function gemm(
  c: StepContext,
  mRows: number,
  n: number,
  k: number,
  groups: number,
  peak: number,
  frac: number,
  bytes: number,
): number {
  const rows = Math.max(1, mRows);
  const flops = 2 * rows * n * k * groups;
  const compute = flops / (peak * gemmEfficiency(rows, n, k, frac, c.j.efficiency, groups));
  const traffic = ((rows * k + k * n) * bytes + rows * n * 2) * groups;
  return Math.max(compute, traffic / c.memBw);
}

/** Compute of one micro-batch on the bottleneck stage, summed as the layers are walked. */
interface Compute {
  readonly ops: Map<string, { f: number; b: number }>;
  /** Forward compute of the stage's layers, one micro-batch. */
  layerF: number;
  layerB: number;
  gemmF: number;
  attnF: number;
  quant: number;
  selective: number;
  /** Forward GEMM time per-op selective recomputation reruns. */
  opRecompute: number;
  moeLayers: number;
  headF: number;
  headB: number;
}

function addOp(acc: Compute, name: string, f: number, b: number): void {
  const o = acc.ops.get(name) ?? { f: 0, b: 0 };
  acc.ops.set(name, { f: o.f + f, b: o.b + b });
}

type Linear = ReturnType<typeof layerShapes>[number]['linears'][number];

/** One linear layer of a shape occurring n times on the stage: GEMMs, LoRA adapters, casts. */
function addLinear(
  c: StepContext,
  acc: Compute,
  l: Linear,
  n: number,
  recomputed?: ReadonlyMap<string, number>,
): void {
  const j = c.j;
  const rows = c.tokens * l.tokenShare;
  // Routed experts run as one grouped GEMM: the grouped kernel's fraction of a plain GEMM and each
  // group's pipeline restart (cost/efficiency.ts groupRamp), as serving charges them.
  const eff = j.efficiency;
  const grouped =
    l.grouped === true
      ? eff.groupedGemmFraction * groupRamp(Math.max(1, rows), eff.groupedGemmRowsHalf, eff.gemmMinTileRows)
      : 1;
  const f = gemm(c, rows, l.n, l.k, l.groups, c.gemmPeak, c.gemmFrac * grouped, c.inBytes);
  let b = (c.lora ? 1 : 2) * f;
  let fl = f;
  if (c.lora && l.name !== 'router' && (!j.finetune.attentionOnly || l.attention)) {
    const r = j.finetune.rank;
    const a =
      gemm(c, rows, r, l.k, l.groups, c.peak16, c.frac16, 2) +
      gemm(c, rows, l.n, r, l.groups, c.peak16, c.frac16, 2);
    fl += a;
    b += 2 * a;
  }
  if (c.qlora) {
    // Dequantize the NF4 weight to BF16 before each use (forward, backward input gradient).
    const dq = (l.k * l.n * l.groups * (0.5 + 2)) / c.memBw;
    acc.quant += n * 2 * dq;
  }
  if (c.lowPrecision) {
    // Casts to FP8 of the GEMM inputs (activation, weight; gradient in backward): read 2 bytes,
    // write 1; per-tensor scaling adds an amax pass (one more read) per tensor.
    const amax = j.fp8Recipe === 'tensorwise' ? 2 : 0;
    const elems = rows * l.k * l.groups + l.k * l.n * l.groups;
    const gradElems = rows * l.n * l.groups;
    acc.quant += (n * ((elems + gradElems) * (3 + amax))) / c.memBw;
  }
  addOp(acc, l.name, n * fl, n * b);
  // Per-op selective recomputation reruns the forward GEMMs whose outputs it did not keep.
  if (recomputed !== undefined) acc.opRecompute += n * f * (recomputed.get(l.name) ?? 0);
  acc.layerF += n * fl;
  acc.layerB += n * b;
  acc.gemmF += n * fl;
}

type Shape = ReturnType<typeof layerShapes>[number];

/** Attention core, elementwise traffic and MoE permutation of a shape occurring n times. */
function addNonGemm(c: StepContext, acc: Compute, s: Shape, n: number): void {
  const j = c.j;
  const m = j.model;
  const h = m.hiddenSize;
  // Attention core (BF16 FlashAttention).
  const ctx = meanCausalContext(j.sequenceLength, s.window);
  const attnFlops = (c.tokens * attentionFlopsPerContextToken(m) * ctx) / j.tp;
  const at =
    attnFlops / (c.peak16 * j.efficiency.attentionPeakFraction * j.trainingEfficiency.attentionScale);
  addOp(acc, 'attention', n * at, n * 2.5 * at);
  acc.attnF += n * at;
  acc.layerF += n * at;
  acc.layerB += n * 2.5 * at;
  // Elementwise traffic (BF16): norms and residual adds on the (SP-split) hidden state, the
  // activation function on the FFN width, RoPE on Q and K. Backward moves about twice as much.
  const a = m.attention;
  const qk =
    a.kind === 'gqa'
      ? (a.numHeads + a.numKvHeads) * a.headDim
      : a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim) * 2;
  const elemBytes = c.tokens * 2 * ((14 * h) / c.sp + s.ffnWidth + (2 * qk) / j.tp);
  const et = elemBytes / c.memBw;
  addOp(acc, 'elementwise', n * et, n * 2 * et);
  acc.layerF += n * et;
  acc.layerB += n * 2 * et;
  if (s.moe && m.moe !== undefined) {
    // Token permutation around the experts: each routed copy of a token (BF16) is gathered
    // into expert order and scattered back (read + write both ways), and the combine weighs
    // and sums the copies; backward mirrors it.
    const copies = (c.tokens * m.moe.topK) / j.tp;
    const pt = (copies * h * 2 * 6) / c.memBw;
    addOp(acc, 'moe-permute', n * pt, n * 2 * pt);
    acc.layerF += n * pt;
    acc.layerB += n * 2 * pt;
  }
  acc.selective += (n * (c.tokens * 2 * ((4 * h) / c.sp + s.ffnWidth))) / c.memBw;
}

/** The stage's layers and the LM head, one micro-batch. */
function microBatchCompute(c: StepContext): Compute {
  const j = c.j;
  const m = j.model;
  const acc: Compute = {
    ops: new Map(),
    layerF: 0,
    layerB: 0,
    gemmF: 0,
    attnF: 0,
    quant: 0,
    selective: 0,
    opRecompute: 0,
    moeLayers: 0,
    headF: 0,
    headB: 0,
  };
  for (const s of layerShapes(m, { tp: j.tp, ep: j.ep })) {
    const n = s.count * c.stageScale;
    if (s.moe) acc.moeLayers += n;
    if (s.moe && m.moe !== undefined) {
      // Per-expert overhead of a framework that runs the local experts one at a time (normalize.ts
      // expertOverheadSeconds): a third in forward, two thirds in backward (input and weight
      // gradients launch twice the forward's kernels per expert).
      const t = (m.moe.numExperts / j.ep) * j.trainingEfficiency.expertOverheadSeconds;
      addOp(acc, 'expert-overhead', (n * t) / 3, (n * 2 * t) / 3);
      acc.layerF += (n * t) / 3;
      acc.layerB += (n * 2 * t) / 3;
    }
    const recomputed = j.recompute === 'selective-op' ? selectiveOpPolicy(m, s, j.tp).recomputed : undefined;
    for (const l of s.linears) addLinear(c, acc, l, n, recomputed);
    addNonGemm(c, acc, s, n);
  }
  // LM head and loss on the last stage (FP32 logits: write, softmax read/write, gradient).
  const head = gemm(c, c.tokens, m.vocabSize / j.tp, m.hiddenSize, 1, c.peak16, c.frac16, 2);
  // Fused: the BF16 logits read in forward, read and their gradient written in backward (6 bytes).
  const loss = (c.tokens * (m.vocabSize / j.tp) * (j.fusedLoss ? 6 : 4 * 4)) / c.memBw;
  addOp(acc, 'lm-head', head + loss, (c.lora ? 1 : 2) * head + loss);
  acc.headF = head + loss;
  acc.headB = (c.lora ? 1 : 2) * head + loss;
  return acc;
}

/** Exposed TP, CP and EP communication of one micro-batch, and TP's total per pass. */
interface ModelParallelComm {
  readonly tpF: number;
  readonly tpPasses: number;
  readonly tpExposed: number;
  readonly cpExposed: number;
  readonly epExposed: number;
}

function modelParallelComm(c: StepContext, acc: Compute): ModelParallelComm {
  const j = c.j;
  const m = j.model;
  const hw = j.hardware;
  const eff = j.efficiency;
  const h = m.hiddenSize;
  // TP collectives per layer: with SP, all-gather + reduce-scatter around attention and FFN
  // (4 per layer forward); without SP, 2 all-reduces. Backward mirrors the forward.
  const actBytes = c.tokens * h * 2;
  let tpF = 0;
  if (j.tp > 1) {
    const kind: CollectiveKind = j.sequenceParallel ? 'all-gather' : 'all-reduce';
    const count = j.sequenceParallel ? 4 : 2;
    tpF = c.layersPerStage * count * collectiveSeconds(kind, actBytes, j.tp, hw, eff);
  }
  const tpPasses = 2 + (j.recompute === 'full' ? 1 : 0);
  const tpExposed = j.overlapTp ? Math.max(0, tpF - acc.gemmF) * tpPasses : tpF * tpPasses;

  // CP ring attention: cp−1 KV-chunk exchanges per layer forward (K and V gradients too in backward),
  // overlapped with the attention blocks they feed.
  let cpExposed = 0;
  if (j.cp > 1) {
    const a = m.attention;
    const kvDim =
      a.kind === 'gqa'
        ? 2 * a.numKvHeads * a.headDim
        : a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim);
    const hop = collectiveSeconds('p2p', (c.tokens * kvDim * 2) / j.tp, j.tp * j.cp, hw, eff);
    const fwd = c.layersPerStage * (j.cp - 1) * hop;
    const passes = 1 + (j.recompute === 'full' ? 1 : 0);
    cpExposed = passes * Math.max(0, fwd - acc.attnF) + Math.max(0, 2 * fwd - 2.5 * acc.attnF);
  }

  // EP all-to-all: dispatch and combine per MoE layer, forward and backward (not overlapped).
  let epF = 0;
  if (j.ep > 1 && m.moe !== undefined) {
    const bytes = (c.tokens / j.tp) * m.moe.topK * h * (c.lowPrecision ? 1 : 2);
    epF = acc.moeLayers * 2 * collectiveSeconds('all-to-all', bytes, j.ep, strided(hw, j.tp), eff);
  }
  const epExposed = epF * (2 + (j.recompute === 'full' ? 1 : 0));
  return { tpF, tpPasses, tpExposed, cpExposed, epExposed };
}

/** Pipeline bubble of the schedule and the stage-to-stage sends of a step. */
function pipelineSeconds(
  c: StepContext,
  acc: Compute,
  recompute: number,
  comm: ModelParallelComm,
  microBatchSeconds: number,
): { bubble: number; ppComm: number } {
  const j = c.j;
  if (j.pp <= 1) return { bubble: 0, ppComm: 0 };
  // Pipeline: steady state m micro-batches on the bottleneck stage plus the schedule's bubble.
  const t = microBatchSeconds;
  let bubble: number;
  if (j.schedule === 'interleaved') bubble = ((j.pp - 1) / j.virtualStages) * t;
  else if (j.schedule === 'zero-bubble')
    // ZB-H1 (Qi et al. 2023, arXiv 2401.10241): bubble (p−1)(T_F + T_B − T_W), with the
    // backward split evenly into input (T_B) and weight (T_W) gradients: (p−1)·T_F.
    bubble =
      (j.pp - 1) *
      (acc.layerF + acc.headF + recompute + (comm.tpExposed + comm.cpExposed + comm.epExposed) / 3);
  else bubble = (j.pp - 1) * t;
  const bytes = (c.tokens * j.model.hiddenSize * 2) / c.sp;
  const span = j.tp * j.cp * j.dp * 2;
  const hop = collectiveSeconds('p2p', bytes, span, j.hardware, j.efficiency);
  // Forward activation and backward gradient per micro-batch; interleaving sends v times as
  // often but Megatron overlaps those sends with compute, leaving one pair per micro-batch.
  return { bubble, ppComm: (j.microBatches + j.pp - 1) * 2 * hop };
}

/** Data-parallel traffic of a step, its exposed part, and the local shards it leaves. */
interface DataParallel {
  readonly dpTotal: number;
  readonly dpExposed: number;
  /** Trainable parameters in this GPU's optimizer shard (ZeRO ≥ 1: dense and expert shards). */
  readonly optimizerParams: number;
  /** BF16 weight bytes in this GPU's ZeRO-3 shard (what parameter offload fetches). */
  readonly weightShardBytes16: number;
}

/** Parameters replicated over one data-parallel group, and that group's layout. */
interface ReplicaGroup {
  readonly params: number;
  readonly trainable: number;
  /** Ranks holding the same parameters. */
  readonly replicated: number;
  /** ZeRO shard group (divides replicated). */
  readonly shard: number;
  /** Rank distance between the group's members. */
  readonly stride: number;
}

/** Per-micro-batch and per-step collective time of one replica group under the job's ZeRO stage. */
function replicaTraffic(
  c: StepContext,
  g: ReplicaGroup,
): { perMicro: number; perStepBwd: number; perStepFwd: number } {
  const j = c.j;
  const hw = j.hardware;
  const eff = j.efficiency;
  const none = { perMicro: 0, perStepBwd: 0, perStepFwd: 0 };
  if (g.replicated <= 1 || (g.params <= 0 && g.trainable <= 0)) return none;
  const groupHw = strided(hw, g.stride);
  const gradBytes = g.trainable * j.gradientBytes;
  const weightBytes16 = g.params * 2;
  const replicas = g.replicated / g.shard;
  const ag = (bytes: number) => collectiveSeconds('all-gather', bytes, g.shard, groupHw, eff);
  // Reduce-scatter moves what an all-gather of the same result does.
  const rs = ag;
  const ar = (bytes: number, n: number) =>
    collectiveSeconds('all-reduce', bytes, n, strided(hw, g.stride * g.shard), eff);
  const full = j.finetune.method === 'full';
  if (j.zero === 3 && full)
    return {
      ...none,
      perMicro:
        2 * ag(weightBytes16) + rs(gradBytes) + (replicas > 1 ? ar(gradBytes / g.shard, replicas) : 0),
    };
  if (j.zero === 3) return { ...none, perMicro: 2 * ag(weightBytes16) + rs(gradBytes) };
  if (j.zero === 2) return { ...none, perMicro: rs(gradBytes), perStepFwd: ag(weightBytes16) };
  if (j.zero === 1) return { ...none, perStepBwd: rs(gradBytes), perStepFwd: ag(g.trainable * 2) };
  return {
    ...none,
    perStepBwd: collectiveSeconds('all-reduce', gradBytes, g.replicated, groupHw, eff),
  };
}

function dataParallel(c: StepContext, acc: Compute, mbCompute: number): DataParallel {
  const j = c.j;
  // Data parallelism over the dp·cp ranks that hold the same dense weights, strided by tp in the
  // rank order (tp innermost, then cp, then dp); the routed experts over their own
  // expert-data-parallel group (memory.ts expertDataParallel), ep apart when ep > 1. The two
  // groups' collectives run one after the other.
  const params = paramsPerGpu(j.model, j.tp, j.pp, j.ep);
  const trainable = trainableParamsPerGpu(j);
  // Without EP the experts share the dense group: one set of collectives, as before.
  const experts = j.ep > 1 ? expertParamsPerGpu(j.model, j.tp, j.pp, j.ep) : 0;
  const trainableExperts = j.ep > 1 ? trainableExpertParamsPerGpu(j) : 0;
  const edp = expertDataParallel(j);
  const dense: ReplicaGroup = {
    params: params - experts,
    trainable: trainable - trainableExperts,
    replicated: j.dp * j.cp,
    shard: j.zero === 3 ? j.shardGroup : j.dp * j.cp,
    stride: j.tp,
  };
  const expert: ReplicaGroup = {
    params: experts,
    trainable: trainableExperts,
    replicated: edp.group,
    shard: j.zero === 3 ? edp.shard : edp.group,
    stride: edp.stride,
  };
  const d = replicaTraffic(c, dense);
  const e = replicaTraffic(c, expert);
  const perMicro = d.perMicro + e.perMicro;
  const perStepBwd = d.perStepBwd + e.perStepBwd;
  const perStepFwd = d.perStepFwd + e.perStepFwd;
  const optimizerParams =
    j.zero >= 1 ? dense.trainable / dense.shard + expert.trainable / expert.shard : trainable;
  const weightShardBytes16 = 2 * (dense.params / dense.shard + expert.params / expert.shard);
  const mb = j.microBatches;
  const dpTotal = perMicro * mb + perStepBwd + perStepFwd;
  if (!j.overlapDp) return { dpTotal, dpExposed: dpTotal, optimizerParams, weightShardBytes16 };
  // Per-micro-batch traffic hides behind that micro-batch's compute; per-step gradient traffic
  // behind the last micro-batch's backward, the parameter all-gather behind the first forward.
  // The last layer's bucket can never overlap.
  const tail = dpTotal / Math.max(1, c.layersPerStage);
  const dpExposed =
    mb * Math.max(0, perMicro - mbCompute) +
    Math.max(0, perStepBwd - (acc.layerB + acc.headB)) +
    Math.max(0, perStepFwd - (acc.layerF + acc.headF)) +
    Math.min(tail, dpTotal);
  return { dpTotal, dpExposed, optimizerParams, weightShardBytes16 };
}

/** Optimizer step as HBM traffic, and offload traffic left exposed. */
function optimizerAndOffload(
  c: StepContext,
  dp: DataParallel,
  mbCompute: number,
): { optimizer: number; offload: number } {
  const j = c.j;
  const mb = j.microBatches;
  // Optimizer step: HBM traffic over the local shard of trainable parameters.
  const optParams = dp.optimizerParams;
  const master = j.masterWeights ? 4 : 0;
  const s = optimizerStateBytes(j.optimizer, j.optimizerStateScale);
  const optBytes = optParams * (2 + j.gradientBytes + 2 * (master + s) + 2);
  let optimizer = optBytes / c.memBw;
  let offload = 0;
  const host = j.hardware.hostLink?.bandwidthBytesPerSecond;
  if (j.offloadOptimizer !== 'none') {
    // ZeRO-Offload: BF16 gradients down, BF16 parameters up over the host link; the CPU Adam step
    // itself is not modeled (assumed hidden behind the transfers). ZeRO-Infinity also streams the
    // states and master weights from NVMe and back.
    optimizer = 0;
    offload += host === undefined ? 0 : (optParams * 4) / host;
    if (j.offloadOptimizer === 'nvme' && j.nvmeBytesPerSecond !== undefined)
      offload += (optParams * 2 * (master + s)) / j.nvmeBytesPerSecond;
  }
  if (j.activationOffload) {
    // Stored activations go to host memory during forward and come back for backward, under compute.
    const transfer = (2 * storedActivationBytes(j)) / (host ?? 1);
    offload += mb * Math.max(0, transfer - mbCompute);
  }
  if (j.offloadParameters !== 'none') {
    // Parameters fetched for the forward and the backward of every micro-batch, prefetched under compute.
    const bw = j.offloadParameters === 'nvme' ? (j.nvmeBytesPerSecond ?? 1) : (host ?? 1);
    const fetch = (2 * dp.weightShardBytes16) / bw;
    offload += mb * Math.max(0, fetch - mbCompute);
  }
  return { optimizer, offload };
}

/** The largest term of the step, named. */
function bottleneckOf(b: StepBreakdown): string {
  const terms: [string, number][] = [
    [
      'compute',
      b.forwardSeconds + b.backwardSeconds + b.recomputeSeconds + b.quantizationSeconds + b.contentionSeconds,
    ],
    ['tensor-parallel communication', b.tpCommSeconds],
    ['context-parallel communication', b.cpCommSeconds],
    ['expert-parallel all-to-all', b.epCommSeconds],
    ['pipeline bubble', b.bubbleSeconds + b.ppCommSeconds],
    ['data-parallel communication', b.dpExposedSeconds],
    ['optimizer step', b.optimizerSeconds],
    ['offload traffic', b.offloadSeconds],
  ];
  return terms.reduce((x, y) => (y[1] > x[1] ? y : x))[0];
}

export function stepTime(j: NormalizedTraining): StepResult {
  const c = stepContext(j);
  const acc = microBatchCompute(c);
  // Recomputation (per micro-batch).
  const recompute =
    j.recompute === 'full'
      ? acc.layerF
      : j.recompute === 'selective'
        ? acc.selective
        : j.recompute === 'selective-op'
          ? acc.selective + acc.opRecompute
          : 0;
  const comm = modelParallelComm(c, acc);
  const mbCompute = acc.layerF + acc.layerB + acc.headF + acc.headB + recompute;
  const microBatchSeconds = mbCompute + acc.quant + comm.tpExposed + comm.cpExposed + comm.epExposed;
  const { bubble, ppComm } = pipelineSeconds(c, acc, recompute, comm, microBatchSeconds);
  const dp = dataParallel(c, acc, mbCompute);
  const { optimizer, offload } = optimizerAndOffload(c, dp, mbCompute);
  const mb = j.microBatches;
  const forward = mb * (acc.layerF + acc.headF);
  const backward = mb * (acc.layerB + acc.headB);
  // Communication overlapped with compute still slows it: NCCL kernels hold SMs and HBM bandwidth.
  const overlapped =
    dp.dpTotal -
    Math.min(dp.dpTotal, dp.dpExposed) +
    (j.overlapTp ? mb * Math.max(0, comm.tpF * comm.tpPasses - comm.tpExposed) : 0);
  const contention = j.trainingEfficiency.overlapSlowdown * overlapped;
  const b = {
    forwardSeconds: forward,
    backwardSeconds: backward,
    recomputeSeconds: mb * recompute,
    quantizationSeconds: mb * acc.quant,
    tpCommSeconds: mb * comm.tpExposed,
    cpCommSeconds: mb * comm.cpExposed,
    epCommSeconds: mb * comm.epExposed,
    ppCommSeconds: ppComm,
    bubbleSeconds: bubble,
    dpExposedSeconds: dp.dpExposed,
    dpTotalSeconds: dp.dpTotal,
    optimizerSeconds: optimizer,
    offloadSeconds: offload,
    contentionSeconds: contention,
  };
  const stepSeconds =
    contention +
    forward +
    backward +
    b.recomputeSeconds +
    b.quantizationSeconds +
    b.tpCommSeconds +
    b.cpCommSeconds +
    b.epCommSeconds +
    ppComm +
    bubble +
    dp.dpExposed +
    optimizer +
    offload;
  const breakdown: StepBreakdown = { ...b, stepSeconds };
  const operators = [...acc.ops.entries()].map(([name, o]) => ({
    name,
    forwardSeconds: o.f * mb,
    backwardSeconds: o.b * mb,
  }));
  return { breakdown, operators, microBatchSeconds, bottleneck: bottleneckOf(breakdown) };
}
