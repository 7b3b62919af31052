/**
 * Engine profiles: the defaults that shape how an engine uses memory and schedules steps.
 * Memory and scheduling defaults are read from the engines' code, as recorded in
 * data/engines/defaults.md (file @ commit per row there). Overheads (per-step host time,
 * kernel launch) are not published in ms for any engine: the values here are model parameters
 * fitted to the static-batch rows of reference.csv and refit by calibration.
 */
import type { EngineId, EngineRef } from '../scenario/schema.js';
import { engineIdOf } from '../scenario/schema.js';
import { ENGINE_RELEASES } from '../scenario/engine-releases.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { GIB } from '../units/si.js';
import type { EngineProfile } from '../scenario/types.js';

export type { EngineProfile } from '../scenario/types.js';

const DEFAULTS_MD = 'data/engines/defaults.md';

export const ENGINE_PROFILES: Readonly<Record<EngineId, EngineProfile>> = {
  ideal: {
    id: 'ideal',
    name: 'ideal (optimistic bound: kernels only)',
    version: undefined,
    kvMemoryBasis: 'free-after-weights',
    kvPolicy: 'preempt',
    memoryFraction: 1,
    runtimeReserveBytes: 0,
    kvPageTokens: 1,
    stepOverheadSeconds: 0,
    kernelLaunchSeconds: 0,
    graphKernelLaunchSeconds: 0,
    cudaGraphDecode: true,
    cudaGraphBatchSizes: [],
    stepOverheadPerSequenceSeconds: 0,
    requestOverheadSeconds: 0,
    requestOverheadSecondsByVendor: {},
    maxBatchedTokens: 8192,
    maxSequences: Number.MAX_SAFE_INTEGER,
    chunkedPrefill: true,
    mixedBatches: true,
    overlapScheduler: false,
    attentionDpRankSchedulers: false,
    attentionDpRankProcesses: false,
    maxSequencesPerAttentionDpRank: false,
    attentionDpRankHostTime: false,
    slidingWindow: true,
    decodeKvReadsPerQueryHead: false,
    fp8Attention: true,
    kvCacheFormat: 'bf16',
    kvCacheFormatWithFp8Weights: 'bf16',
    sources: {
      all: 'an optimistic bound, not an engine: roofline kernels with efficiencies, no host or launch overhead, all memory usable, no scheduling lag',
      kvCacheFormat: 'the model dtype (16-bit), as the engines default to',
      maxBatchedTokens: 'prefill in 8192-token chunks: bounds the activation workspace; costs no time here',
    },
  },
  vllm: {
    id: 'vllm',
    name: 'vLLM (V1 engine)',
    version: undefined,
    kvMemoryBasis: 'total',
    kvPolicy: 'preempt',
    memoryFraction: 0.9,
    runtimeReserveBytes: 1.5 * GIB,
    kvPageTokens: 16,
    stepOverheadSeconds: 1.0e-3,
    kernelLaunchSeconds: 5e-6,
    graphKernelLaunchSeconds: 1.5e-6,
    cudaGraphDecode: true,
    cudaGraphBatchSizes: vllmGraphSizes(1024, 8192),
    stepOverheadPerSequenceSeconds: 10e-6,
    requestOverheadSeconds: 2e-3,
    requestOverheadSecondsByVendor: {},
    maxBatchedTokens: 8192,
    maxSequences: 1024,
    chunkedPrefill: true,
    mixedBatches: true,
    overlapScheduler: true,
    attentionDpRankSchedulers: false,
    attentionDpRankProcesses: false,
    maxSequencesPerAttentionDpRank: false,
    attentionDpRankHostTime: false,
    slidingWindow: true,
    decodeKvReadsPerQueryHead: false,
    fp8Attention: true,
    kvCacheFormat: 'bf16',
    kvCacheFormatWithFp8Weights: 'bf16',
    sources: {
      kvCacheFormat:
        "kv_cache_dtype 'auto' (CacheConfig.cache_dtype): the model dtype; FP8 KV only with kv_cache_dtype=fp8 (commit not pinned; not in defaults.md)",
      memoryFraction: `${DEFAULTS_MD} §1a: gpu_memory_utilization 0.9 of total memory (vllm/config/cache.py@c1d86421)`,
      kvPolicy: `${DEFAULTS_MD} §1a: preemption by recompute, the most recently admitted request first`,
      kvPageTokens: `${DEFAULTS_MD} §1a: block_size 16 on CUDA (vllm/platforms/cuda.py@1c0d9ecf)`,
      maxBatchedTokens: `${DEFAULTS_MD} §1a: OpenAI server on >=70 GiB non-A100 GPUs: 8192 tokens, 1024 seqs`,
      chunkedPrefill: `${DEFAULTS_MD} §1a: enable_chunked_prefill True for generative models`,
      mixedBatches: `${DEFAULTS_MD} §1a: one token budget per step over running decodes and prompt chunks, no separate prefill and decode phases`,
      cudaGraphDecode: `${DEFAULTS_MD} §1a: -O2 -> FULL_AND_PIECEWISE CUDA graphs`,
      attentionDpRankSchedulers:
        'false: vLLM attention DP (data-parallel engine cores) not read at a pinned commit; the replica budget is spread over the ranks',
      overlapScheduler: `${DEFAULTS_MD} §1a: async scheduling on unless pipeline_parallel_size > 1 or speculative decoding that is not EAGLE/MTP-type (vllm/config/vllm.py@09f030ea, VllmConfig.__post_init__); both applied (a draft-model speculator turns it off, MTP keeps it)`,
      stepOverheadSeconds:
        'assumed 1 ms: V1 blog says GPU time is ~5 ms per step for Llama-8B on H100 and that V1 was built to hide host work; no published ms figure',
      runtimeReserveBytes: 'assumed: CUDA context, NCCL and cuBLAS workspaces; not published',
      cudaGraphBatchSizes: `${DEFAULTS_MD} §1a: capture sizes [1,2,4] + range(8, 256, 8) + range(256, max+1, 16), max = min(max_num_seqs*2, 512, max_num_batched_tokens) (vllm/config/vllm.py@09f030ea)`,
      stepOverheadPerSequenceSeconds:
        'assumed 10 us per sequence per step (Python scheduler and input preparation per request); no published figure, refit by calibration',
      requestOverheadSeconds:
        'assumed 2 ms per request (HTTP server, tokenization, detokenization); §4: the API server took 33% of execution time in v0.5.3, with no per-request ms figure. serving-modern.csv has no vLLM rows with TTFT at low load to fit it to (AMD ATOM rows, run with this profile, show 26-75 ms)',
      requestOverheadSecondsByVendor: 'none: no ROCm vLLM rows at low load to fit one to',
    },
  },
  trtllm: {
    id: 'trtllm',
    name: 'TensorRT-LLM',
    version: undefined,
    kvMemoryBasis: 'free-after-weights',
    kvPolicy: 'reserve',
    memoryFraction: 0.95,
    runtimeReserveBytes: 2 * GIB,
    kvPageTokens: 32,
    stepOverheadSeconds: 0.3e-3,
    kernelLaunchSeconds: 3e-6,
    graphKernelLaunchSeconds: 1.5e-6,
    cudaGraphDecode: true,
    cudaGraphBatchSizes: [],
    stepOverheadPerSequenceSeconds: 2e-6,
    requestOverheadSeconds: 0.16,
    requestOverheadSecondsByVendor: {},
    maxBatchedTokens: 8192,
    maxSequences: 2048,
    chunkedPrefill: false,
    mixedBatches: true,
    overlapScheduler: true,
    attentionDpRankSchedulers: true,
    attentionDpRankProcesses: true,
    maxSequencesPerAttentionDpRank: true,
    attentionDpRankHostTime: false,
    slidingWindow: false,
    decodeKvReadsPerQueryHead: false,
    fp8Attention: true,
    kvCacheFormat: 'bf16',
    kvCacheFormatWithFp8Weights: 'fp8',
    sources: {
      slidingWindow:
        'assumed: max_attention_window defaults to the full sequence unless set, so the KV cache is not capped at the window; consistent with perf-overview, where Mistral-7B at 20000/2000 runs at Llama-3.1-8B speed [M0xxx]',
      kvCacheFormat:
        "KvCacheConfig.dtype 'auto': the checkpoint's KV dtype, 16-bit unless the checkpoint is quantized with an FP8 KV cache (commit not pinned; not in defaults.md)",
      kvCacheFormatWithFp8Weights:
        "TensorRT-LLM docs/source/performance/perf-overview.md @258c7540: 'If you specify FP8 quantization, the KV cache will automatically be set to FP8' (measurements/SOURCES.md §1)",
      memoryFraction: `${DEFAULTS_MD} §2a: free_gpu_memory_fraction 0.9 default; measurements/SOURCES.md §1: 0.95 in most published runs (used here)`,
      kvPageTokens: `${DEFAULTS_MD} §2a: tokens_per_block 32`,
      maxBatchedTokens: `${DEFAULTS_MD} §2a: max_num_tokens 8192, max_batch_size 2048`,
      chunkedPrefill: `${DEFAULTS_MD} §2a: enable_chunked_prefill False`,
      mixedBatches:
        'in-flight batching: context and generation requests share an iteration (max_num_tokens bounds both); scheduler code not read at a pinned commit',
      kvPolicy: `${DEFAULTS_MD} §2a: GUARANTEED_NO_EVICT: admitted only if blocks to completion can be reserved`,
      overlapScheduler: `${DEFAULTS_MD} §2b: overlap scheduler on (disable_overlap_scheduler=False) in the mid-2025 TorchLlmArgs; the current default was not read (§2a), assumed unchanged`,
      attentionDpRankSchedulers:
        'with enable_attention_dp each rank runs its own executor loop over the requests assigned to it, under max_batch_size and max_num_tokens (the per-scheduler limits the MLPerf harness sets as gpu_batch_size per rank, validate/modern-rows.ts); scheduler code not read at a pinned commit',
      attentionDpRankProcesses:
        'with enable_attention_dp each rank runs its own executor loop over its own requests (as attentionDpRankSchedulers), applying max_batch_size to them: the MLPerf harness sets gpu_batch_size per rank (validate/modern-rows.ts); so the default 2048 holds per rank and each rank prepares its own sequences; scheduler code not read at a pinned commit',
      attentionDpRankHostTime:
        "false: the per-sequence host time stays the instance's. With it per rank, the Dynamo + TensorRT-LLM GB200 rows at 1,127-6,144 clients (attention DP over 16-32 ranks) go from 0.83-0.92 to 0.72-0.79 of the measured TPOT (docs/fidelity.md); how the ranks' executor loops synchronize their requests each step was not read",
      stepOverheadSeconds:
        'assumed 0.3 ms (overlap scheduler on, §2b); fitted to v0.5 batch-1 TTFT rows [M0847-M0862]',
      runtimeReserveBytes:
        'assumed: CUDA context, workspaces, 200 MB per CUDA graph (§4); not published as a total',
      cudaGraphBatchSizes: `${DEFAULTS_MD} §2b, §5 point 4: the current CudaGraphConfig defaults were not read, so no padding is modeled`,
      stepOverheadPerSequenceSeconds:
        'assumed 2 us per sequence per step (C++ batch manager); no published figure',
      requestOverheadSeconds:
        'fitted (serving-level): 160 ms, the median over the 8 InferenceX rows of serving-modern.csv at 1k-token prompts and 4-8 clients (trtllm-serve, DeepSeek-R1 on H200/B200, releases 1.1-1.3) of measured TTFT minus the simulated engine time (129-254 ms); no published figure. Applies behind the OpenAI API server only (serving.apiServer): MLPerf SUTs in-process measure 42-69 ms TTFT at low load',
      requestOverheadSecondsByVendor: 'none: no TensorRT-LLM ROCm build',
    },
  },
  sglang: {
    id: 'sglang',
    name: 'SGLang',
    version: '0.5.12',
    kvMemoryBasis: 'weights-and-kv',
    kvPolicy: 'preempt',
    memoryFraction: 0.88,
    runtimeReserveBytes: 1.5 * GIB,
    kvPageTokens: 1,
    stepOverheadSeconds: 0.3e-3,
    kernelLaunchSeconds: 5e-6,
    graphKernelLaunchSeconds: 1.5e-6,
    cudaGraphDecode: true,
    cudaGraphBatchSizes: sglangGraphSizes(256),
    stepOverheadPerSequenceSeconds: 5e-6,
    requestOverheadSeconds: 0.1,
    requestOverheadSecondsByVendor: { 'AMD fp8': 0.31 },
    maxBatchedTokens: 8192,
    maxSequences: 4096,
    chunkedPrefill: true,
    mixedBatches: false,
    overlapScheduler: true,
    attentionDpRankSchedulers: false,
    attentionDpRankProcesses: true,
    maxSequencesPerAttentionDpRank: true,
    attentionDpRankHostTime: true,
    slidingWindow: true,
    decodeKvReadsPerQueryHead: false,
    fp8Attention: true,
    kvCacheFormat: 'bf16',
    kvCacheFormatWithFp8Weights: 'bf16',
    sources: {
      kvCacheFormat: "--kv-cache-dtype 'auto': the model dtype (commit not pinned; not in defaults.md)",
      memoryFraction: `${DEFAULTS_MD} §3a: mem_fraction_static = (gpu_mem - reserved)/gpu_mem, reserved = 512 MiB + 1.5 MiB x chunk tokens + tp*pp/8 GiB + 2 MiB x graph max_bs, at least 10 GiB above 60 GiB; 0.88 when unknown`,
      kvPolicy: `${DEFAULTS_MD} §3a: retraction when the KV cache is full during decode`,
      maxBatchedTokens: `${DEFAULTS_MD} §3a: chunked_prefill_size 8192 for 60-160 GiB GPUs (16384 above 160 GiB is not applied: with it SGLang's own memory rule leaves DeepSeek-R1 FP8 at TP4 on B200/GB200 no KV cache, yet serving-modern.csv has such runs, so they override the defaults)`,
      mixedBatches: `${DEFAULTS_MD} §3a: enable_mixed_chunk False: a step is a prefill batch or a decode batch, and waiting prompts go first`,
      overlapScheduler: `${DEFAULTS_MD} §3a: overlap scheduler on (disable_overlap_schedule=False)`,
      attentionDpRankSchedulers:
        'false: one token budget for the DP group, spread over its ranks (how SGLang divides chunked_prefill_size over DP-attention ranks was not read at a pinned commit)',
      attentionDpRankProcesses: `${DEFAULTS_MD} §3a: max_running_requests is computed from the KV pool of each scheduler (one per DP-attention rank, each with its own pool), min(max(tokens/context_len*512, 2048), 4096), and a user value is divided by the DP size; so the default 4096 holds per rank`,
      attentionDpRankHostTime: `${DEFAULTS_MD} §3a (max_running_requests row): a scheduler process per DP-attention rank, each preparing the batch of its own sequences`,
      stepOverheadSeconds: 'assumed 0.3 ms: zero-overhead overlap scheduler on by default (§3a, §4)',
      cudaGraphBatchSizes: `${DEFAULTS_MD} §3a: decode capture sizes [1,2,4,8,12] + range(16,257,8) + range(272,512,16) + range(512, max_bs+1, 32), max_bs by GPU memory and TP`,
      stepOverheadPerSequenceSeconds:
        'assumed 5 us per sequence per step (overlap scheduler hides most host work); no published figure',
      requestOverheadSeconds:
        'fitted (serving-level) for v0.5.12: 100 ms, the median over the 8 InferenceX rows of serving-modern.csv (lmsysorg/sglang:v0.5.12-cu130, DeepSeek-R1 on H200/B200/B300) at 1k-token prompts and 1-8 clients of measured TTFT minus the simulated engine time (40-143 ms); no published figure. Older releases: engine-releases.ts',
      requestOverheadSecondsByVendor:
        "fitted (serving-level) for v0.5.12 on AMD (rocm700 images) with FP8 weights: 310 ms, the median over the 8 such rows on MI300X/MI325X/MI355X (110-391 ms; 303 ms over the 6 with the FP8 checkpoint). Not an API-server cost: the MI355X rows with MXFP4 weights on the same image give 96-131 ms (1k prompts, 4-16 clients), like the CUDA build, and the FP8 excess leaves TPOT at the same load within 20% (a GPU-side cost would stall SGLang's decodes), so it applies to FP8 weights only ('AMD fp8'); MXFP4 on AMD takes the default 100 ms (docs/fidelity.md, InferenceX TTFT)",
    },
  },
};

