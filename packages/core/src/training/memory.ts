/**
 * Memory per GPU of a training job: weights, gradients, optimizer states (each sharded by its
 * ZeRO stage), activations of the micro-batches the pipeline schedule keeps in flight,
 * communication buffers, and an allocator reserve.
 */
import { countParams } from '../model/stats.js';
import type { NormalizedTraining } from './normalize.js';
import { expertParamsPerGpu, layerShapes, loraParams, paramsPerGpu, selectiveOpPolicy } from './shapes.js';

export interface TrainingMemory {
  readonly weightsBytes: number;
  readonly gradientsBytes: number;
  readonly optimizerBytes: number;
  readonly activationsBytes: number;
  /** Micro-batches whose activations the first pipeline stage holds at its peak. */
  readonly microBatchesInFlight: number;
  readonly communicationBytes: number;
  readonly reserveBytes: number;
  readonly totalBytes: number;
  readonly capacityBytes: number;
  readonly fits: boolean;
  /** capacity − total (negative: short by that much). */
  readonly headroomBytes: number;
}

/** Optimizer state bytes per trainable parameter, without the FP32 master copy. */
export function optimizerStateBytes(optimizer: NormalizedTraining['optimizer'], fp32Scale = 1): number {
  switch (optimizer) {
    case 'adamw':
      return 8 * fp32Scale; // FP32 first and second moments (BF16 ones: half)
    case 'adam8bit':
      return 2; // bitsandbytes 8-bit blockwise moments (block scales are < 1%)
    case 'adafactor':
      return 0; // factored second moment: O(rows + cols) per matrix, negligible; no first moment
    case 'sgd':
      return 4 * fp32Scale; // FP32 momentum
  }
}

/**
 * Fixed runtime memory (CUDA context, cuBLAS/NCCL workspaces) and allocator fragmentation: a
 * model assumption, not a spec — 1 GiB plus 5 % of the allocated bytes, to be checked against the
 * torchtitan and torchtune peak-memory rows in training.csv.
 */
export const RUNTIME_RESERVE_BYTES = 2 ** 30;
export const FRAGMENTATION_FRACTION = 0.05;

/** Bytes of the compute-precision weight copy per parameter. */
function weightBytesPerParam(j: NormalizedTraining): number {
  if (j.finetune.method === 'qlora') return 0.5 + 4 / 64; // NF4 with one FP32 absmax per 64 weights (Dettmers et al. 2023)
  return 2;
}

/** Trainable parameters per GPU (before ZeRO sharding). */
export function trainableParamsPerGpu(j: NormalizedTraining): number {
  if (j.finetune.method === 'full') return paramsPerGpu(j.model, j.tp, j.pp, j.ep);
  return loraParams(j.model, j.finetune.rank, j.finetune.attentionOnly) / (j.tp * j.pp);
}

/** Routed-expert parameters among the trainable ones per GPU (LoRA adapters count as dense). */
export function trainableExpertParamsPerGpu(j: NormalizedTraining): number {
  return j.finetune.method === 'full' ? expertParamsPerGpu(j.model, j.tp, j.pp, j.ep) : 0;
}

/**
 * The ranks that hold the same routed experts (Megatron-Core's expert data parallel,
 * `world / (pp·ep·expert_tp)`): with ep > 1 the tp·dp·cp ranks of a stage regroup into ep-wide
 * expert-parallel groups, so each expert is replicated over tp·dp·cp/ep ranks, ep apart in the
 * rank order (expert-parallel ranks innermost); with ep = 1 the experts are TP-split and
 * replicated over the dense dp·cp group, tp apart. `shard` is the ZeRO shard group of the expert
 * states (the dense shard group's share of it under HSDP).
 */
export function expertDataParallel(j: NormalizedTraining): {
  readonly group: number;
  readonly stride: number;
  readonly shard: number;
} {
  const replicated = j.dp * j.cp;
  if (j.ep <= 1) return { group: replicated, stride: j.tp, shard: j.shardGroup };
  const group = Math.max(1, (j.tp * replicated) / j.ep);
  const shard = Math.max(1, Math.round((group * j.shardGroup) / replicated));
  return { group, stride: j.ep, shard };
}

