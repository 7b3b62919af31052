/** examples/ holds byte-identical copies of benchmark-tool fixtures (examples/README.md). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const FIXTURES = 'packages/core/test/fixtures/formats/';

const COPIES: Readonly<Record<string, string>> = {
  'vllm-result.json':
    'vllm/benchmark_serving-2024-09-save-result-with-per-request-arrays-llama3-8b-h100.json',
  'vllm-results.jsonl': 'vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl',
  'sglang-bench.jsonl': 'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-online.jsonl',
  'profile_export_genai_perf.json':
    'genai-perf/nim-llama3-8b-openai-chat-concurrency10.profile_export_genai_perf.json',
  'trtllm-bench-report.txt': 'trtllm-bench/v0.17.0-llama3.1-8b-fp8-throughput-summary.FROM-DOCS.txt',
  'mlperf_log_summary.txt': 'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-offline.mlperf_log_summary.txt',
};

describe('examples', () => {
  for (const [copy, fixture] of Object.entries(COPIES)) {
    it(`examples/${copy} is the fixture ${fixture}, and examples/README.md lists it`, () => {
      const a = readFileSync(new URL(`examples/${copy}`, ROOT));
      const b = readFileSync(new URL(FIXTURES + fixture, ROOT));
      expect(a.equals(b), `examples/${copy} differs from ${FIXTURES}${fixture}`).toBe(true);
      const readme = readFileSync(new URL('examples/README.md', ROOT), 'utf8');
      expect(readme).toContain(`\`${copy}\``);
      expect(readme).toContain(fixture);
    });
  }
});
