import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { compareReports } from './compare.js';
import { DEFAULT_FIELDS, sweepEvaluator, withBound } from './evaluate.js';
import { getPath, setPath, shardRange, sweepPoints } from './points.js';
import { rowWriter } from './rows.js';
import type { SweepSpec } from './spec.js';
import { parseSweepSpec } from './spec.js';

const base = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  workload: { inputTokens: 1024, outputTokens: 128, batch: 1 },
};

function spec(input: unknown): SweepSpec {
  const r = parseSweepSpec(input);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
}

describe('parseSweepSpec', () => {
  it('names the field of each error', () => {
    const r = parseSweepSpec({
      base,
      axes: {
        'workload.batch': { from: 1, to: 8, steps: 0 },
        'workload.inputTokens': { from: 0, to: 8, steps: 4, scale: 'log' },
        pair: { zip: { 'parallelism.tp': [1, 2], gpus: [1] } },
        '.bad': [1],
        grid: { from: 1, to: 2 },
      },
      extra: 1,
    });
    expect(r.ok).toBe(false);
    const paths = r.diagnostics.map((d) => d.path?.join('.'));
    expect(paths).toContain('axes.workload.batch.steps');
    expect(paths).toContain('axes.workload.inputTokens');
    expect(paths).toContain('axes.pair.zip');
    expect(paths).toContain('axes..bad');
    expect(paths).toContain('axes.grid');
    expect(paths).toContain('extra');
    expect(r.diagnostics.find((d) => d.path?.join('.') === 'axes.pair.zip')?.message).toMatch(/same length/);
  });

  it('needs a base mapping', () => {
    const r = parseSweepSpec({ axes: {} });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.path).toEqual(['base']);
  });
});

describe('sweepPoints', () => {
  it('enumerates the cartesian product, last axis fastest', () => {
    const p = sweepPoints(
      spec({ base, axes: { hardware: ['h100-sxm', 'h200-sxm'], 'workload.batch': [1, 2, 4] } }),
    );
    expect(p.count).toBe(6);
    expect(p.paths).toEqual(['hardware', 'workload.batch']);
    expect(Array.from({ length: 6 }, (_, i) => p.valuesOf(i))).toEqual([
      ['h100-sxm', 1],
      ['h100-sxm', 2],
      ['h100-sxm', 4],
      ['h200-sxm', 1],
      ['h200-sxm', 2],
      ['h200-sxm', 4],
    ]);
    const s = p.scenarioOf(4);
    expect(s['hardware']).toBe('h200-sxm');
    expect(getPath(s, 'workload.batch')).toBe(2);
    expect(getPath(s, 'workload.inputTokens')).toBe(1024);
    // The base is never mutated.
    expect(base.workload.batch).toBe(1);
  });

  it('ranges: linear, log, step, integer rounding', () => {
    const p = sweepPoints(
      spec({
        base,
        axes: {
          a: { from: 128, to: 32768, steps: 9, scale: 'log' },
          b: { from: 0, to: 1, step: 0.25, integer: false },
          c: { from: 1, to: 2, steps: 3, integer: false },
        },
      }),
    );
    const [a, b, c] = p.dimensions;
    expect(Array.from({ length: a?.size ?? 0 }, (_, j) => a?.valuesAt(j)[0])).toEqual([
      128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
    ]);
    expect(Array.from({ length: b?.size ?? 0 }, (_, j) => b?.valuesAt(j)[0])).toEqual([
      0, 0.25, 0.5, 0.75, 1,
    ]);
    expect(Array.from({ length: c?.size ?? 0 }, (_, j) => c?.valuesAt(j)[0])).toEqual([1, 1.5, 2]);
  });

  it('zips lists that move together', () => {
    const p = sweepPoints(
      spec({ base, axes: { split: { zip: { 'parallelism.tp': [8, 4], 'parallelism.dp': [1, 2] } } } }),
    );
    expect(p.count).toBe(2);
    expect(p.scenarioOf(1)['parallelism']).toEqual({ tp: 4, dp: 2 });
  });

  it('samples are seeded, index-addressable, and LHS hits every stratum once', () => {
    const axis = (method: string, seed: number): SweepSpec =>
      spec({
        base,
        axes: {
          s: {
            sample: method,
            count: 50,
            seed,
            ranges: { 'workload.batch': { from: 1, to: 256 }, x: { from: 0.5, to: 1, integer: false } },
          },
        },
      });
    const lhs = sweepPoints(axis('lhs', 7));
    const again = sweepPoints(axis('lhs', 7));
    expect(lhs.valuesOf(37)).toEqual(again.valuesOf(37));
    expect(sweepPoints(axis('lhs', 8)).valuesOf(37)).not.toEqual(lhs.valuesOf(37));
    const xs = Array.from({ length: 50 }, (_, i) => lhs.valuesOf(i)[1] as number);
    const strata = new Set(xs.map((x) => Math.floor(((x - 0.5) / 0.5) * 50)));
    expect(strata.size).toBe(50);
    const random = sweepPoints(axis('random', 3));
    for (let i = 0; i < 50; i++) {
      const [batch, x] = random.valuesOf(i) as [number, number];
      expect(Number.isInteger(batch) && batch >= 1 && batch <= 256).toBe(true);
      expect(x >= 0.5 && x < 1).toBe(true);
    }
  });

  it('shards cover the points once, in order', () => {
    const ranges = [1, 2, 3].map((k) => shardRange(10, k, 3));
    expect(ranges).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 10 },
    ]);
  });

  it('setPath copies along the path and indexes arrays', () => {
    const o = { a: { b: [1, 2] }, c: 1 };
    const out = setPath(o, 'a.b.1', 5);
    expect(out).toEqual({ a: { b: [1, 5] }, c: 1 });
    expect(o.a.b[1]).toBe(2);
    expect(setPath({}, 'x.y', 1)).toEqual({ x: { y: 1 } });
  });
});

