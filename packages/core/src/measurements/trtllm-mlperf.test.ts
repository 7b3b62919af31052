import { describe, expect, it } from 'vitest';
import { formats, one } from '../../test/formats-support.js';
import { lengthMean } from '../scenario/lengths.js';
import { importMeasurements } from './index.js';

const BLOG = 'trtllm-bench/v0.21.0rc0-llama3.1-8b-pytorch-streaming-throughput-summary.FROM-NVIDIA-BLOG.txt';
const DOCS_017 = 'trtllm-bench/v0.17.0-llama3.1-8b-fp8-throughput-summary.FROM-DOCS.txt';
const QWEN = 'trtllm-bench/qwen2-vl-2b-pytorch-throughput-summary.FROM-DOCS.txt';

describe('trtllm-bench printed summary', () => {
  it('reads the streaming summary: TTFT, TPOT and latency percentiles', () => {
    const { record } = one('blog.txt', formats(BLOG));
    expect(record.tool).toBe('trtllm-bench');
    expect(record.scenario).toEqual({
      model: 'llama-3.1-8b',
      gpus: 1,
      tp: 1,
      pp: 1,
      engine: 'trtllm',
      precision: { weights: 'bf16' },
      workload: { inputTokens: 128, outputTokens: 128, requests: 100, maxThroughput: true },
    });
    expect(record.metrics).toEqual({
      ttftMs: { mean: 162.6706, p50: 159.7857, p90: 220.053, p99: 232.4339 },
      tpotMs: { mean: 7.3272, p50: 7.6079, p90: 8.1246, p99: 8.1306 },
      e2eLatencyMs: { mean: 1093.2284, p50: 1091.7905, p90: 1130.72, p99: 1137.6817 },
      outputTokensPerSec: 11076.77,
      totalTokensPerSec: 22153.5399,
      requestsPerSec: 86.5373,
    });
    expect(record.notes).toContain('94.6 requests in flight on average (measured, not a setting)');
  });

  it('reads the v0.17 layout: "Token Throughput" is output tokens/s, FP8 weights and KV cache', () => {
    const { record } = one('docs.txt', formats(DOCS_017));
    expect(record.scenario.precision).toEqual({ weights: 'fp8', kvCache: 'fp8' });
    expect(record.scenario.model).toBe('llama-3.1-8b');
    expect(record.metrics).toEqual({ outputTokensPerSec: 28390.4265, requestsPerSec: 221.8002 });
    // 3000 requests × 128 tokens over the 13.5257 s total latency.
    expect(record.metrics.outputTokensPerSec).toBeCloseTo((3000 * 128) / 13.5256862, -1);
  });

  it('reads the non-streaming multimodal sample (no engine block, no TTFT)', () => {
    const { record } = one('qwen.txt', formats(QWEN));
    expect(record.scenario.model).toBeUndefined();
    const { inputLengths, outputLengths, ...workload } = record.scenario.workload;
    expect(workload).toEqual({ inputTokens: 412, outputTokens: 129, requests: 10, maxThroughput: true });
    // DATASET DETAILS: MIN 167, P50 299, P90 = MAX 1059, AVG 411.6 (prompts): the percentile
    // intervals' ends, in the proportion that gives the average.
    expect(inputLengths?.kind).toBe('histogram');
    expect(outputLengths?.kind).toBe('histogram');
    if (inputLengths?.kind !== 'histogram' || outputLengths?.kind !== 'histogram') return;
    expect(inputLengths.bins.map((b) => b.tokens)).toEqual([167, 299, 1059]);
    expect(lengthMean(inputLengths)).toBeCloseTo(411.6, 9);
    expect(lengthMean(outputLengths)).toBeCloseTo(128.7, 9);
    expect(outputLengths.bins.map((b) => b.tokens)).toEqual([119, 128, 137]);
    expect(record.notes.join('\n')).toMatch(/prompt lengths: histogram of 3 bins from the dataset's MIN/);
    expect(record.metrics.ttftMs).toBeUndefined();
    expect(record.metrics.e2eLatencyMs).toEqual({
      mean: 3671.8441,
      p50: 3936.3022,
      p90: 5514.4701,
      p99: 5514.4701,
    });
    expect(record.notes).toContain('no TTFT or TPOT: the run was not --streaming');
  });

  it('names the line and column of a value that is not a number', () => {
    const text = formats(BLOG).replace('86.5373', '86,53.73');
    const r = importMeasurements('b.txt', text);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      `b.txt:33:51: 'Request Throughput (req/sec)': expected a number, got "86,53.73"`,
    ]);
  });
});