/** vLLM's decode capture sizes (defaults.md §1a, VllmConfig._set_cudagraph_sizes). */
export function vllmGraphSizes(maxSequences: number, maxBatchedTokens: number): number[] {
  const max = Math.min(maxSequences * 2, 512, maxBatchedTokens);
  const sizes = [1, 2, 4].filter((x) => x <= max);
  for (let x = 8; x < Math.min(max + 1, 256); x += 8) sizes.push(x);
  if (max >= 256) for (let x = 256; x <= max; x += 16) sizes.push(x);
  return sizes;
}

/** SGLang's decode capture sizes up to max_bs (defaults.md §3a, _generate_decode_cuda_graph_batch_sizes). */
export function sglangGraphSizes(maxBs: number): number[] {
  const sizes = [1, 2, 4, 8, 12];
  for (let x = 16; x <= 256; x += 8) sizes.push(x);
  for (let x = 272; x < 512; x += 16) sizes.push(x);
  for (let x = 512; x <= maxBs; x += 32) sizes.push(x);
  const kept = sizes.filter((x) => x <= maxBs);
  if (kept[kept.length - 1] !== maxBs) kept.push(maxBs);
  return kept;
}

/** SGLang's decode CUDA-graph max_bs by GPU memory (GiB) and TP (defaults.md §3a). */
function sglangMaxBs(gpuGiB: number, tp: number): number {
  const wide = tp >= 4;
  if (gpuGiB < 20) return 8;
  if (gpuGiB < 35) return wide ? 80 : 24;
  if (gpuGiB < 60) return wide ? 160 : 32;
  if (gpuGiB < 160) return wide ? 512 : 256;
  return 512;
}

