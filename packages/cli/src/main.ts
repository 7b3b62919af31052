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
import type { CapturingIo, Io } from './io.js';
import { nodeIo } from './io.js';

/** The CLI's version: packages/cli/package.json's (a test keeps the two equal). */
export const VERSION = '0.1.0';

/** One example per command, shown at the end of its --help. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  estimate: [
    'ridgeline estimate --model llama-3.1-8b --hardware h100-sxm --input 1024 --output 256 --batch 8',
    'ridgeline estimate examples/scenario.yaml --engine trtllm --json',
  ],
  batch: [
    'ridgeline batch examples/scenarios.jsonl',
    'ridgeline batch examples/scenarios.jsonl --fields ttftMs,tpotMs,bound',
  ],
  sweep: [
    'ridgeline sweep examples/sweep.yaml --format table',
    'ridgeline sweep examples/sweep.yaml -o out/sweep.csv --format csv --fields ttftMs,tpotMs,memory.fits',
    'ridgeline sweep examples/sweep.yaml --shard 1/2 -o out/part-1.jsonl',
    'ridgeline sweep examples/sweep.yaml --shard 2/2 -o out/part-2.jsonl',
  ],
  'sweep merge': ['ridgeline sweep merge out/part-1.jsonl out/part-2.jsonl -o out/sweep.jsonl'],
  compare: [
    'ridgeline compare examples/tp8.yaml examples/tp4-dp2.yaml',
    'ridgeline compare examples/tp8.yaml examples/tp4-dp2.yaml --fields ttftMs,latency.ttft.p99 --json',
  ],
  model: [
    'ridgeline model gpt-oss-120b --kv fp8 --seq 8192',
    'ridgeline model deepseek-v3 --kv fp8 --seq 4096',
  ],
  models: ['ridgeline models --json'],
  hardware: ['ridgeline hardware', 'ridgeline hardware h100-sxm'],
  validate: [
    'ridgeline validate packages/core/data/measurements/reference.csv',
    'ridgeline validate packages/core/data/measurements/training.csv',
  ],
  import: [
    'ridgeline import examples/vllm-result.json examples/profile_export_genai_perf.json',
    'ridgeline import examples/sglang-bench.jsonl --json',
  ],
  calibrate: ['ridgeline calibrate examples/vllm-results.jsonl --hardware h100-sxm -o out/h100.yaml'],
  train: [
    'ridgeline train --model llama-3.1-8b --hardware h100-sxm --gpus 8 --seq 8192 --global-batch 32 --zero 3 --recompute selective',
    'ridgeline train --model llama-3.1-70b --hardware h100-sxm --gpus 64 --seq 8192 --global-batch 128 --tp 4 --pp 4 --virtual-stages 5 --schedule interleaved --precision fp8 --recompute selective --tokens 1e12',
    'ridgeline train --model llama-3.1-8b --hardware rtx-4090 --gpus 1 --seq 2048 --global-batch 2 --micro-batch 2 --finetune qlora --recompute full',
    'ridgeline train --model llama-3.1-70b --hardware h100-sxm --gpus 1024 --seq 8192 --global-batch 1024 --search --top 5',
  ],
  require: [
    'ridgeline require --model llama-4-maverick-17b-128e --hardware h200-sxm --tp 8 --weights fp8 --use-case chat --tpot-ms 20 --requests-per-sec 10 --resources memoryBandwidth,compute --devices none',
    'ridgeline require --model deepseek-v3 --hardware h200-sxm --tp 8 --weights fp8 --engine sglang --use-case chat --requests-per-sec 20 --ttft-ms 1000 --resources none --devices h200-sxm,b200,mi300x --json',
  ],
  plan: [
    'ridgeline plan --model llama-3.1-70b --hardware h100-sxm --max-gpus 8 --use-case chat --request-rate 4 --slo ttft=1000,tpot=40 --engines vllm --formats fp8',
    'ridgeline plan --model deepseek-v3 --hardware h200-sxm,b200,mi300x --max-gpus 64 --use-case chat --request-rate 20 --slo interactive:ttft=1000,tpot=20 --usd-per-hour h200-sxm=3.5,b200=5.5,mi300x=2.5 --json',
  ],
  schema: ['ridgeline schema > scenario.schema.json'],
};

/** A command's name with its parents' ('sweep merge'), the key of EXAMPLES. */
function commandPath(command: Command): string {
  const parent = command.parent;
  return parent === null || parent.parent === null
    ? command.name()
    : `${commandPath(parent)} ${command.name()}`;
}

/** Every registered command and subcommand, depth first. */
export function allCommands(program: Command): Command[] {
  return program.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** parseOnly: check the arguments (command, options, their arity) and stop before running. */
export interface RunOptions {
  readonly parseOnly?: boolean;
}

/** The `ridgeline` program with every command registered (and its examples in --help). */
export function buildProgram(io: Io): Command {
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
  for (const command of allCommands(program)) {
    const examples = EXAMPLES[commandPath(command)];
    if (examples !== undefined)
      command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  return program;
}

export async function run(argv: readonly string[], io: Io, options: RunOptions = {}): Promise<number> {
  const program = buildProgram(io);
  if (options.parseOnly === true) {
    program.hook('preAction', () => {
      throw new CommanderError(0, 'ridgeline.parse-only', '');
    });
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

/** Runs the CLI on a capturing Io (tests): the exit code and what it printed. */
export async function runCaptured(
  argv: readonly string[],
  io: CapturingIo,
): Promise<{ code: number; out: string; err: string }> {
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
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
