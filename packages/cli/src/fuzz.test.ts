/**
 * Seeded fuzzing of the CLI's file inputs: real scenario files, sweep specs, benchmark outputs
 * and measurement CSV rows, mutated (truncated, a byte changed, a line duplicated or dropped, a
 * BOM, CRLF line ends, emptied, a number made huge, negative, NaN or a string), run in-process
 * through the commands that read them (estimate, batch, sweep, import, validate, calibrate).
 * Each run must exit 0 or 2, never print a stack or an internal error, and an exit 2 must say
 * what is wrong (an error line; a parse error names file:line:column). FUZZ_SEED and FUZZ_CASES change the run
 * (scripts/fuzz.mjs --cli).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { run } from './main.js';
import { fuzzSettings } from '../../core/test/fuzz-support.js';
import { intIn, pick, rng } from '../../core/test/random.js';

const root = new URL('../../../', import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, root), 'utf8');
const csvHead = (rel: string, rows: number) =>
  read(rel)
    .split('\n')
    .slice(0, rows + 1)
    .join('\n') + '\n';
const F = 'packages/core/test/fixtures/formats/';
const BENCH: Record<string, string> = {
  'vllm-result.json': read('examples/vllm-result.json'),
  'vllm-results.jsonl': read('examples/vllm-results.jsonl'),
  'sglang.jsonl': read('examples/sglang-bench.jsonl'),
  'genai.json': read('examples/profile_export_genai_perf.json'),
  'mlperf.txt': read('examples/mlperf_log_summary.txt'),
  'trtllm.txt': read('examples/trtllm-bench-report.txt'),
  'aiperf.csv': read(F + 'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export_aiperf.csv'),
  'aiperf.json': read(F + 'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export_aiperf.json'),
  'aiperf-records.jsonl': read(
    F + 'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export.FIRST-RECORD-ONLY.jsonl',
  ),
  'genai.csv': read(F + 'genai-perf/nim-llama3-8b-openai-chat-concurrency1.profile_export_genai_perf.csv'),
  'pa.json': read(
    F +
      'genai-perf/nim-llama3-8b-openai-chat-concurrency1.perf_analyzer_profile_export.TRIMMED-5-requests.json',
  ),
  'vllm-arrays.json': read(
    F + 'vllm/benchmark_serving-2024-09-save-result-with-per-request-arrays-llama3-8b-h100.json',
  ),
  'trtllm2.txt': read(
    F + 'trtllm-bench/v0.21.0rc0-llama3.1-8b-pytorch-streaming-throughput-summary.FROM-NVIDIA-BLOG.txt',
  ),
  'reference.csv': csvHead('packages/core/data/measurements/reference.csv', 4),
  'modern.csv': csvHead('packages/core/data/measurements/serving-modern.csv', 2),
  'training.csv': csvHead('packages/core/data/measurements/training.csv', 3),
};
const SCEN: Record<string, string> = {
  'scenario.yaml': read('examples/scenario.yaml'),
  'disagg.yaml': read('examples/disagg.yaml'),
  'tp8.yaml': read('examples/tp8.yaml'),
  'scenario.json': JSON.stringify(
    {
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      workload: { inputTokens: 100, outputTokens: 10, concurrency: 4, requests: 20 },
    },
    null,
    2,
  ),
};
const SWEEP: Record<string, string> = {
  'sweep.yaml': read('examples/sweep.yaml'),
  'sweep-lhs.yaml': read('examples/sweep-lhs.yaml'),
};

const HUGE = [
  '1e308',
  '1e400',
  '-1',
  '0',
  'NaN',
  '.inf',
  '-.inf',
  '"8"',
  '1.5',
  'null',
  '[]',
  '{}',
  '99999999999999999999',
  '0x10',
  'true',
  '~',
  "'x'",
];
function mutate(r: () => number, text: string): string {
  const lines = text.split('\n');
  switch (intIn(r, 0, 11)) {
    case 0:
      return text.slice(0, intIn(r, 0, text.length));
    case 1: {
      const i = intIn(r, 0, Math.max(0, text.length - 1));
      return text.slice(0, i) + String.fromCharCode(intIn(r, 0, 127)) + text.slice(i + 1);
    }
    case 2: {
      const i = intIn(r, 0, lines.length - 1);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 3:
      return '\uFEFF' + text;
    case 4:
      return text.replace(/\n/g, '\r\n');
    case 5:
      return '';
    case 6:
    case 7:
    case 8: {
      const nums = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
      if (nums.length === 0) return text;
      const m = pick(r, nums);
      return text.slice(0, m.index) + pick(r, HUGE) + text.slice((m.index ?? 0) + m[0].length);
    }
    case 9: {
      lines.splice(intIn(r, 0, lines.length - 1), 1);
      return lines.join('\n');
    }
    case 10: {
      const i = intIn(r, 0, Math.max(0, text.length - 1));
      return (
        text.slice(0, i) +
        pick(r, ['"', "'", '{', '[', ':', ',', '\t', '- ', '\u0000', '\u00e9', '#', '&a', '*a', '!!str ']) +
        text.slice(i)
      );
    }
    default:
      return text.slice(0, intIn(r, 0, text.length)) + text.slice(intIn(r, 0, text.length));
  }
}

/** One drawn command over one mutated file. */
function drawCase(r: () => number): { name: string; text: string; argv: string[] } {
  const u = r();
  let name: string;
  let text: string;
  let argv: string[];
  if (u < 0.35) {
    name = pick(r, Object.keys(SCEN));
    text = SCEN[name] ?? '';
    argv = pick(r, [
      ['estimate', name],
      ['estimate', name, '--json'],
      ['batch', 'x.jsonl'],
    ]);
    if (argv[0] === 'batch') {
      text = read('examples/scenarios.jsonl');
      name = 'x.jsonl';
    }
  } else if (u < 0.45) {
    name = pick(r, Object.keys(SWEEP));
    text = SWEEP[name] ?? '';
    argv = ['sweep', name, '--workers', '1'];
  } else {
    name = pick(r, Object.keys(BENCH));
    text = BENCH[name] ?? '';
    argv = pick(r, [
      ['import', name],
      ['import', name, '--json'],
      ['validate', name, '--hardware', 'h100-sxm', '--model', 'llama-3.1-8b'],
      ['calibrate', name, '--hardware', 'h100-sxm'],
    ]);
  }
  for (let j = intIn(r, 1, 3); j > 0; j--) text = mutate(r, text);
  return { name, text, argv };
}

