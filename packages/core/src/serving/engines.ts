/**
 * Engine profiles: the defaults that shape how an engine uses memory and schedules steps.
 * Memory and scheduling defaults are read from the engines' code, as recorded in
 * data/engines/defaults.md (file @ commit per row there). Overheads (per-step host time,
 * kernel launch) are not published in ms for any engine: the values here are model parameters
 * fitted to the static-batch rows of reference.csv and refit by calibration.
 */
import type { EngineId } from '../scenario/schema.js';
import { GIB } from '../units/si.js';

export interface EngineProfile {
  readonly id: EngineId;
  readonly name: string;
  /** What the KV-cache memory fraction is a fraction of. */
  readonly kvMemoryBasis: 'total' | 'free-after-weights';
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
  /** Per-step token budget (max_num_batched_tokens / max_num_tokens / chunked_prefill_size). */
  readonly maxBatchedTokens: number;
  /** Maximum sequences in flight (max_num_seqs / max_batch_size / max_running_requests). */
  readonly maxSequences: number;
  readonly chunkedPrefill: boolean;
  readonly sources: Readonly<Record<string, string>>;
}

const DEFAULTS_MD = 'data/engines/defaults.md';

export const ENGINE_PROFILES: Readonly<Record<EngineId, EngineProfile>> = {
  ideal: {
    id: 'ideal',
    name: 'ideal (kernels only)',
    kvMemoryBasis: 'free-after-weights',
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
    sources: {
      all: 'a bound: roofline kernels with efficiencies, no host or launch overhead, all memory usable',
      maxBatchedTokens: 'prefill in 8192-token chunks: bounds the activation workspace; costs no time here',
    },
  },
  vllm: {
    id: 'vllm',
    name: 'vLLM (V1 engine)',
    kvMemoryBasis: 'total',
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
    sources: {
      memoryFraction: `${DEFAULTS_MD} §1a: gpu_memory_utilization 0.9 of total memory (vllm/config/cache.py@c1d86421)`,
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
    sources: {
      memoryFraction: `${DEFAULTS_MD} §2a: free_gpu_memory_fraction 0.9 default; measurements/SOURCES.md §1: 0.95 in most published runs (used here)`,
      kvPageTokens: `${DEFAULTS_MD} §2a: tokens_per_block 32`,
      maxBatchedTokens: `${DEFAULTS_MD} §2a: max_num_tokens 8192, max_batch_size 2048`,
      chunkedPrefill: `${DEFAULTS_MD} §2a: enable_chunked_prefill False`,
      stepOverheadSeconds:
        'assumed 0.3 ms (overlap scheduler on, §2b); fitted to v0.5 batch-1 TTFT rows [M0847-M0862]',
      runtimeReserveBytes:
        'assumed: CUDA context, workspaces, 200 MB per CUDA graph (§4); not published as a total',
    },
  },
  sglang: {
    id: 'sglang',
    name: 'SGLang',
    kvMemoryBasis: 'total',
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
    sources: {
      memoryFraction: `${DEFAULTS_MD} §3a: mem_fraction_static computed from GPU memory; 0.88 when unknown`,
      maxBatchedTokens: `${DEFAULTS_MD} §3a: chunked_prefill_size 8192 for 60-160 GiB GPUs`,
      stepOverheadSeconds: 'assumed 0.3 ms: zero-overhead overlap scheduler on by default (§3a, §4)',
    },
  },
};

export function engineProfile(id: EngineId): EngineProfile {
  return ENGINE_PROFILES[id];
}
