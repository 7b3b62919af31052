/**
 * The normalized scenario and the narrow views of it that the engine's stages take. Interfaces
 * only (no runtime code), low in the dependency order (docs/architecture.md): graph building,
 * costing and memory import their context types from here, never the normalizer, so a training
 * step (or a web app) can build a `GraphContext`/`DeviceContext` without an inference scenario.
 */
import type { CostOptions, PowerOptions } from '../energy/schema.js';
import type { EfficiencyProfile } from '../hardware/families.js';
import type { HardwareSpec } from '../hardware/schema.js';
import type { ModelSpec } from '../model/schema.js';
import type { NumericFormat, RateFormat } from '../units/formats.js';
import type { EngineId, LengthDistribution } from './schema.js';

export interface Formats {
  readonly weights: NumericFormat;
  readonly activations: NumericFormat;
  readonly kvCache: NumericFormat;
  /** Rate class of the projection GEMMs. */
  readonly gemmRate: RateFormat;
  /** Rate class of attention (activations against the cache). */
  readonly attentionRate: RateFormat;
  /** XQuant: the cache holds layer inputs, K and V are recomputed each step. */
  readonly cacheLayerInput: boolean;
  /**
   * Block-scaled FP8 weights (precision.fp8Scaling 'block'): elements per weight block (one FP32
   * scale each) and per activation group (the block's input width); undefined: per-tensor scales.
   */
  readonly fp8Block: { readonly weightBlockElements: number; readonly activationGroup: number } | undefined;
}

/** A device family's efficiencies with the scenario's overrides and the engine's overheads. */
export interface Efficiency extends EfficiencyProfile {
  readonly scaleOutLatencySeconds: number;
  readonly kernelLaunchSeconds: number;
  readonly graphKernelLaunchSeconds: number;
  readonly stepOverheadSeconds: number;
  /** Host time per step per sequence in the step (scheduling, input preparation, sampling bookkeeping), s. */
  readonly stepOverheadPerSequenceSeconds: number;
  /** Per-request time outside the step loop (API server, tokenization, detokenization), added to TTFT, s. */
  readonly requestOverheadSeconds: number;
}