describe('trtllm-bench --report_json', () => {
  // No real report file exists (README §5); this one follows get_statistics_dict's keys.
  const report = {
    engine: {
      model: 'meta-llama/Llama-3.1-70B',
      backend: 'Pytorch',
      dtype: 'bfloat16',
      kv_cache_dtype: 'FP8',
      quantization: 'FP8',
    },
    machine: { name: 'NVIDIA H100 80GB HBM3' },
    world_info: { tp_size: 4, pp_size: 1, ep_size: null, world_size: 4, issue_rate: 1.2e15 },
    request_info: {
      num_requests: 512,
      avg_num_concurrent_requests: 480.2,
      avg_input_length: 1024,
      avg_output_length: 1024,
    },
    performance: {
      total_latency_ms: 120000,
      avg_request_latency_ms: 60000,
      request_throughput_req_s: 4.27,
      system_output_throughput_tok_s: 4369.1,
      system_total_throughput_tok_s: 8738.2,
      request_latency_percentiles_ms: {
        p50: 59000,
        p90: 70000,
        p95: 71000,
        p99: 72000,
        minimum: 1,
        maximum: 2,
        average: 60000,
      },
    },
    streaming_metrics: {
      avg_ttft_ms: 900,
      avg_tpot_ms: 55,
      ttft_percentiles: { p50: 800, p90: 1500, p99: 2100, average: 900 },
      tpot_percentiles: { p50: 54, p90: 60, p99: 66, average: 55 },
    },
  };

  it('maps the report sections to scenario and metrics', () => {
    const { record } = one('report.json', JSON.stringify(report, null, 2));
    expect(record.tool).toBe('trtllm-bench');
    expect(record.scenario).toEqual({
      model: 'llama-3.1-70b',
      hardware: 'NVIDIA H100 80GB HBM3',
      gpus: 4,
      tp: 4,
      pp: 1,
      engine: 'trtllm',
      precision: { weights: 'fp8', kvCache: 'fp8' },
      workload: { inputTokens: 1024, outputTokens: 1024, requests: 512, maxThroughput: true },
    });
    expect(record.metrics).toEqual({
      ttftMs: { mean: 900, p50: 800, p90: 1500, p99: 2100 },
      tpotMs: { mean: 55, p50: 54, p90: 60, p99: 66 },
      e2eLatencyMs: { mean: 60000, p50: 59000, p90: 70000, p99: 72000 },
      outputTokensPerSec: 4369.1,
      totalTokensPerSec: 8738.2,
      requestsPerSec: 4.27,
    });
  });

  it('names the nested field of a wrong type', () => {
    const bad = { ...report, performance: { ...report.performance, request_throughput_req_s: 'fast' } };
    const r = importMeasurements('report.json', JSON.stringify(bad, null, 2));
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toMatch(
      /^report\.json:\d+:\d+: 'performance\.request_throughput_req_s': expected a number, got "fast"$/,
    );
  });
});

const SERVER = 'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-server.mlperf_log_summary.txt';
const OFFLINE = 'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-offline.mlperf_log_summary.txt';
const DETAIL = 'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-server.mlperf_log_detail.EXCERPT.txt';

describe('MLPerf LoadGen logs', () => {
  it('reads the Server summary: ns → ms, TPOT from "Time to Output Token"', () => {
    const { record } = one('server.txt', formats(SERVER));
    expect(record.tool).toBe('mlperf');
    expect(record.scenario).toEqual({
      model: 'llama-2-70b',
      workload: { outputTokens: 291, requestRate: 101 },
    });
    expect(record.metrics).toEqual({
      ttftMs: { mean: 198.269106, p50: 180.758928, p90: 309.533241, p99: 452.744202 },
      tpotMs: { mean: 123.263268, p50: 124.285539, p90: 133.468231, p99: 146.040006 },
      e2eLatencyMs: { mean: 35854.894885, p50: 31107.282906, p90: 65052.046419, p99: 118861.461715 },
      outputTokensPerSec: 29228.22,
      requestsPerSec: 100.35,
    });
  });

  it('reads the Offline summary: max throughput, latencies dropped', () => {
    const { record } = one('offline.txt', formats(OFFLINE));
    expect(record.scenario).toEqual({
      model: 'llama-2-70b',
      workload: { outputTokens: 291, requests: 274560, maxThroughput: true },
    });
    expect(record.metrics).toEqual({ outputTokensPerSec: 31302.7, requestsPerSec: 107.477 });
  });

  it('reads the detail log and agrees with the summary', () => {
    const detail = one('detail.txt', formats(DETAIL)).record;
    const summary = one('server.txt', formats(SERVER)).record;
    expect(detail.metrics.ttftMs).toEqual(summary.metrics.ttftMs);
    expect(detail.metrics.tpotMs).toEqual(summary.metrics.tpotMs);
    expect(detail.metrics.e2eLatencyMs).toEqual(summary.metrics.e2eLatencyMs);
    expect(detail.metrics.requestsPerSec).toBe(100.354);
    expect(detail.scenario.workload).toEqual({ outputTokens: 291, requestRate: 101, requests: 245760 });
    expect(detail.notes).toContain(
      'result_token_throughput (tokens per ns, not a system throughput) dropped',
    );
  });

  it('warns on an INVALID run and names a broken MLLOG line', () => {
    const invalid = importMeasurements(
      's.txt',
      formats(SERVER).replace('Result is : VALID', 'Result is : INVALID'),
    );
    expect(invalid.ok).toBe(true);
    expect(invalid.diagnostics.map((d) => d.message)).toEqual([
      "s.txt:9:13: 'Result is': LoadGen marked this run INVALID (a duration, query count, latency or early-stopping constraint failed)",
    ]);
    const lines = formats(DETAIL).split('\n');
    lines[20] = (lines[20] ?? '').slice(0, 60);
    const broken = importMeasurements('d.txt', lines.join('\n'));
    expect(broken.ok).toBe(false);
    expect(broken.diagnostics[0]?.message).toMatch(/^d\.txt:21:\d+: MLLOG JSON syntax: /);
  });
});
