/* eslint-disable max-lines-per-function -- to be split after the merge */
/**
 * Step time of a training job, built from the operators one GPU runs per micro-batch:
 * - GEMMs on the roofline with the measured efficiency curve (cost/efficiency.ts gemmEfficiency):
 *   forward 2·m·n·k; backward = input gradient + weight gradient = 2 × forward (frozen LoRA/QLoRA
 *   base weights: input gradient only, 1 × forward);
 * - attention (FlashAttention): causal FLOPs at the attention peak fraction; backward 2.5 × forward
 *   (five matmuls against two, the score recomputation included);
 * - elementwise work (norms, residuals, activation, RoPE, loss) as HBM traffic;
 * - recomputation: full adds one forward of every layer, selective the elementwise ops it drops;
 * - TP (with or without SP), CP ring and EP all-to-all collectives per layer (cost/collectives.ts),
 *   exposed unless overlapped; pipeline bubble per schedule; data-parallel traffic per ZeRO stage,
 *   exposed beyond the compute it overlaps; optimizer step as HBM traffic; offload over the host
 *   link or NVMe.
 */
import type { CollectiveKind } from '../cost/collectives.js';
import { collectiveSeconds } from '../cost/collectives.js';
import { gemmEfficiency } from '../cost/efficiency.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { attentionFlopsPerContextToken, meanCausalContext } from '../model/stats.js';
import { optimizerStateBytes, storedActivationBytes, trainableParamsPerGpu } from './memory.js';
import type { NormalizedTraining } from './normalize.js';
import { layerShapes, paramsPerGpu } from './shapes.js';

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

