/**
 * Measured performance as benchmark tools report it, reduced to Ridgeline's metrics: each record
 * is a scenario fragment (what ran) plus measured metrics (what came out), and the notes say how
 * each tool's fields were mapped (docs/measurements.md has the full mapping).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { LengthDistribution } from '../scenario/schema.js';

/** Tools (and file families) the importers read. */
export const MEASUREMENT_TOOLS = [
  'reference-csv',
  'vllm',
  'sglang',
  'genai-perf',
  'aiperf',
  'trtllm-bench',
  'mlperf',
] as const;
export type MeasurementTool = (typeof MEASUREMENT_TOOLS)[number];

export function isMeasurementTool(x: string): x is MeasurementTool {
  return (MEASUREMENT_TOOLS as readonly string[]).includes(x);
}

/** A latency distribution over requests (or over chunk gaps for itlMs), milliseconds. */
export interface LatencyStats {
  readonly mean?: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p99?: number;
}

/** Measured metrics; every field optional. Latencies in ms, throughputs per second. */
export interface MeasuredMetrics {
  /** Time to first token, per request. */
  readonly ttftMs?: LatencyStats;
  /**
   * Ridgeline's TPOT: per request (e2e − ttft)/(outputTokens − 1), the mean gap between output
   * tokens after the first, then averaged over requests.
   */
  readonly tpotMs?: LatencyStats;
  /** Gaps between consecutive streamed chunks, pooled over all requests (vLLM/SGLang "ITL"). */
  readonly itlMs?: LatencyStats;
  /** End-to-end request latency. */
  readonly e2eLatencyMs?: LatencyStats;
  /** Output tokens per second, whole system. */
  readonly outputTokensPerSec?: number;
  /** Input plus output tokens per second, whole system. */
  readonly totalTokensPerSec?: number;
  readonly requestsPerSec?: number;
}

export type MeasuredEngine = 'vllm' | 'trtllm' | 'sglang';

/** What ran, as far as the file says. Names are catalog ids when the catalog knows them. */
export interface ScenarioFragment {
  readonly model?: string;
  readonly hardware?: string;
  readonly gpus?: number;
  readonly tp?: number;
  readonly pp?: number;
  readonly engine?: MeasuredEngine;
  readonly precision?: { readonly weights?: string; readonly kvCache?: string };
  readonly workload: {
    /** Mean prompt length of the measured requests, tokens (rounded). */
    readonly inputTokens?: number;
    /** Mean output length of the measured requests, tokens (rounded). */
    readonly outputTokens?: number;
    /**
     * The prompt lengths' distribution where the file states one (per-request lengths, a random
     * dataset's range, a synthetic mean and standard deviation; measurements/lengths.ts); absent:
     * every prompt at inputTokens. A note says which.
     */
    readonly inputLengths?: LengthDistribution;
    /** The output lengths' distribution where the file states one (as inputLengths). */
    readonly outputLengths?: LengthDistribution;
    /** Client-side cap on requests in flight. */
    readonly concurrency?: number;
    /** Configured arrival rate, requests/s (finite). */
    readonly requestRate?: number;
    /** Requests measured (completed). */
    readonly requests?: number;
    /** All requests offered at once (infinite rate, offline throughput runs). */
    readonly maxThroughput?: boolean;
    /** Static batch size. */
    readonly batch?: number;
  };
}

export interface MeasurementRecord {
  readonly tool: MeasurementTool;
  readonly file: string;
  /** 1-based line the record comes from (JSONL line, CSV row); absent for whole-file records. */
  readonly line?: number;
  readonly scenario: ScenarioFragment;
  readonly metrics: MeasuredMetrics;
  /** Mapping decisions, e.g. "TPOT read from mean_tpot_ms; vLLM excludes the first token". */
  readonly notes: string[];
}

/** A diagnostic pointing into an imported file. The message already names file, line and field. */
export interface MeasurementDiagnostic extends Diagnostic {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The field (JSON key, CSV column, summary label) at fault. */
  readonly field?: string;
}

export interface ImportOptions {
  /** Read the file as this tool's output instead of detecting the format. */
  readonly format?: MeasurementTool;
}
