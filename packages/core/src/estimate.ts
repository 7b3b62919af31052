/**
 * The pipeline, as named phases: validate (zod) → normalize → buildGraph → cost → simulate →
 * assembleReport. `estimate` takes loose input and never throws for a user error: it returns
 * diagnostics instead.
 */
import type { Diagnostic, Result } from './diagnostics/diagnostic.js';
import { fail, ok } from './diagnostics/diagnostic.js';
import { memoryMessages } from './memory/messages.js';
import { scenarioMessages } from './scenario/messages.js';
import { uncertaintyMessages } from './uncertainty/messages.js';
import { closestMatches, editDistance } from './diagnostics/closest.js';
import type { MemoryFootprint } from './memory/footprint.js';
import { memoryFootprint } from './memory/footprint.js';
import type { EstimateReport, OperatorReport } from './report/assemble.js';
import { assembleReport, assembleServingReport } from './report/assemble.js';
import { weightsBytesPerDevice } from './memory/footprint.js';
import { expectedAcceptedTokens } from './serving/continuous.js';
import { simulateServing } from './serving/serve.js';
import type { NormalizedScenario } from './scenario/normalize.js';
import { normalizeScenario } from './scenario/normalize.js';
import type { Scenario } from './scenario/schema.js';
import { ScenarioSchema } from './scenario/schema.js';
import { fastParseScenario } from './scenario/fast-parse.js';
import { peakStepTokens, simulateStaticBatch } from './serving/static-batch.js';
import type { ScenarioBands } from './uncertainty/band.js';
import { scenarioBands } from './uncertainty/scenario-bands.js';
import type { OpenLoopLoad } from './uncertainty/utilization.js';
import { openLoopLoad } from './uncertainty/utilization.js';

/** Validates loose input against the scenario schema; every issue names its field path. */
export function validateScenario(input: unknown): Result<Scenario> {
  // The common scenario (catalog ids, scalar fields) is checked without zod, to the same result;
  // anything else, and every invalid input, goes through zod and its messages.
  const fast = fastParseScenario(input);
  if (fast !== undefined) return ok(fast);
  const parsed = ScenarioSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return fail(
    ...parsed.error.issues.flatMap((i) => {
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      if (i.code !== 'unrecognized_keys') return [scenarioMessages.schema(path, i.message)];
      // One diagnostic per unknown key, at the key, with the closest known field.
      const known = knownKeysAt(path);
      return i.keys.map((key) =>
        scenarioMessages.unknownField(
          [...path, key],
          closestMatches(key, known, 1).filter((c) => closeEnough(key, c)),
          known,
        ),
      );
    }),
  );
}

/** The schema inside optional/default/pipe wrappers. */
function unwrapSchema(schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = (s as { _zod?: { def?: { innerType?: unknown; in?: unknown } } } | undefined)?._zod?.def;
    const inner = def?.innerType ?? def?.in;
    if (inner === undefined) return s;
    s = inner;
  }
  return s;
}

