/**
 * Seeded fuzzing of the scenario path (fuzz-support.ts draws the inputs): for every drawn input,
 * validation, normalization and estimation never throw; the fast parse and zod agree; a rejected
 * input gets error diagnostics naming a field; an accepted one gives a report whose every number
 * is finite and non-negative, with ordered percentiles. FUZZ_SEED and FUZZ_CASES change the run
 * (scripts/fuzz.mjs); the defaults keep it to a few seconds. FUZZ_TRACE=file keeps the current case
 * in that file, to find the input of a run that hangs.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimate, validateScenario } from '../src/estimate.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { ScenarioSchema } from '../src/scenario/schema.js';
import { fastParseScenario } from '../src/scenario/fast-parse.js';
import type { EstimateReport } from '../src/report/assemble.js';
import { parseSweepSpec } from '../src/explore/spec.js';
import { sweepPoints } from '../src/explore/points.js';
import { sweepEvaluator } from '../src/explore/evaluate.js';
import { estimateTraining } from '../src/training/estimate.js';
import {
  exact,
  fuzzSettings,
  negative,
  nonFinite,
  randomScenario,
  randomSweepSpec,
  randomTraining,
} from './fuzz-support.js';
import { rng } from './random.js';

/** What must hold of one drawn scenario; the problems found, in words. `estimated` counts the reports. */
function checkScenario(s: unknown, estimated: { count: number }): string[] {
  const problems: string[] = [];
  const fast = fastParseScenario(s);
  const zod = ScenarioSchema.safeParse(s);
  if (fast !== undefined && (!zod.success || exact(fast) !== exact(zod.data)))
    problems.push('the fast parse accepts what zod rejects, or returns another value');
  const v = validateScenario(s);
  if (v.ok !== zod.success) problems.push('validateScenario and zod disagree');
  if (!v.ok) {
    if (!v.diagnostics.some((d) => d.severity === 'error')) problems.push('rejected without an error');
    for (const d of v.diagnostics)
      if (d.path === undefined || d.message.trim() === '')
        problems.push(`schema error without a path: ${d.message}`);
    return problems;
  }
  const n = normalizeScenario(v.value);
  if (zod.success && fast !== undefined && exact(normalizeScenario(zod.data)) !== exact(n))
    problems.push('the fast and zod parses normalize differently');
  if (!n.ok) {
    if (!n.diagnostics.some((d) => d.severity === 'error'))
      problems.push('normalize failed without an error');
    return problems;
  }
  const e = estimate(s);
  if (!e.ok) {
    if (!e.diagnostics.some((d) => d.severity === 'error')) problems.push('estimate failed without an error');
    return problems;
  }
  estimated.count++;
  problems.push(...reportProblems(e.value));
  return problems;
}

function reportProblems(r: EstimateReport): string[] {
  const problems = [
    ...nonFinite(r).map((p) => `not finite: ${p}`),
    ...negative(r).map((p) => `negative: ${p}`),
  ];
  for (const [name, l] of Object.entries(r.latency))
    if (!(l.p50 <= l.p90 * (1 + 1e-9) && l.p90 <= l.p99 * (1 + 1e-9)))
      problems.push(`latency.${name} percentiles out of order: ${exact(l)}`);
  if (r.ttftMs > r.e2eLatencyMs * (1 + 1e-9))
    problems.push(`ttftMs ${r.ttftMs} > e2eLatencyMs ${r.e2eLatencyMs}`);
  const m = r.memory;
  if (m.totalBytes < m.weightsBytes * (1 - 1e-9)) problems.push('memory.totalBytes below weightsBytes');
  for (const d of r.diagnostics)
    if (/\bNaN\b|Infinity|undefined/.test(d.message))
      problems.push(`diagnostic with NaN/Infinity: ${d.message}`);
  return problems;
}

