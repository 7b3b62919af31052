/**
 * The scenario contract (docs/scenario.md): model, hardware, device count, parallelism, numeric
 * formats, engine and workload. One zod schema validates every input; defaults are stated on
 * each field and applied in normalize.ts.
 */
import { z } from 'zod';
import { CostSchema, PowerSchema } from '../energy/schema.js';
import { HardwareSpecSchema } from '../hardware/schema.js';
import { ModelSpecSchema } from '../model/schema.js';
import { NUMERIC_FORMATS } from '../units/formats.js';
import { ENGINE_RELEASES } from './engine-releases.js';

const positiveInt = z.number().int().positive();

/** Most requests one serving simulation runs: each is kept, so memory grows with the count. */
export const MAX_REQUESTS = 1_000_000;

export const NumericFormatSchema = z.enum(NUMERIC_FORMATS);

export const ENGINE_IDS = ['ideal', 'vllm', 'trtllm', 'sglang'] as const;
export const EngineIdSchema = z.enum(ENGINE_IDS);
export type EngineId = z.infer<typeof EngineIdSchema>;
/** The engine a scenario without `engine` runs: vLLM, the common deployment. */
export const DEFAULT_ENGINE: EngineId = 'vllm';

/**
 * An engine profile: an engine id, or an id with a release that has a profile of its own
 * ('sglang@0.5.9'). The id alone is the newest profile (serving/engines.ts ENGINE_RELEASES).
 */
export type EngineRef = EngineId | `${EngineId}@${string}`;

/** The engine id of a reference ('sglang@0.5.9' -> 'sglang'). */
export function engineIdOf(ref: EngineRef): EngineId {
  const at = ref.indexOf('@');
  return (at < 0 ? ref : ref.slice(0, at)) as EngineId;
}

/** Every engine reference a scenario may name: the ids, and each release with a profile. */
export const ENGINE_REFS: readonly [EngineRef, ...EngineRef[]] = [
  ...ENGINE_IDS,
  ...ENGINE_IDS.flatMap((id) => ENGINE_RELEASES[id].map((r): EngineRef => `${id}@${r.version}`)),
];

export const EngineRefSchema = z.enum(ENGINE_REFS);

export const ParallelismSchema = z
  .object({
    /** Tensor parallelism: heads and FFN columns split across devices. Default 1. */
    tp: positiveInt.default(1),
    /** Pipeline parallelism: layers split into stages. Default 1. */
    pp: positiveInt.default(1),
    /** Expert parallelism for MoE layers. Default 1. */
    ep: positiveInt.default(1),
    /**
     * Redundant expert replicas (EPLB) beyond the model's routed experts: SGLang
     * --ep-num-redundant-experts, TensorRT-LLM wide-EP slots minus experts. The ep ranks hold
     * experts + redundantExperts slots, ep must divide that sum, and every slot costs an expert's
     * weights (e.g. DeepSeek's 256 + 32 = 288 slots over ep=48, 6 per rank). Default 0.
     */
    redundantExperts: z.number().int().nonnegative().default(0),
    /** Data-parallel replicas. Default 1. */
    dp: positiveInt.default(1),
    /**
     * Attention data-parallel across the TP group: each of the tp devices runs attention (and
     * dense layers) for its own sequences with replicated weights, while MoE experts stay
     * expert-parallel (SGLang --enable-dp-attention, TensorRT-LLM enable_attention_dp). Default false.
     */
    attentionDp: z.boolean().default(false),
    /** Pipeline micro-batches in flight. Default: pp (enough to fill the pipeline). */
    microBatches: positiveInt.optional(),
  })
  .strict();

/** The network the devices sit on; overrides the hardware entry (design.md §3, collectives). */
export const TopologySchema = z
  .object({
    /** Devices in one scale-up domain (NVLink/NVSwitch node, NVL72 rack, TPU slice). Default: the hardware's. */
    scaleUpDomainSize: positiveInt.optional(),
    /** Per-device scale-up bandwidth, one direction, bytes/s. Default: the hardware's. */
    scaleUpBandwidthBytesPerSecond: z.number().positive().optional(),
    /** Per-device scale-out (NIC) bandwidth, one direction, bytes/s. No default: the catalog has none. */
    scaleOutBandwidthBytesPerSecond: z.number().positive().optional(),
    /** Fixed time of one message across the scale-out network, s. Default 10 µs. */
    scaleOutLatencySeconds: z.number().nonnegative().optional(),
  })
  .strict();

