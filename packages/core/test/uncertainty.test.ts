/**
 * Uncertainty bands: every estimate carries a p10–p90 band that contains its value, never NaN or
 * Infinity; bands widen off the measured hardware and conditions, with a diagnostic; latency
 * mirrors throughput; and the bands cover about 80% of the shipped measurements.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../src/estimate.js';
import type { EstimateReport } from '../src/report/assemble.js';
import type { ScenarioInput } from '../src/scenario/schema.js';
import type { BandConditions, BandModel, HeadlineMetric } from '../src/uncertainty/band.js';
import {
  BAND_OPTIONS,
  HEADLINE_METRICS,
  createBandModel,
  defaultBandModel,
} from '../src/uncertainty/band.js';
import { KERNEL_RESIDUALS, SERVING_RESIDUALS } from '../src/uncertainty/residuals-data.js';
import type { ServingResidual } from '../src/uncertainty/types.js';
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
    expect(logWidth(r, 'outputTokensPerSec')).toBeLessThan(Math.log(1.3));
  });

  it('is wider on an unmeasured hardware family, with a warning naming it', () => {
    const h100 = run(measured);
    for (const hw of ['mi300x', 'tpu-v5p', 'b200']) {
      const other = run(eightB(hw, { inputTokens: 1024, outputTokens: 1024, batch: 64 }));
      for (const m of HEADLINE_METRICS)
        expect(logWidth(other, m), `${hw} ${m}`).toBeGreaterThan(logWidth(h100, m));
      const d = extrapolation(other);
      expect(d).toHaveLength(1);
      expect(d[0]?.severity).toBe('warning');
      expect(d[0]?.message).toContain(hw);
    }
    // No kernel measurement at all (TPU) widens more than kernel rows only (MI300X).
    const tpu = run(eightB('tpu-v5p', { inputTokens: 1024, outputTokens: 1024, batch: 64 }));
    const mi = run(eightB('mi300x', { inputTokens: 1024, outputTokens: 1024, batch: 64 }));
    expect(logWidth(tpu, 'tpotMs')).toBeGreaterThan(logWidth(mi, 'tpotMs'));
  });

  it('is wider at a batch or context far outside the data, flagged as a note', () => {
    const base = logWidth(run(measured), 'outputTokensPerSec');
    const big = run(eightB('h100-sxm', { inputTokens: 1024, outputTokens: 1024, batch: 4096 }));
    expect(logWidth(big, 'outputTokensPerSec')).toBeGreaterThan(base + 0.1);
    const long = run(eightB('h100-sxm', { inputTokens: 120000, outputTokens: 8000, batch: 16 }));
    expect(logWidth(long, 'outputTokensPerSec')).toBeGreaterThan(base + 0.1);
    expect(extrapolation(big).map((d) => d.message)).toMatchInlineSnapshot(`
      [
        "The uncertainty band is extrapolated and widened: batch (sequences in flight per replica) 4096 is above the measured 11–1024. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).",
      ]
    `);
    expect(extrapolation(long).map((d) => [d.severity, d.message])).toMatchInlineSnapshot(`
      [
        [
          "info",
          "The uncertainty band is extrapolated and widened: context (input + output tokens) 128000 is above the measured 256–22000. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).",
        ],
      ]
    `);
  });

  it('names the family in the warning text', () => {
    const r = run(eightB('mi300x', { inputTokens: 1024, outputTokens: 1024, batch: 64 }));
    expect(extrapolation(r).map((d) => d.message)).toMatchInlineSnapshot(`
      [
        "The uncertainty band is extrapolated and widened: no serving measurement on mi300x or its family (amd-cdna3; measured: nvidia-hopper, nvidia-ampere), so the band is symmetric and ×1.5 wider. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).",
      ]
    `);
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
        moe: r() < 0.5,
        engine: pick(r, ['trtllm', 'vllm', 'ideal']),
        kind: r() < 0.5 ? 'static' : 'continuous',
        batch: Math.exp(r() * 16 - 3),
        context: Math.exp(r() * 16),
        tp: 2 ** intIn(r, 0, 9),
      };
      const { bands } = model.bands(c);
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
    hardware: 'h100-sxm',
    family: 'fam',
    metricClass: 'throughput',
    model: 'm',
    moe: false,
    engine: 'trtllm',
    kind: 'continuous',
    tp: 1,
    logBatch: Math.log(64),
    logContext: Math.log(2048),
    residual,
    ...over,
  };
}

const at: BandConditions = {
  hardware: 'h100-sxm',
  family: 'fam',
  moe: false,
  engine: 'trtllm',
  kind: 'continuous',
  batch: 64,
  context: 2048,
  tp: 1,
};

describe('uncertainty bands: method', () => {
  it('mirrors throughput residuals onto latency: a throughput over-prediction is a latency under-prediction', () => {
    // Measured throughput 10–30% below predicted: latency is under-predicted by as much.
    const model = createBandModel(
      [-0.1, -0.15, -0.2, -0.25, -0.3].map((x) => row(x)),
      [],
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
        ...[0.3, 0.35, 0.4].map((x) => row(x, { metricClass: 'latency-ttft', logBatch: 0, kind: 'static' })),
        ...[-0.05, 0, 0.05].map((x) => row(x)),
      ],
      [],
    );
    const near = model.bands({ ...at, batch: 1, kind: 'static' }).bands.ttftMs;
    expect(near.hi).toBeGreaterThan(0.3);
    const far = model.bands(at).bands.ttftMs;
    expect(far.hi).toBeLessThan(0.1);
  });

  it('has a minimum width, and scales a borrowed spread by the family factor', () => {
    const model = createBandModel(
      [0, 0, 0].map((x) => row(x)),
      [
        {
          id: 'K',
          hardware: 'k',
          family: 'kern',
          metricClass: 'kernel',
          metric: 'achieved_tflops',
          residual: 0,
        },
      ],
    );
    const own = model.bands({ ...at, hardware: 'other' }).bands.tpotMs;
    expect(own).toEqual({ lo: -BAND_OPTIONS.minHalfWidth, hi: BAND_OPTIONS.minHalfWidth });
    const unmeasured = model.bands({ ...at, hardware: 'other', family: 'none' });
    expect(unmeasured.bands.tpotMs.hi).toBeCloseTo(BAND_OPTIONS.familyFactor.unmeasured * own.hi, 12);
    const kernelOnly = model.bands({ ...at, hardware: 'other', family: 'kern' });
    expect(kernelOnly.bands.tpotMs.hi).toBeCloseTo(BAND_OPTIONS.familyFactor.kernelOnly * own.hi, 12);
    expect(unmeasured.extrapolation).toEqual([
      { kind: 'family', hardware: 'other', family: 'none', measuredFamilies: ['fam'], factor: 2 },
    ]);
  });

  it('grows with the log distance outside the measured range', () => {
    const model = createBandModel(
      [-0.05, 0, 0.05].map((x) => row(x)),
      [],
    );
    const inside = model.bands(at).bands.outputTokensPerSec;
    const out = model.bands({ ...at, batch: 64 * Math.E ** 2 }).bands.outputTokensPerSec;
    expect(out.hi - inside.hi).toBeCloseTo(2 * BAND_OPTIONS.widenPerEfold, 2);
    expect(inside.lo - out.lo).toBeCloseTo(2 * BAND_OPTIONS.widenPerEfold, 2);
  });
});

/** Share of the shipped serving rows inside the band of their own conditions and metric. */
function coverage(build: (held: ServingResidual) => BandModel): number {
  let inside = 0;
  for (const r of SERVING_RESIDUALS) {
    const metric = r.metricClass === 'latency-ttft' ? 'ttftMs' : 'outputTokensPerSec';
    const b = build(r).bands({
      hardware: r.hardware,
      family: r.family,
      moe: r.moe,
      engine: r.engine,
      kind: r.kind,
      batch: Math.exp(r.logBatch),
      context: Math.exp(r.logContext),
      tp: r.tp,
    }).bands[metric];
    if (r.residual >= b.lo && r.residual <= b.hi) inside++;
  }
  return inside / SERVING_RESIDUALS.length;
}

describe('uncertainty bands: coverage on the shipped measurements', () => {
  // In-sample, each row is its own nearest neighbour and weighs most in its band, so coverage
  // runs well above the nominal 80% (98% on the shipped data); leave-one-out is the honest check.
  it('in-sample: at least the nominal 80%', () => {
    const model = createBandModel(SERVING_RESIDUALS, KERNEL_RESIDUALS);
    const c = coverage(() => model);
    expect(c).toBeGreaterThan(0.8);
  });

  it('leave-one-row-out, the honest figure: about 80% (82% on the shipped data)', () => {
    const c = coverage((held) =>
      createBandModel(
        SERVING_RESIDUALS.filter((r) => r !== held),
        KERNEL_RESIDUALS,
      ),
    );
    expect(c).toBeGreaterThan(0.75);
    expect(c).toBeLessThan(0.88);
  });
});
