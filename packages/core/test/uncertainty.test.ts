/**
 * Uncertainty bands: every estimate carries a p10–p90 band that contains its value, never NaN or
 * Infinity; bands widen off the measured hardware and conditions, with a diagnostic; latency
 * mirrors throughput; calibrated runs read the calibrated residuals; the learned widening never
 * narrows a band; and leave-one-source-out coverage meets the issue 9 targets.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../src/estimate.js';
import type { EstimateReport } from '../src/report/assemble.js';
import type { ScenarioInput } from '../src/scenario/schema.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { ScenarioSchema } from '../src/scenario/schema.js';
import type { BandConditions, BandParts, HeadlineMetric, LogBand } from '../src/uncertainty/band.js';
import {
  BAND_OPTIONS,
  openLatencyBand,
  openThroughputBand,
  HEADLINE_METRICS,
  NO_WIDENING,
  calibratedRows,
  createBandModel,
  defaultBandModel,
  wideningExtra,
  widenedBand,
} from '../src/uncertainty/band.js';
import {
  METRIC_OF_CLASS,
  bandCoverage,
  bandSource,
  conditionsOf,
  learnWidening,
} from '../src/uncertainty/learn.js';
import { SERVING_RESIDUALS } from '../src/uncertainty/residuals-data.js';
import { isCalibrated } from '../src/uncertainty/scenario-bands.js';
import { openLoopLoad } from '../src/uncertainty/utilization.js';
import type { ServingResidual } from '../src/uncertainty/types.js';
import { WIDENING_FACTORS } from '../src/uncertainty/types.js';
import { intIn, pick, randomPlacement, rng } from './random.js';

function run(s: ScenarioInput): EstimateReport {
  const r = estimate(s);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

/** ln(p90 / p10) of a report's metric. */
function logWidth(r: EstimateReport, metric: HeadlineMetric): number {
  const b = r.uncertainty[metric];
  return Math.log(b.p90 / b.p10);
}

function extrapolation(r: EstimateReport) {
  return r.diagnostics.filter((d) => d.code === 'uncertainty.extrapolation');
}

const eightB = (hardware: string, workload: ScenarioInput['workload']): ScenarioInput => ({
  model: 'llama-3.1-8b',
  hardware,
  gpus: 1,
  engine: 'trtllm',
  workload,
});
const measured = eightB('h100-sxm', { inputTokens: 1024, outputTokens: 1024, batch: 64 });

function expectContains(r: EstimateReport): void {
  for (const m of HEADLINE_METRICS) {
    const v = r[m];
    const b = r.uncertainty[m];
    expect(Number.isFinite(b.p10) && Number.isFinite(b.p90), m).toBe(true);
    if (v > 0) {
      expect(b.p10, m).toBeGreaterThan(0);
      expect(b.p10, m).toBeLessThan(v);
      expect(b.p90, m).toBeGreaterThan(v);
    } else {
      expect(b, m).toEqual({ p10: v, p90: v });
    }
  }
}