export interface EngineProfile {
  readonly id: EngineId;
  readonly name: string;
  /** The release the profile describes (scenario/engine-releases.ts), or undefined for none in particular. */
  readonly version: string | undefined;
  /**
   * What the memory fraction bounds. 'total': everything the engine allocates (vLLM);
   * 'free-after-weights': the KV cache's share of what weights, activations and the runtime leave
   * (TensorRT-LLM); 'weights-and-kv': weights plus KV cache (SGLang mem_fraction_static).
   */
  readonly kvMemoryBasis: 'total' | 'free-after-weights' | 'weights-and-kv';
  /** What happens when the KV cache runs out: vLLM recomputes (preempts); TRT-LLM reserves to completion at admission. */
  readonly kvPolicy: 'preempt' | 'reserve';
  /** vLLM gpu_memory_utilization, TensorRT-LLM free_gpu_memory_fraction, SGLang mem_fraction_static. */
  readonly memoryFraction: number;
  /** CUDA context, library workspaces, communication buffers and graphs, bytes per device. */
  readonly runtimeReserveBytes: number;
  /** KV block (page) size, tokens. */
  readonly kvPageTokens: number;
  /** Host time per engine step not hidden behind GPU work (scheduling, sampling, detokenize), s. */
  readonly stepOverheadSeconds: number;
  /** Launch cost per kernel in eager mode (prefill), s. */
  readonly kernelLaunchSeconds: number;
  /** Launch cost per kernel when decode replays CUDA graphs, s. */
  readonly graphKernelLaunchSeconds: number;
  readonly cudaGraphDecode: boolean;
  /**
   * Decode batch sizes with a captured CUDA graph, ascending: a decode step is padded up to the
   * next size; above the largest it runs eagerly. Empty: no padding modeled.
   */
  readonly cudaGraphBatchSizes: readonly number[];
  /** Host time per step per sequence in the step, s (see Efficiency). */
  readonly stepOverheadPerSequenceSeconds: number;
  /**
   * Per-request time outside the step loop (API server, tokenization, hand-off to the scheduler,
   * first-token streaming), added to TTFT and end-to-end latency of online workloads, s.
   */
  readonly requestOverheadSeconds: number;
  /** The same on a vendor's devices (hardware.vendor, e.g. 'AMD': the ROCm build), where it differs. */
  readonly requestOverheadSecondsByVendor: Readonly<Record<string, number>>;
  /** Per-step token budget (max_num_batched_tokens / max_num_tokens / chunked_prefill_size). */
  readonly maxBatchedTokens: number;
  /** Maximum sequences in flight (max_num_seqs / max_batch_size / max_running_requests). */
  readonly maxSequences: number;
  readonly chunkedPrefill: boolean;
  /**
   * Whether a step mixes prompt chunks with the running decodes (vLLM, TensorRT-LLM in-flight
   * batching). False: prefill-first (SGLang without --enable-mixed-chunk): while prompts wait, a
   * step runs prompt chunks only and every running decode stalls for it.
   */
  readonly mixedBatches: boolean;
  /**
   * Whether the scheduler runs one step ahead of the device (SGLang's overlap scheduler,
   * TensorRT-LLM's overlap scheduler, vLLM's async scheduling): the next step is built while the
   * current one runs, so a request that arrives during a step can join the step after the next
   * one, not the next one. Costs a request one step of waiting; hides the host time.
   */
  readonly overlapScheduler: boolean;
  /**
   * Under attention DP, whether every attention rank runs its own scheduler with the engine's
   * token budget (TensorRT-LLM's attention DP): a request is placed whole on one rank, so a
   * prompt holds its rank (and, at the MoE all-to-all, every rank) to its full length, and the
   * replica's step budget is the ranks times the engine's. False: one budget for the replica,
   * its tokens spread evenly over the ranks.
   */
  readonly attentionDpRankSchedulers: boolean;
  /**
   * Under attention DP, whether every rank runs its own scheduler process over the requests sent
   * to it (TensorRT-LLM's executor per rank, SGLang's scheduler per DP rank): each applies the
   * engine's maxSequences to its own sequences, so the instance holds the ranks times as many.
   * False: one scheduler for the instance.
   */
  readonly attentionDpRankProcesses: boolean;
  /**
   * Under attention DP, whether a step's host time per sequence is the busiest rank's share (the
   * ranks' scheduler loops prepare their own sequences side by side) rather than the instance's.
   */
  readonly attentionDpRankHostTime: boolean;
  /**
   * Whether maxSequences is per attention-DP rank: a profile's own default is
   * (attentionDpRankProcesses); normalization clears it when the scenario sets
   * serving.maxSequences, which is the instance's (as documented).
   */
  readonly maxSequencesPerAttentionDpRank: boolean;
  /** Whether sliding-window layers keep and attend to only their last slidingWindow tokens. */
  readonly slidingWindow: boolean;
  /**
   * Whether the decode (generation) attention kernel reads a GQA layer's KV cache once per query
   * head instead of once per KV head (no sharing across the heads of a group): TensorRT-LLM's
   * masked-MHA generation kernel of the 0.6 releases (scenario/engine-releases.ts).
   */
  readonly decodeKvReadsPerQueryHead: boolean;
  /**
   * Whether attention computes in FP8 when the KV cache and activations are FP8 (FP8 attention
   * kernels: TensorRT-LLM's FP8 context FMHA). False: the cache is stored in FP8 but attention
   * runs at the 16-bit rate.
   */
  readonly fp8Attention: boolean;
  /**
   * KV-cache format when the scenario names none: each engine's default is "auto", the model's
   * own 16-bit dtype, whatever the weight format (FP8 KV is opt-in).
   */
  readonly kvCacheFormat: 'bf16';
  /**
   * KV-cache format when the scenario names none and the weights are FP8: TensorRT-LLM sets an
   * FP8 KV cache with FP8 quantization; vLLM and SGLang keep "auto" (16-bit).
   */
  readonly kvCacheFormatWithFp8Weights: 'bf16' | 'fp8';
  readonly sources: Readonly<Record<string, string>>;
}

export type WorkloadKind = 'batch' | 'concurrency' | 'requestRate' | 'maxThroughput';

export interface Speculation {
  readonly method: 'draft' | 'mtp';
  /** Draft model ('draft'), or undefined for MTP (one extra layer of the target per proposal). */
  readonly draft: ModelSpec | undefined;
  readonly tokens: number;
  readonly acceptanceRate: number;
}

/** A disaggregated pool: tp, replicas, and its own ep / attention DP where set. */
export interface DisaggregationPool {
  readonly tp: number;
  readonly dp: number;
  readonly ep?: number | undefined;
  readonly redundantExperts?: number | undefined;
  readonly attentionDp?: boolean | undefined;
}

