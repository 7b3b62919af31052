/**
 * Block-scaled FP8 (DeepSeek-V3/R1: one FP32 scale per 128×128 weight block, activations per 1×128
 * group): recognised from the model's config (quantization_config.weight_block_size) or stated as
 * precision.fp8Scaling; the scales are read beside the operands, and the GEMMs run at the family's
 * gemmBlockFp8PeakFraction (unset: the 8-bit fraction).
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { efficiencyFor, estimate, findHardware, findModel, importHfConfig } from '@ridgeline/core';
import { breakdownOp, run } from './scenario-support.js';

const r1 = {
  model: 'deepseek-r1',
  hardware: 'mi300x',
  parallelism: { tp: 8 },
  precision: { weights: 'fp8' },
  workload: { inputTokens: 8192, outputTokens: 2, batch: 1 },
};

const prefillGemmMs = (r: EstimateReport) =>
  r.breakdown
    .filter((o) => o.phase === 'prefill' && (o.kind === 'gemm' || o.kind === 'grouped-gemm'))
    .reduce((s, o) => s + o.timeMs, 0);

describe('block-scaled FP8 is recognised', () => {
  it('from the Hugging Face config: DeepSeek-R1 ships 128×128 weight blocks', () => {
    expect(findModel('deepseek-r1')?.fp8WeightBlockSize).toEqual([128, 128]);
    expect(findModel('llama-3.1-70b')?.fp8WeightBlockSize).toBeUndefined();
  });

  it('a malformed weight_block_size is refused, naming the field', () => {
    const config = {
      architectures: ['LlamaForCausalLM'],
      hidden_size: 4096,
      num_hidden_layers: 2,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      vocab_size: 128256,
      quantization_config: { quant_method: 'fp8', weight_block_size: [128, 0] },
    };
    const bad = importHfConfig(config, { id: 'x', source: 'test' });
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics[0]?.message).toMatch(/quantization_config\.weight_block_size/);
    const good = importHfConfig(
      { ...config, quantization_config: { quant_method: 'fp8', weight_block_size: [128, 128] } },
      { id: 'x', source: 'test' },
    );
    expect(good.ok && good.value.fp8WeightBlockSize).toEqual([128, 128]);
  });

  it('precision.fp8Scaling on non-FP8 weights is an error naming the field', () => {
    const r = estimate({ ...r1, precision: { weights: 'bf16', fp8Scaling: 'block' } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.some((d) => d.path?.join('.') === 'precision.fp8Scaling')).toBe(true);
    const typo = estimate({ ...r1, precision: { weights: 'fp8', fp8Scaling: 'blocks' } });
    expect(typo.ok).toBe(false);
    expect(typo.diagnostics[0]?.message).toMatch(/precision\.fp8Scaling/);
  });
});

describe('block scales are read with the operands', () => {
  it('one FP32 per 128×128 weight block and per 1×128 activation group', () => {
    const block = breakdownOp(run(r1), 'prefill', 'gate_up_proj');
    const shape = block.shape;
    if (shape === undefined) throw new Error('no shape');
    const per = block.count * shape.groups;
    expect(block.scaleBytes).toBeCloseTo(
      per * ((shape.k * shape.n * 4) / 16384 + (shape.m * shape.k * 4) / 128),
      0,
    );
    const tensor = breakdownOp(
      run({ ...r1, precision: { weights: 'fp8', fp8Scaling: 'tensor' } }),
      'prefill',
      'gate_up_proj',
    );
    expect(tensor.scaleBytes).toBeUndefined();
    expect(block.bytes - tensor.bytes).toBeCloseTo(block.scaleBytes ?? 0, 0);
  });

  it('a per-tensor FP8 model (Llama) carries none unless block scaling is stated', () => {
    const llama = { ...r1, model: 'llama-3.1-70b' };
    expect(run(llama).breakdown.every((o) => o.scaleBytes === undefined)).toBe(true);
    const stated = run({ ...llama, precision: { weights: 'fp8', fp8Scaling: 'block' } });
    expect(breakdownOp(stated, 'prefill', 'gate_up_proj').scaleBytes ?? 0).toBeGreaterThan(0);
  });
});

describe('block-scaled FP8 GEMM fraction', () => {
  it('a lower fraction lengthens the block-scaled prefill GEMMs, and only those', () => {
    const base = run({ ...r1, efficiency: { gemmBlockFp8PeakFraction: 0.46 } });
    const slower = run({ ...r1, efficiency: { gemmBlockFp8PeakFraction: 0.2 } });
    expect(slower.ttftMs).toBeGreaterThan(base.ttftMs * 1.1);
    expect(prefillGemmMs(slower) / prefillGemmMs(base)).toBeGreaterThan(1.5);
    // Per-tensor FP8 GEMMs keep the 8-bit fraction.
    const tensor = { ...r1, precision: { weights: 'fp8', fp8Scaling: 'tensor' } };
    expect(run({ ...tensor, efficiency: { gemmBlockFp8PeakFraction: 0.2 } }).ttftMs).toBeCloseTo(
      run(tensor).ttftMs,
      9,
    );
  });

  it('CDNA3 and CDNA4 set it below the 8-bit fraction (fitted to the InferenceX FP8 rows)', () => {
    for (const id of ['mi300x', 'mi325x', 'mi355x']) {
      const hw = findHardware(id);
      if (hw === undefined) throw new Error(id);
      const eff = efficiencyFor(hw);
      expect(eff.gemmBlockFp8PeakFraction, id).toBe(0.22);
      expect(eff.gemmBlockFp8PeakFraction ?? 1, id).toBeLessThan(eff.gemmLowPrecisionPeakFraction);
    }
  });

  it('unset, it is the 8-bit fraction (Hopper: the block-scaled DeepGEMM rows match it)', () => {
    for (const id of ['h200-sxm', 'b200']) {
      const hw = findHardware(id);
      if (hw === undefined) throw new Error(id);
      const eff = efficiencyFor(hw);
      expect(eff.gemmBlockFp8PeakFraction, id).toBeUndefined();
      const s = { ...r1, hardware: id };
      expect(
        run({ ...s, efficiency: { gemmBlockFp8PeakFraction: eff.gemmLowPrecisionPeakFraction } }).ttftMs,
        id,
      ).toBeCloseTo(run(s).ttftMs, 9);
    }
  });
});
