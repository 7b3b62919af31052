/**
 * The shipped profiles apply by default (docs/calibration.md, "Applied by default"): an estimate
 * on a device with a profile differs from the raw model (`calibration: none`), one on a device
 * without a profile is identical to it, and the scenario's own overrides still win.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { normalizeInput } from '../measurements/resolve.js';
import { SHIPPED_PROFILES } from './profiles-data.js';
import { shippedProfilesFor } from './shipped.js';

const base = {
  model: 'llama-3.1-8b',
  gpus: 1,
  workload: { batch: 16, inputTokens: 1024, outputTokens: 128 },
};

function run(scenario: Record<string, unknown>) {
  const r = estimate(scenario);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
}

describe('shipped calibration profiles by default', () => {
  const withProfile = SHIPPED_PROFILES.find((p) => p.engine !== undefined);
  if (withProfile?.engine === undefined) throw new Error('no serving-level profile shipped');
  const hardware = withProfile.hardware;
  const engine = withProfile.engine;

  it('on a device and engine with a profile, the default differs from calibration: none', () => {
    const calibrated = run({ ...base, hardware, engine });
    const raw = run({ ...base, hardware, engine, calibration: 'none' });
    expect(calibrated.scenario.calibration).toContain(`shipped ${hardware}/${engine}`);
    expect(raw.scenario.calibration).toBe('none');
    expect(calibrated.tpotMs).not.toBe(raw.tpotMs);
  });

  it('on a device without a profile, the default is the raw model, identical', () => {
    expect(SHIPPED_PROFILES.some((p) => p.hardware === 'l40s')).toBe(false);
    const calibrated = run({ ...base, hardware: 'l40s', engine: 'vllm' });
    const raw = run({ ...base, hardware: 'l40s', engine: 'vllm', calibration: 'none' });
    expect(calibrated.scenario.calibration).toBe('none');
    expect(calibrated).toEqual(raw);
  });

  it("the scenario's own efficiency overrides win over the profile", () => {
    const ns = normalizeInput({ ...base, hardware, engine, efficiency: { stepOverheadSeconds: 0.0123 } });
    if (!ns.ok) throw new Error('normalize');
    expect(ns.value.efficiency.stepOverheadSeconds).toBe(0.0123);
    const profiled = normalizeInput({ ...base, hardware, engine });
    if (!profiled.ok) throw new Error('normalize');
    expect(profiled.value.efficiency.stepOverheadSeconds).toBe(
      shippedProfilesFor(hardware, engine)?.parameters.stepOverheadSeconds,
    );
  });

  it('a caller that applied its own profiles is named in the report, and nothing else is applied', () => {
    const r = run({ ...base, hardware, engine, calibration: { applied: 'my.yaml' } });
    const raw = run({ ...base, hardware, engine, calibration: 'none' });
    expect(r.scenario.calibration).toBe('my.yaml');
    expect(r.tpotMs).toBe(raw.tpotMs);
  });

  it('the lookup is done once per device and engine (cached)', () => {
    expect(shippedProfilesFor(hardware, engine)).toBe(shippedProfilesFor(hardware, engine));
    expect(shippedProfilesFor('l40s', 'vllm')).toBeUndefined();
  });
});