describe('uncertainty bands on estimates', () => {
  it('every headline metric has a band that contains its value, static and serving', () => {
    expectContains(run(measured));
    expectContains(run(eightB('h100-sxm', { inputTokens: 1024, outputTokens: 256, concurrency: 32 })));
    expectContains(run(eightB('mi300x', { inputTokens: 1024, outputTokens: 1024, maxThroughput: true })));
    // One output token: no TPOT, and no band around the zero.
    const one = run(eightB('h100-sxm', { inputTokens: 512, outputTokens: 1, batch: 8 }));
    expect(one.tpotMs).toBe(0);
    expectContains(one);
  });

  it('a scenario on measured hardware inside the data is not flagged', () => {
    const r = run(measured);
    expect(extrapolation(r)).toEqual([]);
    // p90/p10 = 1.57 on the shipped residuals: the neighbours' spread plus a new source's bias,
    // learned leave-one-source-out.
    expect(logWidth(r, 'outputTokensPerSec')).toBeLessThan(Math.log(2));
  });

  it('warns on a hardware family with no serving measurement, naming it, with a symmetric band', () => {
    const tpu = run(eightB('tpu-v5p', { inputTokens: 1024, outputTokens: 1024, batch: 64 }));
    const d = extrapolation(tpu);
    expect(d.length).toBeGreaterThan(0);
    expect(d[0]?.severity).toBe('warning');
    expect(d[0]?.message).toContain('tpu-v5p');
    // Symmetric: nothing tells the sign of the error on an unmeasured family.
    for (const m of HEADLINE_METRICS) {
      const b = tpu.uncertainty[m];
      expect(Math.log(b.p90 / tpu[m]), m).toBeCloseTo(-Math.log(b.p10 / tpu[m]), 9);
    }
  });

  it('flags a batch or context far outside the data as a note', () => {
    // The band widens by the learned range term per e-fold outside (WIDENING.raw.range, tested
    // below on synthetic rows); on today's rows it is 0: held-out rows outside the range needed
    // no more than the source term.
    const big = run(eightB('h100-sxm', { inputTokens: 1024, outputTokens: 1024, batch: 4096 }));
    const long = run(eightB('h100-sxm', { inputTokens: 120000, outputTokens: 8000, batch: 16 }));
    expect(extrapolation(big).map((d) => d.message)).toMatchInlineSnapshot(`
      [
        "The uncertainty band is extrapolated: batch (sequences in flight per replica) 4096 is above the measured 3.9–1024. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).",
      ]
    `);
    expect(extrapolation(long).map((d) => [d.severity, d.message])).toMatchInlineSnapshot(`
      [
        [
          "info",
          "The uncertainty band is extrapolated: context (input + output tokens) 128000 is above the measured 256–22000. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).",
        ],
      ]
    `);
  });

  it('names the family in the warning text', () => {
    const r = run(eightB('tpu-v5p', { inputTokens: 1024, outputTokens: 1024, batch: 64 }));
    const [first] = extrapolation(r).map((d) => d.message);
    expect(first).toContain('no serving measurement on tpu-v5p or its family (generic; measured:');
    expect(first).toContain('learned with each family held out');
  });
});

describe('uncertainty bands on calibrated runs', () => {
  // The raw model (no shipped profile), so that only the explicit efficiency below calibrates.
  const base: ScenarioInput = {
    ...eightB('h100-sxm', { inputTokens: 1024, outputTokens: 1024, batch: 64 }),
    calibration: 'none',
  };
  const calibrated: ScenarioInput = { ...base, efficiency: { memoryBandwidthFraction: 0.7 } };

  it('a run under calibrated efficiencies is recognized; the defaults are not', () => {
    const ns = (s: ScenarioInput) => {
      const r = normalizeScenario(ScenarioSchema.parse(s));
      if (!r.ok) throw new Error('normalize');
      return r.value;
    };
    expect(isCalibrated(ns(base))).toBe(false);
    expect(isCalibrated(ns(calibrated))).toBe(true);
    expect(isCalibrated(ns({ ...base, efficiency: { stepOverheadSeconds: 0.001234 } }))).toBe(true);
  });

  it("gets the band of the calibrated residuals, the default run the default residuals'", () => {
    for (const [s, cal] of [
      [base, false],
      [calibrated, true],
    ] as const) {
      const r = run(s);
      const c: BandConditions = {
        hardware: 'h100-sxm',
        family: 'nvidia-hopper',
        modelClass: 'dense',
        format: '16-bit',
        engine: 'trtllm',
        load: 'batch',
        batch: 64,
        context: 2048,
        tp: 1,
      };
      const b = defaultBandModel(cal).bands(c).bands.outputTokensPerSec;
      expect(r.uncertainty.outputTokensPerSec.p10 / r.outputTokensPerSec).toBeCloseTo(Math.exp(b.lo), 9);
      expect(r.uncertainty.outputTokensPerSec.p90 / r.outputTokensPerSec).toBeCloseTo(Math.exp(b.hi), 9);
    }
    // The two models read different residuals, so somewhere their bands differ.
    const differs = SERVING_RESIDUALS.some((r) => {
      const c = conditionsOf(r);
      const m = METRIC_OF_CLASS[r.metricClass];
      return defaultBandModel(true).bands(c).bands[m].lo !== defaultBandModel(false).bands(c).bands[m].lo;
    });
    expect(differs).toBe(true);
  });
});

function randomScenario(r: () => number): ScenarioInput {
  const { model, hw, tp } = randomPlacement(r);
  const inputTokens = intIn(r, 1, 32768);
  const outputTokens = intIn(r, 1, 2048);
  const kind = pick(r, ['batch', 'batch', 'concurrency', 'maxThroughput'] as const);
  return {
    model: model.id,
    hardware: hw.id,
    gpus: tp,
    parallelism: { tp },
    engine: pick(r, ['ideal', 'vllm', 'trtllm', 'sglang'] as const),
    workload:
      kind === 'batch'
        ? { inputTokens, outputTokens, batch: intIn(r, 1, 2048) }
        : kind === 'concurrency'
          ? { inputTokens, outputTokens, concurrency: intIn(r, 1, 512), requests: 200 }
          : { inputTokens, outputTokens, maxThroughput: true, requests: 200 },
  };
}

