import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { launchCommand } from './launch.js';
import type { LaunchConfig, LaunchEngine } from './launch.js';
import type { PlanInput, Slo } from './plan.js';
import { paretoFrontier, plan, poolSizes } from './plan.js';
import { requirements } from './require.js';
import { USE_CASES, USE_CASE_IDS, meetsTargets } from './usecases.js';

const DATA = new URL('../../data/engines/', import.meta.url);

describe('use cases', () => {
  it('give every preset lengths and a source, and label the unsourced ones as assumptions', () => {
    for (const id of USE_CASE_IDS) {
      const u = USE_CASES[id];
      expect(u.inputTokens).toBeGreaterThan(0);
      expect(u.outputTokens).toBeGreaterThan(0);
      expect(u.source.includes('InferenceX') || u.source.includes("Ridgeline's assumption")).toBe(true);
    }
  });
});

describe('requirements', () => {
  const base = { model: 'llama-3.1-8b', hardware: 'h100-sxm', engine: 'vllm' };
  const input = { base, inputTokens: 1024, outputTokens: 128, targets: { tpotMs: 6 }, devices: [] };

  it('finds the least bandwidth meeting a TPOT target, which meets it while 3 % less does not', () => {
    const r = requirements(input);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const bw = r.value.requirements.find((q) => q.resource === 'memoryBandwidth');
    expect(bw?.status).toBe('found');
    const min = bw?.minimum ?? NaN;
    const at = (f: number) =>
      estimate({
        ...base,
        hardware: {
          ...hwOf('h100-sxm'),
          memory: { ...hwOf('h100-sxm').memory, bandwidthBytesPerSecond: min * f },
        },
        workload: { inputTokens: 1024, outputTokens: 128, batch: 1 },
      });
    const ok = at(1);
    const below = at(0.97);
    if (!ok.ok || !below.ok) throw new Error('estimate failed');
    expect(meetsTargets(ok.value, input.targets, undefined)).toBe(true);
    expect(meetsTargets(below.value, input.targets, undefined)).toBe(false);
    // Single-request decode of a dense 8B model is bound by memory bandwidth.
    expect(r.value.binding).toBe('memoryBandwidth');
    const s = r.value.sensitivities.find((x) => x.resource === 'memoryBandwidth');
    expect(s?.tpotChange).toBeLessThan(-0.2);
    // Samples, for plots, are ordered by factor and include the base.
    expect(bw?.samples.some((x) => x.factor === 1)).toBe(true);
  });

  it('reports unreachable targets and the scale-out link as absent on a single device', () => {
    const r = requirements({ ...input, targets: { tpotMs: 0.001 } });
    if (!r.ok) throw new Error('failed');
    expect(r.value.requirements.find((q) => q.resource === 'memoryBandwidth')?.status).toBe('unreachable');
    expect(r.value.requirements.find((q) => q.resource === 'scaleOutBandwidth')?.status).toBe('absent');
  });

  it('lists devices by count without prices and by price with them', () => {
    const devices = ['h100-sxm', 'a100-sxm-80gb', 'l4'];
    const r = requirements({ ...input, targets: { tpotMs: 20 }, devices });
    if (!r.ok) throw new Error('failed');
    expect(r.value.devicesSortedBy).toBe('gpus');
    const gpus = r.value.devices.map((d) => d.gpus);
    expect(gpus).toEqual([...gpus].sort((a, b) => a - b));
    const priced = requirements({
      ...input,
      targets: { tpotMs: 20 },
      devices: ['h100-sxm', 'a100-sxm-80gb'],
      usdPerHour: { 'h100-sxm': 9, 'a100-sxm-80gb': 1 },
    });
    if (!priced.ok) throw new Error('failed');
    expect(priced.value.devicesSortedBy).toBe('price');
    expect(priced.value.devices.map((d) => d.hardware)).toEqual(['a100-sxm-80gb', 'h100-sxm']);
  });

  it('names an unknown base device', () => {
    const r = requirements({ ...input, base: { ...base, hardware: 'h999' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]?.message).toContain('h999');
  });
});

import { findHardware } from '../hardware/catalog.js';
import { findModel } from '../model/catalog.js';
function hwOf(id: string) {
  const h = findHardware(id);
  if (h === undefined) throw new Error(id);
  return h;
}

/** The flags of launch-flags.md by engine. */
function flagTable(): Map<string, { flag: string; field: string }[]> {
  const out = new Map<string, { flag: string; field: string }[]>();
  for (const line of readFileSync(new URL('launch-flags.md', DATA), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const engine = cells[1];
    const flag = /^`([^`]+)`$/.exec(cells[2] ?? '')?.[1];
    if (engine === undefined || flag === undefined) continue;
    const field = /^`([^`]+)`$/.exec(cells[4] ?? '')?.[1] ?? '';
    out.set(engine, [...(out.get(engine) ?? []), { flag, field }]);
  }
  return out;
}

describe('launch commands', () => {
  const table = flagTable();
  const defaults = readFileSync(new URL('defaults.md', DATA), 'utf8');

  it('cite defaults.md for every flag whose field it names', () => {
    for (const rows of table.values())
      for (const r of rows) if (r.field !== '') expect(defaults, r.field).toContain(r.field);
  });

  it('use only flags the table lists, for every engine and option', () => {
    const engines: LaunchEngine[] = ['vllm', 'sglang', 'trtllm'];
    for (const engine of engines)
      for (const attentionDp of [false, true])
        for (const spec of [undefined, 2])
          for (const role of [undefined, 'prefill', 'decode'] as const) {
            const c: LaunchConfig = {
              engine,
              model: 'deepseek-ai/DeepSeek-V3',
              tp: 8,
              pp: 2,
              ep: 8,
              attentionDp,
              maxSequences: 256,
              maxBatchedTokens: 8192,
              memoryFraction: 0.9,
              kvCache: 'fp8',
              ...(spec !== undefined ? { speculativeTokens: spec } : {}),
              ...(role !== undefined ? { disaggregation: role } : {}),
            };
            const cmd = launchCommand(c);
            const known = new Set((table.get(engine) ?? []).map((r) => r.flag));
            const flags = cmd.argv.filter((w) => w.startsWith('--'));
            expect(flags.length).toBeGreaterThan(3);
            for (const f of flags) expect(known, `${engine} ${f}`).toContain(f);
            for (const k of Object.keys(cmd.extraOptions ?? {})) expect(known, `${engine} ${k}`).toContain(k);
            expect(cmd.command.startsWith(cmd.argv[0] ?? '?')).toBe(true);
            expect(cmd.role).toBe(role);
            // A disaggregated pool's command names its KV transfer; a colocated one does not.
            const transfer = [...flags, ...Object.keys(cmd.extraOptions ?? {})].some((f) =>
              ['--kv-transfer-config', '--disaggregation-mode', 'cache_transceiver_config'].includes(f),
            );
            expect(transfer).toBe(role !== undefined);
            if (engine === 'sglang' && role !== undefined) expect(cmd.argv.slice(-1)).toEqual([role]);
          }
  });

  it('write the sequence cap, token budget and parallelism', () => {
    const c: LaunchConfig = {
      engine: 'vllm',
      model: 'm',
      tp: 4,
      pp: 1,
      ep: 1,
      attentionDp: false,
      maxSequences: 64,
      maxBatchedTokens: 2048,
      memoryFraction: 0.9,
      kvCache: 'bf16',
    };
    expect(launchCommand(c).command).toBe(
      'vllm serve m --tensor-parallel-size 4 --max-num-seqs 64 --max-num-batched-tokens 2048 --gpu-memory-utilization 0.9',
    );
    const s = launchCommand({ ...c, engine: 'sglang', kvCache: 'fp8' }).argv;
    expect(s.slice(0, 7)).toEqual([
      'python',
      '-m',
      'sglang.launch_server',
      '--model-path',
      'm',
      '--tp-size',
      '4',
    ]);
    expect(s).toContain('fp8_e4m3');
  });
});

describe('poolSizes', () => {
  it('matches prefill and decode capacity within the budget, with one more prefill replica beside', () => {
    // A prefill replica serves 10 req/s, a decode replica 4: 2 prefill feed 5 decode exactly.
    const s = poolSizes(10, 4, 2, 16);
    expect(s[0]).toEqual({ prefill: 2, decode: 5, capacity: 20 });
    expect(s[1]).toEqual({ prefill: 3, decode: 5, capacity: 20 });
    for (const x of poolSizes(10, 4, 2, 6)) expect(2 * (x.prefill + x.decode)).toBeLessThanOrEqual(6);
    expect(poolSizes(10, 4, 4, 4)).toEqual([]);
    expect(poolSizes(0, 4, 1, 8)).toEqual([]);
  });
});

describe('paretoFrontier', () => {
  it('keeps exactly the points no other point beats on both axes', () => {
    const pts = [
      [1, 5],
      [2, 4],
      [2, 3],
      [3, 1],
      [0.5, 5],
    ] as const;
    const f = paretoFrontier(
      pts,
      (p) => p[0],
      (p) => p[1],
    );
    expect(f).toEqual([
      [3, 1],
      [2, 4],
      [1, 5],
    ]);
  });
});

/** A small, fast plan: Llama-3.1-8B on up to 4 H100s. */
const small: Omit<PlanInput, 'slos'> = {
  model: 'llama-3.1-8b',
  hardware: ['h100-sxm'],
  maxGpus: 4,
  inputTokens: 1024,
  outputTokens: 128,
  engines: ['vllm', 'sglang'],
  weightFormats: ['bf16', 'fp8'],
  concurrencies: [1, 4, 16, 64],
  requests: 60,
  // Enough simulations that the colocated and disaggregated shares both reach their best layouts.
  maxSimulations: 48,
};

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('plan', () => {
  it('returns a frontier on which no point dominates another', () => {
    const r = plan({ ...small, slos: [{ tpotMs: 20 }] });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const f = r.value.frontier;
    expect(f.length).toBeGreaterThan(1);
    for (const a of f)
      for (const b of f)
        if (a !== b)
          expect(
            b.tokensPerSecPerUser >= a.tokensPerSecPerUser &&
              b.outputTokensPerSecPerGpu > a.outputTokensPerSecPerGpu,
          ).toBe(false);
    expect(r.value.search.simulated).toBeLessThanOrEqual(
      (small.maxSimulations ?? 0) + r.value.search.deploymentsChecked,
    );
  });

  it('runs fp4 weights W4A4 where the device has FP4 math and W4A8 elsewhere', () => {
    const formats = (hardware: string) => {
      const r = plan({ ...small, hardware: [hardware], weightFormats: ['fp4'], slos: [{ tpotMs: 50 }] });
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
      return new Set(r.value.frontier.map((p) => `${p.config.weights}/${p.config.activations}`));
    };
    expect(findHardware('b200')?.peakFlopsPerSecond.fp4).toBeGreaterThan(0);
    expect(findHardware('h100-sxm')?.peakFlopsPerSecond.fp4).toBeUndefined();
    expect([...formats('b200')]).toEqual(['fp4/fp4']);
    expect([...formats('h100-sxm')]).toEqual(['fp4/fp8']);
  });

  it('prunes configurations whose weights do not fit', () => {
    const r = plan({ ...small, model: 'llama-3.1-70b', weightFormats: ['bf16'], slos: [{ tpotMs: 50 }] });
    if (!r.ok) throw new Error('failed');
    // 70B in bf16 (141 GB) fits on no single 80 GB H100.
    expect(r.value.search.prunedMemory).toBeGreaterThan(0);
    for (const p of r.value.frontier) expect(p.config.tp).toBeGreaterThan(1);
  });

  it('chooses, for random SLOs, a configuration that meets its SLO when estimated on its own', () => {
    const next = rng(7);
    for (let trial = 0; trial < 4; trial++) {
      const slo: Slo = { ttftMs: 50 + next() * 1000, tpotMs: 3 + next() * 30 };
      const requestRate = next() < 0.5 ? undefined : 1 + next() * 20;
      const r = plan({ ...small, slos: [slo], ...(requestRate !== undefined ? { requestRate } : {}) });
      if (!r.ok) throw new Error('failed');
      const c = r.value.choices[0];
      if (c === undefined || !c.found) continue;
      const e = estimate(c.scenario);
      if (!e.ok) throw new Error(e.diagnostics.map((d) => d.message).join('; '));
      expect(e.value.latency.ttft.p90).toBeLessThanOrEqual(slo.ttftMs ?? Infinity);
      expect(e.value.latency.tpot.p90).toBeLessThanOrEqual(slo.tpotMs ?? Infinity);
      expect(c.gpus ?? Infinity).toBeLessThanOrEqual(small.maxGpus);
      expect(c.launch?.command).toMatch(/^(vllm serve|python -m sglang.launch_server) /);
    }
  });

  it('searches disaggregated pools: they reach the frontier and beat colocation on a TTFT + TPOT SLO', () => {
    const slo: Slo = { ttftMs: 60, tpotMs: 8 };
    const on = plan({ ...small, slos: [slo] });
    const off = plan({ ...small, slos: [slo], disaggregation: false });
    if (!on.ok || !off.ok) throw new Error('failed');
    const s = on.value.search;
    // Pruned: layouts estimated statically, a bounded share simulated.
    expect(s.disaggregatedCandidates).toBeGreaterThan(s.disaggregatedSimulated);
    expect(s.disaggregatedSimulated).toBeGreaterThan(0);
    expect(s.simulated).toBeLessThanOrEqual((small.maxSimulations ?? 0) + s.deploymentsChecked);
    expect(off.value.search.disaggregatedCandidates).toBe(0);
    expect(on.value.frontier.some((p) => p.config.disaggregation !== undefined)).toBe(true);
    for (const p of on.value.frontier) {
      const d = p.config.disaggregation;
      if (d !== undefined)
        expect(p.config.gpus).toBe(p.config.tp * p.config.pp * (d.prefill.dp + d.decode.dp));
      expect(p.config.gpus).toBeLessThanOrEqual(small.maxGpus);
    }
    const a = on.value.choices[0];
    const b = off.value.choices[0];
    expect(a?.found).toBe(true);
    expect(a?.point?.config.disaggregation).toBeDefined();
    const perGpu = (c: typeof a): number =>
      c?.found === true ? (c.outputTokensPerSec ?? 0) / (c.gpus ?? 1) : 0;
    expect(perGpu(a)).toBeGreaterThan(perGpu(b));
    // Two launch commands, one per pool.
    expect(a?.prefillLaunch?.role).toBe('prefill');
    expect(a?.launch?.role).toBe('decode');
  });

  it('meets with disaggregated pools a TTFT + TPOT SLO at a traffic that no colocated layout meets', () => {
    const input: PlanInput = {
      model: 'llama-3.1-70b',
      hardware: ['h100-sxm'],
      maxGpus: 8,
      inputTokens: 1024,
      outputTokens: 1024,
      requestRate: 4,
      engines: ['vllm'],
      weightFormats: ['fp8'],
      slos: [{ ttftMs: 150, tpotMs: 20 }],
      // The mechanism on the raw model (the SLO is set at its numbers).
      calibration: 'none',
    };
    const off = plan({ ...input, disaggregation: false });
    const on = plan(input);
    if (!on.ok || !off.ok) throw new Error('failed');
    expect(off.value.choices[0]?.found).toBe(false);
    const c = on.value.choices[0];
    expect(c?.found).toBe(true);
    expect(c?.point?.config.disaggregation).toBeDefined();
    const e = estimate(c?.scenario);
    if (!e.ok) throw new Error(e.diagnostics.map((d) => d.message).join('; '));
    expect(e.value.latency.ttft.p90).toBeLessThanOrEqual(150);
    expect(e.value.latency.tpot.p90).toBeLessThanOrEqual(20);
  });

  it('chooses disaggregated deployments that meet their SLO when estimated on their own', () => {
    const next = rng(11);
    let disaggregated = 0;
    for (let trial = 0; trial < 6; trial++) {
      const slo: Slo = { ttftMs: 30 + next() * 100, tpotMs: 3 + next() * 8 };
      const requestRate = trial % 2 === 0 ? undefined : 2 + next() * 10;
      const r = plan({ ...small, slos: [slo], ...(requestRate !== undefined ? { requestRate } : {}) });
      if (!r.ok) throw new Error('failed');
      const c = r.value.choices[0];
      if (c === undefined || !c.found) continue;
      const e = estimate(c.scenario);
      if (!e.ok) throw new Error(e.diagnostics.map((d) => d.message).join('; '));
      expect(e.value.latency.ttft.p90).toBeLessThanOrEqual(slo.ttftMs ?? Infinity);
      expect(e.value.latency.tpot.p90).toBeLessThanOrEqual(slo.tpotMs ?? Infinity);
      expect(e.value.scenario.gpus).toBe(c.gpus);
      expect(c.gpus ?? Infinity).toBeLessThanOrEqual(small.maxGpus);
      if (c.point?.config.disaggregation !== undefined) {
        disaggregated++;
        const serving = c.scenario?.['serving'] as Record<string, unknown> | undefined;
        expect(serving?.['disaggregation']).toBeDefined();
        expect(c.prefillLaunch?.command).toMatch(/^(vllm serve|python -m sglang.launch_server) /);
      }
    }
    expect(disaggregated).toBeGreaterThan(0);
  });

  it('refuses MTP for a model without MTP modules, with a clear message', () => {
    const r = plan({ ...small, slos: [{ tpotMs: 4 }], speculative: { tokens: 2, acceptanceRate: 0.8 } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toMatch(/Llama-3.1-8B has none \(no num_nextn_predict_layers/);
  });

  it('searches MTP speculative decoding on and off, and carries it into the scenario and launch', () => {
    // Llama-3.1-8B with one MTP module, as DeepSeek-V3 ships one (num_nextn_predict_layers: 1).
    const llama = findModel('llama-3.1-8b');
    if (llama === undefined) throw new Error('llama-3.1-8b missing');
    const withMtp = { ...small, model: { ...llama, mtpLayers: 1 } };
    const base = plan({ ...withMtp, slos: [{ tpotMs: 4 }] });
    const spec = plan({ ...withMtp, slos: [{ tpotMs: 4 }], speculative: { tokens: 2, acceptanceRate: 0.8 } });
    if (!base.ok || !spec.ok) throw new Error('failed');
    expect(spec.value.search.configurations).toBe(2 * base.value.search.configurations);
    // At 80 % acceptance two draft tokens speed decode up, so the fastest point speculates.
    const fastest = spec.value.frontier.reduce((a, b) =>
      b.tokensPerSecPerUser > a.tokensPerSecPerUser ? b : a,
    );
    expect(fastest.config.speculativeTokens).toBe(2);
    expect(fastest.tokensPerSecPerUser).toBeGreaterThan(
      Math.max(...base.value.frontier.map((p) => p.tokensPerSecPerUser)),
    );
    const c = spec.value.choices[0];
    expect(c?.found).toBe(true);
    expect(c?.point?.config.speculativeTokens).toBe(2);
    const serving = c?.scenario?.['serving'] as Record<string, unknown> | undefined;
    expect(serving?.['speculative']).toEqual({ method: 'mtp', tokens: 2, acceptanceRate: 0.8 });
    expect(c?.launch?.command).toMatch(/--speculative-config|--speculative-algorithm/);
    const e = estimate(c?.scenario);
    if (!e.ok) throw new Error('estimate failed');
    expect(e.value.latency.tpot.p90).toBeLessThanOrEqual(4);
  });

  it('says why no configuration meets an impossible SLO', () => {
    const r = plan({ ...small, slos: [{ name: 'x', tpotMs: 0.01 }] });
    if (!r.ok) throw new Error('failed');
    expect(r.value.choices[0]?.found).toBe(false);
    expect(r.value.choices[0]?.reason).toMatch(/meets/);
  });

  it('names an unknown model or device', () => {
    expect(plan({ ...small, model: 'nope', slos: [] }).ok).toBe(false);
    expect(plan({ ...small, hardware: ['h999'], slos: [] }).ok).toBe(false);
  });
});
