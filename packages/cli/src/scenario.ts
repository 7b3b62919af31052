/**
 * From loose scenario input (a file, a JSONL line, command-line flags) to what core `estimate`
 * takes: model and hardware references that name files are read and replaced by the objects,
 * inline model and hardware objects are checked field by field so their errors name the field.
 */
import type { Diagnostic, EstimateReport, Result } from '@ridgeline/core';
import { HardwareSpecSchema, ModelSpecSchema, estimate } from '@ridgeline/core';
import type { CliDiagnostic, Loaded, Path, ResolveContext, SourceFile } from './files.js';
import {
  failed,
  isRecord,
  issueDiagnostics,
  loaded,
  resolveHardwareRef,
  resolveModelRef,
  startsWith,
} from './files.js';

/** Attaches a scenario-level diagnostic to where it came from (a file), when known. */
export type Locator = (d: Diagnostic) => CliDiagnostic;

export const noLocation: Locator = (d) => d;

/**
 * Locator for a scenario read from `source`: diagnostics whose path was set by a flag rather
 * than the file get no file location.
 */
export function fileLocator(source: SourceFile, overridden: readonly Path[] = []): Locator {
  return (d) => {
    const path = d.path;
    if (path === undefined || path.length === 0) return d;
    if (overridden.some((o) => startsWith(path, o) || startsWith(o, path))) return d;
    return source.attach(d);
  };
}

function inlineObject(
  value: Record<string, unknown>,
  key: 'model' | 'hardware',
  locate: Locator,
): { value: unknown; diagnostics: CliDiagnostic[] } {
  const input = { id: `custom-${key}`, name: `custom ${key}`, ...value };
  const parsed = key === 'model' ? ModelSpecSchema.safeParse(input) : HardwareSpecSchema.safeParse(input);
  if (parsed.success) return { value: parsed.data, diagnostics: [] };
  const code = key === 'model' ? 'model.invalid-spec' : 'hardware.invalid-spec';
  return { value, diagnostics: issueDiagnostics(code, parsed.error.issues, [key]).map(locate) };
}

/** Resolves the model and hardware of a scenario; the rest is left to core's validation. */
export function prepareScenario(
  raw: unknown,
  ctx: ResolveContext,
  locate: Locator = noLocation,
): Loaded<Record<string, unknown>> {
  if (!isRecord(raw)) {
    return failed([
      locate({
        code: 'scenario.not-an-object',
        severity: 'error',
        message: 'a scenario must be an object with model, hardware and workload fields',
      }),
    ]);
  }
  const out: Record<string, unknown> = { ...raw };
  const errors: CliDiagnostic[] = [];
  const warnings: CliDiagnostic[] = [];
  const take = (r: Loaded<unknown>, key: 'model' | 'hardware'): void => {
    if (r.ok) {
      out[key] = r.value;
      warnings.push(...r.diagnostics);
    } else {
      // Errors inside a referenced file carry that file's location; the reference itself is
      // located in the scenario.
      errors.push(...r.diagnostics.map((d) => (d.file === undefined ? locate(d) : d)));
    }
  };
  for (const key of ['model', 'hardware'] as const) {
    const value = raw[key];
    if (typeof value === 'string' && value !== '') {
      take(key === 'model' ? resolveModelRef(ctx, value) : resolveHardwareRef(ctx, value), key);
    } else if (isRecord(value)) {
      const checked = inlineObject(value, key, locate);
      if (checked.diagnostics.length > 0) errors.push(...checked.diagnostics);
      else out[key] = checked.value;
    }
  }
  return errors.length > 0 ? failed([...errors, ...warnings]) : loaded(out, warnings);
}

/** prepareScenario, then core estimate; every diagnostic located where it came from. */
export function estimateScenario(
  raw: unknown,
  ctx: ResolveContext,
  locate: Locator = noLocation,
): Loaded<EstimateReport> {
  const prepared = prepareScenario(raw, ctx, locate);
  if (!prepared.ok) return prepared;
  const result: Result<EstimateReport> = estimate(prepared.value);
  const diagnostics = [...prepared.diagnostics, ...result.diagnostics.map(locate)];
  if (!result.ok) return failed(diagnostics);
  // The report carries the diagnostics too: with file locations and file warnings added.
  const changed =
    diagnostics.length !== result.diagnostics.length ||
    diagnostics.some((d, k) => d !== result.diagnostics[k]);
  const report: EstimateReport = changed ? { ...result.value, diagnostics } : result.value;
  return loaded(report, diagnostics);
}