/** Activation bytes per token of one layer, stored for the backward pass. */
function layerActivationBytesPerToken(j: NormalizedTraining, ffnWidth: number, moe: boolean): number {
  const m = j.model;
  const h = m.hiddenSize;
  const a = m.attention;
  const q = a.kind === 'gqa' ? a.numHeads * a.headDim : a.numHeads * (a.qkNopeHeadDim + a.qkRopeHeadDim);
  const kv = a.kind === 'gqa' ? 2 * a.numKvHeads * a.headDim : a.numHeads * (a.qkNopeHeadDim + a.vHeadDim);
  const sp = j.sequenceParallel ? j.tp : 1;
  const bytes = 2;
  // Layer input and the two norm outputs (inputs of QKV and FFN-up): split by SP, else replicated.
  const replicated = (4 * h) / sp;
  // Q, K, V and the attention output (FlashAttention keeps these plus O(S) softmax statistics).
  const attention = (2 * q + kv) / j.tp;
  // FFN: up-projection output(s) and the activation output (ffnWidth counts both per GPU); MoE
  // layers also keep the dispatched token copies (h per routed copy).
  const moeInputs = moe && j.model.moe !== undefined ? (j.model.moe.topK * h) / j.tp : 0;
  let perToken = bytes * (replicated + attention + ffnWidth + moeInputs);
  // Selective recomputation drops the activation-function output and the norm outputs, recomputed
  // from stored inputs (cheap elementwise ops).
  if (j.recompute === 'selective') perToken -= bytes * ((2 * h) / sp + ffnWidth / 3);
  return perToken;
}

/** Activation bytes one micro-batch leaves stored on the bottleneck stage (CP splits the sequence). */
function storedPerMicroBatch(j: NormalizedTraining, microBatch: number): number {
  const m = j.model;
  const tokens = (microBatch * j.sequenceLength) / j.cp;
  const layersPerStage = Math.ceil(m.numLayers / j.pp);
  const sp = j.sequenceParallel ? j.tp : 1;
  const inputBytesPerToken = (2 * m.hiddenSize) / sp;
  let perLayerMean = 0;
  let perLayerMax = 0;
  let savedMean = 0;
  for (const s of layerShapes(m, { tp: j.tp, ep: j.ep })) {
    const b = layerActivationBytesPerToken(j, s.ffnWidth, s.moe);
    perLayerMean += (b * s.count) / m.numLayers;
    perLayerMax = Math.max(perLayerMax, b);
    if (j.recompute === 'selective-op') {
      // The block input (the checkpoint's input) plus what the per-op policy keeps, BF16.
      const kept = inputBytesPerToken + 2 * selectiveOpPolicy(m, s, j.tp).savedElementsPerToken;
      savedMean += (kept * s.count) / m.numLayers;
    }
  }
  // Full and per-op recomputation: what each layer keeps, plus one layer rematerialized in backward.
  if (j.recompute === 'full') return tokens * (inputBytesPerToken * layersPerStage + perLayerMax);
  if (j.recompute === 'selective-op') return tokens * (savedMean * layersPerStage + perLayerMax);
  return tokens * perLayerMean * layersPerStage;
}

/** Bytes of stored activations per micro-batch (what activation offload moves to the host). */
export function storedActivationBytes(j: NormalizedTraining): number {
  return storedPerMicroBatch(j, j.microBatch);
}

