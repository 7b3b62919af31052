/**
 * Calibration profiles: efficiency parameters fitted to measurements of one device (and
 * optionally one serving engine), with the fit's own record. Applying a profile means using its
 * parameters as the scenario's efficiency overrides; explicit overrides in a scenario still win.
 * The format is documented in docs/calibration.md.
 */
import { z } from 'zod';
import { efficiencyFor } from '../cost/efficiency.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { engineProfile } from '../serving/engines.js';
import type { EngineId } from '../scenario/schema.js';
import { EngineIdSchema } from '../scenario/schema.js';

/** Parameters of the device: they hold for any engine on it. */
export const HARDWARE_PARAMETERS = [
  'gemmPeakFraction',
  'gemmLowPrecisionPeakFraction',
  'gemmFp4PeakFraction',
  'memoryBandwidthFraction',
  'attentionPeakFraction',
  'collectiveBandwidthFraction',
  'collectiveLatencySeconds',
] as const;

/**
 * Kernel-level parameters: what a kernel or an operator achieves on the device. Fitted to kernel
 * ceilings and per-operator rows only (docs/calibration.md, "Two levels").
 */
export const KERNEL_PARAMETERS = HARDWARE_PARAMETERS;

/** Parameters of the engine on a device: a profile sets them only when it names an engine. */
export const ENGINE_PARAMETERS = [
  'kernelLaunchSeconds',
  'stepOverheadSeconds',
  'stepOverheadPerSequenceSeconds',
  'requestOverheadSeconds',
] as const;

/**
 * Serving-level parameters fitted to end-to-end serving rows, with the kernel-level ones held at
 * their fitted values. kernelLaunchSeconds is left out (fit-profile.ts: it would tie the eager and
 * the CUDA-graph launch costs), and so is requestOverheadSeconds: fitted, it reached 0.1-0.5 s on
 * the InferenceX TTFT rows at high concurrency (queueing the model does not reproduce) and made
 * every MLPerf TTFT worse (docs/calibration.md).
 */
export const SERVING_PARAMETERS = ['stepOverheadSeconds', 'stepOverheadPerSequenceSeconds'] as const;

export const CALIBRATION_PARAMETERS = [...HARDWARE_PARAMETERS, ...ENGINE_PARAMETERS] as const;
export type CalibrationParameter = (typeof CALIBRATION_PARAMETERS)[number];

export function isCalibrationParameter(x: string): x is CalibrationParameter {
  return (CALIBRATION_PARAMETERS as readonly string[]).includes(x);
}

export function isEngineParameter(x: CalibrationParameter): boolean {
  return (ENGINE_PARAMETERS as readonly string[]).includes(x);
}

/** Efficiency values by parameter; absent ones keep their defaults. */
export type ProfileParameters = { [K in CalibrationParameter]?: number | undefined };

const fraction = z.number().positive().max(1);
const seconds = z.number().nonnegative().max(1);

export const ProfileParametersSchema = z
  .object({
    /** Best GEMM throughput as a fraction of the dense peak, 16-bit formats. */
    gemmPeakFraction: fraction.optional(),
    /** Best GEMM throughput as a fraction of the dense peak, 8-bit and narrower formats. */
    gemmLowPrecisionPeakFraction: fraction.optional(),
    /** The same for block-scaled FP4 (NVFP4, MXFP4) at the FP4 rate. */
    gemmFp4PeakFraction: fraction.optional(),
    /** Achieved fraction of memory bandwidth in streaming kernels. */
    memoryBandwidthFraction: fraction.optional(),
    /** Fused attention in compute-bound prefill: achieved fraction of the dense peak. */
    attentionPeakFraction: fraction.optional(),
    /** Achieved fraction of the scale-up link bandwidth in collectives. */
    collectiveBandwidthFraction: fraction.optional(),
    /** Fixed time of one collective, s. */
    collectiveLatencySeconds: seconds.optional(),
    /** Launch cost per kernel (eager and CUDA-graph replay alike), s. Needs `engine`. */
    kernelLaunchSeconds: seconds.optional(),
    /** Host time per engine step not hidden behind GPU work, s. Needs `engine`. */
    stepOverheadSeconds: seconds.optional(),
    /** Host time per step per sequence in the step, s. Needs `engine`. */
    stepOverheadPerSequenceSeconds: seconds.optional(),
    /** Per-request API server, tokenization and detokenization time, s. Needs `engine`. */
    requestOverheadSeconds: seconds.optional(),
  })
  .strict();

