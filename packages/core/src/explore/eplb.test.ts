/**
 * Redundant experts (EPLB) and wide expert parallelism in the layout search: `plan` proposes
 * `parallelism.redundantExperts` on engines that hold replicas, for an ep that does not divide the
 * experts (EP72 on GB200 NVL72) and one more slot per rank under attention DP, and costs them like
 * any other layout.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { findHardware } from '../hardware/catalog.js';
import { EPLB_ENGINES, launchCommand } from './launch.js';
import type { PlanInput } from './plan.js';
import { expertLayouts } from './layouts.js';
import { expertLayoutText, plan } from './plan.js';

/** DeepSeek-V3 in FP8 with attention DP (the wide-EP layouts), small enough for a unit test. */
const deepseek: Omit<PlanInput, 'hardware' | 'maxGpus'> = {
  model: 'deepseek-v3',
  inputTokens: 1024,
  outputTokens: 1024,
  weightFormats: ['fp8'],
  concurrencies: [256, 1024],
  requests: 120,
  maxSimulations: 16,
  disaggregation: false,
  slos: [{ tpotMs: 100 }],
};

describe('expert layouts searched', () => {
  it('take the fewest redundant experts that make ep divide the slots, then one more per rank', () => {
    expect(expertLayouts(256, 72, 'sglang', true, 1)).toEqual([
      { ep: 72, redundantExperts: 32 },
      { ep: 72, redundantExperts: 104 },
    ]);
    expect(expertLayouts(256, 48, 'trtllm', true, 2).map((l) => l.redundantExperts)).toEqual([32, 80, 128]);
    // An ep dividing the experts needs none; without attention DP no extra step.
    expect(expertLayouts(256, 8, 'trtllm', false, 1)).toEqual([{ ep: 8, redundantExperts: 0 }]);
    expect(expertLayouts(256, 8, 'trtllm', true, 0)).toEqual([{ ep: 8, redundantExperts: 0 }]);
  });

  it('never propose redundant experts for an engine without EPLB (vLLM): no EP instead', () => {
    expect(EPLB_ENGINES.has('vllm')).toBe(false);
    expect(expertLayouts(256, 72, 'vllm', true, 1)).toEqual([{ ep: 1, redundantExperts: 0 }]);
    expect(expertLayouts(256, 8, 'vllm', true, 1)).toEqual([{ ep: 8, redundantExperts: 0 }]);
  });

  it('say the slots per rank and why', () => {
    const c = {
      hardware: 'gb200',
      engine: 'trtllm' as const,
      gpus: 72,
      tp: 72,
      pp: 1,
      ep: 72,
      redundantExperts: 32,
      attentionDp: true,
      weights: 'fp8' as const,
      activations: 'fp8' as const,
      kvCache: 'fp8' as const,
      maxBatchedTokens: 8192,
    };
    expect(expertLayoutText(c, 256)).toBe(
      'ep72 with 32 redundant experts (EPLB): 256 + 32 = 288 slots, 4 per rank; the fewest that let ep72 divide the experts',
    );
    expect(expertLayoutText({ ...c, redundantExperts: 104 }, 256)).toMatch(
      /360 slots, 5 per rank; 1 more per rank/,
    );
  });
});

describe('more redundant slots never raise the modelled expert imbalance', () => {
  it('the busiest rank routes no more rows with more slots (ep48 and ep72)', () => {
    for (const ep of [48, 72]) {
      let prev = Infinity;
      const fill = (ep - (256 % ep)) % ep;
      for (const redundantExperts of [fill, fill + ep, fill + 2 * ep]) {
        const r = estimate({
          model: 'deepseek-v3',
          hardware: 'gb200',
          parallelism: { tp: ep, ep, attentionDp: true, redundantExperts },
          precision: { weights: 'fp8' },
          engine: 'sglang',
          calibration: 'none',
          workload: { inputTokens: 1024, outputTokens: 64, batch: 2048 },
        });
        if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
        const op = r.value.breakdown.find((o) => o.phase === 'decode' && o.name === 'experts_gate_up');
        const shape = op?.shape;
        if (shape === undefined) throw new Error('no experts_gate_up');
        // Rows of the busiest rank: rows per expert (with the imbalance) × experts it holds.
        const rows = shape.m * shape.groups;
        expect(rows).toBeLessThanOrEqual(prev * (1 + 1e-9));
        prev = rows;
      }
    }
  });
});

