import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '../src/lib/state';
import { catalogs, compareTexts, estimateText, sweepText } from '../src/worker/engine';

const CONFIG = readFileSync(
  new URL('../../../packages/core/data/models/hf/llama-3.1-8b.json', import.meta.url),
  'utf8',
);

describe('worker engine', () => {
  it('estimates the default scenario: Llama-3.1-70B fits on 4×H100 in FP8', () => {
    const out = estimateText(DEFAULT_SCENARIO);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.report.memory.fits).toBe(true);
    expect(out.report.tpotMs).toBeGreaterThan(0);
    expect(out.report.scenario.gpus).toBe(4);
  });

  it('offers the engine releases with a profile and runs the one named', () => {
    expect(catalogs().engines).toEqual(expect.arrayContaining(['vllm', 'sglang', 'sglang@0.5.9']));
    const out = estimateText(
      DEFAULT_SCENARIO.replace('engine: vllm', 'engine: sglang@0.5.9').replace(
        'batch: 16',
        'requestRate: 2, requests: 50',
      ),
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.engine).toBe('sglang@0.5.9');
    expect(out.report.serving?.ttftParts.requestOverheadMs).toBe(185);
    const plain = estimateText(DEFAULT_SCENARIO);
    expect(plain.ok && plain.engine).toBe('vllm');
  });

  it('locates a schema error at its line and column', () => {
    const out = estimateText(
      'model: llama-3.1-70b\nhardware: h100-sxm\ngpus: -2\nworkload: { inputTokens: 1, outputTokens: 1, batch: 1 }\n',
    );
    expect(out.ok).toBe(false);
    const e = out.issues.find((i) => i.severity === 'error');
    expect(e).toMatchObject({ field: 'gpus', line: 3, column: 7 });
  });

  it('locates a syntax error', () => {
    const out = estimateText('model: llama\n  gpus: [\n');
    expect(out.ok).toBe(false);
    expect(out.issues[0]?.line).toBeGreaterThan(0);
    expect(out.issues[0]?.message).toMatch(/YAML/);
  });

  it('names an unknown model', () => {
    const out = estimateText(DEFAULT_SCENARIO.replace('model: llama-3.1-70b', 'model: llama-3.1-71b'));
    expect(out.ok).toBe(false);
    expect(out.issues.find((i) => i.severity === 'error')).toMatchObject({ line: 2 });
  });

  it('imports a pasted config.json under model', () => {
    const text = `model: ${CONFIG.replace(/\n/g, ' ')}\nhardware: h100-sxm\nworkload: { inputTokens: 128, outputTokens: 16, batch: 1 }\n`;
    const out = estimateText(text);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.report.scenario.model).toBe('config.json');
  });

  it('compares scenarios and marks the rows that differ', () => {
    const other = DEFAULT_SCENARIO.replace('hardware: h100-sxm', 'hardware: h200-sxm');
    const out = compareTexts([DEFAULT_SCENARIO, other]);
    expect(out.comparison?.inputs.find((r) => r.field === 'hardware')?.differs).toBe(true);
    expect(out.comparison?.inputs.find((r) => r.field === 'model')?.differs).toBe(false);
    expect(compareTexts([DEFAULT_SCENARIO, 'model: [']).comparison).toBeUndefined();
  });

  it('sweeps two axes, reporting failed points', () => {
    const out = sweepText(
      DEFAULT_SCENARIO,
      { path: 'workload.batch', values: [1, 64] },
      { path: 'gpus', values: [4, 3] },
      'tpotMs',
    );
    expect(out.cells).toHaveLength(4);
    const ok = out.cells.filter((c) => c.y === 4);
    expect(ok.every((c) => typeof c.value === 'number' && c.value > 0)).toBe(true);
    expect((ok[1]?.value ?? 0) > (ok[0]?.value ?? 0)).toBe(true);
    expect(out.cells.filter((c) => c.y === 3).every((c) => c.value === null && c.error !== undefined)).toBe(
      true,
    );
  });

  it('lists the catalogs with a source for every entry', () => {
    const c = catalogs();
    expect(c.models.length).toBeGreaterThan(10);
    expect(c.hardware.find((h) => h.id === 'h100-sxm')?.memoryBytes).toBeGreaterThan(7e10);
    expect(c.models.every((m) => m.source.length > 0)).toBe(true);
    expect(c.hardware.every((h) => Object.keys(h.sources).length > 0)).toBe(true);
  });
});

describe('requirements and plan', () => {
  it('finds the binding resource of the default scenario', async () => {
    const { requireText } = await import('../src/worker/explore');
    const out = requireText({
      text: DEFAULT_SCENARIO,
      targets: { tpotMs: 30, requestsPerSec: 1 },
      devices: [],
    });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.requirements.map((r) => r.resource)).toContain('memoryBandwidth');
    expect(out.value.binding).not.toBeNull();
  });

  it('plans a frontier with a launch command per point', async () => {
    const { planText } = await import('../src/worker/explore');
    const out = planText({
      text: DEFAULT_SCENARIO,
      hardware: ['h100-sxm'],
      maxGpus: 4,
      requestRate: 1,
      tpotMs: 50,
    });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.frontier.length).toBeGreaterThan(0);
    expect(out.launches).toHaveLength(out.value.frontier.length);
    expect(out.launches[0]?.command).toMatch(/Llama-3\.1-70B/);
  });

  it('prices the choice and the frontier per million output tokens when a price is given', async () => {
    const { planText } = await import('../src/worker/explore');
    const args = { text: DEFAULT_SCENARIO, hardware: ['h100-sxm'], maxGpus: 4, requestRate: 1, tpotMs: 50 };
    const unpriced = planText(args);
    const priced = planText({ ...args, usdPerHour: { 'h100-sxm': 2.5 } });
    expect(unpriced.ok && priced.ok).toBe(true);
    if (!unpriced.ok || !priced.ok) return;
    expect(unpriced.value.choices[0]?.usdPerMillionOutputTokens).toBeUndefined();
    const c = priced.value.choices[0];
    expect(c?.found).toBe(true);
    expect(c?.usdPerMillionOutputTokens ?? 0).toBeGreaterThan(0);
    expect(priced.value.frontier.every((p) => (p.usdPerMillionOutputTokens ?? 0) > 0)).toBe(true);
  });

  it('reports a scenario without request lengths', async () => {
    const { planText } = await import('../src/worker/explore');
    const out = planText({
      text: 'model: llama-3.1-8b\nhardware: h100-sxm\n',
      hardware: ['h100-sxm'],
      maxGpus: 1,
    });
    expect(out.ok).toBe(false);
  });
});