export const FitRecordSchema = z
  .object({
    /** Measurements the fit used. */
    rows: z.number().int().nonnegative(),
    /** Their sources (short labels). */
    sources: z.array(z.string()),
    /** Median absolute percentage error over those rows with the default efficiencies, %. */
    medianErrorPctBefore: z.number().nonnegative(),
    /** The same with this profile (in-sample), %. */
    medianErrorPctAfter: z.number().nonnegative(),
    /**
     * Median absolute percentage error of each source's rows predicted by a profile fitted
     * without that source, %: the figure to quote.
     */
    leaveOneSourceOutMedianErrorPct: z.number().nonnegative().optional(),
  })
  .strict();

export const CalibrationProfileSchema = z
  .object({
    /** Catalog id of the device. */
    hardware: z.string().min(1),
    /** Serving engine the profile holds for; absent: any engine on the device. */
    engine: EngineIdSchema.optional(),
    parameters: ProfileParametersSchema,
    /** What the fit used and achieved; absent in a profile written by hand. */
    fit: FitRecordSchema.optional(),
    /** Who fitted it, from what, when. */
    source: z.string().min(1),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.engine !== undefined) return;
    for (const name of ENGINE_PARAMETERS) {
      if (p.parameters[name] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['parameters', name],
          message: `${name} belongs to an engine: set 'engine' or remove it`,
        });
    }
  });

export type CalibrationProfile = z.output<typeof CalibrationProfileSchema>;
export type FitRecord = z.output<typeof FitRecordSchema>;

/** What applying a profile needs: where it holds and its parameters. */
export interface ProfileLike {
  readonly hardware: string;
  readonly engine?: EngineId | undefined;
  readonly parameters: ProfileParameters;
}

/** A profile as reports name it: 'h100-sxm', or 'h100-sxm with trtllm' for an engine profile. */
export function profileLabel(p: Pick<ProfileLike, 'hardware' | 'engine'>): string {
  return p.engine === undefined ? p.hardware : `${p.hardware} with ${p.engine}`;
}

/** Profiles applied together: at most one per device and one per (device, engine). */
export type ProfileSet = readonly ProfileLike[];

/**
 * The parameters a profile set gives a scenario on `hardwareId` under `engine`: the device's
 * profile, then the (device, engine) profile over it. Undefined when none applies.
 */
export function profileParametersFor(
  set: ProfileSet | undefined,
  hardwareId: string,
  engine: EngineId,
): ProfileParameters | undefined {
  if (set === undefined || set.length === 0) return undefined;
  let out: ProfileParameters | undefined;
  for (const pass of [false, true]) {
    for (const p of set) {
      if (p.hardware !== hardwareId || (p.engine !== undefined) !== pass) continue;
      if (pass && p.engine !== engine) continue;
      out ??= {};
      for (const [k, v] of Object.entries(p.parameters))
        if (v !== undefined && isCalibrationParameter(k)) out[k] = v;
    }
  }
  return out;
}

export { withProfile } from './shipped.js';

/** The value every parameter has without a profile: the device family's and the engine's. */
export function defaultParameters(
  hardware: HardwareSpec,
  engine: EngineId,
): Readonly<Record<CalibrationParameter, number>> {
  const eff = efficiencyFor(hardware);
  const e = engineProfile(engine);
  return {
    gemmPeakFraction: eff.gemmPeakFraction,
    gemmLowPrecisionPeakFraction: eff.gemmLowPrecisionPeakFraction,
    gemmFp4PeakFraction: eff.gemmFp4PeakFraction ?? eff.gemmLowPrecisionPeakFraction,
    memoryBandwidthFraction: eff.memoryBandwidthFraction,
    attentionPeakFraction: eff.attentionPeakFraction,
    collectiveBandwidthFraction: eff.collectiveBandwidthFraction,
    collectiveLatencySeconds: eff.collectiveLatencySeconds,
    kernelLaunchSeconds: e.kernelLaunchSeconds,
    stepOverheadSeconds: e.stepOverheadSeconds,
    stepOverheadPerSequenceSeconds: e.stepOverheadPerSequenceSeconds,
    requestOverheadSeconds: e.requestOverheadSeconds,
  };
}