describe('plan with redundant experts', () => {
  it('proposes EP72 with 32 redundant experts for DeepSeek-V3 over a 72-GPU GB200 NVL72 domain', () => {
    const r = plan({ ...deepseek, hardware: ['gb200'], maxGpus: 72, engines: ['trtllm', 'vllm'] });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const wide = r.value.frontier.find((p) => p.config.ep === 72);
    expect(wide?.config.redundantExperts).toBe(32);
    expect(wide?.config.tp).toBe(72);
    expect(wide?.config.attentionDp).toBe(true);
    expect(wide?.config.engine).toBe('trtllm');
    // No vLLM layout holds redundant experts, and none runs an ep that does not divide 256.
    for (const p of r.value.frontier)
      if (p.config.engine === 'vllm') {
        expect(p.config.redundantExperts).toBeUndefined();
        expect(256 % p.config.ep).toBe(0);
      }
    // Extra slots that their fewest-slot sibling matches at every concurrency were dropped.
    expect(r.value.search.prunedDominated).toBeGreaterThan(0);
    // The launch command carries the slots.
    if (wide === undefined) throw new Error('no EP72 point');
    const cmd = launchCommand({ ...cmdBase, maxSequences: wide.concurrency });
    expect(cmd.extraOptions?.['moe_config.load_balancer.num_slots']).toBe(288);
    const sg = launchCommand({ ...cmdBase, engine: 'sglang' }).argv;
    expect(
      sg.slice(sg.indexOf('--ep-num-redundant-experts'), sg.indexOf('--ep-num-redundant-experts') + 2),
    ).toEqual(['--ep-num-redundant-experts', '32']);
    const vl = launchCommand({ ...cmdBase, engine: 'vllm' }).argv;
    expect(vl.join(' ')).not.toMatch(/redundant|eplb/);
  });

  it('carries the redundant experts into the chosen scenario, which estimates on its own', () => {
    const r = plan({
      ...deepseek,
      hardware: ['gb200'],
      maxGpus: 72,
      engines: ['sglang'],
      concurrencies: [1024],
      // Fast decode at a high sequence count: only the wide layouts meet it.
      slos: [{ tpotMs: 40 }],
      redundantExpertSteps: 0,
    });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const c = r.value.choices[0];
    expect(c?.found).toBe(true);
    expect(c?.why).toMatch(/the most output throughput per device/);
    const cfg = c?.point?.config;
    if (cfg?.redundantExperts !== undefined) {
      const par = c?.scenario?.['parallelism'] as Record<string, unknown>;
      expect(par['redundantExperts']).toBe(cfg.redundantExperts);
      expect(c?.launch?.command).toContain(`--ep-num-redundant-experts ${String(cfg.redundantExperts)}`);
      expect(c?.why).toMatch(/redundant experts \(EPLB\)/);
    }
    const e = estimate(c?.scenario);
    if (!e.ok) throw new Error(e.diagnostics.map((d) => d.message).join('; '));
    expect(e.value.latency.tpot.p90).toBeLessThanOrEqual(40);
  });

  it('rejects, with the reason, a layout whose extra experts do not fit while its sibling does', () => {
    // A GB200 with 94 GiB: DeepSeek-V3 FP8 over ep8 needs 90.6 GiB of weights per device (fits);
    // 8 more slots (one per rank) add 2.4 GiB of expert weights (does not).
    const gb200 = findHardware('gb200');
    if (gb200 === undefined) throw new Error('gb200 missing');
    const small = {
      ...gb200,
      id: 'gb200-94gib',
      memory: { ...gb200.memory, capacityBytes: 94 * 2 ** 30 },
    } as unknown as Record<string, unknown>;
    const r = plan({
      ...deepseek,
      hardware: [small],
      maxGpus: 8,
      engines: ['trtllm'],
      concurrencies: [1, 4],
    });
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const rej = r.value.search.rejectedRedundant;
    expect(rej.length).toBeGreaterThan(0);
    expect(rej[0]?.config.redundantExperts).toBe(8);
    expect(rej[0]?.reason).toMatch(
      /tp8 ep8 with 8 redundant experts \(1 more per rank than 0\): The weights need 9\d\.\d GiB/,
    );
    expect(r.value.frontier.some((p) => p.config.ep === 8 && p.config.redundantExperts === undefined)).toBe(
      true,
    );
    expect(r.value.frontier.every((p) => p.config.redundantExperts === undefined)).toBe(true);
  });
});

describe('wide EP across scale-up domains', () => {
  it('is searched (ep = tp with attention DP) only over a scale-out network', () => {
    const input: PlanInput = {
      ...deepseek,
      hardware: ['h200-sxm'],
      maxGpus: 32,
      engines: ['sglang'],
      concurrencies: [512],
      maxSimulations: 8,
    };
    const inNode = plan(input);
    const across = plan({ ...input, topology: { scaleOutBandwidthBytesPerSecond: 50e9 } });
    if (!inNode.ok || !across.ok) throw new Error('failed');
    expect(Math.max(...inNode.value.frontier.map((p) => p.config.tp))).toBe(8);
    const wide = across.value.frontier.filter((p) => p.config.tp > 8);
    expect(wide.length).toBeGreaterThan(0);
    for (const p of wide) {
      expect(p.config.ep).toBe(p.config.tp);
      expect(p.config.attentionDp).toBe(true);
      expect(p.config.pp).toBe(1);
    }
  });
});

describe('launch commands with redundant experts', () => {
  it('use only flags that launch-flags.md lists', () => {
    const table = readFileSync(new URL('../../data/engines/launch-flags.md', import.meta.url), 'utf8');
    for (const engine of ['sglang', 'trtllm'] as const) {
      const cmd = launchCommand({ ...cmdBase, engine });
      const flags = [...cmd.argv.filter((w) => w.startsWith('--')), ...Object.keys(cmd.extraOptions ?? {})];
      for (const f of flags)
        expect(table, `${engine} ${f}`).toMatch(new RegExp(`\\| ${engine} \\| \`${f}\``));
      expect(cmd.command).toMatch(/redundant|num_slots|--extra_llm_api_options/);
    }
  });
});

const cmdBase = {
  engine: 'trtllm' as const,
  model: 'deepseek-ai/DeepSeek-V3',
  tp: 72,
  pp: 1,
  ep: 72,
  redundantExperts: 32,
  experts: 256,
  attentionDp: true,
  maxSequences: 256,
  maxBatchedTokens: 8192,
  memoryFraction: 0.9,
  kvCache: 'fp8' as const,
};
