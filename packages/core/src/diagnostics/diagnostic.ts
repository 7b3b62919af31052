/**
 * Diagnostics are data: core never throws for a user error and never prints. Every
 * user-facing text is built by a function in its domain's messages.ts (model, hardware,
 * scenario, memory, serving, energy, uncertainty, input, measurements, validate, calibrate), and
 * every code belongs to its domain's union, gathered in DiagnosticCode below.
 */
import type { CalibrateCode } from '../calibrate/messages.js';
import type { EnergyCode } from '../energy/messages.js';
import type { HardwareCode } from '../hardware/messages.js';
import type { InputCode } from '../input/messages.js';
import type { MeasurementCode } from '../measurements/messages.js';
import type { MemoryCode } from '../memory/messages.js';
import type { ModelCode } from '../model/messages.js';
import type { ScenarioCode } from '../scenario/messages.js';
import type { ServingCode } from '../serving/messages.js';
import type { UncertaintyCode } from '../uncertainty/messages.js';
import type { TrainingCode } from '../training/messages.js';
import type { ExploreCode } from '../explore/messages.js';

/**
 * Codes front ends (the CLI, a web app) add when they read files, flags and batch lines; their
 * wording lives with the front end.
 */
export type FrontEndCode =
  | 'scenario.not-an-object'
  | 'calibration.not-an-object'
  | 'calibration.invalid-entry'
  | 'calibration.none-with-profiles'
  | 'calibration.invalid-profile'
  | 'calibration.no-match'
  | 'calibrate.skipped'
  | 'cli.missing-flag'
  | 'cli.invalid-flag'
  | 'batch.empty-line'
  | 'batch.invalid-json'
  | 'sweep.too-large'
  | 'sweep.resume-mismatch'
  | 'sweep.incomplete-shard'
  | 'sweep.header-mismatch'
  | 'internal.error';

/** Every diagnostic code. */
export type DiagnosticCode =
  | ModelCode
  | HardwareCode
  | ScenarioCode
  | MemoryCode
  | ServingCode
  | EnergyCode
  | UncertaintyCode
  | InputCode
  | MeasurementCode
  | CalibrateCode
  | TrainingCode
  | ExploreCode
  | FrontEndCode;

/** A path into the input, e.g. ["parallelism", "tp"]. */
export type DataPath = readonly (string | number)[];

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Path of the offending field in the input, e.g. ["parallelism", "tp"]. */
  readonly path?: DataPath;
}

/** A diagnostic; the path only when given (the message modules' one constructor). */
export function diagnostic(
  severity: Severity,
  code: DiagnosticCode,
  message: string,
  path?: DataPath,
): Diagnostic {
  return path === undefined ? { code, severity, message } : { code, severity, message, path };
}

export type Result<T> =
  | { readonly ok: true; readonly value: T; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export function ok<T>(value: T, diagnostics: readonly Diagnostic[] = []): Result<T> {
  return { ok: true, value, diagnostics };
}

export function fail<T>(...diagnostics: Diagnostic[]): Result<T> {
  return { ok: false, diagnostics };
}

export function isError(d: Diagnostic): boolean {
  return d.severity === 'error';
}
