import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasurementCsv } from '../measurements/csv.js';
import { skipReasons } from './messages.js';
import { percentile, sourceLabel, validateRows } from './validate.js';

const text = readFileSync(new URL('../../data/measurements/reference.csv', import.meta.url), 'utf8');

describe('validateRows over the shipped reference.csv', () => {
  const parsed = parseMeasurementCsv(text);
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const report = validateRows(parsed.value);
  const byId = new Map(parsed.value.map((r) => [r.id, r]));
  const csv = (id: string) => byId.get(id);

  it('predicts over 100 rows, each finite and positive', () => {
    expect(report.totals.used).toBeGreaterThan(100);
    expect(report.rows).toHaveLength(report.totals.used);
    for (const r of report.rows) {
      expect(Number.isFinite(r.predicted), r.id).toBe(true);
      expect(r.predicted, r.id).toBeGreaterThan(0);
      expect(Number.isFinite(r.errorPct), r.id).toBe(true);
    }
  });

  it('accounts for every row once, per source and metric', () => {
    expect(report.totals.used + report.totals.skipped).toBe(561);
    const used = report.groups.reduce((a, g) => a + g.used, 0);
    const skipped = report.groups.reduce((a, g) => a + g.skipped, 0);
    expect(used).toBe(report.totals.used);
    expect(skipped).toBe(report.totals.skipped);
    for (const g of report.groups) {
      expect(Object.values(g.skippedByReason).reduce((a, b) => a + b, 0)).toBe(g.skipped);
      if (g.used > 0) expect(g.p90ErrorPct ?? -1).toBeGreaterThanOrEqual(g.medianErrorPct ?? Infinity);
      else expect(g.medianErrorPct).toBeNull();
    }
  });

  it('skips the rows the model does not cover, with the stated reasons', () => {
    expect(report.skippedByReason[skipReasons.maxThroughput]).toBeUndefined();
    expect(report.skippedByReason[skipReasons.noShape]).toBe(5);
    expect(report.skippedByReason[skipReasons.unfusedAttention]).toBe(6);
    // DeepSeek-V3 Insights Table 4 states no parallelism, batch or sequence length.
    const setup = skipReasons.trainingSetupNotStated([
      'parallelism (TP, PP, EP, DP)',
      'global batch',
      'micro-batch',
      'sequence length',
    ]);
    expect(report.skippedByReason[setup]).toBe(6);
    // Every training and all-to-all row but those six is predicted.
    const training = ['train_tok_s_per_gpu', 'model_tflops_per_gpu', 'comm_bw_gbs', 'comm_latency_us'];
    const predictedSources = report.skipped.filter(
      (s) => training.includes(s.metric) && !s.source.startsWith('Insights into DeepSeek-V3'),
    );
    expect(predictedSources).toEqual([]);
    const falcon = Object.keys(report.skippedByReason).filter((r) => r.includes('Falcon-180B'));
    expect(falcon).toHaveLength(1);
    expect(falcon[0]).toContain('tiiuae/falcon-180B');
    expect(report.skippedByReason[falcon[0] ?? '']).toBe(10);
    expect(report.skipped.every((s) => s.reason.length > 0)).toBe(true);
  });

  it('predicts the TensorRT-LLM 0.17 max-throughput table within 15% median per hardware but A100', () => {
    const rows = report.rows.filter((r) => r.source.includes('perf-overview'));
    expect(rows).toHaveLength(319);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Infinity;
    const on = (hw: string) => rows.filter((r) => csv(r.id)?.hardware.startsWith(hw)).map((r) => r.errorPct);
    for (const hw of ['H100', 'H200', 'GH200']) expect(median(on(hw)), hw).toBeLessThan(15);
    const a100 = on('A100');
    expect(median(a100)).toBeLessThan(20);
  });

  it('gets the capacity effect: 70B FP8 TP1 128/2048 is about 4.6x faster on H200 than H100', () => {
    const pick = (hw: string) =>
      report.rows.find((r) => {
        const c = csv(r.id);
        return (
          r.source.includes('perf-overview') &&
          c !== undefined &&
          c.hardware.startsWith(hw) &&
          c.model === 'Llama-3.1-70B' &&
          c.tp === '1' &&
          c.inputLen === '128' &&
          c.outputLen === '2048'
        );
      });
    const h200 = pick('H200');
    const h100 = pick('H100');
    expect(h200?.measured ?? 0).toBeGreaterThan(0);
    const measured = (h200?.measured ?? 0) / (h100?.measured ?? 1);
    const predicted = (h200?.predicted ?? 0) / (h100?.predicted ?? 1);
    expect(measured).toBeCloseTo(4.57, 1);
    expect(Math.abs(predicted - measured) / measured).toBeLessThan(0.15);
  });

  it('reproduces the model constants exactly', () => {
    const kv = report.rows.filter((r) => r.metric === 'kv_kb_per_token');
    expect(kv).toHaveLength(3);
    for (const r of kv) expect(r.errorPct).toBeLessThan(0.01);
  });
});

describe('helpers', () => {
  it('percentile interpolates between ranks', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([4], 0.9)).toBe(4);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBeCloseTo(90, 9);
  });

  it('sourceLabel drops the commit and table remarks', () => {
    expect(sourceLabel('deepseek-ai/DeepGEMM README.md @327ec92 (Performance: x)')).toBe(
      'deepseek-ai/DeepGEMM README.md',
    );
    expect(sourceLabel('Insights into DeepSeek-V3 (arXiv 2505.09343) Table 1')).toBe(
      'Insights into DeepSeek-V3',
    );
    expect(sourceLabel('Insights into DeepSeek-V3: Scaling Challenges (arXiv 2505.09343)')).toBe(
      'Insights into DeepSeek-V3',
    );
    expect(sourceLabel('plain')).toBe('plain');
  });
});