describe('uncertainty bands: properties', () => {
  it('over random scenarios: finite, positive, p10 < value < p90', () => {
    const r = rng(4242);
    let estimated = 0;
    for (let i = 0; i < 600; i++) {
      const s = randomScenario(r);
      const result = estimate(s);
      if (!result.ok) continue;
      estimated++;
      expectContains(result.value);
    }
    expect(estimated).toBeGreaterThan(200);
  });

  it('over random conditions, including unknown families and absurd sizes: lo < 0 < hi, finite', () => {
    const r = rng(99);
    const model = defaultBandModel();
    const families = ['nvidia-hopper', 'nvidia-ampere', 'amd-cdna3', 'generic', 'no-such-family'];
    for (let i = 0; i < 5000; i++) {
      const c: BandConditions = {
        hardware: pick(r, ['h100-sxm', 'a100-sxm-80gb', 'mi300x', 'x']),
        family: pick(r, families),
        modelClass: pick(r, ['dense', 'moe', 'mla'] as const),
        format: pick(r, ['16-bit', 'fp8', 'fp4', 'int4']),
        engine: pick(r, ['trtllm', 'vllm', 'ideal']),
        load: pick(r, ['batch', 'concurrency', 'requestRate', 'maxThroughput'] as const),
        batch: Math.exp(r() * 16 - 3),
        context: Math.exp(r() * 16),
        tp: 2 ** intIn(r, 0, 9),
      };
      const { bands } = (r() < 0.5 ? model : defaultBandModel(true)).bands(c);
      for (const m of HEADLINE_METRICS) {
        const b = bands[m];
        expect(Number.isFinite(b.lo) && Number.isFinite(b.hi), JSON.stringify(c)).toBe(true);
        expect(b.lo).toBeLessThan(0);
        expect(b.hi).toBeGreaterThan(0);
      }
    }
  });
});

/** A synthetic residual row at given conditions. */
function row(residual: number, over: Partial<ServingResidual> = {}): ServingResidual {
  return {
    id: 'T',
    source: 'S',
    hardware: 'h100-sxm',
    family: 'fam',
    metricClass: 'throughput',
    model: 'm',
    modelClass: 'dense',
    format: 'fp8',
    engine: 'trtllm',
    load: 'maxThroughput',
    tp: 1,
    logBatch: Math.log(64),
    logContext: Math.log(2048),
    residual,
    calibrated: residual,
    ...over,
  };
}

/** Options for synthetic data from one source: a value one source measured counts as seen. */
const ONE_SOURCE = { ...BAND_OPTIONS, fewestSources: 1 };

const at: BandConditions = {
  hardware: 'h100-sxm',
  family: 'fam',
  modelClass: 'dense',
  format: 'fp8',
  engine: 'trtllm',
  load: 'maxThroughput',
  batch: 64,
  context: 2048,
  tp: 1,
};