/**
 * The decode batch sizes an engine captures CUDA graphs for on this device and configuration:
 * vLLM's follow max_num_seqs and the token budget, SGLang's the GPU memory and TP; others keep
 * their profile's list.
 */
export function cudaGraphBatchSizes(
  profile: EngineProfile,
  hardware: HardwareSpec,
  tp: number,
  maxSequences: number,
  maxBatchedTokens: number,
): readonly number[] {
  if (!profile.cudaGraphDecode) return [];
  if (profile.id === 'vllm') {
    // The list depends on the largest size alone (every scenario normalization asks for it).
    const max = Math.min(maxSequences * 2, 512, maxBatchedTokens);
    return graphSizesOnce(vllmSizes, max, () => vllmGraphSizes(maxSequences, maxBatchedTokens));
  }
  if (profile.id === 'sglang') {
    const maxBs = sglangMaxBs(hardware.memory.capacityBytes / GIB, tp);
    return graphSizesOnce(sglangSizes, maxBs, () => sglangGraphSizes(maxBs));
  }
  return profile.cudaGraphBatchSizes;
}

/**
 * The most sequences one instance holds: the engine's maxSequences, times the attention-DP ranks
 * where each rank's scheduler applies it (attentionDpRankProcesses, unless the scenario set it).
 */
