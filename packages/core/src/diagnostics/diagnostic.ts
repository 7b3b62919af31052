/**
 * Diagnostics are data: core never throws for a user error and never prints. Every
 * user-facing text is built by a function in messages.ts so wording stays in one place.
 */

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Path of the offending field in the input, e.g. ["parallelism", "tp"]. */
  readonly path?: readonly (string | number)[];
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