export function trainingMemory(j: NormalizedTraining, microBatch = j.microBatch): TrainingMemory {
  const m = j.model;
  const full = j.finetune.method === 'full';
  const params = paramsPerGpu(m, j.tp, j.pp, j.ep);
  const trainable = trainableParamsPerGpu(j);
  // Routed experts are sharded over their own (smaller) expert-data-parallel group.
  const experts = j.ep > 1 ? expertParamsPerGpu(m, j.tp, j.pp, j.ep) : 0;
  const trainableExperts = j.ep > 1 ? trainableExpertParamsPerGpu(j) : 0;
  const expertShard = expertDataParallel(j).shard;
  const sharded = (dense: number, expert: number, stage: number) =>
    j.zero >= stage ? dense / j.shardGroup + expert / expertShard : dense + expert;
  const paramOffloaded = j.offloadParameters !== 'none';
  const optOffloaded = j.offloadOptimizer !== 'none';
  const weightsBytes = paramOffloaded
    ? 0
    : sharded(params - experts, experts, 3) * weightBytesPerParam(j) + (full ? 0 : trainable * 2); // LoRA adapters in BF16
  // Fused optimizer-in-backward frees each gradient as soon as it is applied: one layer's worth lives.
  const gradientsBytes = j.optimizerInBackward
    ? (trainable / Math.ceil(m.numLayers / j.pp)) * j.gradientBytes
    : sharded(trainable - trainableExperts, trainableExperts, 2) * j.gradientBytes;
  const master = j.masterWeights ? 4 : 0;
  const optimizerBytes = optOffloaded
    ? 0
    : sharded(trainable - trainableExperts, trainableExperts, 1) *
      (master + optimizerStateBytes(j.optimizer, j.optimizerStateScale));

  const layersPerStage = Math.ceil(m.numLayers / j.pp);
  const tokens = (microBatch * j.sequenceLength) / j.cp;
  const perMicroBatch = storedPerMicroBatch(j, microBatch);
  let inFlight: number;
  if (j.pp === 1) inFlight = 1;
  else if (j.schedule === 'gpipe') inFlight = j.microBatches;
  else if (j.schedule === 'interleaved')
    // Megatron: the first stage holds pp·(1 + (pp−1)/(pp·v)) micro-batches' worth of its layers.
    inFlight = Math.min(j.microBatches, j.pp) * (1 + (j.pp - 1) / (j.pp * j.virtualStages));
  else inFlight = Math.min(j.microBatches, j.pp);
  // Logits for the loss on the last stage (vocabulary split by TP): the FP32 logits and their FP32
  // gradient are both live when the cross-entropy backward runs (8 bytes per logit); a fused loss
  // keeps the BF16 logits and writes a BF16 gradient (4). A chunked loss materializes one chunk at
  // a time (8 chunks, torchtune's default).
  const logitBytes = j.fusedLoss ? 4 : 8;
  const logits = ((tokens * m.vocabSize * logitBytes) / j.tp) * (j.chunkedLoss ? 1 / 8 : 1);
  // Activation offload keeps two layers' worth on the GPU (the one in use and the next prefetched).
  const resident = j.activationOffload ? (2 * perMicroBatch) / layersPerStage : perMicroBatch;
  const activationsBytes = Math.max(resident * inFlight, resident + logits);

  // Communication buffers: ZeRO-3 gathers two layers (current and prefetched) of BF16 weights;
  // every stage keeps one layer's gradient bucket for the reduce-scatter/all-reduce.
  const c = countParams(m);
  const layerParams = (c.total - c.embedding - c.lmHead) / m.numLayers / j.tp;
  const communicationBytes =
    (full && j.zero === 3 ? 2 * layerParams * 2 : 0) + (full ? layerParams * j.gradientBytes : 0);
  const allocated = weightsBytes + gradientsBytes + optimizerBytes + activationsBytes + communicationBytes;
  const reserveBytes = RUNTIME_RESERVE_BYTES + FRAGMENTATION_FRACTION * allocated;
  const totalBytes = allocated + reserveBytes;
  const capacityBytes = j.hardware.memory.capacityBytes;
  return {
    weightsBytes,
    gradientsBytes,
    optimizerBytes,
    activationsBytes,
    microBatchesInFlight: inFlight,
    communicationBytes,
    reserveBytes,
    totalBytes,
    capacityBytes,
    fits: totalBytes <= capacityBytes,
    headroomBytes: capacityBytes - totalBytes,
  };
}

/** Largest micro-batch (sequences) that fits, up to the sequences one dp rank gets per step; 0 if none. */
export function largestMicroBatch(j: NormalizedTraining): number {
  const limit = j.globalBatch / j.dp;
  let best = 0;
  for (let b = 1; b <= limit; b++) {
    if (!trainingMemory(j, b).fits) break;
    best = b;
  }
  return best;
}
