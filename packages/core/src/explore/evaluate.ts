/**
 * Evaluating sweep points fast. Validation and normalization run once per distinct setting of
 * the axes outside `workload` (model, hardware, parallelism, engine…), not once per point: a
 * point that only moves workload fields reuses the normalized scenario of its group and swaps
 * the workload in. A static batch whose requested fields are all compact (headline metrics,
 * memory, bound) skips the report: no per-operator breakdown, uncertainty bands or energy.
 * Anything else (serving workloads, offload, other fields) runs the full estimate and projects
 * the report. Both paths give the same numbers (explore.test.ts checks them against estimate).
 */
import type { Bound, CostedPhase } from '../cost/roofline.js';
import { boundOf, costPhase } from '../cost/roofline.js';
import { buildGraph } from '../graph/build.js';
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { messages } from '../diagnostics/messages.js';
import { allFinite, estimateNormalized, staticBatchFootprint, validateScenario } from '../estimate.js';
import type { MemoryFootprint } from '../memory/footprint.js';
import type { EstimateReport, PhaseReport } from '../report/assemble.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import { normalizeScenario, normalizeWorkload, workloadKind } from '../scenario/normalize.js';
import { WorkloadSchema } from '../scenario/schema.js';
import type { PhaseCoster, StaticBatchTiming } from '../serving/static-batch.js';
import { simulateStaticBatch, staticHostSeconds } from '../serving/static-batch.js';
import type { SweepPoints } from './points.js';
import { setPath } from './points.js';

/** Fields of a sweep row by default: headline metrics, memory fit, binding resource. */
export const DEFAULT_FIELDS: readonly string[] = [
  'ttftMs',
  'tpotMs',
  'e2eLatencyMs',
  'outputTokensPerSec',
  'totalTokensPerSec',
  'requestsPerSec',
  'memory.fits',
  'memory.totalBytes',
  'memory.capacityBytes',
  'bound',
  'boundShare',
];

/** The compact result: what a static batch gives without assembling a report. */
export interface CompactResult {
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly e2eLatencyMs: number;
  readonly outputTokensPerSec: number;
  readonly totalTokensPerSec: number;
  readonly requestsPerSec: number;
  readonly batch: number;
  readonly memory: MemoryFootprint;
  /** The resource that holds most of the request's time (prefill and decode, over all steps). */
  readonly bound: Bound;
  /** Its share of that time. */
  readonly boundShare: number;
}

const COMPACT_ROOTS = new Set([
  'ttftMs',
  'tpotMs',
  'e2eLatencyMs',
  'outputTokensPerSec',
  'totalTokensPerSec',
  'requestsPerSec',
  'batch',
  'memory',
  'bound',
  'boundShare',
]);

/** Groups (normalized scenario and costed step graphs) kept at once. */
const MAX_GROUPS = 64;

/** A row: the point's field values, or the reason it could not be evaluated. */
export type SweepRow =
  { readonly ok: true; readonly fields: readonly unknown[] } | { readonly ok: false; readonly error: string };

/** A point: its axis values (in the order of SweepPoints.paths) and its row. */
export interface SweepPoint {
  readonly values: readonly unknown[];
  readonly row: SweepRow;
}

export interface SweepOptions {
  /** Dot paths into the result (EstimateReport plus bound and boundShare). Default DEFAULT_FIELDS. */
  readonly fields?: readonly string[];
  /**
   * Turns a point's scenario into what core takes (the CLI reads model and hardware files
   * here). Called once per group of points that share everything outside `workload`.
   */
  readonly prepare?: (scenario: Record<string, unknown>) => Result<Record<string, unknown>>;
}

export interface SweepEvaluator {
  readonly fields: readonly string[];
  /** Evaluates point i; never throws for a user error. */
  evaluate(i: number): SweepPoint;
}

