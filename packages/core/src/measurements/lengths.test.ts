import { describe, expect, it } from 'vitest';
import { formats, records } from '../../test/formats-support.js';
import { LengthDistributionSchema } from '../scenario/schema.js';
import { drawLengths, lengthMax, lengthMean } from '../scenario/lengths.js';
import { seededRandom } from '../serving/continuous.js';
import {
  MAX_HISTOGRAM_BINS,
  empiricalLengths,
  normalLengths,
  quantileLengths,
  uniformLengths,
} from './lengths.js';

describe('length distributions from benchmark files', () => {
  it('keeps up to 64 distinct lengths exactly, one bin each weighted by its count', () => {
    const d = empiricalLengths([5, 7, 5, 0, 12, 7, 5]);
    // 0 (a failed request) is left out.
    expect(d).toEqual({
      kind: 'histogram',
      bins: [
        { tokens: 5, weight: 3 },
        { tokens: 7, weight: 2 },
        { tokens: 12, weight: 1 },
      ],
    });
    expect(empiricalLengths([9, 9, 9])).toEqual({ kind: 'fixed', tokens: 9 });
    expect(empiricalLengths([0])).toBeUndefined();
  });

  it('groups more distinct lengths into at most 64 bins whose mean is the lengths mean', () => {
    // 2,000 lengths with a long tail, like ShareGPT outputs.
    const rand = seededRandom(11);
    const values = Array.from({ length: 2000 }, () => Math.max(1, Math.round(-300 * Math.log(1 - rand()))));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const d = empiricalLengths(values);
    expect(d?.kind).toBe('histogram');
    if (d?.kind !== 'histogram') return;
    expect(d.bins.length).toBeLessThanOrEqual(MAX_HISTOGRAM_BINS);
    expect(lengthMean(d)).toBeCloseTo(mean, 9);
    expect(d.bins.reduce((a, b) => a + b.weight, 0)).toBeCloseTo(2000, 9);
    expect(Math.min(...d.bins.map((b) => b.tokens))).toBeGreaterThanOrEqual(Math.min(...values));
    expect(lengthMax(d)).toBeLessThanOrEqual(Math.max(...values));
    expect(LengthDistributionSchema.safeParse(d).success).toBe(true);
  });

  it('a uniform range, and a normal bounded at 1 token (fixed when its deviation is 0)', () => {
    expect(uniformLengths(0, 1024)).toEqual({ kind: 'uniform', min: 1, max: 1024 });
    expect(uniformLengths(819.2, 1024)).toEqual({ kind: 'uniform', min: 819, max: 1024 });
    expect(uniformLengths(1024, 1024)).toEqual({ kind: 'fixed', tokens: 1024 });
    expect(normalLengths(200, 0)).toEqual({ kind: 'fixed', tokens: 200 });
    expect(normalLengths(200, 30)).toEqual({ kind: 'normal', mean: 200, stddev: 30, min: 1, max: 350 });
  });

  it('a summary of quantiles and a mean: a histogram with the stated ends and mean', () => {
    const q = [
      { p: 0, tokens: 10 },
      { p: 0.5, tokens: 100 },
      { p: 1, tokens: 1000 },
    ];
    const d = quantileLengths(q, 200);
    expect(d?.kind).toBe('histogram');
    if (d?.kind !== 'histogram') return;
    expect(d.bins.map((b) => b.tokens)).toEqual([10, 100, 1000]);
    expect(lengthMean(d)).toBeCloseTo(200, 9);
    // The median stays where it is stated: half the weight at or below 100, half at or above.
    const total = d.bins.reduce((a, b) => a + b.weight, 0);
    expect((d.bins[0]?.weight ?? 0) / total).toBeLessThanOrEqual(0.5);
    expect((d.bins[2]?.weight ?? 0) / total).toBeLessThanOrEqual(0.5);
    // A mean the quantiles cannot hold (below the lower ends' mean, 55): none.
    expect(quantileLengths(q, 40)).toBeUndefined();
    expect(quantileLengths([...q.slice(0, 2), { p: 1, tokens: 50 }], 40)).toBeUndefined();
  });

  it('a histogram is drawn stratified: n requests over n equal bins draw each bin once', () => {
    const d = empiricalLengths([3, 6, 9, 31, 101, 120, 194, 233, 429, 741]);
    if (d === undefined) throw new Error('no histogram');
    const x = drawLengths(d, 10, seededRandom(0));
    expect([...x].sort((a, b) => a - b)).toEqual([3, 6, 9, 31, 101, 120, 194, 233, 429, 741]);
    // In a seeded random order, not sorted.
    expect([...x]).not.toEqual([...x].sort((a, b) => a - b));
    expect(drawLengths(d, 10, seededRandom(0))).toEqual(x);
  });

  it('SGLang random_range_ratio: integers uniform over [max(⌊ratio·L⌋, 1), L]', () => {
    const line =
      formats('sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-online.jsonl').split('\n')[0] ?? '';
    const half = line.replace('"random_range_ratio": 0.0', '"random_range_ratio": 0.5');
    const [rec] = records('half.jsonl', half);
    expect(rec?.scenario.workload.inputLengths).toEqual({ kind: 'uniform', min: 512, max: 1024 });
    expect(rec?.scenario.workload.outputLengths).toEqual({ kind: 'uniform', min: 512, max: 1024 });
    expect(rec?.notes.join('\n')).toMatch(
      /prompt lengths: uniform \[512, 1024\] \(SGLang 'random' dataset: random_input_len 1024, random_range_ratio 0\.5/,
    );
    // Ratio 1: every request at L.
    const [full] = records(
      'full.jsonl',
      line.replace('"random_range_ratio": 0.0', '"random_range_ratio": 1.0'),
    );
    expect(full?.scenario.workload.inputLengths).toEqual({ kind: 'fixed', tokens: 1024 });
    // A vLLM file states no range: the keys are SGLang's.
    const [vllm] = records(
      'v.json',
      formats('vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl'),
    );
    expect(vllm?.scenario.workload.inputLengths).toBeUndefined();
  });

  it('genai-perf and AIPerf synthetic lengths: a normal where the deviation is stated, else the mean', () => {
    const file = 'genai-perf/nim-llama3-8b-openai-chat-concurrency10.profile_export_genai_perf.json';
    const text = formats(file);
    const [fixed] = records('g.json', text);
    expect(fixed?.scenario.workload.inputLengths).toBeUndefined();
    expect(fixed?.notes).toContain(
      'prompt lengths fixed at the mean: input_config synthetic_input_tokens_mean/_stddev states mean 200, standard deviation 0',
    );
    const spread = text.replace('"synthetic_input_tokens_stddev": 0', '"synthetic_input_tokens_stddev": 40');
    const [rec] = records('g.json', spread);
    // Centred on the measured (client-counted) mean 200.03, as the throughput is counted.
    const d = rec?.scenario.workload.inputLengths;
    expect(d).toMatchObject({ kind: 'normal', stddev: 40, min: 1 });
    expect(d === undefined ? 0 : lengthMean(d)).toBeCloseTo(200.03, 1);

    const aiperf = formats('aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export_aiperf.json');
    const osl = aiperf.replace(
      /("osl": \{\s*"mean": 128\.0,\s*"stddev": )0\.0/,
      (_m, head: string) => `${head}16.0`,
    );
    expect(osl).not.toEqual(aiperf);
    const [a] = records('a.json', osl);
    expect(a?.scenario.workload.outputLengths).toMatchObject({ kind: 'normal', stddev: 16, min: 1 });
    expect(a?.scenario.workload.inputLengths).toBeUndefined();
  });
});