describe('fuzz: CLI file inputs', () => {
  it('mutated files exit 0 or 2 with an error message, never a stack', async () => {
    const { seed, cases } = fuzzSettings(150);
    const r = rng(seed);
    const failures: string[] = [];
    const codes = new Set<number>();
    for (let i = 0; i < cases; i++) {
      const { name, text, argv } = drawCase(r);
      const io = memoryIo({ ['/data/' + name]: text });
      let code: number;
      try {
        code = await run(argv, io);
      } catch (e) {
        code = -1;
        failures.push(`threw ${String(e)}`);
      }
      codes.add(code);
      const said = io.err() + io.out();
      const problem =
        code !== 0 && code !== 2
          ? `exit ${String(code)}`
          : /internal error|\n\s+at \S+ \(/.test(said)
            ? 'a stack or internal error'
            : code === 2 && !/error/.test(said)
              ? 'exit 2 without an error message'
              : undefined;
      if (problem !== undefined)
        failures.push(
          `case ${String(i)} (seed ${String(seed)}) ${argv.join(' ')}: ${problem}\n${JSON.stringify(text).slice(0, 2000)}\n${said.slice(0, 1000)}`,
        );
    }
    expect(failures.slice(0, 3).join('\n')).toBe('');
    expect([...codes].sort()).toEqual([0, 2]);
  });

  it('an empty benchmark file given to validate with its flags says the file is empty', async () => {
    const io = memoryIo({ '/data/empty.json': '' });
    const code = await run(
      ['validate', 'empty.json', '--hardware', 'h100-sxm', '--model', 'llama-3.1-8b'],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toMatch(/empty\.json:1(:\d+)?: .*the file is empty/);
    expect(io.err()).not.toMatch(/applies to benchmark-tool outputs/);
  });
});