type Group =
  | {
      readonly ok: true;
      readonly ns: NormalizedScenario;
      readonly diagnostics: readonly Diagnostic[];
      /** Costs step graphs once per shape: graphs do not depend on the workload's other fields. */
      readonly coster: PhaseCoster;
    }
  | { readonly ok: false; readonly error: string };

const errorText = (ds: readonly Diagnostic[]): string => {
  const errors = ds.filter((d) => d.severity === 'error');
  return (errors.length > 0 ? errors : ds).map((d) => d.message).join('; ') || 'scenario failed';
};

const isWorkloadPath = (p: string): boolean => p === 'workload' || p.startsWith('workload.');

type WorkloadIn = Record<string, unknown>;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** The normalized workload (normalize.ts's builder), or undefined when it is not valid. */
function normalizedWorkload(w: WorkloadIn): NormalizedScenario['workload'] | undefined {
  // The common static batch {inputTokens, outputTokens, batch} is checked by hand; anything
  // else goes through the schema.
  let plain = true;
  for (const k in w) if (k !== 'inputTokens' && k !== 'outputTokens' && k !== 'batch') plain = false;
  const { inputTokens, outputTokens, batch } = w;
  if (plain && isCount(inputTokens) && isCount(outputTokens) && isCount(batch))
    return normalizeWorkload({ inputTokens, outputTokens, batch }, 'batch');
  const r = WorkloadSchema.safeParse(w);
  return r.success ? normalizeWorkload(r.data) : undefined;
}

function addPhase(
  acc: Record<Bound, number>,
  phase: CostedPhase,
  perOpSeconds: readonly number[],
  context: number,
): void {
  const ops = phase.operators;
  for (let i = 0; i < ops.length; i++) {
    const c = ops[i];
    if (c === undefined) continue;
    const op = c.op;
    const ctx = context < op.contextCap ? context : op.contextCap;
    const compute = (op.flops + op.flopsPerContext * ctx) / c.flopsPerSecond;
    const memory = (op.bytes + op.bytesPerContext * ctx) / c.bytesPerSecond;
    acc[boundOf(c, compute, memory)] += perOpSeconds[i] ?? 0;
  }
}

function dominant(acc: Readonly<Record<Bound, number>>): { bound: Bound; boundShare: number } {
  let bound: Bound = 'compute';
  let total = 0;
  for (const b of ['compute', 'memory', 'communication', 'overhead'] as const) {
    total += acc[b];
    if (acc[b] > acc[bound]) bound = b;
  }
  return { bound, boundShare: total > 0 ? acc[bound] / total : 0 };
}

/** Bound over a static run, as the report's phases give it (phase time × bound shares). */
function staticBound(ns: NormalizedScenario, t: StaticBatchTiming): { bound: Bound; boundShare: number } {
  const acc: Record<Bound, number> = { compute: 0, memory: 0, communication: 0, overhead: 0 };
  const w = ns.workload;
  const { overhead } = staticHostSeconds(ns, t.sequences);
  addPhase(acc, t.prefill, t.prefillOperatorSeconds, w.inputTokens);
  acc.overhead += overhead;
  if (t.decodeSteps > 0) {
    addPhase(acc, t.decode, t.decodeOperatorSeconds, w.inputTokens + w.outputTokens / 2);
    acc.overhead += overhead * t.decodeSteps;
  }
  return dominant(acc);
}

/** Bound of a report, from its phases. */
export function reportBound(phases: readonly PhaseReport[]): { bound: Bound; boundShare: number } {
  const acc: Record<Bound, number> = { compute: 0, memory: 0, communication: 0, overhead: 0 };
  for (const p of phases)
    for (const b of ['compute', 'memory', 'communication', 'overhead'] as const)
      acc[b] += p.totalMs * p.boundShares[b];
  return dominant(acc);
}

/**
 * The compact result of a static batch without a report, or an error; undefined when the
 * scenario needs the full path (offload, or a number out of double range).
 */
export function compactStatic(
  ns: NormalizedScenario,
  coster?: PhaseCoster,
): Result<CompactResult> | undefined {
  if (ns.offload !== undefined || ns.workload.kind !== 'batch') return undefined;
  const w = ns.workload;
  const memory = staticBatchFootprint(ns);
  const capacity = ns.hardware.memory.capacityBytes;
  if (memory.weightsBytes + memory.reservedBytes > capacity)
    return { ok: false, diagnostics: [messages.weightsDoNotFit(memory.weightsBytes, capacity, ns.gpus)] };
  const timing = simulateStaticBatch(ns, coster);
  const totalSequences = timing.sequences * ns.dp;
  const e2e = timing.e2eSeconds;
  const { bound, boundShare } = staticBound(ns, timing);
  const value = {
    ttftMs: timing.ttftSeconds * 1e3,
    tpotMs: timing.decodeSteps > 0 ? (timing.decodeSeconds / (w.outputTokens - 1)) * 1e3 : 0,
    e2eLatencyMs: e2e * 1e3,
    outputTokensPerSec: (totalSequences * w.outputTokens) / e2e,
    totalTokensPerSec: (totalSequences * (w.inputTokens + w.outputTokens)) / e2e,
    requestsPerSec: totalSequences / e2e,
    batch: totalSequences,
    memory,
    bound,
    boundShare,
  };
  // Extreme input (a peak fraction of 5e-324) overflows: the full path words the error (estimate.ts).
  if (!allFinite(value)) return undefined;
  return { ok: true, diagnostics: [], value };
}

/** A PhaseCoster that keeps the costed phases of the shapes it has seen (a bounded number). */
export function memoizedCoster(limit = 512): PhaseCoster {
  const cache = new Map<string, CostedPhase>();
  return (ns, step) => {
    const key = `${step.phase}|${step.sequences}|${step.tokensPerSequence}|${step.priorContext ?? 0}`;
    let phase = cache.get(key);
    if (phase === undefined) {
      if (cache.size >= limit) cache.clear();
      phase = costPhase(ns, buildGraph(ns, step));
      cache.set(key, phase);
    }
    return phase;
  };
}

/** The report with bound and boundShare added (what --fields paths point into). */
export function withBound(report: EstimateReport): EstimateReport & { bound: Bound; boundShare: number } {
  return { ...report, ...reportBound(report.phases) };
}

/** A getter of a dot path ('memory.fits') into a result. */
function fieldGetter(field: string): (o: unknown) => unknown {
  const segments = field.split('.');
  return (o) => {
    let node = o;
    for (const s of segments) {
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Record<string, unknown>)[s];
    }
    return node;
  };
}

