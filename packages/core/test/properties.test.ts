/**
 * Property tests over thousands of random valid scenarios: no NaN, Infinity or negative number
 * anywhere in a result; more bandwidth is never slower; a bigger batch never lowers throughput
 * while it still fits in memory.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../src/estimate.js';
import { HARDWARE_CATALOG } from '../src/hardware/catalog.js';
import type { HardwareSpec } from '../src/hardware/schema.js';
import type { EstimateReport } from '../src/report/assemble.js';
import type { ScenarioInput } from '../src/scenario/schema.js';
import { intIn, pick, randomPlacement, rng } from './random.js';

function randomScenario(r: () => number): ScenarioInput {
  const { model, hw, tp } = randomPlacement(r);
  const formats = (['bf16', 'fp16', 'fp8', 'int8', 'int4'] as const).filter((f) => {
    const rate = f === 'int4' ? 'bf16' : f;
    return hw.peakFlopsPerSecond[rate] !== undefined;
  });
  const weights = pick(r, formats);
  return {
    model: model.id,
    hardware: hw.id,
    gpus: tp,
    parallelism: { tp },
    precision: { weights, activations: weights === 'int4' || weights === 'int8' ? 'bf16' : weights },
    engine: pick(r, ['ideal', 'vllm', 'trtllm', 'sglang'] as const),
    workload: { inputTokens: intIn(r, 1, 16384), outputTokens: intIn(r, 1, 1024), batch: intIn(r, 1, 256) },
  };
}

function badNumbers(value: unknown, path = ''): string[] {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? [] : [`${path}=${String(value)}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => badNumbers(v, `${path}[${String(i)}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => badNumbers(v, `${path}.${k}`));
  return [];
}

describe('properties over random valid scenarios', () => {
  it('never yields NaN, Infinity or a negative number, and never throws', () => {
    const r = rng(20261122);
    let estimated = 0;
    for (let i = 0; i < 3000; i++) {
      const s = randomScenario(r);
      const result = estimate(s);
      if (result.ok) {
        estimated++;
        expect(badNumbers(result.value), JSON.stringify(s)).toEqual([]);
      } else {
        expect(result.diagnostics.length, JSON.stringify(s)).toBeGreaterThan(0);
        for (const d of result.diagnostics) expect(d.message).not.toMatch(/NaN|Infinity|undefined/);
      }
    }
    expect(estimated).toBeGreaterThan(1000);
  });

  it('more memory bandwidth is never slower', () => {
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const s = randomScenario(r);
      const hw = HARDWARE_CATALOG.get(s.hardware as string) as HardwareSpec;
      const faster: HardwareSpec = {
        ...hw,
        id: `${hw.id}-fast`,
        memory: { ...hw.memory, bandwidthBytesPerSecond: hw.memory.bandwidthBytesPerSecond * 1.5 },
      };
      // The raw model on both: the faster copy is another device id, with no shipped profile.
      const a = estimate({ ...s, calibration: 'none' });
      const b = estimate({ ...s, hardware: faster, calibration: 'none' });
      if (!a.ok || !b.ok) continue;
      expect(b.value.e2eLatencyMs).toBeLessThanOrEqual(a.value.e2eLatencyMs * (1 + 1e-12));
      expect(b.value.ttftMs).toBeLessThanOrEqual(a.value.ttftMs * (1 + 1e-12));
    }
  });

  it('a bigger batch never lowers throughput before memory runs out', () => {
    const r = rng(11);
    for (let i = 0; i < 200; i++) {
      const s = randomScenario(r);
      let prev: EstimateReport | undefined;
      for (const batch of [1, 2, 4, 8, 16, 32, 64, 128]) {
        const res = estimate({ ...s, workload: { ...s.workload, batch } });
        if (!res.ok || !res.value.memory.fits) break;
        if (prev !== undefined)
          expect(res.value.outputTokensPerSec).toBeGreaterThanOrEqual(prev.outputTokensPerSec * (1 - 1e-9));
        prev = res.value;
      }
    }
  });

  it('a faster compute peak is never slower', () => {
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      const s = randomScenario(r);
      const hw = HARDWARE_CATALOG.get(s.hardware as string) as HardwareSpec;
      const peaks = Object.fromEntries(
        Object.entries(hw.peakFlopsPerSecond).map(([k, v]) => [k, (v ?? 0) * 2]),
      );
      // Both raw: a calibration profile is keyed by the catalog id, which the faster copy lacks.
      const a = estimate({ ...s, calibration: 'none' });
      const b = estimate({
        ...s,
        hardware: { ...hw, id: `${hw.id}-2x`, peakFlopsPerSecond: peaks },
        calibration: 'none',
      });
      if (!a.ok || !b.ok) continue;
      expect(b.value.e2eLatencyMs).toBeLessThanOrEqual(a.value.e2eLatencyMs * (1 + 1e-12));
    }
  });
});
