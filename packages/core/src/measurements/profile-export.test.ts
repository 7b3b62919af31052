import { describe, expect, it } from 'vitest';
import { formats, one } from '../../test/formats-support.js';
import { importMeasurements } from './index.js';

const GENAI = 'genai-perf/nim-llama3-8b-openai-chat-concurrency';
const AIPERF = 'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4';

describe('genai-perf profile export', () => {
  it('reads the JSON: inter_token_latency is TPOT, no ITL, load from input_config', () => {
    const { record, warnings } = one('c100.json', formats(`${GENAI}100.profile_export_genai_perf.json`));
    expect(record.tool).toBe('genai-perf');
    expect(record.scenario).toEqual({
      model: 'meta/llama3-8b-instruct',
      workload: { inputTokens: 200, outputTokens: 58, concurrency: 100 },
    });
    expect(record.metrics).toEqual({
      ttftMs: {
        mean: 1019.6901196972727,
        p50: 1222.6414144999999,
        p90: 1419.9281885999999,
        p99: 1564.26834917,
      },
      tpotMs: { mean: 38.61366689454545, p50: 36.992419, p90: 47.213865799999994, p99: 50.89024096999999 },
      e2eLatencyMs: {
        mean: 3228.72631934,
        p50: 3280.8441209999996,
        p90: 3296.4963820999997,
        p99: 3304.80054971,
      },
      outputTokensPerSec: 1806.0666462658548,
      totalTokensPerSec: 1806.0666462658548 + 30.935429942267838 * 200.03,
      requestsPerSec: 30.935429942267838,
    });
    expect(record.notes).toContain('no ITL: genai-perf does not export the gaps between streamed chunks');
    expect(record.notes).toContain("backend 'tensorrtllm' ignored: it applies to service_kind 'triton' only");
    // The server was forced to 50 tokens; the mismatched client tokenizer counted 58.4.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^c100\.json:120:21: 'input_config\.extra_inputs': mean output length 58\.4 .* 50 tokens .* by 17%/,
    );
  });

  it('reads all three concurrency levels', () => {
    const tpot = [1, 10, 100].map(
      (c) => one(`c${String(c)}.json`, formats(`${GENAI}${String(c)}.profile_export_genai_perf.json`)).record,
    );
    expect(tpot.map((r) => r.scenario.workload.concurrency)).toEqual([1, 10, 100]);
    expect(tpot.map((r) => r.metrics.requestsPerSec)).toEqual([
      1.4932838222478375, 11.378172536970691, 30.935429942267838,
    ]);
  });

  it('reads the CSV: quoted cells with thousands separators, CRLF', () => {
    const { record } = one('c100.csv', formats(`${GENAI}100.profile_export_genai_perf.csv`));
    expect(record.tool).toBe('genai-perf');
    expect(record.scenario).toEqual({ workload: { inputTokens: 200, outputTokens: 58 } });
    expect(record.metrics.ttftMs).toEqual({ mean: 1019.69, p50: 1222.64, p90: 1419.93, p99: 1564.27 });
    expect(record.metrics.e2eLatencyMs).toEqual({ mean: 3228.73, p50: 3280.84, p90: 3296.5, p99: 3304.8 });
    expect(record.metrics.tpotMs).toEqual({ mean: 38.61, p50: 36.99, p90: 47.21, p99: 50.89 });
    expect(record.metrics.outputTokensPerSec).toBe(1806.07);
    expect(record.metrics.requestsPerSec).toBe(30.94);
  });

  it('names the line, column and cell of a bad CSV value', () => {
    const text = formats(`${GENAI}1.profile_export_genai_perf.csv`).replace('24.53', '24.5x');
    const r = importMeasurements('g.csv', text);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      `g.csv:2:68: 'Time To First Token (ms) p50': expected a number, got "24.5x"`,
    ]);
  });

  it('refuses a raw Perf Analyzer export, saying what to import instead', () => {
    const r = importMeasurements(
      'raw.json',
      formats(
        'genai-perf/nim-llama3-8b-openai-chat-concurrency1.perf_analyzer_profile_export.TRIMMED-5-requests.json',
      ),
    );
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toMatch(
      /raw Perf Analyzer export .* import the profile_export_genai_perf\.json/,
    );
  });

  it('converts a time metric given in seconds, and refuses a unit that is not a time', () => {
    const base = JSON.parse(formats(`${GENAI}1.profile_export_genai_perf.json`)) as Record<
      string,
      Record<string, unknown>
    >;
    const ttft = base['time_to_first_token'] ?? {};
    const inSeconds = { ...base, time_to_first_token: { ...ttft, unit: 'sec', avg: 0.5 } };
    const { record } = one('s.json', JSON.stringify(inSeconds, null, 2));
    expect(record.metrics.ttftMs?.mean).toBe(500);
    const bad = importMeasurements(
      'u.json',
      JSON.stringify({ ...base, time_to_first_token: { ...ttft, unit: 'tokens' } }, null, 2),
    );
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics[0]?.message).toMatch(
      /^u\.json:\d+:\d+: 'time_to_first_token\.unit': unit 'tokens' is not a time unit/,
    );
  });
});

