/**
 * The scenario contract (design.md §2): model, hardware, device count, parallelism, numeric
 * formats, engine and workload. One zod schema validates every input; defaults are stated on
 * each field and applied in normalize.ts.
 */
import { z } from 'zod';
import { HardwareSpecSchema } from '../hardware/schema.js';
import { ModelSpecSchema } from '../model/schema.js';
import { NUMERIC_FORMATS } from '../units/formats.js';

const positiveInt = z.number().int().positive();

export const NumericFormatSchema = z.enum(NUMERIC_FORMATS);

export const ENGINE_IDS = ['ideal', 'vllm', 'trtllm', 'sglang'] as const;
export const EngineIdSchema = z.enum(ENGINE_IDS);
export type EngineId = z.infer<typeof EngineIdSchema>;

export const ParallelismSchema = z
  .object({
    /** Tensor parallelism: heads and FFN columns split across devices. Default 1. */
    tp: positiveInt.default(1),
    /** Pipeline parallelism: layers split into stages. Default 1. */
    pp: positiveInt.default(1),
    /** Expert parallelism for MoE layers. Default 1. */
    ep: positiveInt.default(1),
    /** Data-parallel replicas. Default 1. */
    dp: positiveInt.default(1),
    /** Attention data-parallel across the TP group (MLA models). Default false. */
    attentionDp: z.boolean().default(false),
  })
  .strict();

export const PrecisionSchema = z
  .object({
    /** Weight storage format. Default bf16. */
    weights: NumericFormatSchema.optional(),
    /** Activation format GEMMs take (fp8 runs FP8 tensor cores). Default: fp8 when weights are fp8, else bf16. */
    activations: NumericFormatSchema.optional(),
    /** KV-cache format. Default: fp8 when activations are fp8, else bf16. */
    kvCache: NumericFormatSchema.optional(),
  })
  .strict();

export const WorkloadSchema = z
  .object({
    /** Prompt tokens per request. */
    inputTokens: positiveInt,
    /** Generated tokens per request (the first comes from prefill). */
    outputTokens: positiveInt,
    /** Static batch: all requests start together. */
    batch: positiveInt.optional(),
    /** Closed loop: N clients. */
    concurrency: positiveInt.optional(),
    /** Open loop: Poisson arrivals, requests per second. */
    requestRate: z.number().positive().optional(),
    /** Requests to simulate (requestRate, maxThroughput). */
    requests: positiveInt.optional(),
    /** Random seed for arrivals. */
    seed: z.number().int().optional(),
    /** Offline: every request queued at once. */
    maxThroughput: z.boolean().optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const kinds = [
      w.batch !== undefined,
      w.concurrency !== undefined,
      w.requestRate !== undefined,
      w.maxThroughput === true,
    ].filter(Boolean).length;
    if (kinds !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds === 0
            ? 'workload needs one of batch, concurrency, requestRate or maxThroughput: true'
            : 'workload must set only one of batch, concurrency, requestRate, maxThroughput',
      });
    }
  });

/** Optional overrides of the efficiency parameters (see cost/efficiency.ts). */
export const EfficiencyOverridesSchema = z
  .object({
    gemmPeakFraction: z.number().positive().max(1).optional(),
    memoryBandwidthFraction: z.number().positive().max(1).optional(),
    attentionPeakFraction: z.number().positive().max(1).optional(),
    kernelLaunchSeconds: z.number().nonnegative().optional(),
    stepOverheadSeconds: z.number().nonnegative().optional(),
    collectiveLatencySeconds: z.number().nonnegative().optional(),
    collectiveBandwidthFraction: z.number().positive().max(1).optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    /** Catalog id, Hugging Face repo alias, or an inline model object (files are read by the CLI). */
    model: z.union([z.string().min(1), ModelSpecSchema]),
    /** Catalog id or alias, or an inline hardware object. */
    hardware: z.union([z.string().min(1), HardwareSpecSchema]),
    /** Devices used. Default: tp·pp·ep·dp (ep shares devices with tp when both are set). */
    gpus: positiveInt.optional(),
    parallelism: ParallelismSchema.default({ tp: 1, pp: 1, ep: 1, dp: 1, attentionDp: false }),
    precision: PrecisionSchema.default({}),
    /** Serving engine profile. Default ideal (no overheads beyond kernels). */
    engine: EngineIdSchema.default('ideal'),
    workload: WorkloadSchema,
    efficiency: EfficiencyOverridesSchema.optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
