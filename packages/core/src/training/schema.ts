/**
 * The training workload contract (issue 11): model, hardware, GPU count, batch, precision,
 * optimizer, parallel layout, recomputation, overlap, offload and fine-tuning method. Loose
 * input is validated here (zod); normalize.ts resolves ids and derives the data-parallel degree.
 */
import { z } from 'zod';
import { HardwareSpecSchema } from '../hardware/schema.js';
import { ModelSpecSchema } from '../model/schema.js';

const positiveInt = z.number().int().positive();
const positive = z.number().positive();

export const TRAINING_PRECISIONS = ['bf16', 'fp16', 'fp8', 'mxfp8'] as const;
/** FP8 scaling recipes: per-tensor (current or delayed amax), per-row, or 128-element blocks. */
export const FP8_RECIPES = ['tensorwise', 'delayed', 'rowwise', 'blockwise'] as const;
export const OPTIMIZERS = ['adamw', 'adam8bit', 'adafactor', 'sgd'] as const;
export const PIPELINE_SCHEDULES = ['1f1b', 'interleaved', 'zero-bubble', 'gpipe'] as const;
/**
 * none; selective (Megatron: attention-core and elementwise outputs recomputed); selective-op
 * (torchtitan per-op: every second matmul output and the attention output kept, training/shapes.ts
 * selectiveOpPolicy); full (each layer's input kept, the layer recomputed).
 */
export const RECOMPUTE_MODES = ['none', 'selective', 'selective-op', 'full'] as const;
export const FINETUNE_METHODS = ['full', 'lora', 'qlora'] as const;
export const LORA_TARGETS = ['attention', 'all-linear'] as const;
export const OFFLOAD_TARGETS = ['none', 'cpu', 'nvme'] as const;
export const MFU_CONVENTIONS = ['megatron', 'mosaicml', 'causal'] as const;

export type TrainingPrecision = (typeof TRAINING_PRECISIONS)[number];
export type Fp8Recipe = (typeof FP8_RECIPES)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];
export type PipelineSchedule = (typeof PIPELINE_SCHEDULES)[number];
export type RecomputeMode = (typeof RECOMPUTE_MODES)[number];
export type FinetuneMethod = (typeof FINETUNE_METHODS)[number];
export type OffloadTarget = (typeof OFFLOAD_TARGETS)[number];
export type MfuConvention = (typeof MFU_CONVENTIONS)[number];

export const TrainingParallelismSchema = z
  .object({
    /** Tensor parallelism (Megatron column/row split). */
    tp: positiveInt.default(1),
    /** Sequence parallelism alongside TP (norms/dropout split along the sequence). Default true when tp > 1. */
    sequenceParallel: z.boolean().optional(),
    /** Pipeline stages. */
    pp: positiveInt.default(1),
    pipelineSchedule: z.enum(PIPELINE_SCHEDULES).default('1f1b'),
    /** Model chunks per pipeline rank for the interleaved schedule. */
    virtualStages: positiveInt.default(1),
    /** Context parallelism (ring attention over sequence shards). */
    cp: positiveInt.default(1),
    /** Expert parallelism (MoE); ep ranks are taken from dp·cp. */
    ep: positiveInt.default(1),
    /** Data-parallel degree; derived as gpus / (tp·pp·cp) when absent. */
    dp: positiveInt.optional(),
    /** ZeRO stage over the dp·cp ranks (CP ranks hold the same weights): 0 DDP, 1 optimizer states, 2 + gradients, 3 + parameters (FSDP FULL_SHARD). */
    zero: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(1),
    /** HSDP: shard over groups of this many dp·cp ranks and replicate across groups (ZeRO stage 3 only). */
    shardGroup: positiveInt.optional(),
  })
  .strict();

