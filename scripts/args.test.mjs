import { describe, expect, it } from 'vitest';
import { readArgs } from './args.mjs';

// Specs as modern-breakdown, fidelity/docs-outputs and fit-power declare them, read with the
// invocations their headers and docs/fidelity.md document.
const BREAKDOWN = { options: ['by', 'metrics', 'calibration'], positionals: 1 };
const CHECK = { flags: ['check'] };
const FIT_POWER = { flags: ['write'], positionals: 1 };

describe('scripts/args.mjs readArgs', () => {
  it('reads options, flags and positionals in any order', () => {
    const a = readArgs(BREAKDOWN, ['--by', 'hw,engine,osl', 'x.csv', '--metrics', 'ttft_ms']);
    expect(a.values).toEqual({ by: 'hw,engine,osl', metrics: 'ttft_ms' });
    expect(a.positionals).toEqual(['x.csv']);
    expect(readArgs(BREAKDOWN, ['--calibration=shipped']).values.calibration).toBe('shipped');
    expect(readArgs(FIT_POWER, ['--write', 'y.csv'])).toEqual({
      values: { write: true },
      positionals: ['y.csv'],
      help: false,
    });
  });

  it('gives a flag false and leaves an option undefined when absent', () => {
    expect(readArgs(CHECK, []).values).toEqual({ check: false });
    expect(readArgs(CHECK, ['--check']).values).toEqual({ check: true });
    expect(readArgs(BREAKDOWN, []).values.by).toBeUndefined();
    expect(readArgs(BREAKDOWN, []).positionals).toEqual([]);
  });

  it('names what does not fit: an unknown option, a missing value, a positional too many', () => {
    expect(() => readArgs(CHECK, ['--chekc'])).toThrow(/--chekc/);
    expect(() => readArgs(BREAKDOWN, ['--by'])).toThrow(/--by/);
    expect(() => readArgs(FIT_POWER, ['--write=1'])).toThrow(/--write/);
    expect(() => readArgs(FIT_POWER, ['a.csv', 'b.csv'])).toThrow("Unexpected argument 'b.csv'");
    expect(() => readArgs(CHECK, ['x'])).toThrow("Unexpected argument 'x'");
  });

  it('reads --help apart from the values', () => {
    const a = readArgs(CHECK, ['--help']);
    expect(a.help).toBe(true);
    expect(a.values).toEqual({ check: false });
  });
});
