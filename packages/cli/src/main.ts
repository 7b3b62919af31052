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

/** parseOnly: check the arguments (command, options, their arity) and stop before running. */
export interface RunOptions {
  readonly parseOnly?: boolean;
}

export async function run(argv: readonly string[], io: Io, options: RunOptions = {}): Promise<number> {
  const program = new Command('ridgeline')
    .description('Analytical, operator-level performance model of LLM inference')
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
