/**
 * serving.kvPageTokens: the KV cache is handed out in pages (vLLM block_size, TensorRT-LLM
 * tokens_per_block, SGLang page_size), so a sequence holds whole pages and a larger page leaves
 * more of its last one unused: fewer sequences fit the same cache.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '@ridgeline/core';
import { ENGINE_PROFILES } from '../src/serving/engines.js';
import { normalized, run } from './scenario-support.js';

const offline = (kvPageTokens?: number) => ({
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  calibration: 'none',
  engine: 'vllm',
  // Short requests and a high sequence cap: the KV pages, not max_num_seqs, bound the batch.
  workload: { inputTokens: 24, outputTokens: 16, maxThroughput: true, requests: 12000, seed: 0 },
  serving: { maxSequences: 8192, ...(kvPageTokens !== undefined ? { kvPageTokens } : {}) },
});

describe('serving.kvPageTokens', () => {
  it("overrides the engine profile's page, which stays the default", () => {
    expect(normalized(offline(32)).engine.kvPageTokens).toBe(32);
    expect(normalized(offline()).engine.kvPageTokens).toBe(ENGINE_PROFILES.vllm.kvPageTokens);
  });

  it('must be a positive whole number of tokens', () => {
    for (const bad of [0, -16, 12.5]) {
      const v = validateScenario(offline(bad));
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.diagnostics.map((d) => d.path?.join('.')).join(' ')).toContain('kvPageTokens');
    }
  });

  it('larger pages hold fewer sequences in the same cache', () => {
    const batch = (page: number) => {
      const s = run(offline(page)).serving;
      if (s === undefined) throw new Error('no serving report');
      return s.maxBatch;
    };
    // 40-token sequences: one 64-token page each, or a 1024-token page (16 times the memory).
    expect(batch(1024)).toBeLessThan(batch(64) / 4);
  });
});