/** Speculative decoding: a draft proposes `tokens` tokens per step, the target verifies them in one pass. */
export const SpeculativeSchema = z
  .object({
    /** 'draft': a separate draft model; 'mtp': the model's own multi-token-prediction head(s). */
    method: z.enum(['draft', 'mtp']),
    /** Draft model (catalog id or inline model); required for method 'draft'. */
    draftModel: z.union([z.string().min(1), ModelSpecSchema]).optional(),
    /** Tokens proposed per step. */
    tokens: positiveInt.max(16),
    /** Probability that each proposed token is accepted (i.i.d.), 0..1. */
    acceptanceRate: z.number().min(0).max(1),
  })
  .strict();

/**
 * One pool of a disaggregated layout: its replicas' tp, their number (dp), and, where the pool
 * runs its own, its expert parallelism and attention DP (default: the scenario's parallelism).
 */
const DisaggregationPoolSchema = z
  .object({
    tp: positiveInt.default(1),
    dp: positiveInt.default(1),
    ep: positiveInt.optional(),
    /** The pool's redundant expert replicas (parallelism.redundantExperts); default: the scenario's. */
    redundantExperts: z.number().int().nonnegative().optional(),
    attentionDp: z.boolean().optional(),
  })
  .strict();

/** Disaggregated serving: separate prefill and decode pools; KV moves between them. */
export const DisaggregationSchema = z
  .object({
    prefill: DisaggregationPoolSchema,
    decode: DisaggregationPoolSchema,
    /** Link the KV cache crosses: 'scale-out' (pools on different nodes, default) or 'scale-up'. */
    kvTransferLink: z.enum(['scale-up', 'scale-out']).default('scale-out'),
  })
  .strict();

/** Engine settings (override the engine profile) and serving techniques. */
export const ServingSchema = z
  .object({
    /** Per-step token budget (vLLM max_num_batched_tokens, TRT-LLM max_num_tokens, SGLang chunked_prefill_size). */
    maxBatchedTokens: positiveInt.optional(),
    /** Maximum sequences in flight (max_num_seqs / max_batch_size / max_running_requests). */
    maxSequences: positiveInt.optional(),
    /** Memory fraction (vLLM gpu_memory_utilization, TRT-LLM free_gpu_memory_fraction, SGLang mem_fraction_static). */
    memoryFraction: z.number().positive().max(1).optional(),
    /**
     * Tokens per KV-cache page (vLLM block_size, TRT-LLM tokens_per_block, SGLang page_size): a
     * sequence holds whole pages, so a larger page leaves more of its last page unused.
     */
    kvPageTokens: positiveInt.optional(),
    chunkedPrefill: z.boolean().optional(),
    /** Prompt chunks share steps with running decodes (vLLM, TRT-LLM; SGLang --enable-mixed-chunk); false: prefill-first. */
    mixedBatches: z.boolean().optional(),
    /**
     * The scheduler builds the next step while the current one runs (SGLang and TensorRT-LLM
     * overlap scheduler, vLLM async scheduling): an arrival waits for the step already built.
     * Default: the engine profile's.
     */
    overlapScheduler: z.boolean().optional(),
    /**
     * Requests pass the engine's OpenAI-compatible HTTP server (tokenization, detokenization,
     * streaming), which costs the profile's requestOverheadSeconds each. Default true; false for
     * in-process harnesses (trtllm-bench, an MLPerf LoadGen SUT that hands token ids to the engine).
     */
    apiServer: z.boolean().optional(),
    /** Fraction of prompt tokens found in the prefix cache (shared system prompts, multi-turn). Default 0. */
    prefixCacheHitRate: z.number().min(0).max(1).optional(),
    speculative: SpeculativeSchema.optional(),
    disaggregation: DisaggregationSchema.optional(),
  })
  .strict();

/** Holding weights or KV cache off the device and streaming them in layer by layer. */
export const OffloadSchema = z
  .object({
    /** Share of the weights held off-device, 0..1. Default 0. */
    weightsFraction: z.number().min(0).max(1).default(0),
    /** Share of the KV cache held off-device, 0..1. Default 0. */
    kvCacheFraction: z.number().min(0).max(1).default(0),
    /**
     * Where: the name of one of the hardware's offload tiers ('host' is PCIe or C2C host memory
     * where the catalog knows the link), or an inline tier.
     */
    tier: z.union(
      [
        z.string().min(1),
        z
          .object({
            name: z.string().min(1),
            bandwidthBytesPerSecond: z.number().positive(),
            capacityBytes: z.number().positive().optional(),
          })
          .strict(),
      ],
      {
        error:
          "required with any offload: a tier name ('host': the device's host link; CLI --offload-tier host) or an inline tier { name, bandwidthBytesPerSecond, capacityBytes? }",
      },
    ),
  })
  .strict();

