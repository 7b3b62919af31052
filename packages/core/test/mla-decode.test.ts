/**
 * MLA attention math: its query is a 16-bit GEMM output (q_b_proj in prefill, q_absorb in absorbed
 * decode), so an FP8 latent cache saves bytes but not math. Large-batch decode of DeepSeek-R1 is
 * compute-bound in attention and costs the 16-bit rate.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { run } from './scenario-support.js';

const attention = (r: EstimateReport, phase: string) =>
  r.breakdown.find((o) => o.phase === phase && o.name === 'attention');

const r1 = (batch: number, kvCache: string, activations = 'fp8', attentionDp = true) => ({
  model: 'deepseek-r1',
  hardware: 'b200',
  parallelism: { tp: 8, ep: 8, attentionDp },
  precision: { weights: 'fp8', activations, kvCache },
  engine: 'trtllm',
  calibration: 'none',
  workload: { inputTokens: 2048, outputTokens: 4096, batch },
});

describe('MLA decode attention runs at the 16-bit rate with an FP8 latent cache', () => {
  it('at 512 sequences per rank and ~4k context it is compute-bound at the BF16 rate', () => {
    const big = run(r1(4096, 'fp8'));
    const a = attention(big, 'decode');
    expect(a?.bound).toBe('compute');
    // FLOPs per token per layer: 2·heads·ctx·(kv_lora_rank + rope) + 2·heads·ctx·kv_lora_rank.
    const ctx = 2048 + 4096 / 2;
    const perToken = 2 * 128 * ctx * (512 + 64) + 2 * 128 * ctx * 512;
    expect(a?.flops).toBeCloseTo(512 * 61 * perToken, -9);
    // BF16 dense peak 2.25 PFLOP/s at the family's attention fraction (0.6), not the FP8 peak.
    const seconds = (a?.timeMs ?? 0) / 1e3;
    const rate = (a?.flops ?? 0) / seconds;
    expect(rate).toBeLessThan(2.25e15 * 0.6 * 1.001);
    expect(rate).toBeGreaterThan(2.25e15 * 0.6 * 0.95);
  });

  it('an FP8 latent speeds up a memory-bound step but not the math of a compute-bound one', () => {
    const fp8Big = attention(run(r1(4096, 'fp8')), 'decode')?.timeMs ?? 0;
    const bf16Big = attention(run(r1(4096, 'bf16')), 'decode')?.timeMs ?? 0;
    expect(fp8Big).toBeCloseTo(bf16Big, 3);
    // 128 heads share one latent: ~480 FLOPs per FP8 byte, above B200's BF16 ridge, so with
    // attention DP (all heads on a rank) decode is compute-bound at any batch. Split over TP8
    // (16 heads per device) it is memory-bound, and the FP8 latent halves its time.
    const small = (kv: string) => attention(run(r1(64, kv, 'fp8', false)), 'decode');
    expect(small('fp8')?.bound).toBe('memory');
    expect(small('fp8')?.timeMs ?? 0).toBeLessThan((small('bf16')?.timeMs ?? 0) * 0.75);
  });

  it('FP8 activations do not make the attention math FP8 (the query is the absorbed 16-bit one)', () => {
    const fp8Acts = attention(run(r1(4096, 'fp8', 'fp8')), 'decode')?.timeMs ?? 0;
    const bf16Acts = attention(run(r1(4096, 'fp8', 'bf16')), 'decode')?.timeMs ?? 0;
    expect(fp8Acts).toBeCloseTo(bf16Acts, 3);
  });

  it('the large-batch step costs more than at the FP8 rate: the step time moves up', () => {
    // GQA attention with FP8 queries and cache still runs at the FP8 rate (FP8 FMHA); MLA does not.
    const step = run(r1(4096, 'fp8')).phases.find((p) => p.phase === 'decode')?.stepMs ?? 0;
    const attn = attention(run(r1(4096, 'fp8')), 'decode');
    const fp8RateAttentionMs = (attn?.flops ?? 0) / (4.5e15 * 0.6) / 1e-3;
    expect(attn?.timeMs ?? 0).toBeGreaterThan(1.9 * fp8RateAttentionMs);
    expect(step).toBeGreaterThan(attn?.timeMs ?? 0);
  });
});