describe('sweepEvaluator', () => {
  const grid = spec({
    base,
    axes: {
      model: ['llama-3.1-8b', 'llama-3.1-70b'],
      'parallelism.tp': [1, 2],
      'workload.batch': [1, 16, 300],
      'workload.inputTokens': { from: 128, to: 8192, steps: 3, scale: 'log' },
      'workload.outputTokens': [1, 64],
    },
  });

  it('gives what estimate gives, point by point, in any order', () => {
    const points = sweepPoints(grid);
    const ev = sweepEvaluator(points);
    const order = Array.from({ length: points.count }, (_, i) => (i * 7) % points.count);
    let failures = 0;
    for (const i of order) {
      const { values, row } = ev.evaluate(i);
      expect(values).toEqual(points.valuesOf(i));
      const full = estimate({ ...points.scenarioOf(i), gpus: undefined });
      if (!full.ok) {
        failures++;
        expect(row.ok).toBe(false);
        if (!row.ok)
          expect(row.error).toContain(full.diagnostics.find((d) => d.severity === 'error')?.message);
        continue;
      }
      expect(row.ok).toBe(true);
      if (!row.ok) continue;
      const expected = DEFAULT_FIELDS.map((f) => getPath(withBound(full.value), f));
      // Exact, but for boundShare: the report sums phase time × share, the fast path seconds.
      const share = DEFAULT_FIELDS.indexOf('boundShare');
      expect(row.fields.filter((_, k) => k !== share)).toEqual(expected.filter((_, k) => k !== share));
      expect(row.fields[share]).toBeCloseTo(expected[share] as number, 12);
    }
    // 70B in bf16 does not fit one H100: those points are error rows, not crashes.
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(points.count);
  });

  it('projects any report field and evaluates serving workloads through the full path', () => {
    const points = sweepPoints(
      spec({
        base: { ...base, workload: { inputTokens: 512, outputTokens: 64, concurrency: 4, requests: 40 } },
        axes: { 'workload.concurrency': [1, 4] },
      }),
    );
    const fields = ['ttftMs', 'serving.requests', 'latency.ttft.p90', 'phases.0.phase', 'bound'];
    const ev = sweepEvaluator(points, { fields });
    const full = estimate(points.scenarioOf(1));
    expect(full.ok).toBe(true);
    const row = ev.evaluate(1).row;
    expect(row).toEqual({
      ok: true,
      fields: fields.map((f) => (full.ok ? getPath(withBound(full.value), f) : 0)),
    });
    if (row.ok) expect(row.fields[1]).toBe(40);
  });

  it('turns an invalid point into an error row naming the field', () => {
    const points = sweepPoints(
      spec({ base, axes: { 'workload.batch': [1, 0], hardware: ['h100-sxm', 'h1OO'] } }),
    );
    const ev = sweepEvaluator(points);
    expect(ev.evaluate(0).row.ok).toBe(true);
    const zero = ev.evaluate(2).row;
    expect(zero.ok).toBe(false);
    if (!zero.ok) expect(zero.error).toMatch(/batch/);
    const unknown = ev.evaluate(1).row;
    if (!unknown.ok) expect(unknown.error).toMatch(/h1OO/);
    expect(unknown.ok).toBe(false);
  });
});

describe('rowWriter', () => {
  it('writes JSONL and CSV rows, with error rows', () => {
    const json = rowWriter('jsonl', ['a.b'], ['x', 'y']);
    expect(json.header).toBe('');
    expect(json.line([1], { ok: true, fields: [0.5, 'memory'] })).toBe('{"a.b":1,"x":0.5,"y":"memory"}\n');
    expect(json.line(['q'], { ok: false, error: 'no "fit"' })).toBe('{"a.b":"q","error":"no \\"fit\\""}\n');
    const csv = rowWriter('csv', ['a.b'], ['x', 'y']);
    expect(csv.header).toBe('a.b,x,y,error\n');
    expect(csv.line([1], { ok: true, fields: [0.5, { k: 1 }] })).toBe('1,0.5,"{""k"":1}",\n');
    expect(csv.line([1], { ok: false, error: 'a, b' })).toBe('1,,,"a, b"\n');
  });
});

describe('compareReports', () => {
  it('marks differing inputs and metrics, with ratios to the first', () => {
    const a = estimate({ ...base, workload: { ...base.workload, batch: 1 } });
    const b = estimate({ ...base, workload: { ...base.workload, batch: 8 } });
    if (!a.ok || !b.ok) throw new Error('estimate failed');
    const c = compareReports(['a', 'b'], [a.value, b.value]);
    const input = (f: string) => c.inputs.find((r) => r.field === f);
    const metric = (f: string) => c.metrics.find((r) => r.field === f);
    expect(input('workload.batch')).toMatchObject({ values: [1, 8], differs: true });
    expect(input('model')).toMatchObject({ differs: false });
    expect(metric('outputTokensPerSec')?.differs).toBe(true);
    expect(metric('outputTokensPerSec')?.ratios?.[1]).toBeGreaterThan(4);
    expect(metric('memory.capacityBytes')?.differs).toBe(false);
    // Rows no report has (cost without a price) are left out.
    expect(metric('cost.usdPerMillionOutputTokens')).toBeUndefined();
  });
});
