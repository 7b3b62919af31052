/**
 * Training uncertainty bands (training/bands.ts): shape of the bands, their place in the report,
 * the generated residual table kept in step with the model, and the leave-one-source-out coverage.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crossValidateTraining } from '../calibrate/training-fit.js';
import { parseTrainingCsv } from '../measurements/training-csv.js';
import type { TrainingResidual } from './bands.js';
import { trainingLogBand, trainingUncertainty } from './bands.js';
import { estimateTraining } from './estimate.js';
import { TRAINING_RESIDUALS } from './residuals-data.js';

const residual = (source: string, value: number, over: Partial<TrainingResidual> = {}): TrainingResidual => ({
  id: `${source}-${String(value)}`,
  source,
  metricClass: 'throughput',
  moe: false,
  family: 'nvidia-hopper',
  residual: value,
  ...over,
});

describe('training bands', () => {
  it('weigh every source the same, however many rows it has', () => {
    // Source a: 100 rows at +0.2; sources b and c: one row each at −0.2 and 0. Per row, p10 would
    // be +0.2 (98 % of rows); per source the low side reaches below zero.
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => residual('a', 0.2, { id: `a${String(i)}` })),
      residual('b', -0.2),
      residual('c', 0),
    ];
    const b = trainingLogBand('throughput', { moe: false, family: 'nvidia-hopper' }, { residuals: rows });
    expect(b?.sources).toBe(3);
    expect(b?.lo).toBeLessThan(-0.1);
    expect(b?.hi).toBeGreaterThan(0.15);
  });

  it('fall back from family to model class to all rows when fewer than three sources remain', () => {
    const rows = [
      residual('a', 0.1),
      residual('b', -0.1),
      residual('c', 0.05, { family: 'nvidia-ampere' }),
      residual('d', 0.3, { moe: true }),
    ];
    const at = (moe: boolean, family: string) =>
      trainingLogBand('throughput', { moe, family }, { residuals: rows })?.pool;
    expect(at(false, 'nvidia-ampere')).toBe('model class');
    expect(at(true, 'nvidia-hopper')).toBe('all');
    expect(trainingLogBand('memory', { moe: false, family: 'x' }, { residuals: rows })).toBeUndefined();
    // Leaving a source out removes its rows.
    expect(
      trainingLogBand('throughput', { moe: false, family: 'x' }, { residuals: rows, excludeSource: 'd' })
        ?.rows,
    ).toBe(3);
  });

  it('always hold the estimate (lo ≤ −ln 1.05 < 0 < ln 1.05 ≤ hi) and are finite for any conditions', () => {
    for (const moe of [false, true])
      for (const family of ['nvidia-hopper', 'nvidia-ampere', 'nvidia-blackwell', 'no-such-family'])
        for (const cls of ['throughput', 'memory'] as const) {
          const b = trainingLogBand(cls, { moe, family });
          expect(b, `${cls} ${family} ${String(moe)}`).toBeDefined();
          expect(Number.isFinite(b?.lo) && Number.isFinite(b?.hi)).toBe(true);
          expect(b?.lo ?? 0).toBeLessThanOrEqual(-Math.log(1.05) + 1e-12);
          expect(b?.hi ?? 0).toBeGreaterThanOrEqual(Math.log(1.05) - 1e-12);
        }
    const u = trainingUncertainty(
      { tokensPerSecondPerGpu: 1000, stepSeconds: 2, mfu: 0.5, memoryBytes: 1e10 },
      { moe: false, family: 'nvidia-hopper' },
    );
    expect(u?.tokensPerSecondPerGpu.p10).toBeLessThan(1000);
    // Step time mirrors throughput: its p90 is the tokens/s p10 inverted.
    expect((u?.stepSeconds.p90 ?? 0) * (u?.tokensPerSecondPerGpu.p10 ?? 0)).toBeCloseTo(2000, 6);
  });

  it('appear in the training report around its figures', () => {
    const r = estimateTraining({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      gpus: 8,
      sequenceLength: 4096,
      globalBatch: 64,
    });
    if (!r.ok) throw new Error('estimate failed');
    const { uncertainty: u, tokensPerSecondPerGpu, step, memory, headline } = r.value;
    expect(u).toBeDefined();
    expect(u?.tokensPerSecondPerGpu.p10).toBeLessThan(tokensPerSecondPerGpu);
    expect(u?.tokensPerSecondPerGpu.p90).toBeGreaterThan(tokensPerSecondPerGpu);
    expect(u?.stepSeconds.p10).toBeLessThan(step.stepSeconds);
    expect(u?.stepSeconds.p90).toBeGreaterThan(step.stepSeconds);
    expect(u?.mfu.p10).toBeLessThan(headline.mfu);
    expect(u?.memoryBytes.p90).toBeGreaterThan(memory.totalBytes);
  });
});

describe('training bands against training.csv (leave-one-source-out)', () => {
  const parsed = parseTrainingCsv(
    readFileSync(new URL('../../data/measurements/training.csv', import.meta.url), 'utf8'),
  );
  if (!parsed.ok) throw new Error('training.csv does not parse');
  const cv = crossValidateTraining(parsed.value);

  it('the shipped residual table is the current held-out residuals (else: node scripts/training-residuals.mjs)', () => {
    const shipped = new Map(TRAINING_RESIDUALS.map((r) => [r.id, r]));
    expect(TRAINING_RESIDUALS.length).toBe(cv.residuals.length);
    for (const r of cv.residuals) {
      const s = shipped.get(r.id);
      expect(s, r.id).toBeDefined();
      expect(s?.residual ?? Number.NaN, r.id).toBeCloseTo(r.residual, 3);
      expect(s?.metricClass).toBe(r.metricClass);
    }
  });

  it('cover about 80 % of held-out rows, each band drawn without the row’s own source', () => {
    expect(cv.coverage.perRow ?? 0).toBeGreaterThan(0.7);
    expect(cv.coverage.perRow ?? 1).toBeLessThan(0.9);
    expect(cv.coverage.groups.every((g) => g.inside <= g.rows && g.rows > 0)).toBe(true);
  });
});
