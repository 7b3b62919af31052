/**
 * The shipped calibration profiles applied by default (docs/calibration.md, "Applied by
 * default"): the device's kernel-level profile, then its serving-level profile for the engine.
 * A scenario opts out with `calibration: none`; its own `efficiency` overrides win over both.
 * This module sits low (beside the scenario normalizer that applies it): it needs only the
 * embedded profiles.
 */
import type { EngineId } from '../scenario/schema.js';
import { SHIPPED_PROFILES } from './profiles-data.js';

/** A shipped profile as embedded (the shape of CalibrationProfile in profile.ts). */
export interface ShippedProfile {
  readonly hardware: string;
  readonly engine?: EngineId;
  readonly parameters: { readonly [name: string]: number };
  readonly fit?: {
    rows: number;
    sources: string[];
    medianErrorPctBefore: number;
    medianErrorPctAfter: number;
    leaveOneSourceOutMedianErrorPct?: number;
  };
  readonly source: string;
}

export interface AppliedProfiles {
  readonly parameters: Readonly<Record<string, number>>;
  /** Which profiles applied: `<hardware>` (kernel level), `<hardware>/<engine>` (serving level). */
  readonly labels: readonly string[];
}

let index: Map<string, AppliedProfiles | null> | undefined;

/** The shipped profiles for a catalog device under an engine; undefined when none holds. */
export function shippedProfilesFor(hardwareId: string, engine: EngineId): AppliedProfiles | undefined {
  index ??= new Map();
  const key = `${hardwareId}\u0000${engine}`;
  const cached = index.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const parameters: Record<string, number> = {};
  const labels: string[] = [];
  for (const pass of [false, true]) {
    for (const p of SHIPPED_PROFILES) {
      if (p.hardware !== hardwareId || (p.engine !== undefined) !== pass) continue;
      if (pass && p.engine !== engine) continue;
      labels.push(p.engine === undefined ? p.hardware : `${p.hardware}/${p.engine}`);
      for (const [k, v] of Object.entries(p.parameters)) parameters[k] = v;
    }
  }
  const found = labels.length === 0 ? null : { parameters, labels };
  index.set(key, found);
  return found ?? undefined;
}

/**
 * Profile parameters merged under a scenario's own efficiency overrides (they win). An explicit
 * gemmPeakFraction also sets the low-precision fraction, so the profile's is dropped then.
 */
export function withProfile(
  overrides: Readonly<Record<string, unknown>> | undefined,
  parameters: Readonly<Record<string, number | undefined>> | undefined,
): Readonly<Record<string, unknown>> | undefined {
  if (parameters === undefined) return overrides;
  const merged: Record<string, unknown> = { ...parameters, ...overrides };
  if (
    overrides?.['gemmPeakFraction'] !== undefined &&
    overrides['gemmLowPrecisionPeakFraction'] === undefined
  )
    delete merged['gemmLowPrecisionPeakFraction'];
  return merged;
}
