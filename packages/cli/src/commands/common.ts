/**
 * Pieces every command shares: ending a command with an exit code, checking flag values, and
 * reporting failures as text or JSON.
 */
import { CommanderError } from 'commander';
import type { NumericFormat } from '@ridgeline/core';
import { NUMERIC_FORMATS, isNumericFormat } from '@ridgeline/core';
import { resolve } from 'node:path';
import type { CliDiagnostic, Path, ResolveContext } from '../files.js';
import { contextBeside, isRecord, readDataFile, resolveContext } from '../files.js';
import { diagnosticLines } from '../format.js';
import type { Io } from '../io.js';
import type { Locator } from '../scenario.js';
import { fileLocator, noLocation } from '../scenario.js';

/** Commander error code of a deliberate exit (the message, if any, was already printed). */
export const EXIT = 'ridgeline.exit';

/** Ends the running command with `code`; run() turns this into its return value. */
export function exitWith(code: number): never {
  throw new CommanderError(code, EXIT, '');
}

/** Exit code of a user error: bad input, unknown id, scenario that cannot run. */
export const USER_ERROR = 2;

export function flagError(flag: string, message: string): CliDiagnostic {
  return { code: 'cli.invalid-flag', severity: 'error', message: `${flag} ${message}` };
}

/** Collects flag problems so one run reports all of them. */
export class FlagReader {
  readonly errors: CliDiagnostic[] = [];

  private integer(flag: string, value: string | undefined, min: number, what: string): number | undefined {
    if (value === undefined) return undefined;
    const text = value.trim();
    const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      this.errors.push(flagError(flag, `must be ${what}, got '${value}'`));
      return undefined;
    }
    return n;
  }

  positiveInt(flag: string, value: string | undefined): number | undefined {
    return this.integer(flag, value, 1, 'a positive integer');
  }

  int(flag: string, value: string | undefined): number | undefined {
    return this.integer(flag, value, Number.MIN_SAFE_INTEGER, 'an integer');
  }

  positiveNumber(flag: string, value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const text = value.trim();
    const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(n) || n <= 0) {
      this.errors.push(flagError(flag, `must be a positive number, got '${value}'`));
      return undefined;
    }
    return n;
  }

  /** A number in [0, 1]. */
  fraction(flag: string, value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const text = value.trim();
    const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(n) || n < 0 || n > 1) {
      this.errors.push(flagError(flag, `must be a number from 0 to 1, got '${value}'`));
      return undefined;
    }
    return n;
  }

  format(flag: string, value: string | undefined): NumericFormat | undefined {
    if (value === undefined) return undefined;
    if (isNumericFormat(value)) return value;
    this.errors.push(flagError(flag, `must be one of ${NUMERIC_FORMATS.join(', ')}; got '${value}'`));
    return undefined;
  }

  oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    const found = allowed.find((a) => a === value);
    if (found !== undefined) return found;
    this.errors.push(flagError(flag, `must be one of ${allowed.join(', ')}; got '${value}'`));
    return undefined;
  }
}

/** How many items give each reason, in order of first appearance. */
export function countReasons(items: readonly { readonly reason: string }[]): Map<string, number> {
  const reasons = new Map<string, number>();
  for (const s of items) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  return reasons;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Prints the diagnostics of a failed command (JSON on stdout, or lines on stderr) and exits 2. */
export function failWith(io: Io, diagnostics: readonly CliDiagnostic[], json: boolean): never {
  if (json) printJson(io, { error: { diagnostics } });
  else io.stderr(diagnosticLines(diagnostics));
  exitWith(USER_ERROR);
}

/** What a command reading an optional YAML/JSON file (flags override its fields) starts from. */
export interface FileBase {
  /** The file's mapping ({} without a file). */
  readonly base: Record<string, unknown>;
  /** Where relative paths resolve: beside the file, else the working directory. */
  readonly ctx: ResolveContext;
  /** Places diagnostics at their file:line:column (flag overrides excepted). */
  readonly locate: Locator;
}

/**
 * Reads the optional file of a command, or, without one, fails when flags it needs are missing.
 * `missing` lists those flags, `noFile` starts the message naming them ("without a job file,
 * train needs"), `notAnObject` says what the file must hold.
 */
export function readFileBase(
  io: Io,
  file: string | undefined,
  json: boolean,
  overridePaths: readonly Path[],
  messages: {
    readonly missing: () => readonly string[];
    readonly noFile: string;
    readonly notAnObject: string;
  },
): FileBase {
  if (file === undefined) {
    const missing = messages.missing();
    if (missing.length > 0)
      failWith(
        io,
        [
          {
            code: 'cli.missing-flag',
            severity: 'error',
            message: `${messages.noFile} ${missing.join(', ')}`,
          },
        ],
        json,
      );
    return { base: {}, ctx: resolveContext(io), locate: noLocation };
  }
  const abs = resolve(io.cwd, file);
  const read = readDataFile(io, abs);
  if (!read.ok) failWith(io, read.diagnostics, json);
  const { data, source } = read.value;
  if (!isRecord(data))
    failWith(
      io,
      [source.attach({ code: 'scenario.not-an-object', severity: 'error', message: messages.notAnObject })],
      json,
    );
  return { base: data, ctx: contextBeside(io, abs), locate: fileLocator(source, overridePaths) };
}

/** Writes `value` at `path`, copying every object on the way (the file's data is not mutated). */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const prev = target[head];
  const next: Record<string, unknown> = { ...(isRecord(prev) ? prev : {}) };
  setPath(next, rest, value);
  target[head] = next;
}