export function stepTime(j: NormalizedTraining): StepResult {
  const m = j.model;
  const hw = j.hardware;
  const eff = j.efficiency;
  const memBw = hw.memory.bandwidthBytesPerSecond * eff.memoryBandwidthFraction;
  const lowPrecision = j.precision === 'fp8' || j.precision === 'mxfp8';
  const gemmFmt = lowPrecision ? 'fp8' : j.precision === 'fp16' ? 'fp16' : 'bf16';
  const gemmPeak = peakOf(hw, gemmFmt);
  const te = j.trainingEfficiency;
  const frac16 = eff.gemmPeakFraction * te.gemmScale;
  const gemmFrac = (lowPrecision ? eff.gemmLowPrecisionPeakFraction : eff.gemmPeakFraction) * te.gemmScale;
  const peak16 = peakOf(hw, j.precision === 'fp16' ? 'fp16' : 'bf16');
  const inBytes = lowPrecision ? 1 : 2;
  const tokens = (j.microBatch * j.sequenceLength) / j.cp;
  const h = m.hiddenSize;
  const sp = j.sequenceParallel ? j.tp : 1;
  const lora = j.finetune.method !== 'full';
  const qlora = j.finetune.method === 'qlora';

  function gemm(
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
    const compute = flops / (peak * gemmEfficiency(rows, n, k, frac, eff, groups));
    const traffic = ((rows * k + k * n) * bytes + rows * n * 2) * groups;
    return Math.max(compute, traffic / memBw);
  }

  const shapes = layerShapes(m, { tp: j.tp, ep: j.ep });
  const layersPerStage = Math.ceil(m.numLayers / j.pp);
  const stageScale = layersPerStage / m.numLayers;
  const ops = new Map<string, { f: number; b: number }>();
  const add = (name: string, f: number, b: number) => {
    const o = ops.get(name) ?? { f: 0, b: 0 };
    ops.set(name, { f: o.f + f, b: o.b + b });
  };
  let layerF = 0; // forward compute of the stage's layers, one micro-batch
  let layerB = 0;
  let gemmF = 0;
  let attnF = 0;
  let quant = 0;
  let selective = 0;
  let moeLayers = 0;
  for (const s of shapes) {
    const n = s.count * stageScale;
    if (s.moe) moeLayers += n;
    for (const l of s.linears) {
      const rows = tokens * l.tokenShare;
      const f = gemm(rows, l.n, l.k, l.groups, gemmPeak, gemmFrac, inBytes);
      let b = (lora ? 1 : 2) * f;
      let fl = f;
      if (lora && l.name !== 'router' && (!j.finetune.attentionOnly || l.attention)) {
        const r = j.finetune.rank;
        const a =
          gemm(rows, r, l.k, l.groups, peak16, frac16, 2) + gemm(rows, l.n, r, l.groups, peak16, frac16, 2);
        fl += a;
        b += 2 * a;
      }
      if (qlora) {
        // Dequantize the NF4 weight to BF16 before each use (forward, backward input gradient).
        const dq = (l.k * l.n * l.groups * (0.5 + 2)) / memBw;
        quant += n * 2 * dq;
      }
      if (lowPrecision) {
        // Casts to FP8 of the GEMM inputs (activation, weight; gradient in backward): read 2 bytes,
        // write 1; per-tensor scaling adds an amax pass (one more read) per tensor.
        const amax = j.fp8Recipe === 'tensorwise' ? 2 : 0;
        const elems = rows * l.k * l.groups + l.k * l.n * l.groups;
        const gradElems = rows * l.n * l.groups;
        quant += (n * ((elems + gradElems) * (3 + amax))) / memBw;
      }
      add(l.name, n * fl, n * b);
      layerF += n * fl;
      layerB += n * b;
      gemmF += n * fl;
    }
    // Attention core (BF16 FlashAttention).
    const ctx = meanCausalContext(j.sequenceLength, s.window);
    const attnFlops = (tokens * attentionFlopsPerContextToken(m) * ctx) / j.tp;
    const at = attnFlops / (peak16 * eff.attentionPeakFraction * te.attentionScale);
    add('attention', n * at, n * 2.5 * at);
    attnF += n * at;
    layerF += n * at;
    layerB += n * 2.5 * at;
    // Elementwise traffic (BF16): norms and residual adds on the (SP-split) hidden state, the
    // activation function on the FFN width, RoPE on Q and K. Backward moves about twice as much.
    const a = m.attention;
    const qk =
      a.kind === 'gqa'
        ? (a.numHeads + a.numKvHeads) * a.headDim
        : a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim) * 2;
    const elemBytes = tokens * 2 * ((14 * h) / sp + s.ffnWidth + (2 * qk) / j.tp);
    const et = elemBytes / memBw;
    add('elementwise', n * et, n * 2 * et);
    layerF += n * et;
    layerB += n * 2 * et;
    if (s.moe && m.moe !== undefined) {
      // Token permutation around the experts: each routed copy of a token (BF16) is gathered
      // into expert order and scattered back (read + write both ways), and the combine weighs
      // and sums the copies; backward mirrors it.
      const copies = (tokens * m.moe.topK) / j.tp;
      const pt = (copies * h * 2 * 6) / memBw;
      add('moe-permute', n * pt, n * 2 * pt);
      layerF += n * pt;
      layerB += n * 2 * pt;
    }
    selective += (n * (tokens * 2 * ((4 * h) / sp + s.ffnWidth))) / memBw;
  }
  // LM head and loss on the last stage (FP32 logits: write, softmax read/write, gradient).
  const head = gemm(tokens, m.vocabSize / j.tp, h, 1, peak16, frac16, 2);
  const loss = (tokens * (m.vocabSize / j.tp) * 4 * 4) / memBw;
  add('lm-head', head + loss, (lora ? 1 : 2) * head + loss);
  const headF = head + loss;
  const headB = (lora ? 1 : 2) * head + loss;

  // Recomputation (per micro-batch).
  const recompute = j.recompute === 'full' ? layerF : j.recompute === 'selective' ? selective : 0;

  // TP collectives per layer: with SP, all-gather + reduce-scatter around attention and FFN
  // (4 per layer forward); without SP, 2 all-reduces. Backward mirrors the forward.
  const actBytes = tokens * h * 2;
  let tpF = 0;
  if (j.tp > 1) {
    const kind: CollectiveKind = j.sequenceParallel ? 'all-gather' : 'all-reduce';
    const count = j.sequenceParallel ? 4 : 2;
    tpF = layersPerStage * count * collectiveSeconds(kind, actBytes, j.tp, hw, eff);
  }
  const tpPasses = 2 + (j.recompute === 'full' ? 1 : 0);
  const tpExposed = j.overlapTp ? Math.max(0, tpF - gemmF) * tpPasses : tpF * tpPasses;

  // CP ring attention: cp−1 KV-chunk exchanges per layer forward (K and V gradients too in backward),
  // overlapped with the attention blocks they feed.
  let cpExposed = 0;
  if (j.cp > 1) {
    const a = m.attention;
    const kvDim =
      a.kind === 'gqa'
        ? 2 * a.numKvHeads * a.headDim
        : a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim);
    const hop = collectiveSeconds('p2p', (tokens * kvDim * 2) / j.tp, j.tp * j.cp, hw, eff);
    const fwd = layersPerStage * (j.cp - 1) * hop;
    const passes = 1 + (j.recompute === 'full' ? 1 : 0);
    cpExposed = passes * Math.max(0, fwd - attnF) + Math.max(0, 2 * fwd - 2.5 * attnF);
  }

  // EP all-to-all: dispatch and combine per MoE layer, forward and backward (not overlapped).
  let epF = 0;
  if (j.ep > 1 && m.moe !== undefined) {
    const bytes = (tokens / j.tp) * m.moe.topK * h * (lowPrecision ? 1 : 2);
    epF = moeLayers * 2 * collectiveSeconds('all-to-all', bytes, j.ep, strided(hw, j.tp), eff);
  }
  const epExposed = epF * (2 + (j.recompute === 'full' ? 1 : 0));

  const mbCompute = layerF + layerB + headF + headB + recompute;
  const microBatchSeconds = mbCompute + quant + tpExposed + cpExposed + epExposed;

  // Pipeline: steady state m micro-batches on the bottleneck stage plus the schedule's bubble.
  const mb = j.microBatches;
  let bubble = 0;
  if (j.pp > 1) {
    const t = microBatchSeconds;
    if (j.schedule === 'interleaved') bubble = ((j.pp - 1) / j.virtualStages) * t;
    else if (j.schedule === 'zero-bubble')
      // ZB-H1 (Qi et al. 2023, arXiv 2401.10241): bubble (p−1)(T_F + T_B − T_W), with the
      // backward split evenly into input (T_B) and weight (T_W) gradients: (p−1)·T_F.
      bubble = (j.pp - 1) * (layerF + headF + recompute + (tpExposed + cpExposed + epExposed) / 3);
    else bubble = (j.pp - 1) * t;
  }
  let ppComm = 0;
  if (j.pp > 1) {
    const bytes = (tokens * h * 2) / sp;
    const span = j.tp * j.cp * j.dp * 2;
    const hop = collectiveSeconds('p2p', bytes, span, hw, eff);
    // Forward activation and backward gradient per micro-batch; interleaving sends v times as
    // often but Megatron overlaps those sends with compute, leaving one pair per micro-batch.
    ppComm = (mb + j.pp - 1) * 2 * hop;
  }

  // Data parallelism over the dp·cp ranks that hold the same weights, strided by tp in the rank
  // order (tp innermost, then cp, then dp).
  const dpHw = strided(hw, j.tp);
  const params = paramsPerGpu(m, j.tp, j.pp, j.ep);
  const trainable = trainableParamsPerGpu(j);
  const gradBytes = trainable * j.gradientBytes;
  const weightBytes16 = params * 2;
  const replicated = j.dp * j.cp;
  const group = j.zero === 3 ? j.shardGroup : replicated;
  const replicas = replicated / group;
  const ag = (bytes: number) => collectiveSeconds('all-gather', bytes, group, dpHw, eff);
  // Reduce-scatter moves what an all-gather of the same result does.
  const rs = ag;
  const ar = (bytes: number, n: number) =>
    collectiveSeconds('all-reduce', bytes, n, strided(hw, j.tp * group), eff);
  let perMicro = 0;
  let perStepBwd = 0;
  let perStepFwd = 0;
  const full = j.finetune.method === 'full';
  if (replicated > 1) {
    if (j.zero === 3 && full)
      perMicro = 2 * ag(weightBytes16) + rs(gradBytes) + (replicas > 1 ? ar(gradBytes / group, replicas) : 0);
    else if (j.zero === 3) perMicro = 2 * ag(weightBytes16) + rs(gradBytes);
    else if (j.zero === 2) {
      perMicro = rs(gradBytes);
      perStepFwd = ag(weightBytes16);
    } else if (j.zero === 1) {
      perStepBwd = rs(gradBytes);
      perStepFwd = ag(trainable * 2);
    } else perStepBwd = collectiveSeconds('all-reduce', gradBytes, replicated, dpHw, eff);
  }
  const dpTotal = perMicro * mb + perStepBwd + perStepFwd;
  let dpExposed: number;
  if (!j.overlapDp) dpExposed = dpTotal;
  else {
    // Per-micro-batch traffic hides behind that micro-batch's compute; per-step gradient traffic
    // behind the last micro-batch's backward, the parameter all-gather behind the first forward.
    // The last layer's bucket can never overlap.
    const tail = dpTotal / Math.max(1, layersPerStage);
    dpExposed =
      mb * Math.max(0, perMicro - mbCompute) +
      Math.max(0, perStepBwd - (layerB + headB)) +
      Math.max(0, perStepFwd - (layerF + headF)) +
      Math.min(tail, dpTotal);
  }

  // Optimizer step: HBM traffic over the local shard of trainable parameters.
  const optParams = trainable / (j.zero >= 1 ? group : 1);
  const master = j.masterWeights ? 4 : 0;
  const s = optimizerStateBytes(j.optimizer, j.optimizerStateScale);
  const optBytes = optParams * (2 + j.gradientBytes + 2 * (master + s) + 2);
  let optimizer = optBytes / memBw;
  let offload = 0;
  const host = hw.hostLink?.bandwidthBytesPerSecond;
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
    const fetch = (2 * (weightBytes16 / group)) / bw;
    offload += mb * Math.max(0, fetch - mbCompute);
  }

  const forward = mb * (layerF + headF);
  const backward = mb * (layerB + headB);
  const breakdown: { -readonly [K in keyof StepBreakdown]: StepBreakdown[K] } = {
    forwardSeconds: forward,
    backwardSeconds: backward,
    recomputeSeconds: mb * recompute,
    quantizationSeconds: mb * quant,
    tpCommSeconds: mb * tpExposed,
    cpCommSeconds: mb * cpExposed,
    epCommSeconds: mb * epExposed,
    ppCommSeconds: ppComm,
    bubbleSeconds: bubble,
    dpExposedSeconds: dpExposed,
    dpTotalSeconds: dpTotal,
    optimizerSeconds: optimizer,
    offloadSeconds: offload,
    contentionSeconds: 0,
    stepSeconds: 0,
  };
  // Communication overlapped with compute still slows it: NCCL kernels hold SMs and HBM bandwidth.
  const overlapped =
    dpTotal - Math.min(dpTotal, dpExposed) + (j.overlapTp ? mb * Math.max(0, tpF * tpPasses - tpExposed) : 0);
  const contention = te.overlapSlowdown * overlapped;
  breakdown.contentionSeconds = contention;
  const stepSeconds =
    contention +
    forward +
    backward +
    breakdown.recomputeSeconds +
    breakdown.quantizationSeconds +
    breakdown.tpCommSeconds +
    breakdown.cpCommSeconds +
    breakdown.epCommSeconds +
    ppComm +
    bubble +
    dpExposed +
    optimizer +
    offload;
  const terms: [string, number][] = [
    ['compute', forward + backward + breakdown.recomputeSeconds + breakdown.quantizationSeconds + contention],
    ['tensor-parallel communication', breakdown.tpCommSeconds],
    ['context-parallel communication', breakdown.cpCommSeconds],
    ['expert-parallel all-to-all', breakdown.epCommSeconds],
    ['pipeline bubble', bubble + ppComm],
    ['data-parallel communication', dpExposed],
    ['optimizer step', optimizer],
    ['offload traffic', offload],
  ];
  const bottleneck = terms.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const operators = [...ops.entries()].map(([name, o]) => ({
    name,
    forwardSeconds: o.f * mb,
    backwardSeconds: o.b * mb,
  }));
  return { breakdown: { ...breakdown, stepSeconds }, operators, microBatchSeconds, bottleneck };
}