/** Validates and normalizes a point's whole scenario (prepared first when a prepare step is given). */
function normalizeWhole(
  scenario: Record<string, unknown>,
  prepare: SweepOptions['prepare'],
): Result<NormalizedScenario> {
  let input = scenario;
  if (prepare !== undefined) {
    const p = prepare(scenario);
    if (!p.ok) return p;
    input = p.value;
  }
  const v = validateScenario(input);
  if (!v.ok) return v;
  return normalizeScenario(v.value);
}

/**
 * The point's workload: the base's, with the workload axes set (copied before the first write,
 * never mutating the base). Pushes the point's axis values onto `values`.
 */
function pointWorkload(
  points: SweepPoints,
  digits: readonly number[],
  baseWorkload: unknown,
  values: unknown[],
): unknown {
  const dims = points.dimensions;
  let workload: unknown = baseWorkload;
  let copied = false;
  for (let k = 0; k < dims.length; k++) {
    const d = dims[k];
    if (d === undefined) continue;
    const vs = d.valuesAt(digits[k] ?? 0);
    for (let n = 0; n < vs.length; n++) {
      const p = d.paths[n] ?? '';
      const v = vs[n];
      values.push(v);
      if (p === 'workload') {
        workload = v;
        copied = false;
      } else if (p.startsWith('workload.')) {
        const rest = p.slice(9);
        const obj = (typeof workload === 'object' && workload !== null ? workload : {}) as WorkloadIn;
        if (rest.includes('.')) {
          workload = setPath(obj, rest, v);
          copied = true;
        } else {
          if (!copied) {
            workload = { ...obj };
            copied = true;
          }
          (workload as WorkloadIn)[rest] = v;
        }
      }
    }
  }
  return workload;
}

