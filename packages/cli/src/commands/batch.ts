/**
 * `ridgeline batch <file.jsonl>`: one scenario per line in, one JSON result per line out, in the
 * same order: the EstimateReport, or {"error": {"line": N, "diagnostics": [...]}}. Every line
 * runs (blank lines are skipped); the exit code is 2 when any failed. The file is read as a
 * stream and output waits for a slow reader, so memory stays flat at any size. Files named by model/hardware are read once.
 * `--calibration` profiles apply to the lines on their device (and engine); other lines run as is.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliDiagnostic, ResolveContext } from '../files.js';
import { contextBeside, displayPath, fileErrorReason } from '../files.js';
import type { ProfileSet } from '@ridgeline/core';
import { getPath, withBound } from '@ridgeline/core';
import type { EstimateReport } from '@ridgeline/core';
import type { Io } from '../io.js';
import { linesOf } from '../io.js';
import { estimateScenario } from '../scenario.js';
import { applyCalibration, collect, loadProfiles } from './calibrate.js';
import { FlagReader, USER_ERROR, exitWith, failWith } from './common.js';
import { parseFields } from './sweep.js';

/** Output is written in chunks of about this many characters. */
const CHUNK = 1 << 18;

function lineError(line: number, diagnostics: readonly CliDiagnostic[]): string {
  return JSON.stringify({ error: { line, diagnostics } });
}

type LineStatus = 'ok' | 'error' | 'internal';

function batchLine(
  ctx: ResolveContext,
  n: number,
  text: string,
  profiles: ProfileSet,
  fields?: readonly string[],
  refs: readonly string[] = [],
): { out: string; status: LineStatus } {
  const line = text.trim();
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    const message = `line ${String(n)} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
    return {
      out: lineError(n, [{ code: 'batch.invalid-json', severity: 'error', message }]),
      status: 'error',
    };
  }
  try {
    const calibrated = applyCalibration(raw, profiles, ctx, false, refs);
    if (!calibrated.ok) return { out: lineError(n, calibrated.diagnostics), status: 'error' };
    const result = estimateScenario(calibrated.value, ctx);
    return result.ok
      ? {
          out: JSON.stringify(fields === undefined ? result.value : project(result.value, fields)),
          status: 'ok',
        }
      : { out: lineError(n, result.diagnostics), status: 'error' };
  } catch (e) {
    const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    return {
      out: lineError(n, [{ code: 'internal.error', severity: 'error', message }]),
      status: 'internal',
    };
  }
}

/** The `--fields` of a report: one key per dot path (bound and boundShare included). */
function project(report: EstimateReport, fields: readonly string[]): Record<string, unknown> {
  const full = withBound(report);
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = getPath(full, f) ?? null;
  return out;
}

interface BatchOptions {
  readonly calibration?: readonly string[];
  readonly fields?: string;
}

async function runBatch(io: Io, file: string, o: BatchOptions): Promise<void> {
  const flags = new FlagReader();
  const fields = parseFields(flags, o.fields);
  if (flags.errors.length > 0) failWith(io, flags.errors, false);
  const profiles = loadProfiles(io, o.calibration ?? []);
  if (!profiles.ok) failWith(io, profiles.diagnostics, false);
  const abs = resolve(io.cwd, file);
  const ctx = contextBeside(io, abs);
  let failures = 0;
  let internal = false;
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    io.stdout(buffer);
    buffer = '';
    // Back-pressure: wait while a slow reader catches up, so nothing piles up in memory.
    if (io.drain !== undefined) await io.drain();
  };
  let n = 0;
  try {
    // Read as a stream, one line at a time: no whole-file limit, memory stays flat.
    const lines = io.readLines !== undefined ? io.readLines(abs) : linesOf([io.readFile(abs)]);
    for await (const text of lines) {
      n++;
      // Blank lines (a trailing one, or spacing) are skipped; numbers stay those of the file.
      if (text.trim() === '') continue;
      const { out, status } = batchLine(ctx, n, text, profiles.value, fields, o.calibration ?? []);
      if (status !== 'ok') failures++;
      if (status === 'internal') internal = true;
      buffer += out + '\n';
      if (buffer.length >= CHUNK) await flush();
    }
  } catch (e) {
    await flush();
    const where = n === 0 ? '' : ` after line ${String(n)}`;
    const message = `cannot read ${displayPath(io, abs)}${where}: ${fileErrorReason(e)}`;
    failWith(io, [{ code: 'file.unreadable', severity: 'error', message }], false);
  }
  await flush();
  if (internal) exitWith(1);
  if (failures > 0) exitWith(USER_ERROR);
}

export function registerBatch(program: Command, io: Io): void {
  program
    .command('batch')
    .description(
      'estimate every scenario of a JSONL file (one JSON scenario per line); one JSON result per line',
    )
    .argument('<file.jsonl>', 'scenarios, one JSON object per line')
    .option(
      '--calibration <profile>',
      "calibration profile applied to the scenarios on its device (YAML/JSON); 'shipped' (the default) or 'none' (the raw model); repeatable",
      collect,
    )
    .option(
      '--fields <paths>',
      'comma-separated dot paths: print only these (e.g. ttftMs,tpotMs,memory.fits,bound)',
    )
    .action(async (file: string, options: BatchOptions) => {
      await runBatch(io, file, options);
    });
}
