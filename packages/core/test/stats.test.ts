import { describe, expect, it } from 'vitest';
import { findModel } from '../src/model/catalog.js';
import type { ModelSpec } from '../src/model/schema.js';
import {
  attentionFlopsPerContextToken,
  attentionParams,
  countParams,
  expertParams,
  kvElementsPerTokenPerLayer,
  routerParams,
  flopsPerToken,
  kvCacheBytesPerToken,
  meanCausalContext,
  modelStats,
} from '../src/model/stats.js';

function model(id: string): ModelSpec {
  const m = findModel(id);
  if (m === undefined) throw new Error(`missing ${id}`);
  return m;
}

describe('DeepSeek-V3 Insights paper (arXiv 2505.09343), Table 1: KV cache per token in BF16', () => {
  it.each([
    ['deepseek-v3', 70_272],
    ['qwen2.5-72b', 327_680],
    ['llama-3.1-405b', 516_096],
  ])('%s is exactly %d bytes', (id, bytes) => {
    expect(kvCacheBytesPerToken(model(id), 'bf16')).toBe(bytes);
  });
});

describe('Insights paper Table 2: training GFLOPs per token (causal, sequence 4096, 3 × forward)', () => {
  it.each([
    ['deepseek-v2', 155],
    ['deepseek-v3', 250],
    ['llama-3.1-405b', 2448],
  ])('%s within 3%% of %d', (id, gflops) => {
    const got = flopsPerToken(model(id), 4096).trainingFlopsPerToken / 1e9;
    expect(Math.abs(got - gflops) / gflops).toBeLessThan(0.03);
  });

  it('qwen2.5-72b lands 13% above the paper: its 394 implies ~63B matmul weights, not Qwen2.5-72B’s 71.5B', () => {
    const got = flopsPerToken(model('qwen2.5-72b'), 4096).trainingFlopsPerToken / 1e9;
    expect(got).toBeGreaterThan(440);
    expect(got).toBeLessThan(450);
  });
});

describe('parameter counts', () => {
  it('llama-3.1-8b has about 8.03B parameters, all active', () => {
    const p = countParams(model('llama-3.1-8b'));
    expect(p.total / 1e9).toBeCloseTo(8.03, 1);
    expect(p.activePerToken).toBe(p.total);
  });

  it('deepseek-v3 has about 671B total and 37B active parameters', () => {
    const p = countParams(model('deepseek-v3'));
    expect(p.total / 1e9).toBeGreaterThan(665);
    expect(p.total / 1e9).toBeLessThan(675);
    expect(p.activePerToken / 1e9).toBeGreaterThan(36);
    expect(p.activePerToken / 1e9).toBeLessThan(39);
  });

  it('mixtral-8x7b has about 46.7B total and 12.9B active parameters', () => {
    const p = countParams(model('mixtral-8x7b'));
    expect(p.total / 1e9).toBeCloseTo(46.7, 0);
    expect(p.activePerToken / 1e9).toBeCloseTo(12.9, 0);
  });

  it('weight bytes scale with the format, fp8 is half of bf16', () => {
    const m = model('llama-3.1-70b');
    expect(modelStats(m, { weightFormat: 'fp8' }).weightBytes * 2).toBe(
      modelStats(m, { weightFormat: 'bf16' }).weightBytes,
    );
  });
});

describe('mean causal context', () => {
  it('is (S + 1) / 2 without a window', () => {
    expect(meanCausalContext(4096, undefined)).toBe(2048.5);
  });
  it('is capped by a sliding window', () => {
    expect(meanCausalContext(100_000, 4096)).toBeLessThan(4096);
    expect(meanCausalContext(100_000, 4096)).toBeGreaterThan(4000);
  });
});

describe('model-level shorthands over the layer kinds', () => {
  it('match the shapes of Llama-3.1-8B (GQA) and DeepSeek-V3 (MLA, MoE)', () => {
    const llama = model('llama-3.1-8b');
    expect(attentionFlopsPerContextToken(llama)).toBe(2 * 32 * 2 * 128);
    expect(kvElementsPerTokenPerLayer(llama)).toBe(2 * 8 * 128);
    expect(attentionParams(llama)).toBe(4096 * (4096 + 2 * 1024) + 4096 * 4096);
    expect(expertParams(llama)).toBe(0);
    const ds = model('deepseek-v3');
    expect(attentionFlopsPerContextToken(ds)).toBe(2 * 128 * (128 + 64 + 128));
    expect(kvElementsPerTokenPerLayer(ds)).toBe(512 + 64);
    expect(routerParams(ds)).toBe(7168 * 256);
    expect(expertParams(ds)).toBe(3 * 7168 * 2048);
  });
});
