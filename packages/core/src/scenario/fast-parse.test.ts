import { describe, expect, it } from 'vitest';
import { validateScenario } from '../estimate.js';
import { FAST_PARSE_KEYS, fastParseScenario } from './fast-parse.js';
import {
  EfficiencyOverridesSchema,
  ParallelismSchema,
  PrecisionSchema,
  ScenarioSchema,
  ServingSchema,
  TopologySchema,
  WorkloadSchema,
} from './schema.js';

/** JSON that also tells undefined-valued keys and -0 apart (both matter to "the same as zod"). */
const exact = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x === undefined ? '<undefined>' : Object.is(x, -0) ? '<-0>' : (x as unknown),
  );

const shapeKeys = (s: { shape: Record<string, unknown> }): string[] => Object.keys(s.shape);

const BASES: Record<string, unknown>[] = [
  {
    model: 'llama-3.1-8b',
    hardware: 'h100-sxm',
    gpus: 1,
    engine: 'vllm',
    workload: { inputTokens: 2048, outputTokens: 256, batch: 64 },
  },
  {
    model: 'deepseek-v3',
    hardware: 'h200-sxm',
    gpus: 8,
    parallelism: { tp: 8, ep: 8, attentionDp: true, microBatches: 2 },
    precision: { weights: 'fp8', kvCache: 'fp8', fp8Scaling: 'block' },
    engine: 'sglang',
    workload: { inputTokens: 1024, outputTokens: 1024, requestRate: 2.5, requests: 300, seed: 3 },
    serving: { maxBatchedTokens: 8192, prefixCacheHitRate: 0.25, chunkedPrefill: true },
    efficiency: { gemmPeakFraction: 0.7, kernelLaunchSeconds: 0 },
    topology: { scaleUpDomainSize: 8, scaleOutLatencySeconds: 1e-5 },
    calibration: 'none',
  },
  {
    model: 'llama-3.1-70b',
    hardware: 'mi300x',
    workload: { inputTokens: 100, outputTokens: 10, concurrency: 4, dataset: 'mlperf-llama2-70b' },
    precision: {},
  },
  { model: 'x', hardware: 'y', workload: { inputTokens: 1, outputTokens: 1, maxThroughput: true } },
];

/** Values to put in each field: valid and invalid of every kind zod tells apart. */
const VALUES: unknown[] = [
  undefined,
  null,
  0,
  -0,
  1,
  2,
  -1,
  0.5,
  1.5,
  1e-7,
  2 ** 53,
  NaN,
  Infinity,
  -Infinity,
  '',
  'fp8',
  'bf16',
  'vllm',
  'trtllm@0.17',
  'none',
  'shipped',
  'block',
  'h100-sxm',
  true,
  false,
  {},
  [],
  [1],
  { applied: 'x' },
  { tp: 2 },
  { kind: 'fixed', tokens: 3 },
  new Date(0),
  Object.create(null) as unknown,
];

/** Every input from setting one field (top level or one level down) of a base to each value. */
function variants(): unknown[] {
  const out: unknown[] = [];
  const nestedKeys: Record<string, readonly string[]> = FAST_PARSE_KEYS;
  for (const base of BASES) {
    out.push(base);
    for (const key of [...(FAST_PARSE_KEYS.scenario ?? []), 'unknownField']) {
      for (const v of VALUES) out.push({ ...base, [key]: v });
      out.push(Object.fromEntries(Object.entries(base).filter(([k]) => k !== key)));
      const inner = nestedKeys[key];
      if (inner === undefined) continue;
      const current = (base[key] ?? {}) as Record<string, unknown>;
      for (const k of [...inner, 'unknownField', 'toString'])
        for (const v of VALUES) out.push({ ...base, [key]: { ...current, [k]: v } });
    }
  }
  // Workload kinds: none, two, maxThroughput false, a kind given as undefined.
  const w = { inputTokens: 5, outputTokens: 5 };
  for (const workload of [
    w,
    { ...w, batch: 1, concurrency: 1 },
    { ...w, maxThroughput: false },
    { ...w, maxThroughput: false, batch: 2 },
    { ...w, batch: undefined, requestRate: 1 },
    { ...w, requestRate: 1, maxThroughput: true },
    { ...w, batch: 1, requests: 1_000_001 },
    { ...w, batch: 1, requests: 1_000_000 },
  ])
    out.push({ model: 'a', hardware: 'b', workload });
  out.push(null, undefined, 'x', [], 3, new Map());
  return out;
}

describe('fastParseScenario', () => {
  it('knows exactly the fields of each schema object it parses', () => {
    expect(FAST_PARSE_KEYS.scenario).toEqual(shapeKeys(ScenarioSchema));
    expect(FAST_PARSE_KEYS.parallelism).toEqual(shapeKeys(ParallelismSchema));
    expect(FAST_PARSE_KEYS.precision).toEqual(shapeKeys(PrecisionSchema));
    expect(FAST_PARSE_KEYS.workload).toEqual(shapeKeys(WorkloadSchema));
    expect(FAST_PARSE_KEYS.serving).toEqual(shapeKeys(ServingSchema));
    expect(FAST_PARSE_KEYS.topology).toEqual(shapeKeys(TopologySchema));
    expect(FAST_PARSE_KEYS.efficiency).toEqual(shapeKeys(EfficiencyOverridesSchema));
  });

  it('accepts only what zod accepts, and returns what zod returns', () => {
    let accepted = 0;
    let rejected = 0;
    let zodAccepted = 0;
    const cases = variants();
    for (const input of cases) {
      const fast = fastParseScenario(input);
      const zod = ScenarioSchema.safeParse(input);
      if (zod.success) zodAccepted++;
      if (fast === undefined) {
        rejected++;
        continue;
      }
      accepted++;
      expect(zod.success, exact(input)).toBe(true);
      expect(exact(fast), exact(input)).toBe(exact(zod.data));
      expect(Object.keys(fast)).toEqual(Object.keys(zod.data ?? {}));
    }
    // Both paths are exercised: most valid variants take the fast one, the rest go to zod.
    expect(accepted).toBeGreaterThan(zodAccepted * 0.8);
    expect(rejected).toBeGreaterThan(cases.length / 2);
  });

  it('builds fresh objects: defaults are never shared between calls', () => {
    const input = { model: 'a', hardware: 'b', workload: { inputTokens: 1, outputTokens: 1, batch: 1 } };
    const a = fastParseScenario(input);
    const b = fastParseScenario(input);
    expect(a).toBeDefined();
    expect(a?.parallelism).not.toBe(b?.parallelism);
    expect(a?.precision).not.toBe(b?.precision);
    expect(a?.workload).not.toBe(input.workload);
  });

  it('leaves invalid input to zod, so validateScenario words its errors as before', () => {
    const r = validateScenario({
      model: 'a',
      hardware: 'b',
      workload: { inputTokens: 1, outputTokens: 1, batch: 0 },
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.message).join('\n')).toContain('workload.batch');
  });
});
