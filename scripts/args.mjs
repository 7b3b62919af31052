// Command-line arguments of the scripts in this folder, parsed one way (node:util parseArgs): a
// script names its `--name value` options, its `--flag` switches and how many positional
// arguments it takes. An unknown option, an option without its value or one positional too many
// stops the script before it reads anything, with its usage line on stderr and exit code 2 (as
// the CLI does with bad input); `--help` prints the usage line.
import { parseArgs } from 'node:util';

/**
 * The arguments `argv` as `spec` reads them: `values` has each option (its string, or undefined
 * when not given) and each flag (true or false); `positionals` the rest, in order. Throws an
 * Error naming the argument that does not fit.
 * @param {{ options?: readonly string[], flags?: readonly string[], positionals?: number }} spec
 * @param {readonly string[]} argv
 * @returns {{ values: Record<string, string | boolean | undefined>, positionals: string[], help: boolean }}
 */
export function readArgs({ options = [], flags = [], positionals = 0 }, argv) {
  const parsed = parseArgs({
    args: [...argv],
    options: Object.fromEntries([
      ...options.map((name) => [name, { type: 'string' }]),
      ...[...flags, 'help'].map((name) => [name, { type: 'boolean', default: false }]),
    ]),
    allowPositionals: true,
    strict: true,
  });
  const extra = parsed.positionals[positionals];
  if (extra !== undefined) throw new Error(`Unexpected argument '${extra}'`);
  const { help, ...values } = parsed.values;
  return { values: { ...values }, positionals: parsed.positionals, help: help === true };
}

/**
 * This script's arguments (process.argv): readArgs, or, when they do not fit, the usage line and
 * the reason on stderr and exit code 2; with `--help`, the usage line on stdout and exit code 0.
 * @param {string} usage the usage line ('node scripts/fit-power.mjs [csv] [--write]')
 * @param {{ options?: readonly string[], flags?: readonly string[], positionals?: number }} spec
 * @returns {{ values: Record<string, string | boolean | undefined>, positionals: string[] }}
 */
export function scriptArgs(usage, spec) {
  let args;
  try {
    args = readArgs(spec, process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\nusage: ${usage}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`usage: ${usage}\n`);
    process.exit(0);
  }
  return { values: args.values, positionals: args.positionals };
}