describe('uncertainty bands: method', () => {
  it('mirrors throughput residuals onto latency: a throughput over-prediction is a latency under-prediction', () => {
    // Measured throughput 10–30% below predicted: latency is under-predicted by as much.
    const model = createBandModel(
      [-0.1, -0.15, -0.2, -0.25, -0.3].map((x) => row(x)),
      ONE_SOURCE,
    );
    const { bands } = model.bands(at);
    expect(bands.outputTokensPerSec.lo).toBeLessThan(-0.2);
    expect(bands.outputTokensPerSec.hi).toBeCloseTo(BAND_OPTIONS.minHalfWidth, 12);
    for (const m of ['tpotMs', 'e2eLatencyMs', 'ttftMs'] as const) {
      expect(bands[m].lo).toBeCloseTo(-bands.outputTokensPerSec.hi, 12);
      expect(bands[m].hi).toBeCloseTo(-bands.outputTokensPerSec.lo, 12);
    }
  });

  it('TTFT uses its own rows where they are near, throughput rows otherwise', () => {
    const model = createBandModel(
      [
        ...[0.3, 0.35, 0.4].map((x) => row(x, { metricClass: 'latency-ttft', logBatch: 0, load: 'batch' })),
        ...[-0.05, 0, 0.05].map((x) => row(x)),
      ],
      ONE_SOURCE,
    );
    const near = model.bands({ ...at, batch: 1, load: 'batch' }).bands.ttftMs;
    expect(near.hi).toBeGreaterThan(0.3);
    const far = model.bands(at).bands.ttftMs;
    expect(far.hi).toBeLessThan(0.1);
  });

  it('has a minimum width, and widens a borrowed spread by the learned family term, symmetric', () => {
    const widening = { ...NO_WIDENING, family: 0.2 };
    const model = createBandModel(
      [0, 0, 0].map((x) => row(x)),
      ONE_SOURCE,
      widening,
    );
    const own = model.bands({ ...at, hardware: 'other' }).bands.tpotMs;
    expect(own).toEqual({ lo: -BAND_OPTIONS.minHalfWidth, hi: BAND_OPTIONS.minHalfWidth });
    const unmeasured = model.bands({ ...at, hardware: 'other', family: 'none' });
    expect(unmeasured.bands.tpotMs.hi).toBeCloseTo(own.hi + 0.2, 12);
    expect(unmeasured.bands.tpotMs.lo).toBeCloseTo(-own.hi - 0.2, 12);
    expect(unmeasured.extrapolation).toEqual([
      { kind: 'family', hardware: 'other', family: 'none', measuredFamilies: ['fam'], factor: 0.2 },
    ]);
  });

  it('widens every band by the source term of its arrival regime and metric class', () => {
    const rows = [-0.1, 0, 0.1].map((x) => row(x));
    const plain = createBandModel(rows, ONE_SOURCE).bands(at).bands;
    const widening = {
      ...NO_WIDENING,
      source: {
        closed: { throughput: 0.2, 'latency-ttft': 0.3, 'latency-tpot': 0.15, 'latency-e2e': 0.2 },
        open: { throughput: 0.01, 'latency-ttft': 0.9, 'latency-tpot': 0.6, 'latency-e2e': 0.5 },
      },
    };
    const model = createBandModel(rows, ONE_SOURCE, widening);
    const scaled = model.bands(at).bands;
    expect(scaled.outputTokensPerSec.hi).toBeCloseTo(plain.outputTokensPerSec.hi + 0.2, 12);
    expect(scaled.outputTokensPerSec.lo).toBeCloseTo(plain.outputTokensPerSec.lo - 0.2, 12);
    expect(scaled.ttftMs.hi).toBeCloseTo(plain.ttftMs.hi + 0.3, 12);
    expect(scaled.tpotMs.lo).toBeCloseTo(plain.tpotMs.lo - 0.15, 12);
    // Under Poisson arrivals (a request rate), the open-loop terms.
    const plainOpen = createBandModel(rows, ONE_SOURCE).bands({ ...at, load: 'requestRate' }).bands;
    const open = model.bands({ ...at, load: 'requestRate' }).bands;
    expect(open.ttftMs.hi).toBeCloseTo(plainOpen.ttftMs.hi + 0.9, 12);
    expect(open.tpotMs.lo).toBeCloseTo(plainOpen.tpotMs.lo - 0.6, 12);
    expect(open.outputTokensPerSec.hi).toBeCloseTo(plainOpen.outputTokensPerSec.hi + 0.01, 12);
  });

  it('draws on rows of the same load regime first: Poisson throughput is the offered rate', () => {
    // Under a request rate below capacity the measured throughput is the offered rate (residual
    // 0); at max throughput the model is 30–40% too slow.
    const model = createBandModel(
      [
        ...[0, 0, 0].map((x) => row(x, { load: 'requestRate' })),
        ...[0.3, 0.35, 0.4, 0.3].map((x) => row(x, { load: 'maxThroughput' })),
      ],
      ONE_SOURCE,
    );
    const poisson = model.bands({ ...at, load: 'requestRate' }).bands.outputTokensPerSec;
    const offline = model.bands(at).bands.outputTokensPerSec;
    expect(poisson).toEqual({ lo: -BAND_OPTIONS.minHalfWidth, hi: BAND_OPTIONS.minHalfWidth });
    expect(offline.hi).toBeGreaterThan(0.25);
  });

  it('an engine, format or model class measured by no source counts as unseen (fewestSources)', () => {
    const widening = { ...NO_WIDENING, engine: 0.4, format: 0.2, modelClass: 0.3 };
    const rows = [
      ...[-0.05, 0, 0.05].map((x) => row(x, { source: 'A' })),
      ...[-0.05, 0, 0.05].map((x) => row(x, { source: 'B' })),
      row(0.02, { source: 'A', engine: 'sglang' }),
    ];
    const model = createBandModel(rows, BAND_OPTIONS, widening);
    const seen = model.bands(at);
    expect(seen.extrapolation).toEqual([]);
    // One source measured SGLang: seen; with fewestSources 2 it would count as unseen.
    expect(model.bands({ ...at, engine: 'sglang' }).extrapolation).toEqual([]);
    const twoSources = createBandModel(rows, { ...BAND_OPTIONS, fewestSources: 2 }, widening);
    expect(twoSources.bands({ ...at, engine: 'sglang' }).extrapolation.map((e) => e.kind)).toEqual([
      'unseen',
    ]);
    for (const [over, factor] of [
      [{ engine: 'vllm' }, 0.4],
      [{ format: 'fp4' }, 0.2],
      [{ modelClass: 'mla' as const }, 0.3],
    ] as const) {
      const b = model.bands({ ...at, ...over });
      expect(b.extrapolation.map((e) => e.kind)).toEqual(['unseen']);
      expect(b.bands.outputTokensPerSec.hi).toBeGreaterThanOrEqual(
        factor + BAND_OPTIONS.minHalfWidth - 1e-12,
      );
      expect(b.bands.outputTokensPerSec.lo).toBeCloseTo(-b.bands.outputTokensPerSec.hi, 12);
    }
    expect(model.bands({ ...at, engine: 'vllm' }).extrapolation[0]).toMatchObject({
      kind: 'unseen',
      factor: 'engine',
      value: 'vllm',
      widening: 0.4,
    });
  });

  it('grows by the learned range term per e-fold outside the measured range', () => {
    const model = createBandModel(
      [-0.05, 0, 0.05].map((x) => row(x)),
      ONE_SOURCE,
      { ...NO_WIDENING, range: 0.1 },
    );
    const inside = model.bands(at).bands.outputTokensPerSec;
    const out = model.bands({ ...at, batch: 64 * Math.E ** 2 }).bands.outputTokensPerSec;
    expect(out.hi - inside.hi).toBeCloseTo(2 * 0.1, 2);
    expect(inside.lo - out.lo).toBeCloseTo(2 * 0.1, 2);
  });
});