export function instanceMaxSequences(engine: EngineProfile, attnDp: number): number {
  return engine.maxSequencesPerAttentionDpRank && attnDp > 1
    ? engine.maxSequences * attnDp
    : engine.maxSequences;
}

/**
 * The sequences whose host time one step pays: all of them, or under attention DP with a
 * scheduler process per rank (attentionDpRankHostTime) the busiest rank's share, since the ranks
 * prepare their own sequences side by side. `sequences` is a whole number where ranks split it.
 */
export function hostSequences(
  ns: { readonly engine: Pick<EngineProfile, 'attentionDpRankHostTime'>; readonly attnDp: number },
  sequences: number,
): number {
  const ranks = ns.engine.attentionDpRankHostTime ? ns.attnDp : 1;
  return ranks > 1 ? Math.ceil(sequences / ranks) : sequences;
}

/** Capture-size lists already built, by the largest size (read-only, shared by the profiles). */
const vllmSizes = new Map<number, readonly number[]>();
const sglangSizes = new Map<number, readonly number[]>();

function graphSizesOnce(
  built: Map<number, readonly number[]>,
  max: number,
  build: () => readonly number[],
): readonly number[] {
  let sizes = built.get(max);
  if (sizes === undefined) {
    sizes = build();
    built.set(max, sizes);
  }
  return sizes;
}