describe('fuzz: scenarios', () => {
  it('every drawn scenario is refused with named errors or estimated to finite numbers', () => {
    const { seed, cases } = fuzzSettings(1200);
    const r = rng(seed);
    const failures: string[] = [];
    const estimated = { count: 0 };
    // FUZZ_TRACE names a file that holds the case being checked: what hung, when a run hangs.
    const trace = process.env['FUZZ_TRACE'];
    for (let i = 0; i < cases; i++) {
      const s = randomScenario(r);
      if (trace !== undefined)
        writeFileSync(trace, `case ${String(i)} (seed ${String(seed)}): ${exact(s)}\n`);
      let problems: string[];
      try {
        problems = checkScenario(s, estimated);
      } catch (e) {
        problems = [`threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
      }
      if (problems.length > 0)
        failures.push(`case ${String(i)} (seed ${String(seed)}): ${exact(s)}\n  ${problems.join('\n  ')}`);
    }
    expect(failures.slice(0, 5).join('\n')).toBe('');
    // The draw reaches the estimate, not only validation errors.
    expect(estimated.count).toBeGreaterThan(cases / 10);
  });
});

/** Runs `check` on `cases` drawn inputs; the failures, with the seed, case number and input. */
function fuzz<T>(
  seed: number,
  cases: number,
  draw: (r: () => number) => T,
  check: (input: T) => string[],
): string[] {
  const r = rng(seed);
  const failures: string[] = [];
  for (let i = 0; i < cases; i++) {
    const input = draw(r);
    let problems: string[];
    try {
      problems = check(input);
    } catch (e) {
      problems = [`threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
    }
    if (problems.length > 0)
      failures.push(`case ${String(i)} (seed ${String(seed)}): ${exact(input)}\n  ${problems.join('\n  ')}`);
  }
  return failures;
}

/** Problems of a failed result: it must carry an error, and messages without NaN or Infinity. */
function refusalProblems(diagnostics: readonly { severity: string; message: string }[]): string[] {
  const problems = diagnostics.some((d) => d.severity === 'error') ? [] : ['refused without an error'];
  for (const d of diagnostics) if (d.message.trim() === '') problems.push('an empty message');
  return problems;
}

describe('fuzz: training jobs and sweep specs', () => {
  it('every drawn training job is refused with errors or estimated to finite numbers', () => {
    const { seed, cases } = fuzzSettings(600);
    let estimated = 0;
    const failures = fuzz(seed, cases, randomTraining, (t) => {
      const res = estimateTraining(t);
      if (!res.ok) return refusalProblems(res.diagnostics);
      estimated++;
      return nonFinite(res.value).map((p) => `not finite: ${p}`);
    });
    expect(failures.slice(0, 5).join('\n')).toBe('');
    expect(estimated).toBeGreaterThan(cases / 20);
  });

  it('every drawn sweep spec is refused with errors, or each of its points evaluates to finite numbers', () => {
    const { seed, cases } = fuzzSettings(300);
    const failures = fuzz(seed + 1, cases, randomSweepSpec, (input) => {
      const spec = parseSweepSpec(input);
      if (!spec.ok) return refusalProblems(spec.diagnostics);
      const points = sweepPoints(spec.value);
      if (!Number.isFinite(points.count) || points.count < 1) return [`point count ${String(points.count)}`];
      const evaluator = sweepEvaluator(points);
      const problems: string[] = [];
      for (let i = 0; i < Math.min(points.count, 12); i++)
        problems.push(
          ...nonFinite(evaluator.evaluate(i).row).map((p) => `point ${String(i)} not finite: ${p}`),
        );
      return problems;
    });
    expect(failures.slice(0, 5).join('\n')).toBe('');
  });
});

describe('fuzz: what it found', () => {
  const base = {
    model: 'llama-3.1-8b',
    hardware: 'h100-sxm',
    workload: { inputTokens: 337, outputTokens: 672, requestRate: 5e-324, requests: 46 },
  };

  it('a request rate of 5e-324/s is an error naming workload.requestRate, not NaN latencies', () => {
    const r = estimate(base);
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.code === 'result.not-finite');
    expect(d?.path).toEqual(['workload', 'requestRate']);
    expect(d?.message).toMatch(/workload\.requestRate = 5e-324/);
  });

  it('an attention peak fraction of 5e-324 is an error naming it, not Infinity', () => {
    const r = estimate({
      ...base,
      workload: { inputTokens: 1000, outputTokens: 100, batch: 4 },
      efficiency: { attentionPeakFraction: 5e-324 },
    });
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.code === 'result.not-finite');
    expect(d?.path).toEqual(['efficiency', 'attentionPeakFraction']);
  });

  it("a sweep's compact static path refuses a device efficiency of 5e-324 as estimate does, not NaN fields", () => {
    const device = {
      ...normalizeOk(base).hardware,
      id: 'slow-device',
      efficiency: { gemmPeakFraction: 5e-324 },
    };
    const spec = parseSweepSpec({
      base: { ...base, hardware: device, workload: { inputTokens: 100, outputTokens: 10, batch: 1 } },
      axes: { 'workload.batch': [1, 2] },
    });
    if (!spec.ok) throw new Error('spec');
    const row = sweepEvaluator(sweepPoints(spec.value)).evaluate(0).row;
    expect(row.ok).toBe(false);
    expect(row.ok ? '' : row.error).toMatch(/out of the range of double-precision numbers/);
  });

  it('a training run of 1.8e308 tokens is an error naming tokens, not an infinite energy', () => {
    const r = estimateTraining({
      model: 'llama-2-7b',
      hardware: 'mi325x',
      gpus: 64,
      sequenceLength: 512,
      globalBatch: 1024,
      microBatch: 8,
      precision: 'fp8',
      parallelism: { zero: 2 },
      network: { scaleOutGbpsPerGpu: 1.26 },
      tokens: Number.MAX_VALUE,
    });
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.code === 'result.not-finite');
    expect(d?.path).toEqual(['tokens']);
  });

  it('a model of 1e15 layers is refused by the schema (the layer stack was built for ever)', () => {
    const model = { ...normalizeOk(base).model, numLayers: 1e15 };
    const r = estimate({ ...base, model, workload: { inputTokens: 10, outputTokens: 10, batch: 1 } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((x) => x.message).join('\n')).toMatch(
      /model\.numLayers: at most 100,000 layers/,
    );
  });
});

function normalizeOk(s: unknown) {
  const v = validateScenario(s);
  if (!v.ok) throw new Error('invalid');
  const n = normalizeScenario(v.value);
  if (!n.ok) throw new Error('does not normalize');
  return n.value;
}
