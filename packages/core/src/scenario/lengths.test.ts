import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import type { EstimateReport } from '../report/assemble.js';
import { seededRandom } from '../serving/continuous.js';
import { DATASET_LENGTHS, drawLengths, lengthMax, lengthMean } from './lengths.js';
import type { LengthDistribution } from './schema.js';
import { validateScenario } from '../estimate.js';

const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('request-length distributions', () => {
  const cases: LengthDistribution[] = [
    { kind: 'fixed', tokens: 700 },
    { kind: 'uniform', min: 819, max: 1024 },
    { kind: 'normal', mean: 500, stddev: 100, min: 100, max: 900 },
    { kind: 'lognormal', mean: 300, stddev: 200, min: 1, max: 4000 },
    {
      kind: 'histogram',
      bins: [
        { tokens: 100, weight: 3 },
        { tokens: 1000, weight: 1 },
      ],
    },
  ];

  it.each(cases)('$kind: whole tokens within the bounds, mean near the stated one', (d) => {
    const x = drawLengths(d, 20000, seededRandom(1));
    for (const v of x) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(lengthMax(d));
    }
    expect(Math.abs(mean(x) - lengthMean(d)) / lengthMean(d)).toBeLessThan(0.03);
  });

  it('the same seed draws the same lengths; another seed others', () => {
    const d: LengthDistribution = { kind: 'uniform', min: 1, max: 4096 };
    expect(drawLengths(d, 50, seededRandom(7))).toEqual(drawLengths(d, 50, seededRandom(7)));
    expect(drawLengths(d, 50, seededRandom(7))).not.toEqual(drawLengths(d, 50, seededRandom(8)));
  });

  it('a uniform draw reaches both ends and a histogram only its bins', () => {
    const u = drawLengths({ kind: 'uniform', min: 819, max: 1024 }, 5000, seededRandom(3));
    expect(Math.min(...u)).toBe(819);
    expect(Math.max(...u)).toBe(1024);
    const h = drawLengths(
      {
        kind: 'histogram',
        bins: [
          { tokens: 5, weight: 1 },
          { tokens: 9, weight: 0 },
        ],
      },
      100,
      seededRandom(3),
    );
    expect(new Set(h)).toEqual(new Set([5]));
  });

  it('rejects bounds in the wrong order and an all-zero histogram, naming the field', () => {
    const w = { inputTokens: 100, outputTokens: 10, concurrency: 4 };
    const bad = validateScenario({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      workload: { ...w, inputLengths: { kind: 'uniform', min: 200, max: 100 } },
    });
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map((d) => d.message).join(' ')).toMatch(/min \(200\) exceeds max \(100\)/);
    const zero = validateScenario({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      workload: { ...w, outputLengths: { kind: 'histogram', bins: [{ tokens: 3, weight: 0 }] } },
    });
    expect(zero.ok).toBe(false);
  });

  it('every dataset preset names its source and draws within its published maximum', () => {
    for (const [name, p] of Object.entries(DATASET_LENGTHS)) {
      expect(p.source, name).toMatch(/MLPerf/);
      expect(lengthMax(p.input), name).toBeGreaterThan(lengthMean(p.input));
    }
  });
});

describe('the simulator draws each request its lengths', () => {
  const base = {
    model: 'llama-3.1-8b',
    hardware: 'h100-sxm',
    precision: { weights: 'fp8' },
    engine: 'vllm',
  };
  const run = (workload: object): EstimateReport => {
    const r = estimate({ ...base, workload });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    return r.value;
  };

  it('output tokens per request follow the distribution: throughput counts the drawn tokens', () => {
    const w = { inputTokens: 1024, outputTokens: 1024, concurrency: 16, requests: 160 };
    const fixed = run(w);
    const shorter = run({ ...w, outputLengths: { kind: 'uniform', min: 256, max: 512 } });
    // Shorter outputs: more requests per second, and the same request count over a shorter run.
    expect(shorter.requestsPerSec).toBeGreaterThan(1.5 * fixed.requestsPerSec);
    const tokensPerRequest = shorter.outputTokensPerSec / shorter.requestsPerSec;
    expect(tokensPerRequest).toBeGreaterThan(256);
    expect(tokensPerRequest).toBeLessThan(512);
  });

  it('varied prompts spread TTFT: p99 above p50 where fixed prompts at low load keep them close', () => {
    const w = { inputTokens: 2048, outputTokens: 16, concurrency: 1, requests: 100 };
    const fixed = run(w);
    const varied = run({ ...w, inputLengths: { kind: 'uniform', min: 128, max: 4096 } });
    expect(fixed.latency.ttft.p99 / fixed.latency.ttft.p50).toBeLessThan(1.05);
    expect(varied.latency.ttft.p99 / varied.latency.ttft.p50).toBeGreaterThan(1.5);
  });

  it('a dataset preset sets both distributions', () => {
    const r = run({
      inputTokens: 512,
      outputTokens: 294,
      requestRate: 5,
      requests: 200,
      dataset: 'mlperf-llama2-70b',
    });
    const perRequest = r.outputTokensPerSec / r.requestsPerSec;
    expect(perRequest).toBeCloseTo(294, 0);
  });
});
