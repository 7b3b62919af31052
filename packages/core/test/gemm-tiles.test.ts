/**
 * GEMM M tiles per family (cost/efficiency.ts gemmTileRows, families.ts gemmMinTileRows): a GEMM of
 * m rows runs in the smallest tile of minTileRows, 2·minTileRows, … 128 that holds m. Hopper and
 * Blackwell pad to 64/128 rows; CDNA3/CDNA4 to 32/64/128 (fitted with their block-scaled FP8
 * fraction to the InferenceX DeepSeek-R1 rows, docs/modeling.md). The breakdown shows each GEMM's
 * tile and the fraction of peak it is modelled to reach.
 */
import { describe, expect, it } from 'vitest';
import { efficiencyFor, findHardware } from '@ridgeline/core';
import { gemmEfficiency, gemmTileRows } from '../src/cost/efficiency.js';
import { breakdownOp, run } from './scenario-support.js';

const profile = (id: string) => {
  const hw = findHardware(id);
  if (hw === undefined) throw new Error(id);
  return efficiencyFor(hw);
};

describe('M tiles per family', () => {
  it('the smallest tile that holds the rows, doubling from the family minimum up to 128', () => {
    expect([1, 64, 65, 128, 129, 4096].map((m) => gemmTileRows(m, 64))).toEqual([64, 64, 128, 128, 128, 128]);
    expect([1, 32, 33, 64, 65, 4096].map((m) => gemmTileRows(m, 32))).toEqual([32, 32, 64, 64, 128, 128]);
  });

  it('Hopper and Blackwell keep 64-row tiles; CDNA3 and CDNA4 run 32', () => {
    for (const id of ['h200-sxm', 'h100-sxm', 'b200']) expect(profile(id).gemmMinTileRows, id).toBe(64);
    for (const id of ['mi300x', 'mi325x', 'mi355x']) expect(profile(id).gemmMinTileRows, id).toBe(32);
  });

  it('a smaller tile wastes less on padding at small M and changes nothing at large M', () => {
    const hopper = profile('h200-sxm');
    const small = { ...hopper, gemmMinTileRows: 32 };
    // Two rows per expert (decode): half the padded rows, twice the fraction.
    expect(
      gemmEfficiency(2, 7168, 2048, 0.5, small) / gemmEfficiency(2, 7168, 2048, 0.5, hopper),
    ).toBeCloseTo(2, 6);
    expect(gemmEfficiency(4096, 7168, 2048, 0.5, small)).toBe(gemmEfficiency(4096, 7168, 2048, 0.5, hopper));
    expect(gemmEfficiency(100, 7168, 2048, 0.5, small)).toBe(gemmEfficiency(100, 7168, 2048, 0.5, hopper));
  });
});

const r1 = {
  model: 'deepseek-r1',
  hardware: 'mi300x',
  parallelism: { tp: 8 },
  precision: { weights: 'fp8' },
  workload: { inputTokens: 8192, outputTokens: 256, batch: 4 },
};

describe('the breakdown shows each GEMM its tile and fraction of peak', () => {
  it('decode expert GEMMs pad to the family tile; prefill ones run 128-row tiles', () => {
    const cdna = run(r1);
    const hopper = run({ ...r1, hardware: 'h200-sxm' });
    expect(breakdownOp(cdna, 'decode', 'experts_gate_up').tileRows).toBe(32);
    expect(breakdownOp(hopper, 'decode', 'experts_gate_up').tileRows).toBe(64);
    expect(breakdownOp(cdna, 'prefill', 'experts_gate_up').tileRows).toBe(128);
    const frac = breakdownOp(cdna, 'prefill', 'gate_up_proj').computeFraction ?? 0;
    expect(frac).toBeGreaterThan(0);
    expect(frac).toBeLessThanOrEqual(0.22);
    // Non-GEMM operators carry neither.
    expect(cdna.breakdown.filter((o) => o.kind === 'attention').every((o) => o.tileRows === undefined)).toBe(
      true,
    );
  });

  it('a lower block-FP8 fraction slows prefill; decode, memory-bound at 32-row tiles, barely moves', () => {
    const eightBit = run({ ...r1, efficiency: { gemmBlockFp8PeakFraction: 0.46 } });
    const block = run(r1);
    expect(breakdownOp(block, 'prefill', 'gate_up_proj').computeFraction ?? 1).toBeLessThan(
      breakdownOp(eightBit, 'prefill', 'gate_up_proj').computeFraction ?? 0,
    );
    expect(block.ttftMs / eightBit.ttftMs).toBeGreaterThan(1.3);
    expect(block.tpotMs / eightBit.tpotMs).toBeLessThan(1.08);
    expect(breakdownOp(block, 'decode', 'experts_gate_up').bound).toBe('memory');
  });
});
