/**
 * reference.csv's training rows (Megatron-Bridge 25.11) and DeepEP all-to-all rows are predicted
 * (training model; the MoE all-to-all collective), and the all-to-all moves the right way with
 * tokens per batch.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrainingCsv } from '../measurements/training-csv.js';
import { resolveRowHardware } from '../measurements/resolve.js';
import type { AllToAllCase } from './all-to-all.js';
import { allToAllCaseOf, allToAllKernel } from './all-to-all.js';
import { predictedReference, referenceRow, referenceRows } from '../../test/reference-support.js';
import { asTrainingRow, missingTrainingSetup } from './reference-training.js';
import { predictTrainingRow } from './training-rows.js';

const file = (name: string) =>
  readFileSync(new URL(`../../data/measurements/${name}`, import.meta.url), 'utf8');
const row = referenceRow;
const predicted = predictedReference;

describe('reference.csv training rows', () => {
  it('predicts a Megatron-Bridge row (GB200 Llama-3 8B FP8-CS, 31,508 tokens/s per GPU) within 25%', () => {
    const p = predicted('M1136');
    expect(p / row('M1136').value).toBeGreaterThan(0.75);
    expect(p / row('M1136').value).toBeLessThan(1.25);
  });

  it('reads the row as training.csv would: GBS/MBS, FSDP/CP/VP/EP from the cells and notes', () => {
    const t = asTrainingRow(row('M1142')); // GB200 405B: TP4 PP16 VP4, GBS 1536 MBS 1
    expect([t.global_batch, t.micro_batch, t.tp, t.pp, t.vp, t.ep, t.cp]).toEqual([
      '1536',
      '1',
      '4',
      '16',
      '4',
      '1',
      '1',
    ]);
    expect(t.zero_or_fsdp).toBe('FSDP=0');
    expect(asTrainingRow(row('M1136')).vp).toBe(''); // VP=n/a
    // Same prediction as training-rows.ts gives the converted row.
    const direct = predictTrainingRow(asTrainingRow(row('M1136')));
    expect('value' in direct ? direct.value : NaN).toBe(predicted('M1136'));
  });

  it('predicts tokens/s and model TFLOPS of one run consistently (TFLOPS = tokens/s × FLOPs per token)', () => {
    // M1136/M1137 are one run: the ratio of the predictions equals the ratio of the measurements
    // within the table's rounding (both use the causal count, as the table's own figures do).
    const ratio = predicted('M1137') / predicted('M1136');
    expect(ratio).toBeCloseTo(row('M1137').value / row('M1136').value, 3);
  });

  it('MXFP8 rows (FP8-MX) read as MXFP8, FP8-CS as per-tensor current scaling', () => {
    expect(predicted('M1138')).not.toBe(predicted('M1136'));
  });

  it('names what a training row leaves out (DeepSeek-V3 Insights Table 4)', () => {
    expect(missingTrainingSetup(row('M1000'))).toEqual([
      'parallelism (TP, PP, EP, DP)',
      'global batch',
      'micro-batch',
      'sequence length',
    ]);
    expect(missingTrainingSetup(row('M1136'))).toEqual([]);
  });

  it('training.csv holds none of these runs (no double counting)', () => {
    const t = parseTrainingCsv(file('training.csv'));
    if (!t.ok) throw new Error('training.csv does not parse');
    const commits = new Set(t.value.map((r) => /@([0-9a-f]{7,})/.exec(r.source)?.[1]));
    const ours = referenceRows().filter((r) => r.source.includes('Megatron-Bridge'));
    expect(ours.length).toBe(44);
    for (const r of ours) expect(commits.has(/@([0-9a-f]{7,})/.exec(r.source)?.[1])).toBe(false);
  });
});

describe('reference.csv DeepEP all-to-all rows', () => {
  const h800 = resolveRowHardware('H800');
  if (h800 === undefined) throw new Error('h800 not in catalog');
  const kernel = (c: AllToAllCase) => {
    const k = allToAllKernel(c, h800);
    if (typeof k === 'string') throw new Error(k);
    return k;
  };

  it('predicts intranode EP8 dispatch bandwidth (153 GB/s) within 25%, under the NVLink rate ×8/7', () => {
    const p = predicted('M1051');
    expect(p / 153).toBeGreaterThan(0.75);
    expect(p / 153).toBeLessThan(1.25);
    // Counted bytes include the rank's own 1/8: at most 8/7 of the catalog's 200 GB/s.
    expect(p).toBeLessThan((200 * 8) / 7);
  });

  it('predicts low-latency EP16 dispatch latency (118 µs) within 25%', () => {
    const p = predicted('M1061');
    expect(p / 118).toBeGreaterThan(0.75);
    expect(p / 118).toBeLessThan(1.25);
  });

  it('reads the setup from the row, the NIC from the hardware cell, never the measured NVLink rate', () => {
    const c = allToAllCaseOf(row('M1053'));
    expect(c).toMatchObject({
      kernel: 'normal',
      phase: 'dispatch',
      ep: 16,
      tokens: 4096,
      bytesPerElement: 1,
    });
    expect(typeof c === 'string' ? 0 : c.scaleOutBytesPerSecond).toBe(50e9);
    expect(allToAllCaseOf(row('M1060'))).toMatchObject({
      kernel: 'low-latency',
      phase: 'combine',
      bytesPerElement: 2,
    });
  });

  it('latency falls with fewer tokens; bandwidth rises toward the link rate with more', () => {
    const base = allToAllCaseOf(row('M1059'));
    if (typeof base === 'string') throw new Error(base);
    const lat = [16, 64, 128, 512].map((tokens) => kernel({ ...base, tokens }).seconds);
    for (let i = 1; i < lat.length; i++) expect(lat[i] ?? 0).toBeGreaterThan(lat[i - 1] ?? Infinity);
    const normal = allToAllCaseOf(row('M1051'));
    if (typeof normal === 'string') throw new Error(normal);
    const bw = [64, 512, 4096, 32768].map((tokens) => {
      const k = kernel({ ...normal, tokens });
      return k.countedBytes / k.seconds;
    });
    for (let i = 1; i < bw.length; i++) expect(bw[i] ?? 0).toBeGreaterThan(bw[i - 1] ?? Infinity);
    // Toward the collective share of the NVLink rate (×8/7 for the rank's own tokens), never above.
    const ceiling = ((200e9 * 0.75 * 8) / 7) * 1.0001;
    expect(bw[3] ?? 0).toBeLessThan(ceiling);
    expect(bw[3] ?? 0).toBeGreaterThan(0.95 * ceiling);
  });
});
