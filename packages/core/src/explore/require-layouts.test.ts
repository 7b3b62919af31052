/**
 * `require` lists catalog devices with the layouts `plan` searches (layouts.ts, one enumeration):
 * attention DP, redundant experts and wide EP for an MoE model, not only tp filling the domain.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { PCIE_HOST_GPUS, replicaLayouts, searchDomain } from './layouts.js';
import { findHardware } from '../hardware/catalog.js';
import { deviceCounts, layoutsFor, requirements, requireWorkload } from './require.js';
import { meetsTargets } from './usecases.js';

const dense = {
  domain: 8,
  scaleOut: false,
  moe: false,
  experts: 1,
  engines: ['vllm'],
  redundantExpertSteps: 1,
};

describe('require layouts', () => {
  it('are the replica layouts plan searches, filled with dp to the device count', () => {
    const space = { ...dense, moe: true, experts: 256, engines: ['sglang'] };
    const replicas = replicaLayouts({ ...space, maxGpus: 8 });
    const at8 = layoutsFor(8, space);
    expect(at8).toHaveLength(replicas.length);
    for (const l of at8) {
      expect(l.tp * l.pp * l.dp).toBe(8);
      expect(
        replicas.some(
          (r) =>
            r.tp === l.tp &&
            r.pp === l.pp &&
            r.ep === l.ep &&
            r.attentionDp === l.attentionDp &&
            r.redundantExperts === l.redundantExperts,
        ),
      ).toBe(true);
    }
    // tp filling the domain first, without attention DP, then with it and one more slot per rank.
    expect(at8.slice(0, 3)).toEqual([
      { tp: 8, pp: 1, ep: 8, dp: 1, attentionDp: false, redundantExperts: 0 },
      { tp: 8, pp: 1, ep: 8, dp: 1, attentionDp: true, redundantExperts: 0 },
      { tp: 8, pp: 1, ep: 8, dp: 1, attentionDp: true, redundantExperts: 8 },
    ]);
  });

  it('reach wide EP over a whole NVL72 domain, with the redundant experts that make ep72 divide 256', () => {
    const nvl72 = { ...dense, domain: 72, moe: true, experts: 256, engines: ['sglang'] };
    expect(deviceCounts(72, 72)).toContain(72);
    expect(layoutsFor(72, nvl72)).toContainEqual({
      tp: 72,
      pp: 1,
      ep: 72,
      dp: 1,
      attentionDp: true,
      redundantExperts: 32,
    });
    // vLLM holds no redundant experts: no EP72 there.
    expect(layoutsFor(72, { ...nvl72, engines: ['vllm'] }).some((l) => l.ep === 72)).toBe(false);
  });

  it('try the old dense layout first at every count (tp filling the domain, the rest as dp)', () => {
    for (const n of deviceCounts(8, 64)) {
      const tp = Math.min(n, 8);
      expect(layoutsFor(n, dense)[0]).toEqual({
        tp,
        pp: 1,
        ep: 1,
        dp: n / tp,
        attentionDp: false,
        redundantExperts: 0,
      });
    }
  });
});

describe('require on an MoE model', () => {
  // DeepSeek-V3 in FP8 on SGLang at 10 req/s of chat, p90 TTFT 2 s and TPOT 50 ms.
  const base = {
    model: 'deepseek-v3',
    hardware: 'h200-sxm',
    engine: 'sglang',
    precision: { weights: 'fp8' },
  };
  const targets = { ttftMs: 2000, tpotMs: 50, requestsPerSec: 10 };
  const workload = requireWorkload(1024, 1024, 10, 300);
  const at = (parallelism: Record<string, unknown>) => {
    const r = estimate({ ...base, gpus: 8, parallelism, workload });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    return r.value;
  };

  it('finds 8 H200s with attention DP, which the old enumeration (tp8 ep8 alone at 8) missed', () => {
    const r = requirements({
      base,
      inputTokens: 1024,
      outputTokens: 1024,
      targets,
      requests: 300,
      resources: [],
      devices: ['h200-sxm'],
    });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const [fit] = r.value.devices;
    expect(fit?.gpus).toBe(8);
    expect(fit?.parallelism).toEqual({ tp: 8, pp: 1, ep: 8, dp: 1, attentionDp: true, redundantExperts: 0 });
    // It meets the targets when estimated on its own ...
    expect(meetsTargets(at({ tp: 8, ep: 8, attentionDp: true }), targets, 10)).toBe(true);
    // ... while the only 8-device layout the old enumeration tried does not.
    expect(meetsTargets(at({ tp: 8, ep: 8 }), targets, 10)).toBe(false);
  });
});

describe('require on a dense model', () => {
  it('lists the same devices, counts and layouts as before the shared enumeration', () => {
    const r = requirements({
      base: { model: 'llama-3.1-70b', hardware: 'h100-sxm', engine: 'vllm' },
      inputTokens: 1024,
      outputTokens: 1024,
      targets: { tpotMs: 30 },
      resources: [],
      devices: ['h100-sxm', 'h200-sxm', 'a100-sxm-80gb', 'b200'],
    });
    if (!r.ok) throw new Error('failed');
    // The listing of the enumeration `require` had before it shared plan's (tp = min(n, domain)).
    expect(r.value.devices.map((d) => [d.hardware, d.gpus, d.parallelism.tp, d.parallelism.dp])).toEqual([
      ['b200', 1, 1, 1],
      ['h200-sxm', 2, 2, 1],
      ['h100-sxm', 4, 4, 1],
      ['a100-sxm-80gb', 8, 8, 1],
    ]);
    expect(r.value.devices.every((d) => !d.parallelism.attentionDp && d.parallelism.ep === 1)).toBe(true);
  });
});

describe('require on PCIe cards (no scale-up link)', () => {
  it('searches tensor parallelism over PCIe within one host, so a 70B model is served on L40S', () => {
    const l40s = findHardware('l40s');
    if (l40s === undefined) throw new Error('l40s missing from the catalog');
    expect(l40s.scaleUp).toBeUndefined();
    expect(searchDomain(l40s)).toBe(PCIE_HOST_GPUS);
    // A device with neither link stays alone; a stated scale-up domain wins over the host.
    expect(searchDomain({})).toBe(1);
    expect(searchDomain({ scaleUp: { domainSize: 72 }, hostLink: {} })).toBe(72);
    const r = requirements({
      base: { model: 'llama-3.1-70b', hardware: 'l40s', engine: 'vllm', precision: { weights: 'fp8' } },
      inputTokens: 1024,
      outputTokens: 256,
      targets: { tpotMs: 100 },
      resources: [],
      devices: ['l40s'],
    });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    // 70 GB of FP8 weights need more than one 48 GB card: tp over PCIe, within the host.
    const [fit] = r.value.devices;
    expect(fit?.hardware).toBe('l40s');
    expect(fit?.gpus).toBeGreaterThan(1);
    expect(fit?.parallelism.tp).toBeGreaterThan(1);
    expect(fit?.parallelism.tp).toBeLessThanOrEqual(PCIE_HOST_GPUS);
  });
});
