/**
 * The device listing of `require` stops simulations whose p90 TTFT is surely above the target
 * (simulateServing's TTFT limit). It never drops a layout that meets: the listing equals the one
 * found by estimating every layout in full, in the same order.
 */
import { describe, expect, it } from 'vitest';
import { estimate, estimateNormalized, validateScenario } from '../estimate.js';
import { normalizeScenario } from '../scenario/normalize.js';
import { findHardware } from '../hardware/catalog.js';
import { searchDomain } from './layouts.js';
import { deviceCounts, layoutsFor, requirements, requireWorkload } from './require.js';
import type { Targets } from './usecases.js';
import { meetsTargets, targetRate } from './usecases.js';

interface Fit {
  hardware: string;
  gpus: number;
  parallelism: unknown;
  ttftP90Ms: number;
  tpotP90Ms: number;
}

/** The first layout meeting the targets per device, every candidate estimated in full. */
function exhaustive(
  base: Record<string, unknown>,
  ids: readonly string[],
  workload: Record<string, unknown>,
  targets: Targets,
  maxGpus: number,
): { fits: Fit[]; missing: string[] } {
  const rate = targetRate(targets, workload['outputTokens'] as number);
  const fits: Fit[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const hw = findHardware(id);
    if (hw === undefined) throw new Error(id);
    const domain = searchDomain(hw);
    const space = {
      domain,
      scaleOut: hw.scaleOut !== undefined,
      moe: false,
      experts: 1,
      engines: ['vllm'],
      redundantExpertSteps: 1,
    };
    let found: Fit | undefined;
    for (const n of deviceCounts(domain, maxGpus)) {
      for (const p of layoutsFor(n, space)) {
        const r = estimate({
          ...base,
          hardware: id,
          gpus: n,
          parallelism: { tp: p.tp, pp: p.pp, ep: p.ep, dp: p.dp, attentionDp: p.attentionDp },
          workload,
        });
        if (r.ok && meetsTargets(r.value, targets, rate)) {
          found = {
            hardware: id,
            gpus: n,
            parallelism: p,
            ttftP90Ms: r.value.latency.ttft.p90,
            tpotP90Ms: r.value.latency.tpot.p90,
          };
          break;
        }
      }
      if (found !== undefined) break;
    }
    if (found === undefined) missing.push(id);
    else fits.push(found);
  }
  return { fits, missing };
}

describe('require device listing with the TTFT early stop', () => {
  const base = {
    model: 'llama-3.1-8b',
    hardware: 'h100-sxm',
    gpus: 1,
    engine: 'vllm',
  };
  const devices = ['l40s', 'a100-sxm-80gb', 'h100-sxm'];
  const cases: { name: string; targets: Targets }[] = [
    // Small counts are overloaded (their queues grow past the target): those runs stop early.
    { name: 'a TTFT target', targets: { ttftMs: 500, requestsPerSec: 30 } },
    { name: 'the 10 s stability limit alone', targets: { requestsPerSec: 40 } },
  ];
  for (const { name, targets } of cases) {
    it(`lists what estimating every layout in full lists: ${name}`, () => {
      const rate = targetRate(targets, 256);
      const workload = requireWorkload(1024, 256, rate, 600);
      const r = requirements({
        base,
        inputTokens: 1024,
        outputTokens: 256,
        targets,
        requests: 600,
        resources: [],
        devices,
        maxGpus: 16,
      });
      if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
      const want = exhaustive(base, devices, workload, targets, 16);
      expect(want.fits.length).toBeGreaterThan(0);
      // Some device needs more than one GPU: smaller counts were tried and failed first.
      expect(want.fits.some((f) => f.gpus > 1)).toBe(true);
      const got = r.value.devices.map((f) => ({
        hardware: f.hardware,
        gpus: f.gpus,
        parallelism: f.parallelism,
        ttftP90Ms: f.ttftP90Ms,
        tpotP90Ms: f.tpotP90Ms,
      }));
      const byId = (a: Fit, b: Fit) => a.hardware.localeCompare(b.hardware);
      expect([...got].sort(byId)).toEqual([...want.fits].sort(byId));
      expect([...r.value.devicesNotMeeting].sort()).toEqual([...want.missing].sort());
    });
  }

  it('stops the runs of an overloaded layout early (one H100 at 30 req/s, 500 ms p90 TTFT)', () => {
    const v = validateScenario({ ...base, workload: requireWorkload(1024, 256, 30, 600) });
    if (!v.ok) throw new Error('invalid');
    const n = normalizeScenario(v.value);
    if (!n.ok) throw new Error('invalid');
    const full = estimateNormalized(n.value, n.diagnostics);
    if (!full.ok) throw new Error('failed');
    expect(full.value.latency.ttft.p90).toBeGreaterThan(500);
    const limited = estimateNormalized(n.value, n.diagnostics, 0.5);
    expect(limited.ok).toBe(false);
    expect(limited.diagnostics.map((d) => d.code)).toContain('serving.ttft-over-limit');
  });
});
