/**
 * The sweep spec: a base scenario and axes over field paths (docs/explore.md). Each axis is a
 * list of values, a linear or log range, a zip of lists that move together, or a seeded random
 * or Latin-hypercube sample over ranges. Parsing dispatches on the axis's shape so every error
 * names its field (['axes', 'workload.batch', 'steps']).
 */
import { z } from 'zod';
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';

/** A range of numbers: `steps` values from `from` to `to` (both included), or every `step`. */
export const RangeSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    /** Number of values, endpoints included. */
    steps: z.number().int().positive().optional(),
    /** Increment (linear ranges only), instead of steps. */
    step: z.number().positive().optional(),
    /** linear (default) or log (geometric; from and to must be positive). */
    scale: z.enum(['linear', 'log']).default('linear'),
    /** Round to integers. Default: true when from and to are both integers. */
    integer: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.scale === 'log' && (r.from <= 0 || r.to <= 0))
      ctx.addIssue({ code: 'custom', message: 'a log range needs from and to greater than 0' });
    if (r.scale === 'log' && r.step !== undefined)
      ctx.addIssue({ code: 'custom', path: ['step'], message: 'a log range takes steps, not step' });
    if (r.step !== undefined && r.to < r.from)
      ctx.addIssue({ code: 'custom', path: ['step'], message: 'with step, to must not be below from' });
  });
export type Range = z.output<typeof RangeSchema>;

/** A range for a sample: no steps, the sample draws `count` values. */
export const SampleRangeSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    scale: z.enum(['linear', 'log']).default('linear'),
    integer: z.boolean().optional(),
  })
  .strict()
  .refine((r) => r.scale !== 'log' || (r.from > 0 && r.to > 0), {
    message: 'a log range needs from and to greater than 0',
  });
export type SampleRange = z.output<typeof SampleRangeSchema>;

const ListSchema = z.array(z.unknown()).min(1, 'an axis list needs at least one value');

export const ZipSchema = z
  .object({ zip: z.record(z.string(), ListSchema) })
  .strict()
  .superRefine((a, ctx) => {
    const lengths = Object.values(a.zip).map((v) => v.length);
    if (lengths.length === 0) ctx.addIssue({ code: 'custom', path: ['zip'], message: 'zip needs paths' });
    else if (lengths.some((n) => n !== lengths[0]))
      ctx.addIssue({
        code: 'custom',
        path: ['zip'],
        message: `the lists of a zip must have the same length (got ${lengths.join(', ')})`,
      });
  });

export const SampleSchema = z
  .object({
    /** random: independent uniform draws; lhs: Latin hypercube (one draw per stratum per range). */
    sample: z.enum(['random', 'lhs']),
    count: z.number().int().positive().max(10_000_000),
    seed: z.number().int().default(0),
    ranges: z.record(z.string(), SampleRangeSchema),
  })
  .strict()
  .refine((a) => Object.keys(a.ranges).length > 0, { path: ['ranges'], message: 'a sample needs ranges' });

export type Axis =
  | { readonly kind: 'list'; readonly path: string; readonly values: readonly unknown[] }
  | { readonly kind: 'range'; readonly path: string; readonly range: Range }
  | {
      readonly kind: 'zip';
      readonly name: string;
      readonly lists: Readonly<Record<string, readonly unknown[]>>;
    }
  | {
      readonly kind: 'sample';
      readonly name: string;
      readonly method: 'random' | 'lhs';
      readonly count: number;
      readonly seed: number;
      readonly ranges: Readonly<Record<string, SampleRange>>;
    };

export interface SweepSpec {
  /** The scenario every point starts from (loose input: axes may fill in what it lacks). */
  readonly base: Readonly<Record<string, unknown>>;
  /** In order: the first axis varies slowest, the last fastest. */
  readonly axes: readonly Axis[];
}

type Key = string | number;

function issues(error: z.ZodError, prefix: readonly Key[]): Diagnostic[] {
  return error.issues.map((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    return {
      code: 'sweep.invalid-spec',
      severity: 'error' as const,
      message: `${path.join('.')}: ${i.message}`,
      path,
    };
  });
}

function specError(path: readonly Key[], message: string): Diagnostic {
  return { code: 'sweep.invalid-spec', severity: 'error', message: `${path.join('.')}: ${message}`, path };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field path: dot-separated, no empty segments. */
function checkPath(path: string, at: readonly Key[]): Diagnostic | undefined {
  if (path === '' || path.split('.').some((s) => s === ''))
    return specError(at, `'${path}' is not a field path (dot-separated names, e.g. workload.batch)`);
  return undefined;
}

function parseAxis(key: string, value: unknown): Result<Axis> {
  const at: Key[] = ['axes', key];
  if (Array.isArray(value)) {
    const bad = checkPath(key, at);
    if (bad !== undefined) return fail(bad);
    const r = ListSchema.safeParse(value);
    return r.success ? ok({ kind: 'list', path: key, values: r.data }) : fail(...issues(r.error, at));
  }
  if (!isRecord(value))
    return fail(
      specError(at, 'an axis is a list of values, a range {from, to, steps}, {zip: ...} or {sample: ...}'),
    );
  if ('zip' in value) {
    const r = ZipSchema.safeParse(value);
    if (!r.success) return fail(...issues(r.error, at));
    const bad = Object.keys(r.data.zip)
      .map((p) => checkPath(p, [...at, 'zip', p]))
      .filter((d) => d !== undefined);
    return bad.length > 0 ? fail(...bad) : ok({ kind: 'zip', name: key, lists: r.data.zip });
  }
  if ('sample' in value) {
    const r = SampleSchema.safeParse(value);
    if (!r.success) return fail(...issues(r.error, at));
    const bad = Object.keys(r.data.ranges)
      .map((p) => checkPath(p, [...at, 'ranges', p]))
      .filter((d) => d !== undefined);
    if (bad.length > 0) return fail(...bad);
    const { sample, count, seed, ranges } = r.data;
    return ok({ kind: 'sample', name: key, method: sample, count, seed, ranges });
  }
  const bad = checkPath(key, at);
  if (bad !== undefined) return fail(bad);
  const r = RangeSchema.safeParse(value);
  if (!r.success) return fail(...issues(r.error, at));
  if ((r.data.steps === undefined) === (r.data.step === undefined))
    return fail(specError(at, 'a range needs exactly one of steps (a count) or step (an increment)'));
  return ok({ kind: 'range', path: key, range: r.data });
}

/** Validates loose input (as read from YAML or JSON) as a sweep spec. */
export function parseSweepSpec(input: unknown): Result<SweepSpec> {
  if (!isRecord(input)) return fail(specError([], 'a sweep spec is a mapping with base and axes'));
  const errors: Diagnostic[] = [];
  for (const key of Object.keys(input))
    if (key !== 'base' && key !== 'axes')
      errors.push(specError([key], 'unknown field (expected base, axes)'));
  const base = input['base'];
  if (!isRecord(base)) errors.push(specError(['base'], 'base must be a scenario (a mapping of fields)'));
  const rawAxes = input['axes'] ?? {};
  const axes: Axis[] = [];
  if (!isRecord(rawAxes)) errors.push(specError(['axes'], 'axes must be a mapping of field path to values'));
  else
    for (const [key, value] of Object.entries(rawAxes)) {
      const r = parseAxis(key, value);
      if (r.ok) axes.push(r.value);
      else errors.push(...r.diagnostics);
    }
  if (errors.length > 0) return fail(...errors);
  return ok({ base: base as Record<string, unknown>, axes });
}
