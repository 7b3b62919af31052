/**
 * Pieces every command shares: ending a command with an exit code, checking flag values, and
 * reporting failures as text or JSON.
 */
import { CommanderError } from 'commander';
import type { NumericFormat } from '@ridgeline/core';
import { NUMERIC_FORMATS, isNumericFormat } from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { diagnosticLines } from '../format.js';
import type { Io } from '../io.js';

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

export function printJson(io: Io, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Prints the diagnostics of a failed command (JSON on stdout, or lines on stderr) and exits 2. */
export function failWith(io: Io, diagnostics: readonly CliDiagnostic[], json: boolean): never {
  if (json) printJson(io, { error: { diagnostics } });
  else io.stderr(diagnosticLines(diagnostics));
  exitWith(USER_ERROR);
}