describe('AIPerf profile export', () => {
  it('reads the JSON: TPOT from inter_token_latency, ITL from inter_chunk_latency, phases load', () => {
    const { record, warnings } = one('a.json', formats(`${AIPERF}.profile_export_aiperf.json`));
    expect(warnings).toEqual([]);
    expect(record.tool).toBe('aiperf');
    expect(record.scenario).toEqual({
      model: 'Qwen/Qwen3-0.6B',
      workload: { inputTokens: 512, outputTokens: 127, concurrency: 4, requests: 100 },
    });
    expect(record.metrics).toEqual({
      ttftMs: { mean: 1796.57636706, p50: 1787.337667, p90: 1804.0949331000002, p99: 1978.6288636699999 },
      tpotMs: { mean: 48.64861004384431, p50: 48.2385555595238, p90: 48.4847388164, p99: 56.593455161349205 },
      itlMs: { mean: 48.648565008732234, p50: 47.960375, p90: 48.7663246, p99: 73.12134968 },
      e2eLatencyMs: {
        mean: 7924.8361012099995,
        p50: 7863.6167295,
        p90: 8057.551887199999,
        p99: 8931.55340425,
      },
      outputTokensPerSec: 53.349082005871026,
      totalTokensPerSec: expect.closeTo(268.4765, 3) as number,
      requestsPerSec: 0.42017076479381765,
    });
  });

  it('reads the CSV, stopping at the GPU telemetry block', () => {
    const { record } = one('a.csv', formats(`${AIPERF}.profile_export_aiperf.csv`));
    expect(record.tool).toBe('aiperf');
    expect(record.scenario).toEqual({ workload: { inputTokens: 512, outputTokens: 127, requests: 100 } });
    expect(record.metrics).toEqual({
      ttftMs: { mean: 1796.58, p50: 1787.34, p90: 1804.09, p99: 1978.63 },
      tpotMs: { mean: 48.65, p50: 48.24, p90: 48.48, p99: 56.59 },
      itlMs: { mean: 48.65, p50: 47.96, p90: 48.77, p99: 73.12 },
      e2eLatencyMs: { mean: 7924.84, p50: 7863.62, p90: 8057.55, p99: 8931.55 },
      outputTokensPerSec: 53.35,
      totalTokensPerSec: 268.48,
      requestsPerSec: 0.42,
    });
  });

  it('aggregates the per-request JSONL export', () => {
    const { record } = one('p.jsonl', formats(`${AIPERF}.profile_export.FIRST-RECORD-ONLY.jsonl`));
    expect(record.scenario.workload).toEqual({ inputTokens: 512, outputTokens: 127, requests: 1 });
    expect(record.metrics.ttftMs?.mean).toBeCloseTo(1978.082417, 6);
    expect(record.metrics.tpotMs?.mean).toBeCloseTo(48.190385, 6);
    // 126 chunk gaps whose sum is the decode time: their mean equals the request's TPOT.
    expect(record.metrics.itlMs?.mean).toBeCloseTo(48.190385, 6);
    expect(record.metrics.e2eLatencyMs?.mean).toBeCloseTo(8050.070959, 6);
    // 127 tokens over request_end_ns − request_start_ns = 8.050118375 s.
    // The ns timestamps exceed 2^53: about 0.3 µs of rounding.
    expect(record.metrics.outputTokensPerSec).toBeCloseTo(127 / 8.050118375, 5);
  });

  it('reports a per-request line without metrics', () => {
    const first = formats(`${AIPERF}.profile_export.FIRST-RECORD-ONLY.jsonl`).trim();
    const r = importMeasurements('p.jsonl', `${first}\n{"metadata": {"benchmark_phase": "profiling"}}\n`);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toBe("p.jsonl:2:1: 'metrics': missing: the request's metrics object");
  });
});