export const TrainingScenarioSchema = z
  .object({
    /** Catalog id or alias, or a full model spec. */
    model: z.union([z.string().min(1), ModelSpecSchema]),
    /** Catalog id or alias, or a full hardware spec. */
    hardware: z.union([z.string().min(1), HardwareSpecSchema]),
    gpus: positiveInt,
    sequenceLength: positiveInt,
    /** Global batch in sequences per optimizer step. */
    globalBatch: positiveInt,
    /** Sequences per micro-batch per data-parallel rank. */
    microBatch: positiveInt.default(1),
    precision: z.enum(TRAINING_PRECISIONS).default('bf16'),
    fp8Recipe: z.enum(FP8_RECIPES).default('tensorwise'),
    optimizer: z.enum(OPTIMIZERS).default('adamw'),
    /** FP32 master copy of the weights (mixed precision); false for pure-BF16 training. */
    masterWeights: z.boolean().default(true),
    /** Optimizer state format: fp32 (default) or bf16 (torchtune's pure-BF16 recipes). */
    optimizerStateFormat: z.enum(['fp32', 'bf16']).default('fp32'),
    /** Gradient accumulation format: fp32 (Megatron main_grad, FSDP mixed precision) or bf16. */
    gradientFormat: z.enum(['fp32', 'bf16']).default('fp32'),
    parallelism: TrainingParallelismSchema.default({
      tp: 1,
      pp: 1,
      pipelineSchedule: '1f1b',
      virtualStages: 1,
      cp: 1,
      ep: 1,
      zero: 1,
    }),
    recompute: z.enum(RECOMPUTE_MODES).default('none'),
    overlap: z
      .object({
        /** Data-parallel reduce-scatter / all-gather overlapped with compute. */
        dp: z.boolean().default(true),
        /** TP collectives overlapped with the GEMMs they feed (async TP / userbuffers). */
        tp: z.boolean().default(false),
      })
      .strict()
      .default({ dp: true, tp: false }),
    offload: z
      .object({
        /** Optimizer states (and the optimizer step) on CPU (ZeRO-Offload) or NVMe (ZeRO-Infinity). */
        optimizer: z.enum(OFFLOAD_TARGETS).default('none'),
        /** Parameters streamed from CPU or NVMe (ZeRO-Infinity; ZeRO stage 3). */
        parameters: z.enum(OFFLOAD_TARGETS).default('none'),
        /** NVMe read/write bandwidth per GPU, GB/s (decimal); needed when anything goes to NVMe. */
        nvmeGBps: positive.optional(),
      })
      .strict()
      .default({ optimizer: 'none', parameters: 'none' }),
    finetune: z
      .object({
        method: z.enum(FINETUNE_METHODS).default('full'),
        /** LoRA rank. */
        rank: positiveInt.default(16),
        /** Matrices that get adapters: attention projections only, or every linear layer. */
        targets: z.enum(LORA_TARGETS).default('all-linear'),
      })
      .strict()
      .default({ method: 'full', rank: 16, targets: 'all-linear' }),
    network: z
      .object({
        /** Scale-out bandwidth per GPU, Gb/s, one direction (default: 200 for Ampere, 400 otherwise). */
        scaleOutGbpsPerGpu: positive.optional(),
      })
      .strict()
      .default({}),
    /** Cross-entropy computed in chunks of the sequence: the full FP32 logits are never materialized. */
    chunkedLoss: z.boolean().default(false),
    /**
     * Cross-entropy as one fused kernel (torch.compile'd loss, Liger-style kernels): it keeps the
     * BF16 logits and writes their BF16 gradient (4 bytes per logit) instead of an FP32 copy and
     * its FP32 gradient (8), and reads them once per pass.
     */
    fusedLoss: z.boolean().default(false),
    /** Optimizer step fused into the backward pass: each gradient is applied and freed at once. */
    optimizerInBackward: z.boolean().default(false),
    /** Stored activations (checkpoints) offloaded to host memory and streamed back for backward. */
    activationOffload: z.boolean().default(false),
    /** Tokens to train, for time, cost and energy. */
    tokens: positive.optional(),
    /** Rental price per GPU-hour, USD (overrides the catalog price). */
    priceUsdPerGpuHour: positive.optional(),
    /** Checkpoint write bandwidth per GPU, GB/s (decimal), for the save time. */
    checkpointWriteGBps: positive.optional(),
    /** Overrides of the training efficiency parameters (normalize.ts TRAINING_EFFICIENCY_DEFAULTS). */
    efficiency: z
      .object({
        gemmScale: z.number().positive().max(2).optional(),
        attentionScale: z.number().positive().max(2).optional(),
        overlapSlowdown: z.number().nonnegative().max(2).optional(),
        /** Seconds per local expert per MoE layer and micro-batch (0 for a single-kernel grouped GEMM). */
        expertOverheadSeconds: z.number().nonnegative().max(0.01).optional(),
      })
      .strict()
      .default({}),
    /** MFU/HFU counting convention of the headline figure. */
    mfuConvention: z.enum(MFU_CONVENTIONS).default('megatron'),
  })
  .strict();

export type TrainingScenarioInput = z.input<typeof TrainingScenarioSchema>;
export type TrainingScenario = z.output<typeof TrainingScenarioSchema>;
