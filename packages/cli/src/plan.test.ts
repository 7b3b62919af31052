import { describe, expect, it } from 'vitest';
import { captureIo } from './io.js';
import { runCaptured } from './main.js';

const cli = (args: string[]) => runCaptured(args, captureIo(process.cwd()));

const REQUIRE = ['require', '--model', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--input-tokens', '1024'];

describe('ridgeline require', () => {
  it('prints the requirements, the binding resource and the devices', async () => {
    const r = await cli([...REQUIRE, '--output-tokens', '128', '--tpot-ms', '8', '--devices', 'h100-sxm,l4']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('memory bandwidth');
    expect(r.out).toMatch(/binding: memory bandwidth/);
    expect(r.out).toContain('fewest devices first (no prices given');
  });

  it('gives the samples for plots with --json', async () => {
    const r = await cli([
      ...REQUIRE,
      '--output-tokens',
      '128',
      '--tpot-ms',
      '8',
      '--devices',
      'none',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      requirements: { resource: string; samples: unknown[] }[];
      devices: unknown[];
    };
    expect(j.requirements.find((q) => q.resource === 'memoryBandwidth')?.samples.length).toBeGreaterThan(3);
    expect(j.devices).toEqual([]);
  });

  it('exits 2 naming the flag when no target or length is given', async () => {
    const r = await cli(['require', '--model', 'llama-3.1-8b', '--hardware', 'h100-sxm']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--use-case');
    expect(r.err).toContain('--tpot-ms');
    const bad = await cli([...REQUIRE, '--output-tokens', '128', '--tpot-ms', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--tpot-ms must be a positive number, got 'fast'");
  });

  it('exits 2 on an unknown device', async () => {
    const r = await cli([
      'require',
      '--model',
      'llama-3.1-8b',
      '--hardware',
      'h999',
      '--use-case',
      'chat',
      '--tpot-ms',
      '9',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('h999');
  });
});

const PLAN = [
  'plan',
  '--model',
  'llama-3.1-8b',
  '--hardware',
  'h100-sxm',
  '--max-gpus',
  '2',
  '--input-tokens',
  '1024',
  '--output-tokens',
  '128',
  '--engines',
  'vllm',
  '--formats',
  'fp8',
  '--requests',
  '60',
  '--max-simulations',
  '12',
];

describe('ridgeline plan', () => {
  it('prints the best configuration per SLO with its launch command, and the frontier', async () => {
    const r = await cli([...PLAN, '--slo', 'fast:ttft=500,tpot=10', '--usd-per-hour', 'h100-sxm=2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('SLO fast (p90 TTFT ≤ 500 ms, p90 TPOT ≤ 10.0 ms)');
    expect(r.out).toContain('$ vllm serve meta-llama/Llama-3.1-8B');
    expect(r.out).toMatch(/per M output tokens/);
    expect(r.out).toContain('Pareto frontier');
  });

  it('prints both pools of a disaggregated choice, and searches none with --no-disaggregation', async () => {
    // A decode pool's wait for a slot counts in TTFT (the decode worker streams the first token).
    const r = await cli([...PLAN, '--slo', 'ttft=120,tpot=7']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('(P 1×tp1 + D 1×tp1)');
    expect(r.out).toContain('prefill pool, 1 instance(s):');
    expect(r.out).toContain('decode pool, 1 instance(s):');
    expect(r.out.match(/--kv-transfer-config/g)?.length).toBe(2);
    const off = await cli([...PLAN, '--slo', 'ttft=120,tpot=7', '--no-disaggregation']);
    expect(off.code).toBe(0);
    expect(off.out).toContain('0 disaggregated pool layouts');
    expect(off.out).not.toContain('P 1×tp1');
  });

  it('gives the plan as JSON', async () => {
    const r = await cli([...PLAN, '--slo', 'ttft=1000,tpot=50', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { choices: { found: boolean; scenario: unknown }[]; frontier: unknown[] };
    expect(j.choices[0]?.found).toBe(true);
    expect(j.frontier.length).toBeGreaterThan(0);
  });

  it('exits 2 on a malformed SLO or a missing budget', async () => {
    const r = await cli([...PLAN, '--slo', 'latency=3']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--slo takes [NAME:]ttft=MS,tpot=MS');
    const m = await cli([
      'plan',
      '--model',
      'llama-3.1-8b',
      '--hardware',
      'h100-sxm',
      '--use-case',
      'chat',
      '--slo',
      'tpot=9',
    ]);
    expect(m.code).toBe(2);
    expect(m.err).toContain('--max-gpus is required');
  });
});
