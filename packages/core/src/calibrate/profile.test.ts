import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { parseMeasurementCsv } from '../measurements/csv.js';
import { predictRow } from '../validate/predict.js';
import {
  CalibrationProfileSchema,
  KERNEL_PARAMETERS,
  SERVING_PARAMETERS,
  profileParametersFor,
  withProfile,
} from './profile.js';
import { SHIPPED_PROFILES } from './profiles-data.js';

const fit = { rows: 3, sources: ['x'], medianErrorPctBefore: 10, medianErrorPctAfter: 5 };

describe('CalibrationProfileSchema', () => {
  it('accepts a device profile, and an engine profile with engine parameters', () => {
    const device = {
      hardware: 'h100-sxm',
      parameters: { memoryBandwidthFraction: 0.8 },
      fit,
      source: 'test',
    };
    expect(CalibrationProfileSchema.safeParse(device).success).toBe(true);
    const engine = { ...device, engine: 'vllm', parameters: { stepOverheadSeconds: 2e-3 } };
    expect(CalibrationProfileSchema.safeParse(engine).success).toBe(true);
    // Hand-written: no fit record.
    expect(
      CalibrationProfileSchema.safeParse({ hardware: 'h100-sxm', parameters: {}, source: 'me' }).success,
    ).toBe(true);
  });

  it('rejects engine parameters without an engine, fractions above 1, negative times, unknown fields', () => {
    const bad = (parameters: object) =>
      CalibrationProfileSchema.safeParse({ hardware: 'h100-sxm', parameters, fit, source: 'test' });
    const r = bad({ stepOverheadSeconds: 1e-3 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['parameters', 'stepOverheadSeconds']);
    expect(bad({ gemmPeakFraction: 1.2 }).success).toBe(false);
    expect(bad({ collectiveLatencySeconds: -1 }).success).toBe(false);
    expect(bad({ gemmFraction: 0.5 }).success).toBe(false);
  });

  it('every shipped profile parses, records its held-out error, and holds one level of parameters', () => {
    // Kernel level per device, serving level per device and engine; only profiles that do not
    // worsen their rows ship (scripts/fit-profiles.mjs), so which devices have one follows the fit.
    const kernel = SHIPPED_PROFILES.filter((p) => p.engine === undefined).map((p) => p.hardware);
    expect(kernel.length).toBeGreaterThan(0);
    expect(new Set(kernel).size).toBe(kernel.length);
    const serving = SHIPPED_PROFILES.filter((p) => p.engine !== undefined).map(
      (p) => `${p.hardware}/${String(p.engine)}`,
    );
    expect(serving).toContain('a100-sxm-80gb/trtllm');
    expect(new Set(serving).size).toBe(serving.length);
    for (const p of SHIPPED_PROFILES) {
      expect(CalibrationProfileSchema.safeParse(p).success).toBe(true);
      expect(p.fit?.leaveOneSourceOutMedianErrorPct).toBeGreaterThanOrEqual(0);
      // A shipped profile never worsens its own rows, in-sample or held out.
      const before = p.fit?.medianErrorPctBefore ?? 0;
      expect(p.fit?.medianErrorPctAfter).toBeLessThanOrEqual(before);
      expect(p.fit?.leaveOneSourceOutMedianErrorPct).toBeLessThanOrEqual(before + 0.05);
      const allowed: readonly string[] = p.engine === undefined ? KERNEL_PARAMETERS : SERVING_PARAMETERS;
      for (const name of Object.keys(p.parameters)) expect(allowed).toContain(name);
    }
  });
});

describe('applying profiles', () => {
  const set = [
    { hardware: 'h100-sxm', parameters: { memoryBandwidthFraction: 0.7, gemmPeakFraction: 0.8 } },
    {
      hardware: 'h100-sxm',
      engine: 'vllm' as const,
      parameters: { memoryBandwidthFraction: 0.6, stepOverheadSeconds: 2e-3 },
    },
    { hardware: 'a100-sxm-80gb', parameters: { memoryBandwidthFraction: 0.5 } },
  ];

  it('the device profile holds for every engine, the engine profile over it for its engine', () => {
    expect(profileParametersFor(set, 'h100-sxm', 'trtllm')).toEqual({
      memoryBandwidthFraction: 0.7,
      gemmPeakFraction: 0.8,
    });
    expect(profileParametersFor(set, 'h100-sxm', 'vllm')).toEqual({
      memoryBandwidthFraction: 0.6,
      gemmPeakFraction: 0.8,
      stepOverheadSeconds: 2e-3,
    });
    expect(profileParametersFor(set, 'b200', 'vllm')).toBeUndefined();
  });

  it("a scenario's own efficiency overrides win over the profile", () => {
    expect(
      withProfile(
        { memoryBandwidthFraction: 0.9 },
        { memoryBandwidthFraction: 0.7, attentionPeakFraction: 0.5 },
      ),
    ).toEqual({ memoryBandwidthFraction: 0.9, attentionPeakFraction: 0.5 });
    // An explicit gemmPeakFraction covers low precision too: the profile's low-precision value goes.
    expect(withProfile({ gemmPeakFraction: 0.6 }, { gemmLowPrecisionPeakFraction: 0.7 })).toEqual({
      gemmPeakFraction: 0.6,
    });
  });

  it('as efficiency overrides, a profile slows a memory-bound decode in proportion', () => {
    const scenario = {
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      calibration: 'none',
      workload: { batch: 1, inputTokens: 128, outputTokens: 512 },
    };
    // Without the kernels' fixed time (families.ts kernelFixedSeconds), which bandwidth does not scale.
    const base = estimate({ ...scenario, efficiency: { kernelFixedSeconds: 0 } });
    const slow = estimate({
      ...scenario,
      efficiency: { ...profileParametersFor(set, 'h100-sxm', 'ideal'), kernelFixedSeconds: 0 },
    });
    if (!base.ok || !slow.ok) throw new Error('estimate failed');
    expect(slow.value.tpotMs / base.value.tpotMs).toBeCloseTo(0.85 / 0.7, 1);
  });

  it("predictRow applies the profile of the row's device, and only of its device", () => {
    const header =
      'id,source,hardware,num_gpus,model,precision_weights,precision_kv,framework,tp,pp,batch_or_concurrency,input_len,output_len,metric,value,notes';
    const parsed = parseMeasurementCsv(
      `${header}\nR1,s,H100 SXM 80GB,1,,FP8,,,,,,,,achieved_bw_gbs,1000,GEMM M=16 N=16384 K=7168\n` +
        `R2,s,A100 SXM4 80GB,1,,BF16,,,,,,,,achieved_bw_gbs,1000,GEMM M=16 N=16384 K=7168`,
    );
    if (!parsed.ok) throw new Error('csv');
    const [h100, a100] = parsed.value;
    if (h100 === undefined || a100 === undefined) throw new Error('rows');
    const only = [{ hardware: 'h100-sxm', parameters: { memoryBandwidthFraction: 0.425 } }];
    const value = (r: typeof h100, profiles = only) => {
      const p = predictRow(r, { profiles });
      return 'skip' in p ? Number.NaN : p.predicted;
    };
    expect(value(h100) / value(h100, [])).toBeCloseTo(0.5, 1);
    expect(value(a100)).toBe(value(a100, []));
  });
});