describe('uncertainty bands: learned widening', () => {
  it('an unseen factor never narrows a band: every learned term is at least 0', () => {
    const r = rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const rows: ServingResidual[] = [];
      for (let i = 0; i < 60; i++) {
        rows.push(
          row((r() - 0.5) * (r() < 0.2 ? 2 : 0.3), {
            id: `R${String(i)}`,
            source: pick(r, ['A', 'B', 'C', 'D']),
            family: pick(r, ['f1', 'f2', 'f3']),
            modelClass: pick(r, ['dense', 'moe', 'mla'] as const),
            format: pick(r, ['fp8', '16-bit']),
            engine: pick(r, ['trtllm', 'vllm', 'sglang']),
            logBatch: r() * 6,
            logContext: 6 + r() * 3,
            tp: 2 ** intIn(r, 0, 3),
          }),
        );
      }
      const { widening } = learnWidening(rows);
      for (const f of WIDENING_FACTORS) expect(widening[f], f).toBeGreaterThanOrEqual(0);
      for (const byClass of Object.values(widening.source))
        for (const v of Object.values(byClass)) expect(v).toBeGreaterThanOrEqual(0);
      expect(widening.range).toBeGreaterThanOrEqual(0);
      // Whatever the parts, adding an unseen factor, or moving outside the range, keeps the band
      // or widens it.
      const parts: BandParts = { lo: -0.1 - r() * 0.2, hi: 0.05 + r() * 0.3, outside: 0, unseen: [] };
      const load = pick(r, ['batch', 'concurrency', 'requestRate', 'maxThroughput'] as const);
      const plain = widenedBand(parts, wideningExtra(widening, 'tpotMs', load, parts));
      const far = { ...parts, outside: r() * 3 };
      const outside = widenedBand(far, wideningExtra(widening, 'tpotMs', load, far));
      expect(outside.lo).toBeLessThanOrEqual(plain.lo + 1e-12);
      expect(outside.hi).toBeGreaterThanOrEqual(plain.hi - 1e-12);
      for (const f of WIDENING_FACTORS) {
        const u = { ...parts, unseen: [f] };
        const unseen = widenedBand(u, wideningExtra(widening, 'tpotMs', load, u));
        expect(unseen.lo).toBeLessThanOrEqual(plain.lo + 1e-12);
        expect(unseen.hi).toBeGreaterThanOrEqual(plain.hi - 1e-12);
      }
    }
  });

  it('learns a wider band for an engine whose errors grow when it is held out', () => {
    // Two engines with errors within ±5%, a third 40–60% off: holding the third out, bands drawn
    // from the others miss it by 0.35–0.55, so its widening is about that.
    const rows: ServingResidual[] = [];
    const sources = ['A', 'B', 'C'];
    for (const source of sources)
      for (let i = 0; i < 8; i++) {
        rows.push(
          row(-0.05 + 0.1 * (i / 7), { id: `${source}t${String(i)}`, source, engine: 'trtllm', logBatch: i }),
        );
        rows.push(
          row(-0.05 + 0.1 * (i / 7), { id: `${source}v${String(i)}`, source, engine: 'vllm', logBatch: i }),
        );
        rows.push(
          row(0.4 + 0.2 * (i / 7), { id: `${source}s${String(i)}`, source, engine: 'sglang', logBatch: i }),
        );
      }
    const fit = learnWidening(rows);
    expect(fit.widening.engine).toBeGreaterThan(0.3);
    expect(fit.widening.modelClass).toBe(0);
    expect(fit.evidence['engine']?.heldOut).toEqual(['trtllm', 'vllm', 'sglang']);
  });

  it('learns the source term per arrival regime; closed-loop latency takes the throughput term', () => {
    // Three sources agree within ±5% on closed-loop throughput; under Poisson arrivals each
    // source's TPOT lies off by its own 0.3–0.6 (queueing near capacity amplifies the error).
    const rows: ServingResidual[] = [];
    const bias: Record<string, number> = { A: 0.3, B: -0.45, C: 0.6 };
    for (const source of ['A', 'B', 'C'])
      for (let i = 0; i < 8; i++) {
        rows.push(row(-0.05 + 0.1 * (i / 7), { id: `${source}c${String(i)}`, source, logBatch: i }));
        rows.push(
          row((bias[source] ?? 0) + 0.02 * (i / 7), {
            id: `${source}o${String(i)}`,
            source,
            metricClass: 'latency-tpot',
            load: 'requestRate',
            logBatch: i,
          }),
        );
      }
    const { widening, evidence } = learnWidening(rows);
    expect(widening.source.open['latency-tpot']).toBeGreaterThan(0.2);
    expect(widening.source.closed.throughput).toBeLessThan(0.1);
    // No closed-loop TPOT rows: latency ∝ 1 / throughput (Little's law) takes the throughput term.
    expect(widening.source.closed['latency-tpot']).toBe(widening.source.closed.throughput);
    expect(evidence['source closed latency-tpot']).toBeUndefined();
    expect(evidence['source open latency-tpot']?.heldOut).toEqual(['A', 'B', 'C']);
  });
});