export interface Disaggregation {
  readonly prefill: DisaggregationPool;
  readonly decode: DisaggregationPool;
  readonly kvTransferLink: 'scale-up' | 'scale-out';
}

export interface Offload {
  readonly weightsFraction: number;
  readonly kvCacheFraction: number;
  readonly tier: {
    readonly name: string;
    readonly bandwidthBytesPerSecond: number;
    readonly capacityBytes?: number | undefined;
  };
}

export interface ServingOptions {
  readonly prefixCacheHitRate: number;
  readonly speculative: Speculation | undefined;
  readonly disaggregation: Disaggregation | undefined;
}

/** How one replica's work is split over its devices. */
export interface ParallelSizes {
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  /** Devices attention heads and dense layers are split over (tp, or 1 under attention DP). */
  readonly attnTp: number;
  /** Attention data-parallel ranks inside one replica (tp under attention DP, else 1). */
  readonly attnDp: number;
  /** Tensor parallelism inside each expert (tp / ep). */
  readonly moeTp: number;
  /** Redundant expert replicas (EPLB): the ep ranks hold numExperts + this many expert slots. Default 0. */
  readonly redundantExperts?: number;
  /** Share of the layers the slowest pipeline stage holds: ceil(L/pp)/L. */
  readonly layerScale: number;
}

/** What graph building and the weight/KV/activation sizes of one device need. */
export interface GraphContext extends ParallelSizes {
  readonly model: ModelSpec;
  readonly formats: Formats;
  /**
   * The scale-up domain, where known: an MoE all-to-all group wider than it runs DeepEP's
   * node-level normal kernels (layers/moe.ts). Absent: every group is taken as one domain's.
   */
  readonly hardware?: Pick<HardwareSpec, 'scaleUp'>;
  /**
   * Decode attention reads a GQA cache once per query head (EngineProfile.decodeKvReadsPerQueryHead).
   * Absent: once per KV head.
   */
  readonly decodeKvReadsPerQueryHead?: boolean;
}

/** What costing an operator needs: the device and how close to its peaks kernels get. */
export interface DeviceContext {
  readonly hardware: HardwareSpec;
  readonly efficiency: Efficiency;
}

/** Costing a whole phase also needs whether decode replays CUDA graphs. */
export interface CostContext extends DeviceContext {
  readonly engine: Pick<EngineProfile, 'cudaGraphDecode'>;
  /** The model's attention kind and the attention-DP ranks, for decode attention occupancy (optional). */
  readonly model?: Pick<ModelSpec, 'attention'>;
  readonly attnDp?: number;
}

/** The device memory budget: sizes, the device, the engine's memory policy, offload and a draft model. */
export interface MemoryContext extends GraphContext {
  readonly hardware: HardwareSpec;
  readonly engine: Pick<EngineProfile, 'runtimeReserveBytes' | 'memoryFraction' | 'kvMemoryBasis'>;
  readonly offload: Offload | undefined;
  readonly serving: Pick<ServingOptions, 'speculative'>;
}

export interface NormalizedScenario extends GraphContext, CostContext, MemoryContext {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly engine: EngineProfile;
  readonly efficiency: Efficiency;
  /**
   * Calibration profiles applied under the overrides: 'shipped <hardware>' and 'shipped
   * <hardware>/<engine>' (calibrate/shipped.ts), or what the caller applied; [] for none.
   */
  readonly calibration: readonly string[];
  readonly gpus: number;
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  readonly dp: number;
  readonly attentionDp: boolean;
  readonly attnTp: number;
  readonly attnDp: number;
  readonly moeTp: number;
  readonly redundantExperts: number;
  readonly layerScale: number;
  readonly microBatches: number;
  readonly formats: Formats;
  readonly serving: ServingOptions;
  readonly offload: Offload | undefined;
  readonly power: PowerOptions | undefined;
  readonly cost: CostOptions | undefined;
  readonly workload: {
    readonly kind: WorkloadKind;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly batch: number;
    readonly concurrency: number;
    readonly requestRate: number;
    readonly requests: number;
    readonly seed: number;
    /** Per-request length distributions (serving workloads); undefined: every request is inputTokens/outputTokens long. */
    readonly inputLengths: LengthDistribution | undefined;
    readonly outputLengths: LengthDistribution | undefined;
    /**
     * The cap on each request's generated tokens the engine is given (max_tokens,
     * max_new_tokens); undefined: each request's own output length (serving workloads).
     */
    readonly maxOutputTokens: number | undefined;
  };
}
