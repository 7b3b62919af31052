#!/usr/bin/env node
/**
 * The `ridgeline` command. `run` parses arguments and runs one command through an Io and
 * returns the exit code: 0 success, 2 user error (bad input, unknown id or option), 1 internal.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerBatch } from './commands/batch.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerCompare } from './commands/compare.js';
import { EXIT, USER_ERROR } from './commands/common.js';
import { registerEstimate } from './commands/estimate.js';
import { registerHardware } from './commands/hardware.js';
import { registerImport } from './commands/import.js';
import { registerModel } from './commands/model.js';
import { registerModels } from './commands/models.js';
import { registerPlan } from './commands/plan.js';
import { registerRequire } from './commands/require.js';
import { registerSchema } from './commands/schema.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrain } from './commands/train.js';
import { registerValidate } from './commands/validate.js';
import type { Io } from './io.js';
import { nodeIo } from './io.js';

/** The CLI's version: packages/cli/package.json's (a test keeps the two equal). */
export const VERSION = '0.1.0';

/** One example per command, shown at the end of its --help. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  estimate: [
    'ridgeline estimate --model llama-3.1-8b --hardware h100-sxm --input 1024 --output 256 --batch 8',
    'ridgeline estimate scenario.yaml --engine trtllm --json',
  ],
  batch: ['ridgeline batch scenarios.jsonl > results.jsonl'],
  model: ['ridgeline model gpt-oss-120b --kv fp8 --seq 8192', 'ridgeline model ./Llama-3.1-8B/'],
  models: ['ridgeline models --json'],
  hardware: ['ridgeline hardware', 'ridgeline hardware h100-sxm'],
  validate: ['ridgeline validate packages/core/data/measurements/reference.csv'],
  import: ['ridgeline import results.json profile_export_genai_perf.json'],
  calibrate: ['ridgeline calibrate results.jsonl --hardware h100-sxm -o h100.yaml'],
};

/** parseOnly: check the arguments (command, options, their arity) and stop before running. */
export interface RunOptions {
  readonly parseOnly?: boolean;
}

export async function run(argv: readonly string[], io: Io, options: RunOptions = {}): Promise<number> {
  const program = new Command('ridgeline')
    .description('Analytical, operator-level performance model of LLM inference')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        io.stdout(s);
      },
      writeErr: (s) => {
        io.stderr(s);
      },
    })
    .showHelpAfterError("(run 'ridgeline --help' for usage)");
  registerEstimate(program, io);
  registerBatch(program, io);
  registerSweep(program, io);
  registerCompare(program, io);
  registerRequire(program, io);
  registerPlan(program, io);
  registerModel(program, io);
  registerModels(program, io);
  registerHardware(program, io);
  registerValidate(program, io);
  registerImport(program, io);
  registerCalibrate(program, io);
  registerTrain(program, io);
  registerSchema(program, io);
  if (options.parseOnly === true) {
    program.hook('preAction', () => {
      throw new CommanderError(0, 'ridgeline.parse-only', '');
    });
  }
  for (const command of program.commands) {
    const examples = EXAMPLES[command.name()];
    if (examples !== undefined)
      command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  if (argv.length === 0) {
    // Bare `ridgeline`: the overview, as a request for help (exit 0).
    io.stdout(program.helpInformation());
    return 0;
  }

  // A command may also report failure through process.exitCode; it is read and restored here.
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander's own errors (unknown command or option, missing argument) are user errors.
      if (e.code === EXIT) return e.exitCode;
      return e.exitCode === 0 ? 0 : USER_ERROR;
    }
    io.stderr(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    process.exitCode = saved;
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the CLI on this process's arguments and sets its exit code (the `ridgeline` bin calls this). */
export async function main(): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // The reader went away (`ridgeline models | head`): stop quietly.
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.exitCode = await run(process.argv.slice(2), nodeIo());
}

if (isMain()) await main();