describe('uncertainty bands near saturation: the capacity band propagated through utilization', () => {
  const q: LogBand = { lo: -0.3, hi: 0.25 };
  const grid = Array.from({ length: 200 }, (_, i) => 0.01 * 1.03 ** i);

  it('a run nearer saturation never gets a narrower latency band (each side, every share)', () => {
    for (const share of [1, 0.9, 0.5, 0.1]) {
      let last: LogBand | undefined;
      for (const rho of grid) {
        const b = openLatencyBand(rho, q, share);
        expect(Number.isFinite(b.lo) && Number.isFinite(b.hi), `ρ ${String(rho)}`).toBe(true);
        expect(b.lo).toBeLessThanOrEqual(-0.25 + 1e-12);
        expect(b.hi).toBeGreaterThanOrEqual(0.3 - 1e-12);
        if (last !== undefined) {
          expect(b.hi, `ρ ${String(rho)}, share ${String(share)}`).toBeGreaterThanOrEqual(last.hi - 1e-12);
          expect(b.lo, `ρ ${String(rho)}, share ${String(share)}`).toBeLessThanOrEqual(last.lo + 1e-12);
        }
        last = b;
      }
    }
    // An idle queue: the latency moves with the step cost alone (latency ∝ 1 / capacity).
    const idle = openLatencyBand(1e-9, q);
    expect(idle.lo).toBeCloseTo(-0.25, 6);
    expect(idle.hi).toBeCloseTo(0.3, 6);
    // Near saturation, 1 / (1 − ρ): a capacity 26% over-predicted at ρ = 0.7 puts the true queue
    // at ρ = 0.94, a wait 5× longer.
    const near = openLatencyBand(0.7, q);
    expect(near.hi).toBeCloseTo(0.3 + Math.log((1 - 0.7) / (1 - 0.7 * Math.exp(0.3))), 12);
    // TPOT amplified by φ·ρ only (the batch fixed point): narrower than the queue's.
    expect(openLatencyBand(0.7, q, 0.5).hi).toBeLessThan(near.hi);
    expect(openLatencyBand(0.9, q).hi - openLatencyBand(0.9, q).lo).toBeGreaterThan(2);
  });

  it('open-loop throughput: the offered rate below capacity, between capacity and the rate above it', () => {
    expect(openThroughputBand(0.5, q)).toEqual({ lo: 0, hi: 0 });
    // Capacity 35% over-predicted at ρ = 0.9: the run could not keep up.
    expect(openThroughputBand(0.9, { lo: -0.3, hi: 0 }).lo).toBeCloseTo(-0.3 - Math.log(0.9), 12);
    // Predicted overloaded at 1.5× its capacity: the true one may serve up to the offered rate.
    expect(openThroughputBand(1.5, q)).toEqual({ lo: -0.3, hi: 0.25 });
    expect(openThroughputBand(1.1, q).hi).toBeCloseTo(Math.log(1.1), 12);
  });

  it('a band model widens an open-loop latency band with utilization, from the closed-loop capacity band', () => {
    // Offline throughput within ±20% (the capacity band); Poisson latency rows within ±5%.
    const rows = [
      ...[-0.2, -0.1, 0, 0.1, 0.2].map((x) => row(x)),
      ...[-0.05, 0, 0.05].map((x) =>
        row(x, { metricClass: 'latency-ttft', load: 'requestRate', utilization: 0.3, batchShare: 0.8 }),
      ),
    ];
    const model = createBandModel(rows, ONE_SOURCE);
    const open = { ...at, load: 'requestRate' as const };
    const width = (b: LogBand) => b.hi - b.lo;
    const none = model.bands(open).bands;
    let last = 0;
    for (const rho of [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.2, 2]) {
      const b = model.bands({ ...open, utilization: rho, batchShare: 0.8 }).bands;
      expect(width(b.ttftMs), `ρ ${String(rho)}`).toBeGreaterThanOrEqual(last - 1e-12);
      expect(width(b.ttftMs)).toBeGreaterThanOrEqual(width(none.ttftMs) - 1e-12);
      expect(width(b.tpotMs)).toBeLessThanOrEqual(width(b.ttftMs) + 1e-12);
      last = width(b.ttftMs);
    }
    expect(last).toBeGreaterThan(2);
    // A closed loop has no utilization: the same band whatever it is given.
    expect(model.bands({ ...at, utilization: 0.9 }).bands).toEqual(model.bands(at).bands);
  });

  it('utilization: ρ grows with the request rate, and an overloaded run reads the simulation', () => {
    const ns = (workload: ScenarioInput['workload']) => {
      const r = normalizeScenario(ScenarioSchema.parse({ ...eightB('h100-sxm', workload), engine: 'vllm' }));
      if (!r.ok) throw new Error('normalize');
      return r.value;
    };
    const kv = 500_000;
    const at2 = openLoopLoad(ns({ inputTokens: 1024, outputTokens: 256, requestRate: 2, requests: 100 }), kv);
    const at4 = openLoopLoad(ns({ inputTokens: 1024, outputTokens: 256, requestRate: 4, requests: 100 }), kv);
    expect(at2?.utilization).toBeGreaterThan(0);
    expect(at4?.utilization).toBeCloseTo(2 * (at2?.utilization ?? 0), 9);
    expect(at2?.batchShare).toBeGreaterThan(0);
    expect(at2?.batchShare).toBeLessThan(1);
    const over = openLoopLoad(
      ns({ inputTokens: 1024, outputTokens: 256, requestRate: 4, requests: 100 }),
      kv,
      {
        requestsPerSecond: 4,
        servedRequestsPerSecond: 2.5,
      },
    );
    expect(over?.utilization).toBeCloseTo(1.6, 12);
    expect(
      openLoopLoad(ns({ inputTokens: 1024, outputTokens: 256, concurrency: 8, requests: 100 }), kv),
    ).toBe(undefined);
  });

  it('calibrated and default Poisson runs get bands that hold their value, wider near saturation', () => {
    for (const efficiency of [undefined, { memoryBandwidthFraction: 0.7 }]) {
      const at = (requestRate: number) =>
        run({
          ...eightB('h100-sxm', { inputTokens: 1024, outputTokens: 256, requestRate, requests: 300 }),
          engine: 'vllm',
          calibration: 'none',
          ...(efficiency !== undefined ? { efficiency } : {}),
        });
      const light = at(1);
      const heavy = at(25);
      expectContains(light);
      expectContains(heavy);
      expect(logWidth(heavy, 'ttftMs')).toBeGreaterThan(logWidth(light, 'ttftMs'));
      expect(logWidth(heavy, 'tpotMs')).toBeGreaterThan(logWidth(light, 'tpotMs'));
    }
  });
});

