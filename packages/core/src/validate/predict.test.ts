import { describe, expect, it } from 'vitest';
import { gemmShapeFromNotes } from './kernels.js';
import { skipReasons } from './messages.js';
import { predictedReference, referenceRow } from '../../test/reference-support.js';
import { predictRow } from './predict.js';

const row = referenceRow;
const predicted = predictedReference;

describe('predictRow', () => {
  it.each([
    'M1005', // DeepGEMM dense FP8 TFLOPS (H800)
    'M1006', // same GEMM, GB/s
    'M1041', // DeepGEMM grouped
    'M1079', // MAMF BF16 H100
    'M1092', // LLMCompass matmul
    'M1112', // LLMCompass GPT-3 prefill Q_K_V
    'M1124', // LLMCompass GPT-3 decode Q_K_V
    'M1134', // decode all-reduce
    'M1196', // Vidur mlp_up_proj
    'M0818', // TRT-LLM static batch, per GPU
    'M0847', // TRT-LLM TTFT
    'M0992', // KV KB per token
    'M0996', // training GFLOPs per token
  ])('predicts %s as a finite positive number', (id) => {
    const v = predicted(id);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0);
  });

  it('lands near the measurements that define its parameters', () => {
    // DeepSeek-V3 KV cache per token in BF16: 576 elements × 61 layers × 2 B = 70.272 KB.
    expect(predicted('M0992')).toBeCloseTo(70.272, 3);
    // LLMCompass GPT-3 W1 at prefill: compute-bound, within 10% of 17.46 ms.
    expect(Math.abs(predicted('M1116') / 17.4643 - 1)).toBeLessThan(0.1);
    // A GEMM's GB/s and TFLOPS share one time: their ratio is bytes / flops.
    const bytes = 7168 * 2112 + 64 * 7168 + 64 * 2112 * 2;
    const flops = 2 * 64 * 2112 * 7168;
    expect((predicted('M1006') * 1e9) / (predicted('M1005') * 1e12)).toBeCloseTo(bytes / flops, 9);
  });

  it('skips rows it cannot express, with the reason', () => {
    const skip = (id: string) => {
      const p = predictRow(row(id));
      return 'skip' in p ? p.skip : undefined;
    };
    expect(skip('M0001')).toBeUndefined();
    expect(skip('M0830')).toContain(skipReasons.modelNotInCatalog);
    expect(skip('M1071')).toBe(skipReasons.noShape);
    expect(skip('M1113')).toBe(skipReasons.unfusedAttention);
    expect(skip('M1051')).toBeUndefined();
    expect(skip('M1136')).toBeUndefined();
    expect(skip('M1002')).toContain('global batch');
    expect(skipReasons.hardwareNotInCatalog('TPU v9')).toContain('not in catalog');
    expect(skip('M1079')).toBeUndefined();
  });

  it('skips a row whose hardware is not in the catalog', () => {
    const p = predictRow({ ...row('M1079'), hardware: 'Imaginary X1' });
    expect(p).toEqual({ skip: skipReasons.hardwareNotInCatalog('Imaginary X1') });
  });

  it('adds per-kernel eager launch to per-operator latencies only when asked', () => {
    const eager = predictRow(row('M1131'), { opLaunch: 'eager' });
    const none = predictRow(row('M1131'), { opLaunch: 'none' });
    if ('skip' in eager || 'skip' in none) throw new Error('skipped');
    expect(eager.predicted).toBeGreaterThan(none.predicted);
  });
});

describe('gemmShapeFromNotes', () => {
  it('reads the three ways the sources state a GEMM shape', () => {
    expect(gemmShapeFromNotes('cfg=complete; GEMM M=64 N=2112 K=7168; reported')).toEqual({
      m: 64,
      n: 2112,
      k: 7168,
      groups: 1,
    });
    expect(gemmShapeFromNotes('#groups=4 M_per_group=8192 N=4096 K=7168; memory')).toEqual({
      m: 8192,
      n: 4096,
      k: 7168,
      groups: 4,
      grouped: true,
    });
    expect(gemmShapeFromNotes('at best shape MxNxK=1024x10240x5120; theory')).toEqual({
      m: 1024,
      n: 10240,
      k: 5120,
      groups: 1,
    });
    expect(gemmShapeFromNotes("'up to 3000 GB/s'")).toBeUndefined();
  });
});