/** The captured size a decode batch of `sequences` is padded to, or undefined above the largest (eager). */
export function paddedGraphBatch(sizes: readonly number[], sequences: number): number | undefined {
  if (sizes.length === 0) return sequences;
  let lo = 0;
  let hi = sizes.length - 1;
  if (sequences > (sizes[hi] ?? 0)) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sizes[mid] ?? 0) >= sequences) hi = mid;
    else lo = mid + 1;
  }
  return sizes[lo];
}

/**
 * The profile an engine reference names: the engine's newest profile, or a release's (the
 * newest with the release's changes, ENGINE_RELEASES). The schema admits only releases listed
 * there; an unlisted one falls back to the newest.
 */
export function engineProfile(ref: EngineRef): EngineProfile {
  const id = engineIdOf(ref);
  const base = ENGINE_PROFILES[id];
  if (ref === id) return base;
  const version = ref.slice(id.length + 1);
  const release = ENGINE_RELEASES[id].find((r) => r.version === version);
  if (release === undefined) return base;
  return { ...base, ...release.changes, version };
}

/**
 * Seconds per request outside the step loop on this device: the vendor's build with the weights'
 * rate class ('AMD fp8'), the vendor's build, or the default.
 */
export function requestOverheadSeconds(
  profile: EngineProfile,
  hardware: HardwareSpec,
  weightsRateClass?: string,
): number {
  const byVendor = profile.requestOverheadSecondsByVendor;
  return (
    (weightsRateClass !== undefined ? byVendor[`${hardware.vendor} ${weightsRateClass}`] : undefined) ??
    byVendor[hardware.vendor] ??
    profile.requestOverheadSeconds
  );
}

const MIB = 2 ** 20;

/**
 * The memory fraction an engine starts with on this device. SGLang computes mem_fraction_static
 * from the GPU's memory (defaults.md §3a); the others use a static default.
 */
export function defaultMemoryFraction(
  profile: EngineProfile,
  hardware: HardwareSpec,
  tp: number,
  pp: number,
  maxBatchedTokens = profile.maxBatchedTokens,
): number {
  if (profile.id !== 'sglang') return profile.memoryFraction;
  const gpuMiB = hardware.memory.capacityBytes / MIB;
  const graphMaxBs = gpuMiB < 20 * 1024 ? 8 : gpuMiB < 35 * 1024 ? 24 : gpuMiB < 60 * 1024 ? 32 : 256;
  let reserved = 512 + Math.max(maxBatchedTokens, 2048) * 1.5 + ((tp * pp) / 8) * 1024 + graphMaxBs * 2;
  if (gpuMiB > 60 * 1024) reserved = Math.max(reserved, 10 * 1024);
  return Math.max(0.05, Math.round(((gpuMiB - reserved) / gpuMiB) * 1000) / 1000);
}