describe('uncertainty bands: coverage leave one source out', () => {
  it('counts each row against the band built without its source', () => {
    // Source A: residuals near 0; source B the same plus one row far off, which no band holds.
    const rows = [
      ...[-0.02, 0, 0.02].map((x, i) => row(x, { id: `A${String(i)}`, source: 'A' })),
      ...[-0.02, 0, 0.02, 3].map((x, i) => row(x, { id: `B${String(i)}`, source: 'B' })),
    ];
    const c = bandCoverage(rows);
    expect(c.sources.map((s) => [s.source, s.rows, s.covered])).toEqual([
      ['A', 3, 3],
      ['B', 4, 3],
    ]);
    expect(c.overall).toMatchObject({ rows: 7, covered: 6 });
    expect(c.overall.fraction).toBeCloseTo(6 / 7, 12);
    expect(c.rows.find((r) => r.id === 'B3')?.inside).toBe(false);
    for (const r of c.rows) expect(r.band.lo).toBeLessThan(r.band.hi);
  });

  it('holds a near-saturation latency row through its utilization, which a band without it misses', () => {
    // Three sources with offline throughput within ±25% (the capacity band) and Poisson TTFT rows
    // at light load, measured as predicted; source C's row at ρ = 0.9 is measured 4× the
    // prediction (the true queue nearer saturation).
    const open = { metricClass: 'latency-ttft', load: 'requestRate' } as const;
    const rowsOf = (withRho: boolean) => {
      const rho = (utilization: number) => (withRho ? { utilization, batchShare: 0.8 } : {});
      return ['A', 'B', 'C'].flatMap((source) => [
        ...[-0.25, -0.1, 0, 0.1, 0.25].map((x, i) => row(x, { id: `${source}${String(i)}`, source })),
        ...[-0.02, 0.02].map((x, i) =>
          row(x, { ...open, ...rho(0.3), id: `${source}l${String(i)}`, source }),
        ),
        ...(source === 'C' ? [row(Math.log(4), { ...open, ...rho(0.9), id: 'Cq', source })] : []),
      ]);
    };
    const withRho = bandCoverage(rowsOf(true), ONE_SOURCE);
    const without = bandCoverage(rowsOf(false), ONE_SOURCE);
    const queued = (c: typeof withRho) => c.rows.find((r) => r.id === 'Cq');
    expect(queued(withRho)?.inside).toBe(true);
    expect(queued(without)?.inside).toBe(false);
    expect(withRho.overall.covered).toBeGreaterThan(without.overall.covered);
  });

  it('a source is a publication, InferenceX one harness, MLPerf one submitter', () => {
    expect(
      bandSource(
        'mlcommons/inference_results_v5.1 @965182b closed/NVIDIA/results/B200-SXM-180GBx8_TRT/llama2-70b-99/Server/performance/run_1/mlperf_log_summary.txt',
      ),
    ).toBe('MLPerf Inference v5.1 NVIDIA');
    expect(
      bandSource(
        'mlcommons/inference_results_v5.1 @965182b open/HPE/results/HPE_Cray_XD670/deepseek-r1/Offline/x',
      ),
    ).toBe('MLPerf Inference v5.1 HPE');
    expect(
      bandSource('vngcloud/InferenceX-app (fork of SemiAnalysisAI/InferenceX-app) packages/app/x.json @528c'),
    ).toBe('vngcloud/InferenceX-app');
    expect(
      bandSource('NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @258c (Throughput)'),
    ).toBe('NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md');
  });

  // Issue 9: 75–90% overall and at least 60% on every source, leave one source out
  // (docs/fidelity.md, band coverage). MLPerf AMD (50%) and NVIDIA calibrated (58%) fell short
  // until the open-loop bands propagated the capacity band through the run's utilization.
  it.each([
    ['default', SERVING_RESIDUALS],
    ['calibrated', calibratedRows(SERVING_RESIDUALS)],
  ] as const)('on the shipped residuals (%s predictions): 75–90% overall, 60% on every source', (_, rows) => {
    const c = bandCoverage(rows);
    expect(c.overall.fraction).toBeGreaterThanOrEqual(0.75);
    expect(c.overall.fraction).toBeLessThanOrEqual(0.9);
    for (const s of c.sources) expect(s.fraction, s.source).toBeGreaterThanOrEqual(0.6);
    expect(new Set(rows.map((r) => r.source)).size).toBeGreaterThan(5);
  });
});
