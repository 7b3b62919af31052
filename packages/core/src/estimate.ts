/**
 * The pipeline, as named phases: validate (zod) → normalize → buildGraph → cost → simulate →
 * assembleReport. `estimate` takes loose input and never throws for a user error: it returns
 * diagnostics instead.
 */
import type { Diagnostic, Result } from './diagnostics/diagnostic.js';
import { fail, ok } from './diagnostics/diagnostic.js';
import { messages } from './diagnostics/messages.js';
import { memoryFootprint } from './memory/footprint.js';
import type { EstimateReport } from './report/assemble.js';
import { assembleReport } from './report/assemble.js';
import type { NormalizedScenario } from './scenario/normalize.js';
import { normalizeScenario } from './scenario/normalize.js';
import type { Scenario } from './scenario/schema.js';
import { ScenarioSchema } from './scenario/schema.js';
import { peakStepTokens, simulateStaticBatch } from './serving/static-batch.js';

/** Validates loose input against the scenario schema; every issue names its field path. */
export function validateScenario(input: unknown): Result<Scenario> {
  const parsed = ScenarioSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return fail(
    ...parsed.error.issues.map((i) =>
      messages.schema(
        i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        i.message,
      ),
    ),
  );
}

/** Estimates a normalized scenario (the hot path of sweeps and benchmarks). */
export function estimateNormalized(
  ns: NormalizedScenario,
  diagnostics: readonly Diagnostic[] = [],
): Result<EstimateReport> {
  const w = ns.workload;
  const sequences = Math.ceil(w.batch / ns.dp);
  const memory = memoryFootprint(
    ns,
    sequences,
    w.inputTokens + w.outputTokens,
    peakStepTokens(ns, sequences),
  );
  const all = [...diagnostics];
  if (memory.weightsBytes + memory.reservedBytes > ns.hardware.memory.capacityBytes) {
    return fail(
      messages.weightsDoNotFit(memory.weightsBytes, ns.hardware.memory.capacityBytes, ns.gpus),
      ...all,
    );
  }
  if (!memory.fits)
    all.push(messages.batchDoesNotFit(memory.totalBytes, memory.capacityBytes, memory.maxBatch * ns.dp));
  const timing = simulateStaticBatch(ns);
  return ok(assembleReport(ns, timing, memory, all), all);
}

/** The whole pipeline from loose input (an object as read from JSON or YAML). */
export function estimate(input: unknown): Result<EstimateReport> {
  const scenario = validateScenario(input);
  if (!scenario.ok) return scenario;
  const normalized = normalizeScenario(scenario.value);
  if (!normalized.ok) return normalized;
  return estimateNormalized(normalized.value, normalized.diagnostics);
}
