/**
 * Points of a sweep by index: the axes form a mixed-radix number (the first axis the most
 * significant digit), so point i is computed directly, without enumerating 0..i−1. Shards,
 * resume and parallel workers all rest on this: any index range is independent of the others.
 * Random and Latin-hypercube samples use a counter-based hash of (seed, range, index), so a
 * draw does not depend on the draws before it.
 */
import type { Axis, Range, SampleRange, SweepSpec } from './spec.js';

/** One dimension of the sweep: `size` positions, each setting one or more paths. */
export interface Dimension {
  readonly size: number;
  /** Paths this dimension sets, in column order. */
  readonly paths: readonly string[];
  /** Values of `paths` at position j (0 ≤ j < size). */
  valuesAt(j: number): readonly unknown[];
}

/** 32-bit avalanche hash (lowbias32 by Chris Wellons) of three integers. */
function hash3(a: number, b: number, c: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(c + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) determined by (seed, stream, index). */
export function uniformAt(seed: number, stream: number, index: number): number {
  const hi = hash3(seed | 0, stream, index) >>> 5; // 27 bits
  const lo = hash3(seed | 0, stream + 0x10000, index) >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

function roundsToInteger(r: { from: number; to: number; integer?: boolean | undefined }): boolean {
  return r.integer ?? (Number.isInteger(r.from) && Number.isInteger(r.to));
}

/** Maps t in [0, 1] into the range on its scale. */
function scaled(r: SampleRange | Range, t: number): number {
  const v = r.scale === 'log' ? r.from * Math.pow(r.to / r.from, t) : r.from + (r.to - r.from) * t;
  return roundsToInteger(r) ? Math.round(v) : v;
}

/** Drops binary noise of a repeated sum (0.1 + 0.2) from a value computed by steps. */
const tidy = (v: number): number => Number(v.toPrecision(15));

function rangeDimension(path: string, r: Range): Dimension {
  const integer = roundsToInteger(r);
  if (r.step !== undefined) {
    const step = r.step;
    const size = Math.floor((r.to - r.from) / step + 1e-9) + 1;
    return {
      size,
      paths: [path],
      valuesAt: (j) => {
        const v = tidy(r.from + j * step);
        return [integer ? Math.round(v) : v];
      },
    };
  }
  const steps = r.steps ?? 1;
  return {
    size: steps,
    paths: [path],
    valuesAt: (j) => {
      if (steps === 1) return [integer ? Math.round(r.from) : r.from];
      if (j === steps - 1) return [integer ? Math.round(r.to) : r.to];
      const t = j / (steps - 1);
      return [r.scale === 'log' ? scaled(r, t) : integer ? Math.round(scaled(r, t)) : tidy(scaled(r, t))];
    },
  };
}

/** Fisher–Yates permutation of 0..n−1 from a seeded counter-based stream. */
function permutation(n: number, seed: number, stream: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(seed, stream, i) * (i + 1));
    const t = p[i] ?? 0;
    p[i] = p[j] ?? 0;
    p[j] = t;
  }
  return p;
}

function sampleDimension(a: Extract<Axis, { kind: 'sample' }>): Dimension {
  const paths = Object.keys(a.ranges);
  const ranges = paths.map((p) => a.ranges[p] as SampleRange);
  // LHS: range d's stratum for draw j is perm_d[j]; the draw is uniform inside the stratum.
  const perms = a.method === 'lhs' ? ranges.map((_, d) => permutation(a.count, a.seed, 2 * d + 1)) : [];
  return {
    size: a.count,
    paths,
    valuesAt: (j) =>
      ranges.map((r, d) => {
        const u = uniformAt(a.seed, 2 * d, j);
        const t = a.method === 'lhs' ? ((perms[d]?.[j] ?? 0) + u) / a.count : u;
        return scaled(r, t);
      }),
  };
}

function dimensionOf(a: Axis): Dimension {
  switch (a.kind) {
    case 'list':
      return { size: a.values.length, paths: [a.path], valuesAt: (j) => [a.values[j]] };
    case 'range':
      return rangeDimension(a.path, a.range);
    case 'zip': {
      const paths = Object.keys(a.lists);
      const lists = paths.map((p) => a.lists[p] ?? []);
      return { size: lists[0]?.length ?? 0, paths, valuesAt: (j) => lists.map((l) => l[j]) };
    }
    case 'sample':
      return sampleDimension(a);
  }
}

export interface SweepPoints {
  readonly spec: SweepSpec;
  readonly dimensions: readonly Dimension[];
  /** Number of points (the product of the dimension sizes; 1 with no axes). */
  readonly count: number;
  /** Every path the axes set, in column order. */
  readonly paths: readonly string[];
  /** Position of point i along each dimension. */
  digitsOf(i: number, into?: number[]): number[];
  /** Path values of point i, in `paths` order. */
  valuesOf(i: number): unknown[];
  /** The scenario of point i: the base with every axis value set. */
  scenarioOf(i: number): Record<string, unknown>;
}

/** The points of a spec. Throws only for a sweep with more points than a safe integer. */
export function sweepPoints(spec: SweepSpec): SweepPoints {
  const dimensions = spec.axes.map(dimensionOf);
  let count = 1;
  for (const d of dimensions) count *= d.size;
  const paths = dimensions.flatMap((d) => d.paths);
  const digitsOf = (i: number, into: number[] = new Array<number>(dimensions.length)): number[] => {
    let rest = i;
    for (let k = dimensions.length - 1; k >= 0; k--) {
      const size = dimensions[k]?.size ?? 1;
      into[k] = rest % size;
      rest = Math.floor(rest / size);
    }
    return into;
  };
  const valuesOf = (i: number): unknown[] => {
    const digits = digitsOf(i);
    return dimensions.flatMap((d, k) => d.valuesAt(digits[k] ?? 0));
  };
  return {
    spec,
    dimensions,
    count,
    paths,
    digitsOf,
    valuesOf,
    scenarioOf: (i) => {
      const values = valuesOf(i);
      let out: Record<string, unknown> = spec.base;
      paths.forEach((p, k) => {
        out = setPath(out, p, values[k]);
      });
      return out;
    },
  };
}

/**
 * A copy of `obj` with the dot path set to `value`; objects along the path are copied (never
 * mutated), missing ones created. A numeric segment indexes an array.
 */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  return setIn(obj, path.split('.'), 0, value) as Record<string, unknown>;
}

function setIn(node: unknown, segments: readonly string[], k: number, value: unknown): unknown {
  if (k === segments.length) return value;
  const key = segments[k] ?? '';
  if (Array.isArray(node) && /^\d+$/.test(key)) {
    const copy: unknown[] = [...(node as unknown[])];
    copy[Number(key)] = setIn(copy[Number(key)], segments, k + 1, value);
    return copy;
  }
  const base = typeof node === 'object' && node !== null && !Array.isArray(node) ? node : {};
  const child = (base as Record<string, unknown>)[key];
  return { ...base, [key]: setIn(child, segments, k + 1, value) };
}

/** The value at a dot path, or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let node = obj;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Points [start, end) of shard k of n (1-based): contiguous, in order, together all points. */
export function shardRange(count: number, k: number, n: number): { start: number; end: number } {
  return { start: Math.floor((count * (k - 1)) / n), end: Math.floor((count * k) / n) };
}