/** Field names the scenario schema accepts at `path` (an object's keys), [] elsewhere. */
function knownKeysAt(path: readonly (string | number)[]): string[] {
  let s: unknown = ScenarioSchema;
  for (const key of path) {
    const shape = (unwrapSchema(s) as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (shape === undefined) return [];
    s = shape[String(key)];
  }
  return Object.keys((unwrapSchema(s) as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
}

/** A suggestion worth making: one name inside the other, or a few edits apart (about a third). */
function closeEnough(key: string, candidate: string): boolean {
  const a = key.toLowerCase();
  const b = candidate.toLowerCase();
  return a.includes(b) || b.includes(a) || editDistance(a, b) <= Math.max(2, Math.ceil(b.length / 3));
}

/** Estimates a normalized scenario (the hot path of sweeps and benchmarks). */
export function estimateNormalized(
  ns: NormalizedScenario,
  diagnostics: readonly Diagnostic[] = [],
  /** Serving only: stop a run whose p90 TTFT is surely above this (see simulateServing). */
  ttftLimitSeconds?: number,
): Result<EstimateReport> {
  return ns.workload.kind === 'batch'
    ? estimateStatic(ns, diagnostics)
    : estimateServing(ns, diagnostics, ttftLimitSeconds);
}

function offloadChecks(ns: NormalizedScenario, share: number): Diagnostic[] {
  const off = ns.offload;
  if (off === undefined) return [];
  const out: Diagnostic[] = [];
  const cap = off.tier.capacityBytes;
  const held = weightsBytesPerDevice(ns) * off.weightsFraction;
  if (cap !== undefined && held > cap) out.push(memoryMessages.offloadCapacity(held, cap, off.tier.name));
  if (share >= 0.5) out.push(memoryMessages.offloadBound(share, off.tier.name));
  return out;
}

/** The scenario's uncertainty bands; an extrapolated band is named in the diagnostics. */
function uncertaintyOf(
  ns: NormalizedScenario,
  batchPerReplica: number,
  all: Diagnostic[],
  load?: OpenLoopLoad,
): ScenarioBands {
  const bands = scenarioBands(ns, batchPerReplica, load);
  if (bands.extrapolation.length > 0)
    all.push(uncertaintyMessages.uncertaintyExtrapolation(bands.extrapolation));
  return bands;
}

/** Memory of one replica running its share of a static batch (the sweep's fast path uses it too). */
export function staticBatchFootprint(ns: NormalizedScenario): MemoryFootprint {
  const w = ns.workload;
  const sequences = Math.ceil(w.batch / ns.dp);
  return memoryFootprint(ns, sequences, w.inputTokens + w.outputTokens, peakStepTokens(ns, sequences));
}

function estimateStatic(ns: NormalizedScenario, diagnostics: readonly Diagnostic[]): Result<EstimateReport> {
  const memory = staticBatchFootprint(ns);
  const all = [...diagnostics];
  if (memory.weightsBytes + memory.reservedBytes > ns.hardware.memory.capacityBytes) {
    return fail(
      memoryMessages.weightsDoNotFit(memory.weightsBytes, ns.hardware.memory.capacityBytes, ns.gpus),
      ...all,
    );
  }
  if (!memory.fits)
    all.push(
      memoryMessages.batchDoesNotFit(memory.totalBytes, memory.capacityBytes, memory.maxBatch * ns.dp),
    );
  const timing = simulateStaticBatch(ns);
  const off = offloadChecks(ns, timing.offloadShare);
  if (off.some((d) => d.severity === 'error')) return fail(...off, ...all);
  all.push(...off);
  const bands = uncertaintyOf(ns, timing.sequences, all);
  return finiteReport(ns, assembleReport(ns, timing, memory, all, bands.bands));
}

function estimateServing(
  ns: NormalizedScenario,
  diagnostics: readonly Diagnostic[],
  ttftLimitSeconds?: number,
): Result<EstimateReport> {
  const timing = simulateServing(ns, ttftLimitSeconds);
  if (!timing.ok) return fail(...timing.diagnostics, ...diagnostics);
  const t = timing.value;
  const mainNs = t.main.ns;
  const perReplica = Math.max(1, Math.round(t.meanBatch / Math.max(1, mainNs.dp)));
  const repNs: NormalizedScenario = {
    ...mainNs,
    workload: { ...mainNs.workload, batch: perReplica * mainNs.dp },
  };
  const representative = simulateStaticBatch(repNs);
  const w = ns.workload;
  const memory = memoryFootprint(
    mainNs,
    perReplica,
    w.inputTokens + w.outputTokens,
    mainNs.engine.maxBatchedTokens,
  );
  const spec = ns.serving.speculative;
  const all = [...diagnostics, ...timing.diagnostics];
  const off = offloadChecks(mainNs, representative.offloadShare);
  if (off.some((d) => d.severity === 'error')) return fail(...off, ...all);
  all.push(...off);
  const extra = {
    ...(spec !== undefined
      ? { acceptedTokensPerStep: expectedAcceptedTokens(spec.tokens, spec.acceptanceRate) }
      : {}),
    ...(ns.offload !== undefined ? { offloadShare: representative.offloadShare } : {}),
  };
  // An open-loop band propagates the capacity band through the run's utilization.
  const load = openLoopLoad(mainNs, t.main.kvCapacityTokens, t.overloaded);
  const bands = uncertaintyOf(ns, t.meanBatch / Math.max(1, mainNs.dp), all, load);
  return finiteReport(ns, assembleServingReport(ns, t, representative, memory, extra, all, bands.bands));
}

/** Paths (as 'a.b[0].c') of the numbers in `value` that are NaN or infinite, up to `limit`. */
function nonFiniteFields(value: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(path);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) nonFiniteFields(value[i], `${path}[${String(i)}]`, out, limit);
  } else if (typeof value === 'object' && value !== null) {
    for (const k in value)
      nonFiniteFields((value as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, out, limit);
  }
}

/** Whether every number in `value` (objects and arrays walked) is finite. */
export function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return value - value === 0;
  return typeof value !== 'object' || value === null || objectFinite(value);
}

/** allFinite over an object's or array's members, leaves checked in the loop (a hot path). */
function objectFinite(o: object): boolean {
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const x: unknown = o[i];
      if (typeof x === 'number') {
        if (x - x !== 0) return false;
      } else if (typeof x === 'object' && x !== null && !objectFinite(x)) return false;
    }
    return true;
  }
  for (const k in o) {
    const x = (o as Record<string, unknown>)[k];
    if (typeof x === 'number') {
      if (x - x !== 0) return false;
    } else if (typeof x === 'object' && x !== null && !objectFinite(x)) return false;
  }
  return true;
}

