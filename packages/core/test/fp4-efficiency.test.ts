/**
 * Block-scaled FP4 (NVFP4, MXFP4): the GEMMs run at the FP4 rate with their own fraction
 * (Blackwell's fitted to the MLPerf NVFP4 rows, hardware/families.ts), and the block scales are
 * read with the weights and the quantized inputs. Each mechanism moves the estimate its way and
 * shows in the breakdown; families that inherit another family's values say so in their sources.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { efficiencyFor, findHardware, observationsFromRows, parseMeasurementCsv } from '@ridgeline/core';
import { measurementFile } from './gate.js';
import { breakdownOp, run } from './scenario-support.js';

const fp4 = {
  model: 'llama-3.1-70b',
  hardware: 'b200',
  precision: { weights: 'nvfp4', activations: 'nvfp4' },
  workload: { inputTokens: 4096, outputTokens: 2, batch: 8 },
};

function profileOf(id: string) {
  const hw = findHardware(id);
  if (hw === undefined) throw new Error(id);
  return efficiencyFor(hw);
}

describe('FP4 GEMM efficiency', () => {
  it('Blackwell has its own FP4 fraction, below its FP8 one, fitted to serving rows and not copied from Hopper', () => {
    for (const id of ['b200', 'gb200', 'b300']) {
      const e = profileOf(id);
      expect(e.gemmFp4PeakFraction, id).toBe(0.64);
      expect(e.gemmFp4PeakFraction ?? 1, id).toBeLessThan(e.gemmLowPrecisionPeakFraction);
      expect(e.sources['gemmFp4PeakFraction'], id).toMatch(/fitted to the dense Llama NVFP4 rows of MLPerf/);
    }
    expect(profileOf('h100-sxm').gemmFp4PeakFraction).toBeUndefined();
  });

  it('a lower FP4 fraction lengthens a compute-bound prefill; the FP8 fraction would make it faster', () => {
    const fitted = run(fp4);
    const atFp8Fraction = run({ ...fp4, efficiency: { gemmFp4PeakFraction: 0.76 } });
    const slower = run({ ...fp4, efficiency: { gemmFp4PeakFraction: 0.4 } });
    expect(fitted.ttftMs).toBeGreaterThan(atFp8Fraction.ttftMs * 1.05);
    expect(slower.ttftMs).toBeGreaterThan(fitted.ttftMs * 1.2);
    // The prefill GEMMs, not the other operators, take the difference.
    const gemmMs = (r: EstimateReport) =>
      r.breakdown.filter((o) => o.phase === 'prefill' && o.kind === 'gemm').reduce((s, o) => s + o.timeMs, 0);
    expect(gemmMs(fitted) / gemmMs(atFp8Fraction)).toBeGreaterThan(1.1);
    expect(gemmMs(fitted) / gemmMs(atFp8Fraction)).toBeLessThan(0.76 / 0.64 + 1e-6);
  });

  it('barely moves a memory-bound decode step', () => {
    const small = { ...fp4, workload: { inputTokens: 512, outputTokens: 64, batch: 1 } };
    const fitted = run(small);
    const atFp8Fraction = run({ ...small, efficiency: { gemmFp4PeakFraction: 0.76 } });
    expect(fitted.tpotMs).toBeGreaterThanOrEqual(atFp8Fraction.tpotMs);
    expect(fitted.tpotMs).toBeLessThan(atFp8Fraction.tpotMs * 1.02);
  });

  it('leaves FP8 GEMMs alone', () => {
    const fp8 = { ...fp4, precision: { weights: 'fp8', activations: 'fp8' } };
    expect(run({ ...fp8, efficiency: { gemmFp4PeakFraction: 0.4 } }).ttftMs).toBeCloseTo(run(fp8).ttftMs, 9);
  });

  it('families without an FP4 fit fall back to their 8-bit fraction', () => {
    const card = {
      ...fp4,
      hardware: 'rtx-5090',
      model: 'llama-3.1-8b',
      precision: { weights: 'nvfp4', activations: 'nvfp4', kvCache: 'fp8' },
    };
    const fallback = profileOf('rtx-5090');
    expect(fallback.gemmFp4PeakFraction).toBeUndefined();
    expect(
      run({ ...card, efficiency: { gemmFp4PeakFraction: fallback.gemmLowPrecisionPeakFraction } }).ttftMs,
    ).toBeCloseTo(run(card).ttftMs, 9);
  });

  it('Blackwell and CDNA label what they inherit from Hopper as assumed', () => {
    for (const id of ['b200', 'mi300x', 'mi355x']) {
      const s = profileOf(id).sources;
      for (const key of ['memoryBandwidthFraction', 'attentionPeakFraction', 'groupedGemmFraction'])
        expect(s[key], `${id} ${key}`).toMatch(/assumed|measurement|\[M/);
    }
  });
});

describe('FP4 block scales', () => {
  const decode = (weights: string) =>
    run({
      ...fp4,
      precision: { weights, activations: weights },
      workload: { inputTokens: 512, outputTokens: 64, batch: 1 },
    });

  it('are read with the weights: NVFP4 (16-element E4M3 blocks) moves more bytes than MXFP4 (32-element E8M0)', () => {
    const nv = breakdownOp(decode('nvfp4'), 'decode', 'gate_up_proj');
    const mx = breakdownOp(decode('mxfp4'), 'decode', 'gate_up_proj');
    // One decode token: the weights dominate, at 4.5 against 4.25 bits per element.
    expect(nv.bytes / mx.bytes).toBeCloseTo(4.5 / 4.25, 2);
    // The breakdown names the scale bytes: 1/16 byte per NVFP4 element, 1/32 per MXFP4 element.
    const weights = (o: typeof nv) => (o.shape === undefined ? 0 : o.count * o.shape.k * o.shape.n);
    expect((nv.scaleBytes ?? 0) / weights(nv)).toBeCloseTo(1 / 16, 4);
    expect((mx.scaleBytes ?? 0) / weights(mx)).toBeCloseTo(1 / 32, 4);
    expect(nv.scaleBytes ?? 0).toBeLessThan(nv.bytes);
  });

  it('cost decode time where the weights stream: NVFP4 decodes slower than MXFP4 at batch 1', () => {
    expect(decode('nvfp4').tpotMs).toBeGreaterThan(decode('mxfp4').tpotMs);
  });

  it('formats without block scales report none', () => {
    const fp8 = decode('fp8');
    expect(breakdownOp(fp8, 'decode', 'gate_up_proj').scaleBytes).toBeUndefined();
    expect(fp8.breakdown.every((o) => o.scaleBytes === undefined)).toBe(true);
  });
});

describe('FP4 fraction in calibration', () => {
  it('an NVFP4 serving row informs gemmFp4PeakFraction, an FP8 row the 8-bit fraction', () => {
    const parsed = parseMeasurementCsv(measurementFile('serving-modern.csv'));
    if (!parsed.ok) throw new Error('serving-modern.csv');
    const pick = (id: string) => parsed.value.filter((r) => r.id === id);
    // N0562: B200 NVFP4 Llama-2-70B Interactive TTFT; N0690: H200 FP8 Llama-2-70B Interactive TTFT.
    const [nv] = observationsFromRows(pick('N0562')).observations;
    const [fp8] = observationsFromRows(pick('N0690')).observations;
    expect(nv?.sensitiveTo.has('gemmFp4PeakFraction')).toBe(true);
    expect(nv?.sensitiveTo.has('gemmLowPrecisionPeakFraction')).toBe(false);
    expect(fp8?.sensitiveTo.has('gemmLowPrecisionPeakFraction')).toBe(true);
    expect(fp8?.sensitiveTo.has('gemmFp4PeakFraction')).toBe(false);
  });
});