export const PrecisionSchema = z
  .object({
    /** Weight storage format. Default bf16. */
    weights: NumericFormatSchema.optional(),
    /** Activation format GEMMs take (fp8 runs FP8 tensor cores). Default: fp8 when weights are fp8, else bf16. */
    activations: NumericFormatSchema.optional(),
    /**
     * KV-cache format (int2: KIVI-style 2-bit with group scales). Default: the engine's own
     * default, the model's 16-bit dtype (whatever the weights are; FP8 KV is opt-in).
     */
    kvCache: NumericFormatSchema.optional(),
    /**
     * XQuant: cache each layer's input X (at the kvCache format) instead of K and V, and
     * recompute K and V from it every step: less memory when X is narrower than K+V, more compute.
     * GQA/MHA models only. Default false.
     */
    cacheLayerInput: z.boolean().optional(),
    /**
     * How FP8 weights are scaled: 'block' (fine-grained, as DeepSeek-V3/R1 ship them: one FP32
     * scale per weight block, activations quantized per 1×128 group, GEMMs at the family's
     * gemmBlockFp8PeakFraction) or 'tensor' (per-tensor or per-channel scales). FP8 weights only.
     * Default: 'block' when the model's config gives an FP8 weight block size (fp8WeightBlockSize,
     * from Hugging Face quantization_config.weight_block_size), else 'tensor'.
     */
    fp8Scaling: z.enum(['tensor', 'block']).optional(),
  })
  .strict();

const lengthBounds = { min: positiveInt, max: positiveInt };

/**
 * How one request's prompt or output length is drawn (docs/scenario.md, Request lengths). Each
 * request draws its own from the workload's seed; a draw outside [min, max] is clamped, and
 * lengths are rounded to whole tokens.
 */
