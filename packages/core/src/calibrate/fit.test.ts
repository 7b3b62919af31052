import { describe, expect, it } from 'vitest';
import { parseMeasurementCsv } from '../measurements/csv.js';
import type { FitProblem } from './fit.js';
import { fitParameters, lossValue } from './fit.js';
import { fitProfile } from './fit-profile.js';
import { observationsFromRows } from './observations.js';
import { predictRow } from '../validate/predict.js';
import type { ProfileParameters } from './profile.js';

const HEADER =
  'id,source,hardware,num_gpus,model,precision_weights,precision_kv,framework,tp,pp,batch_or_concurrency,input_len,output_len,metric,value,notes';

/** A measurement row in the reference-CSV format; the value is filled in later. */
function row(id: string, cells: Record<string, string>): string {
  const c = {
    source: 'synthetic',
    hardware: 'H100 SXM 80GB',
    num_gpus: '1',
    model: '',
    precision_weights: 'BF16',
    precision_kv: '',
    framework: '',
    tp: '',
    pp: '',
    batch_or_concurrency: '',
    input_len: '',
    output_len: '',
    metric: '',
    value: '1',
    notes: '',
    ...cells,
  };
  return [
    id,
    c.source,
    c.hardware,
    c.num_gpus,
    c.model,
    c.precision_weights,
    c.precision_kv,
    c.framework,
    c.tp,
    c.pp,
    c.batch_or_concurrency,
    c.input_len,
    c.output_len,
    c.metric,
    c.value,
    c.notes,
  ].join(',');
}

/** Kernel ceilings and static-batch runs on H100 that, together, inform every device parameter. */
function syntheticRows() {
  const lines = [HEADER];
  let n = 0;
  const id = () => `S${String(++n).padStart(3, '0')}`;
  for (const [m, nn, k] of [
    [4096, 4096, 4096],
    [8192, 8192, 8192],
    [2048, 16384, 4096],
  ] as const) {
    for (const p of ['BF16', 'FP8'])
      lines.push(
        row(id(), { precision_weights: p, metric: 'achieved_tflops', notes: `GEMM M=${m} N=${nn} K=${k}` }),
      );
  }
  for (const m of [16, 32, 64])
    lines.push(
      row(id(), { precision_weights: 'FP8', metric: 'achieved_bw_gbs', notes: `GEMM M=${m} N=16384 K=7168` }),
    );
  const run = { model: 'Llama-3.1-8B', framework: 'TensorRT-LLM', precision_weights: 'FP8' };
  for (const input of [8192, 16384, 32768])
    lines.push(
      row(id(), {
        ...run,
        batch_or_concurrency: '1',
        input_len: String(input),
        output_len: '1',
        metric: 'ttft_ms',
      }),
    );
  const big = { ...run, model: 'Llama-3.1-70B' };
  for (const tp of ['2', '4', '8'])
    for (const batch of ['1', '64'])
      lines.push(
        row(id(), {
          ...big,
          num_gpus: tp,
          tp,
          batch_or_concurrency: batch,
          input_len: '512',
          output_len: '64',
          metric: 'output_tok_s',
        }),
      );
  const parsed = parseMeasurementCsv(lines.join('\n'));
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  return parsed.value;
}

