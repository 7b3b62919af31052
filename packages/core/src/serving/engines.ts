/**
 * Engine profiles: the defaults that shape how an engine uses memory and schedules steps.
 * Memory and scheduling defaults are read from the engines' code, as recorded in
 * data/engines/defaults.md (file @ commit per row there). Overheads (per-step host time,
 * kernel launch) are not published in ms for any engine: the values here are model parameters
 * fitted to the static-batch rows of reference.csv and refit by calibration.
 */
import type { EngineId } from '../scenario/schema.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { GIB } from '../units/si.js';
import type { EngineProfile } from '../scenario/types.js';

export type { EngineProfile } from '../scenario/types.js';

const DEFAULTS_MD = 'data/engines/defaults.md';

export const ENGINE_PROFILES: Readonly<Record<EngineId, EngineProfile>> = {
  ideal: {
    id: 'ideal',
    name: 'ideal (optimistic bound: kernels only)',
    kvMemoryBasis: 'free-after-weights',
    kvPolicy: 'preempt',
    memoryFraction: 1,
    runtimeReserveBytes: 0,
    kvPageTokens: 1,
    stepOverheadSeconds: 0,
    kernelLaunchSeconds: 0,
    graphKernelLaunchSeconds: 0,
    cudaGraphDecode: true,
    maxBatchedTokens: 8192,
    maxSequences: Number.MAX_SAFE_INTEGER,
    chunkedPrefill: true,
    slidingWindow: true,
    kvCacheFormat: 'bf16',
    sources: {
      all: 'an optimistic bound, not an engine: roofline kernels with efficiencies, no host or launch overhead, all memory usable',
      kvCacheFormat: 'the model dtype (16-bit), as the engines default to',
      maxBatchedTokens: 'prefill in 8192-token chunks: bounds the activation workspace; costs no time here',
    },
  },
  vllm: {
    id: 'vllm',
    name: 'vLLM (V1 engine)',
    kvMemoryBasis: 'total',
    kvPolicy: 'preempt',
    memoryFraction: 0.9,
    runtimeReserveBytes: 1.5 * GIB,
    kvPageTokens: 16,
    stepOverheadSeconds: 1.0e-3,
    kernelLaunchSeconds: 5e-6,
    graphKernelLaunchSeconds: 1.5e-6,
    cudaGraphDecode: true,
    maxBatchedTokens: 8192,
    maxSequences: 1024,
    chunkedPrefill: true,
    slidingWindow: true,
    kvCacheFormat: 'bf16',
    sources: {
      kvCacheFormat:
        "kv_cache_dtype 'auto' (CacheConfig.cache_dtype): the model dtype; FP8 KV only with kv_cache_dtype=fp8 (commit not pinned; not in defaults.md)",
      memoryFraction: `${DEFAULTS_MD} §1a: gpu_memory_utilization 0.9 of total memory (vllm/config/cache.py@c1d86421)`,
      kvPolicy: `${DEFAULTS_MD} §1a: preemption by recompute, the most recently admitted request first`,
      kvPageTokens: `${DEFAULTS_MD} §1a: block_size 16 on CUDA (vllm/platforms/cuda.py@1c0d9ecf)`,
      maxBatchedTokens: `${DEFAULTS_MD} §1a: OpenAI server on >=70 GiB non-A100 GPUs: 8192 tokens, 1024 seqs`,
      chunkedPrefill: `${DEFAULTS_MD} §1a: enable_chunked_prefill True for generative models`,
      cudaGraphDecode: `${DEFAULTS_MD} §1a: -O2 -> FULL_AND_PIECEWISE CUDA graphs`,
      stepOverheadSeconds:
        'assumed 1 ms: V1 blog says GPU time is ~5 ms per step for Llama-8B on H100 and that V1 was built to hide host work; no published ms figure',
      runtimeReserveBytes: 'assumed: CUDA context, NCCL and cuBLAS workspaces; not published',
    },
  },
  trtllm: {
    id: 'trtllm',
    name: 'TensorRT-LLM',
    kvMemoryBasis: 'free-after-weights',
    kvPolicy: 'reserve',
    memoryFraction: 0.95,
    runtimeReserveBytes: 2 * GIB,
    kvPageTokens: 32,
    stepOverheadSeconds: 0.3e-3,
    kernelLaunchSeconds: 3e-6,
    graphKernelLaunchSeconds: 1.5e-6,
    cudaGraphDecode: true,
    maxBatchedTokens: 8192,
    maxSequences: 2048,
    chunkedPrefill: false,
    slidingWindow: false,
    kvCacheFormat: 'bf16',
    sources: {
      slidingWindow:
        'assumed: max_attention_window defaults to the full sequence unless set, so the KV cache is not capped at the window; consistent with perf-overview, where Mistral-7B at 20000/2000 runs at Llama-3.1-8B speed [M0xxx]',
      kvCacheFormat:
        "KvCacheConfig.dtype 'auto': the checkpoint's KV dtype, 16-bit unless the checkpoint is quantized with an FP8 KV cache (commit not pinned; not in defaults.md)",
      memoryFraction: `${DEFAULTS_MD} §2a: free_gpu_memory_fraction 0.9 default; measurements/SOURCES.md §1: 0.95 in most published runs (used here)`,
      kvPageTokens: `${DEFAULTS_MD} §2a: tokens_per_block 32`,
      maxBatchedTokens: `${DEFAULTS_MD} §2a: max_num_tokens 8192, max_batch_size 2048`,
      chunkedPrefill: `${DEFAULTS_MD} §2a: enable_chunked_prefill False`,
      kvPolicy: `${DEFAULTS_MD} §2a: GUARANTEED_NO_EVICT: admitted only if blocks to completion can be reserved`,
      stepOverheadSeconds:
        'assumed 0.3 ms (overlap scheduler on, §2b); fitted to v0.5 batch-1 TTFT rows [M0847-M0862]',
      runtimeReserveBytes:
        'assumed: CUDA context, workspaces, 200 MB per CUDA graph (§4); not published as a total',
    },
  },
  sglang: {
    id: 'sglang',
    name: 'SGLang',
    kvMemoryBasis: 'weights-and-kv',
    kvPolicy: 'preempt',
    memoryFraction: 0.88,
    runtimeReserveBytes: 1.5 * GIB,
    kvPageTokens: 1,
    stepOverheadSeconds: 0.3e-3,
    kernelLaunchSeconds: 5e-6,
    graphKernelLaunchSeconds: 1.5e-6,
    cudaGraphDecode: true,
    maxBatchedTokens: 8192,
    maxSequences: 4096,
    chunkedPrefill: true,
    slidingWindow: true,
    kvCacheFormat: 'bf16',
    sources: {
      kvCacheFormat: "--kv-cache-dtype 'auto': the model dtype (commit not pinned; not in defaults.md)",
      memoryFraction: `${DEFAULTS_MD} §3a: mem_fraction_static = (gpu_mem - reserved)/gpu_mem, reserved = 512 MiB + 1.5 MiB x chunk tokens + tp*pp/8 GiB + 2 MiB x graph max_bs, at least 10 GiB above 60 GiB; 0.88 when unknown`,
      kvPolicy: `${DEFAULTS_MD} §3a: retraction when the KV cache is full during decode`,
      maxBatchedTokens: `${DEFAULTS_MD} §3a: chunked_prefill_size 8192 for 60-160 GiB GPUs`,
      stepOverheadSeconds: 'assumed 0.3 ms: zero-overhead overlap scheduler on by default (§3a, §4)',
    },
  },
};

export function engineProfile(id: EngineId): EngineProfile {
  return ENGINE_PROFILES[id];
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