export const LengthDistributionSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('fixed'), tokens: positiveInt }).strict(),
    /** Integers uniform over [min, max] inclusive (InferenceX draws from [0.8·L, L]). */
    z.object({ kind: z.literal('uniform'), ...lengthBounds }).strict(),
    /** Normal with this mean and standard deviation, clamped to [min, max]. */
    z
      .object({
        kind: z.literal('normal'),
        mean: z.number().positive(),
        stddev: z.number().nonnegative(),
        ...lengthBounds,
      })
      .strict(),
    /** Lognormal whose lengths have this mean and standard deviation, clamped to [min, max]. */
    z
      .object({
        kind: z.literal('lognormal'),
        mean: z.number().positive(),
        stddev: z.number().nonnegative(),
        ...lengthBounds,
      })
      .strict(),
    /** Empirical histogram: each bin's length (tokens) drawn with probability proportional to its weight. */
    z
      .object({
        kind: z.literal('histogram'),
        bins: z.array(z.object({ tokens: positiveInt, weight: z.number().nonnegative() }).strict()).min(1),
      })
      .strict(),
  ])
  .superRefine((d, ctx) => {
    if ('min' in d && d.min > d.max)
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${d.min}) exceeds max (${d.max})` });
    if (d.kind === 'histogram' && !d.bins.some((b) => b.weight > 0))
      ctx.addIssue({ code: 'custom', path: ['bins'], message: 'a histogram needs a bin of positive weight' });
  });

export type LengthDistribution = z.infer<typeof LengthDistributionSchema>;

/** Named request-length presets of published benchmark datasets (scenario/lengths.ts). */
export const DATASET_PRESETS = [
  'mlperf-llama2-70b',
  'mlperf-mixtral-8x7b',
  'mlperf-llama3.1-405b',
  'mlperf-llama3.1-8b',
  'mlperf-deepseek-r1',
] as const;

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
    /**
     * Requests to simulate (concurrency, requestRate, maxThroughput). Default 1000, as vLLM's
     * benchmark; at most MAX_REQUESTS (the simulation keeps every request).
     */
    requests: positiveInt
      .max(MAX_REQUESTS, {
        message: `at most ${MAX_REQUESTS.toLocaleString('en-US')} requests are simulated (the cap, docs/serving.md); statistics settle long before`,
      })
      .optional(),
    /** Random seed for arrivals. Default 0. */
    seed: z.number().int().optional(),
    /** Offline: every request queued at once. */
    maxThroughput: z.boolean().optional(),
    /** Per-request prompt lengths (serving workloads). Default: every prompt is inputTokens long. */
    inputLengths: LengthDistributionSchema.optional(),
    /** Per-request output lengths (serving workloads). Default: every output is outputTokens long. */
    outputLengths: LengthDistributionSchema.optional(),
    /**
     * The cap on each request's generated tokens that the engine is given (max_tokens,
     * max_new_tokens). An engine that reserves KV to completion at admission (TensorRT-LLM's
     * GUARANTEED_NO_EVICT) reserves the prompt plus this much, as it cannot know where a request
     * stops. Default: each request's own output length (a benchmark that sets max_tokens to the
     * output length and ignores EOS). A request's own output length counts where it is longer.
     */
    maxOutputTokens: positiveInt.optional(),
    /**
     * A benchmark dataset's published length statistics (scenario/lengths.ts names the source of
     * each): sets inputLengths, outputLengths and maxOutputTokens where those are not given.
     */
    dataset: z.enum(DATASET_PRESETS).optional(),
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
    /** 8-bit and narrower GEMMs. Default: gemmPeakFraction when that is set, else the family's. */
    gemmLowPrecisionPeakFraction: z.number().positive().max(1).optional(),
    /** Block-scaled FP4 GEMMs. Default: the family's FP4 fraction, else the 8-bit one. */
    gemmFp4PeakFraction: z.number().positive().max(1).optional(),
    /** Block-scaled FP8 GEMMs (precision.fp8Scaling 'block'). Default: the family's, else the 8-bit one. */
    gemmBlockFp8PeakFraction: z.number().positive().max(1).optional(),
    memoryBandwidthFraction: z.number().positive().max(1).optional(),
    attentionPeakFraction: z.number().positive().max(1).optional(),
    kernelLaunchSeconds: z.number().nonnegative().optional(),
    stepOverheadSeconds: z.number().nonnegative().optional(),
    /** Host time per step per sequence in the step, s. */
    stepOverheadPerSequenceSeconds: z.number().nonnegative().optional(),
    /** Per-request API server, tokenization and detokenization time, added to TTFT (online workloads), s. */
    requestOverheadSeconds: z.number().nonnegative().optional(),
    collectiveLatencySeconds: z.number().nonnegative().optional(),
    collectiveBandwidthFraction: z.number().positive().max(1).optional(),
    /** Time every kernel takes beyond its roofline terms (pipeline fill and drain), s. Default: the family's. */
    kernelFixedSeconds: z.number().nonnegative().optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    /** Catalog id, Hugging Face repo alias, or an inline model object (files are read by the CLI). */
    model: z.union([z.string().min(1), ModelSpecSchema]),
    /** Catalog id or alias, or an inline hardware object. */
    hardware: z.union([z.string().min(1), HardwareSpecSchema]),
    /** Devices used. Default: tp·pp·dp (ep lives inside the tp group); with disaggregation, both pools' devices. */
    gpus: positiveInt.optional(),
    parallelism: ParallelismSchema.default({
      tp: 1,
      pp: 1,
      ep: 1,
      redundantExperts: 0,
      dp: 1,
      attentionDp: false,
    }),
    precision: PrecisionSchema.default({}),
    /**
     * Serving engine profile, optionally of a release ('sglang@0.5.9'; the id alone is the newest
     * profile). Default vllm, the common deployment; 'ideal' is an optimistic bound.
     */
    engine: EngineRefSchema.default(DEFAULT_ENGINE),
    workload: WorkloadSchema,
    serving: ServingSchema.optional(),
    topology: TopologySchema.optional(),
    offload: OffloadSchema.optional(),
    /** Power model parameters (energy/schema.ts). */
    power: PowerSchema.optional(),
    /** Price per device-hour or capital cost (energy/schema.ts). */
    cost: CostSchema.optional(),
    efficiency: EfficiencyOverridesSchema.optional(),
    /**
     * Calibration: 'shipped' (default) applies the profiles fitted to the shipped measurements
     * for this catalog device and engine under the `efficiency` overrides; 'none' is the raw model;
     * `{ applied: '<what>' }` says the caller merged its own profiles into `efficiency` (the CLI's
     * `--calibration <file>`): nothing else is applied and the report names them
     * (docs/calibration.md).
     */
    calibration: z
      .union([z.enum(['shipped', 'none']), z.object({ applied: z.string().min(1) }).strict()])
      .optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