/** Numbers of the scenario so large or small that products and quotients of them leave double range. */
function extremeInputs(
  value: unknown,
  path: (string | number)[],
  out: { path: (string | number)[]; value: number }[],
): void {
  if (typeof value === 'number') {
    const a = Math.abs(value);
    if (a !== 0 && (a < 1e-100 || a > 1e100)) out.push({ path, value });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) extremeInputs(value[i], [...path, i], out);
  } else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) extremeInputs(v, [...path, k], out);
}

/**
 * An error when some number of `result` is NaN or infinite, naming its fields and the extreme
 * numbers of `inputs` (at their input paths); undefined when every number is finite. Extreme but
 * valid input (a rate of 5e-324 requests/s, a peak fraction of 5e-324, 1.8e308 tokens) can
 * overflow the arithmetic, and a result must never carry NaN or Infinity (docs/scenario.md).
 * Training (training/estimate.ts) uses it too.
 */
export function notFiniteIn(
  result: unknown,
  inputs: Readonly<Record<string, unknown>>,
): Diagnostic | undefined {
  // The common case, every number finite, is checked without building field paths.
  if (allFinite(result)) return undefined;
  const bad: string[] = [];
  nonFiniteFields(result, '', bad, 8);
  if (bad.length === 0) return undefined;
  const extreme: { path: (string | number)[]; value: number }[] = [];
  for (const [k, v] of Object.entries(inputs)) extremeInputs(v, [k], extreme);
  return scenarioMessages.notFinite(bad, extreme);
}

/** Every number of an operator row, by field (FiniteRowComplete checks the list). */
const finiteRow = (r: OperatorReport): boolean =>
  r.count - r.count === 0 &&
  r.timeMs - r.timeMs === 0 &&
  r.share - r.share === 0 &&
  r.flops - r.flops === 0 &&
  r.bytes - r.bytes === 0 &&
  (r.shape === undefined ||
    (r.shape.m - r.shape.m === 0 &&
      r.shape.n - r.shape.n === 0 &&
      r.shape.k - r.shape.k === 0 &&
      r.shape.groups - r.shape.groups === 0)) &&
  (r.scaleBytes === undefined || r.scaleBytes - r.scaleBytes === 0) &&
  (r.computeFraction === undefined || r.computeFraction - r.computeFraction === 0) &&
  (r.tileRows === undefined || r.tileRows - r.tileRows === 0);
type NumberKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number | object ? K : never }[keyof T];
type RowNumbers =
  'count' | 'timeMs' | 'share' | 'flops' | 'bytes' | 'shape' | 'scaleBytes' | 'computeFraction' | 'tileRows';
type AssertNever<T extends never> = T;
/** Compile-time check that finiteRow reads every number: a numeric field added to OperatorReport is a type error here. */
export type FiniteRowComplete = AssertNever<Exclude<NumberKeys<OperatorReport>, RowNumbers>>;

/**
 * Whether every number of the report is finite: the operator rows (most of its numbers) by their
 * fields, the rest walked. It runs on every estimate, so the rows avoid the generic walk.
 */
function reportFinite(report: EstimateReport): boolean {
  for (const k in report) {
    if (k === 'breakdown') {
      for (const r of report.breakdown) if (!finiteRow(r)) return false;
    } else if (!allFinite((report as unknown as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** The report, or the error of notFiniteIn. */
function finiteReport(ns: NormalizedScenario, report: EstimateReport): Result<EstimateReport> {
  if (reportFinite(report)) return ok(report, report.diagnostics);
  const { model, hardware, efficiency, workload, serving, offload, power, cost } = ns;
  const bad = notFiniteIn(report, { model, hardware, efficiency, workload, serving, offload, power, cost });
  return bad === undefined ? ok(report, report.diagnostics) : fail(bad, ...report.diagnostics);
}

/** The whole pipeline from loose input (an object as read from JSON or YAML). */
export function estimate(input: unknown): Result<EstimateReport> {
  const scenario = validateScenario(input);
  if (!scenario.ok) return scenario;
  const normalized = normalizeScenario(scenario.value);
  if (!normalized.ok) return normalized;
  return estimateNormalized(normalized.value, normalized.diagnostics);
}