describe('fitParameters', () => {
  it('recovers the parameters of a power law from noiseless data, within the bounds', () => {
    // y = a·x^-0.5 + b: log error of the two parameters a and b.
    const xs = [1, 2, 4, 8, 16, 32];
    const truth = [3, 0.5];
    const f = (v: readonly number[], x: number) => (v[0] ?? 0) / Math.sqrt(x) + (v[1] ?? 0);
    const problem: FitProblem = {
      parameters: [
        { name: 'a', prior: 2, priorLogSigma: 1, lower: 0.1, upper: 10 },
        { name: 'b', prior: 1, priorLogSigma: 1, lower: 0.01, upper: 10 },
      ],
      residuals: (v) => Float64Array.from(xs, (x) => Math.log(f(v, x) / f(truth, x))),
    };
    const r = fitParameters(problem, {
      loss: 'huber',
      maxIterations: 30,
      tolerance: 1e-6,
      relativeTolerance: 0,
    });
    // A maximum a posteriori fit: the prior (a = 2, b = 1) holds it a few percent short.
    expect(Math.abs((r.values[0] ?? 0) / 3 - 1)).toBeLessThan(0.05);
    expect(Math.abs((r.values[1] ?? 0) / 0.5 - 1)).toBeLessThan(0.1);
    expect(r.objective).toBeLessThan(r.priorObjective);
  });

  it('keeps a parameter no measurement informs at its prior, and respects bounds', () => {
    const problem: FitProblem = {
      parameters: [
        { name: 'informed', prior: 0.5, priorLogSigma: 0.2, lower: 0.05, upper: 1 },
        { name: 'idle', prior: 0.3, priorLogSigma: 0.2, lower: 0.05, upper: 1 },
      ],
      // The data want 'informed' at 2, above its bound of 1.
      residuals: (v) => Float64Array.from([1, 2, 3], () => Math.log((v[0] ?? 1) / 2)),
    };
    const r = fitParameters(problem, { loss: 'huber' });
    expect(r.values[0]).toBeLessThanOrEqual(1);
    expect(r.values[0]).toBeGreaterThan(0.9);
    expect(r.values[1]).toBeCloseTo(0.3, 10);
  });

  it('follows a consistent bias of ten measurements far from the prior (the default loss too)', () => {
    const problem: FitProblem = {
      parameters: [{ name: 'x', prior: 0.5, priorLogSigma: 0.2, lower: 0.05, upper: 1 }],
      residuals: (v) => Float64Array.from({ length: 10 }, () => Math.log((v[0] ?? 1) / 0.8)),
    };
    for (const loss of ['cauchy', 'huber', 'soft-l1'] as const)
      expect(fitParameters(problem, { loss }).values[0]).toBeGreaterThan(0.78);
  });

  it('is deterministic', () => {
    const problem: FitProblem = {
      parameters: [{ name: 'x', prior: 1, priorLogSigma: 0.5, lower: 0.01, upper: 100 }],
      residuals: (v) => Float64Array.from([0.5, 1, 2], (c) => Math.log(((v[0] ?? 1) * c) / (1.7 * c))),
    };
    expect(fitParameters(problem).values).toEqual(fitParameters(problem).values);
  });

  it('robust losses grow slower than squares far out and match ½z² near 0', () => {
    for (const loss of ['huber', 'soft-l1', 'cauchy'] as const) {
      expect(lossValue(loss, 0.01)).toBeCloseTo(0.5 * 0.01 * 0.01, 6);
      expect(lossValue(loss, 10)).toBeLessThan(50);
    }
  });
});

describe('fitProfile on measurements generated by the model itself', () => {
  const truth: ProfileParameters = {
    gemmPeakFraction: 0.7,
    gemmLowPrecisionPeakFraction: 0.62,
    memoryBandwidthFraction: 0.72,
    attentionPeakFraction: 0.45,
    collectiveBandwidthFraction: 0.55,
    collectiveLatencySeconds: 20e-6,
  };
  const rows = syntheticRows().map((r) => {
    const p = predictRow(r, { profiles: [{ hardware: 'h100-sxm', parameters: truth }] });
    if ('skip' in p) throw new Error(`${r.id}: ${p.skip}`);
    return { ...r, value: p.predicted };
  });

  it('recovers the parameters that generated them', () => {
    const { observations, skipped } = observationsFromRows(rows);
    expect(skipped).toEqual([]);
    const fit = fitProfile(observations, { hardware: 'h100-sxm' });
    if (!fit.ok) throw new Error(fit.diagnostics[0]?.message);
    const p = fit.value.parameters;
    const near = (x: number | undefined, want: number, tol: number) => {
      expect(Math.abs((x ?? 0) / want - 1)).toBeLessThan(tol);
    };
    near(p.gemmPeakFraction, 0.7, 0.02);
    near(p.gemmLowPrecisionPeakFraction, 0.62, 0.02);
    near(p.memoryBandwidthFraction, 0.72, 0.02);
    // Attention and collectives are a part of a few runs only: the prior (0.60, 0.75) holds them
    // back, but they move most of the way.
    near(p.attentionPeakFraction, 0.45, 0.15);
    expect(p.attentionPeakFraction).toBeLessThan(0.53);
    near(p.collectiveBandwidthFraction, 0.55, 0.2);
    expect(p.collectiveBandwidthFraction).toBeLessThan(0.66);
    expect(fit.value.fit.medianErrorPctBefore).toBeGreaterThan(5);
    expect(fit.value.fit.medianErrorPctAfter).toBeLessThan(1.5);
  });

  it('with a few measurements moves only what they inform, toward the truth', () => {
    const few = rows.filter((r) => r.metric === 'achieved_tflops').slice(0, 2);
    const { observations } = observationsFromRows(few);
    const fit = fitProfile(observations, { hardware: 'h100-sxm' });
    if (!fit.ok) throw new Error(fit.diagnostics[0]?.message);
    const p = fit.value.parameters;
    // BF16 and FP8 GEMMs at one shape: both fractions move from 0.82/0.76 toward 0.70/0.62.
    expect(p.gemmPeakFraction).toBeLessThan(0.75);
    expect(p.gemmLowPrecisionPeakFraction).toBeLessThan(0.7);
    expect(p.attentionPeakFraction).toBeUndefined();
    expect(p.collectiveLatencySeconds).toBeUndefined();
  });
});