/** An evaluator of a sweep's points; it keeps per-group work (validation, normalization) between calls. */
export function sweepEvaluator(points: SweepPoints, options: SweepOptions = {}): SweepEvaluator {
  const fields = options.fields ?? DEFAULT_FIELDS;
  const compactOnly = fields.every((f) => COMPACT_ROOTS.has(f.split('.')[0] ?? ''));
  const dims = points.dimensions;
  // Dimensions that set something outside the workload define a point's group.
  const groupDims = dims.flatMap((d, k) => (d.paths.every(isWorkloadPath) ? [] : [k]));
  const base = points.spec.base as Record<string, unknown>;
  const baseWorkload = base['workload'];
  const groups = new Map<string, Group>();
  const digits = new Array<number>(dims.length).fill(0);

  const getters = fields.map(fieldGetter);
  const project = (result: unknown): SweepRow => ({ ok: true, fields: getters.map((g) => g(result)) });

  const fromNormalized = (
    ns: NormalizedScenario,
    diagnostics: readonly Diagnostic[],
    coster?: PhaseCoster,
  ): SweepRow => {
    if (compactOnly) {
      const c = compactStatic(ns, coster);
      if (c !== undefined) return c.ok ? project(c.value) : { ok: false, error: errorText(c.diagnostics) };
    }
    const r = estimateNormalized(ns, diagnostics);
    return r.ok ? project(withBound(r.value)) : { ok: false, error: errorText(r.diagnostics) };
  };

  const evaluate = (i: number): SweepPoint => {
    points.digitsOf(i, digits);
    let key = '';
    for (const k of groupDims) key += `${digits[k] ?? 0},`;
    const values: unknown[] = [];
    const workload = pointWorkload(points, digits, baseWorkload, values);
    return { values, row: rowOf(i, workload, key) };
  };

  const rowOf = (i: number, workload: unknown, groupKey: string): SweepRow => {
    let key = groupKey;
    const wl = (typeof workload === 'object' && workload !== null ? workload : {}) as WorkloadIn;
    key += workloadKind(wl);
    const group = groups.get(key);
    if (group !== undefined) {
      if (!group.ok) return { ok: false, error: group.error };
      const nw = normalizedWorkload(wl);
      const maxPos = group.ns.model.maxPositionEmbeddings;
      if (nw !== undefined && (maxPos === undefined || nw.inputTokens + nw.outputTokens <= maxPos))
        return fromNormalized({ ...group.ns, workload: nw }, group.diagnostics, group.coster);
    }
    // First point of its group, or a workload the fast path does not take: the whole pipeline.
    const r = normalizeWhole(points.scenarioOf(i), options.prepare);
    if (!r.ok) {
      const error = errorText(r.diagnostics);
      // A failure outside the workload fails the whole group.
      if (group === undefined && !r.diagnostics.some((d) => d.path?.[0] === 'workload')) {
        if (groups.size >= MAX_GROUPS) groups.clear();
        groups.set(key, { ok: false, error });
      }
      return { ok: false, error };
    }
    let coster = group?.ok === true ? group.coster : undefined;
    if (group === undefined) {
      // Memory stays bounded when every point is its own group (an axis over an efficiency).
      if (groups.size >= MAX_GROUPS) groups.clear();
      const diagnostics = r.diagnostics.filter((d) => d.path?.[0] !== 'workload');
      coster = memoizedCoster();
      groups.set(key, { ok: true, ns: r.value, diagnostics, coster });
    }
    return fromNormalized(r.value, r.diagnostics, coster);
  };

  return { fields, evaluate };
}
