/**
 * `ridgeline sweep SPEC.yaml`: a base scenario plus axes over field paths, every point
 * evaluated and written as JSONL, CSV or a table, in point order. Workers (worker_threads)
 * evaluate contiguous chunks of point indices; the main thread writes them in order. `--resume`
 * continues a killed run from its output file; `--shard K/N` runs one contiguous slice and
 * `ridgeline sweep merge` joins the slices, byte for byte what one run writes.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import type { Diagnostic, SweepSpec } from '@ridgeline/core';
import { parseSweepSpec, shardRange, sweepPoints, validateScenario } from '@ridgeline/core';
import type { CliDiagnostic, SourceFile } from '../files.js';
import { contextBeside, displayPath, fileErrorReason, readDataFile, unwritable } from '../files.js';
import type { Io } from '../io.js';
import { prepareScenario } from '../scenario.js';
import type { ChunkRunner, SweepFormat, SweepSetup } from '../sweep-eval.js';
import { chunkRunner } from '../sweep-eval.js';
import type { ChunkReply } from '../sweep-worker.js';
import { FlagReader, failWith, flagError } from './common.js';

interface SweepOptions {
  readonly output?: string;
  readonly format?: string;
  readonly fields?: string;
  readonly resume?: boolean;
  readonly shard?: string;
  readonly workers?: string;
  readonly json?: boolean;
}

const FORMATS = ['jsonl', 'csv', 'table'] as const;

/** `--fields a,b.c` as a list of paths. */
export function parseFields(flags: FlagReader, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const fields = value.split(',').map((f) => f.trim());
  if (fields.some((f) => f === '' || f.split('.').some((s) => s === ''))) {
    flags.errors.push(
      flagError('--fields', `must be comma-separated dot paths (e.g. ttftMs,memory.fits), got '${value}'`),
    );
    return undefined;
  }
  return fields;
}

function parseShard(flags: FlagReader, value: string | undefined): { k: number; n: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (m === null || !(n >= 1) || !(k >= 1) || k > n) {
    flags.errors.push(flagError('--shard', `must be K/N with 1 ≤ K ≤ N (e.g. 3/8), got '${value}'`));
    return undefined;
  }
  return { k, n };
}

/** The spec's diagnostics located in its file (paths under `base` or `axes`). */
function located(source: SourceFile, ds: readonly Diagnostic[]): CliDiagnostic[] {
  return ds.map((d) => source.attach(d));
}

/**
 * Problems of the base scenario itself: the first point's errors on fields no axis sets, located
 * at base.<field> in the spec. Errors on axis fields are left to the rows.
 */
function baseErrors(
  io: Io,
  spec: SweepSpec,
  source: SourceFile,
  first: Record<string, unknown>,
): CliDiagnostic[] {
  const axisPaths = sweepPoints(spec).paths.map((p) => p.split('.'));
  const touched = (path: readonly (string | number)[]): boolean =>
    axisPaths.some((a) => a.every((s, k) => k >= path.length || String(path[k]) === s));
  const prepared = prepareScenario(first, contextBeside(io, source.absPath));
  const ds: readonly Diagnostic[] = prepared.ok
    ? validateScenario(prepared.value).diagnostics
    : prepared.diagnostics;
  return ds
    .filter((d) => d.severity === 'error' && d.path !== undefined && d.path.length > 0 && !touched(d.path))
    .map((d) => source.attach({ ...d, path: ['base', ...(d.path ?? [])] }));
}

/** Reads the first line of an open file (up to 1 MB). */
function firstLine(fd: number): string {
  const buf = Buffer.alloc(1 << 20);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const text = buf.subarray(0, n).toString('utf8');
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl + 1);
}

/** Complete lines of an open file and the byte length they span (a partial last line excluded). */
function completeLines(fd: number): { lines: number; bytes: number } {
  const buf = Buffer.alloc(1 << 20);
  let pos = 0;
  let lines = 0;
  let bytes = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    for (let k = 0; k < n; k++)
      if (buf[k] === 10) {
        lines++;
        bytes = pos + k + 1;
      }
    pos += n;
  }
  return { lines, bytes };
}

interface Sink {
  write(text: string | Uint8Array): void;
  close(): void;
}

/** Progress on a terminal: points done, rate and time left; nothing when stderr is not a TTY. */
function progressBar(io: Io, total: number): { update(done: number): void; end(): void } {
  if (!process.stderr.isTTY || total === 0) return { update: () => undefined, end: () => undefined };
  const t0 = Date.now();
  let last = 0;
  const draw = (done: number): void => {
    const seconds = (Date.now() - t0) / 1e3;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    const width = 24;
    const filled = Math.round((done / total) * width);
    io.stderr(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((done / total) * 100).toFixed(1)}% ` +
        `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} points, ` +
        `${Math.round(rate).toLocaleString('en-US')}/s, ETA ${eta}s   `,
    );
  };
  return {
    update: (done) => {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      draw(done);
    },
    end: () => {
      io.stderr('\n');
    },
  };
}

/** The worker script beside this file once built; under a TS test runner there is none. */
function workerScript(): URL | undefined {
  const url = new URL('../sweep-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) ? url : undefined;
}

/** Evaluates [start, end) with `workers` threads and writes the chunks in order. */
async function runPool(
  setup: SweepSetup,
  start: number,
  end: number,
  workers: number,
  sink: Sink,
  progress: (done: number) => void,
): Promise<number> {
  const script = workerScript();
  const total = end - start;
  const threads = Math.max(1, Math.min(workers, Math.ceil(total / 64)));
  const chunk = Math.max(1, Math.min(4096, Math.ceil(total / (threads * 16))));
  let errors = 0;
  if (script === undefined || threads === 1) {
    const runner: ChunkRunner = chunkRunner(setup, (await import('../io.js')).nodeIo());
    for (let i = start; i < end; i += chunk) {
      const r = runner.run(i, Math.min(end, i + chunk));
      errors += r.errors;
      sink.write(r.text);
      progress(Math.min(end, i + chunk) - start);
      // Let the event loop breathe (progress, signals) between chunks.
      await new Promise((r) => setImmediate(r));
    }
    return errors;
  }
  const pool = Array.from({ length: threads }, () => new Worker(script, { workerData: setup }));
  const ready = new Map<number, ChunkReply>();
  let next = start; // next chunk to hand out
  let cursor = start; // next point to write
  const maxAhead = threads * 4 * chunk; // bound on buffered text (back-pressure)
  try {
    await new Promise<void>((done, fail) => {
      const give = (w: Worker): void => {
        if (next >= end || next - cursor >= maxAhead) {
          idle.push(w);
          return;
        }
        const s = next;
        next = Math.min(end, next + chunk);
        w.postMessage({ start: s, end: next });
      };
      const idle: Worker[] = [];
      for (const w of pool) {
        w.on('message', (m: ChunkReply) => {
          ready.set(m.start, m);
          let r = ready.get(cursor);
          while (r !== undefined) {
            ready.delete(cursor);
            sink.write(r.bytes);
            errors += r.errors;
            cursor = r.end;
            r = ready.get(cursor);
          }
          progress(cursor - start);
          if (cursor >= end) {
            done();
            return;
          }
          give(w);
          while (idle.length > 0 && next < end && next - cursor < maxAhead) {
            const v = idle.pop();
            if (v !== undefined) give(v);
          }
        });
        w.on('error', fail);
      }
      if (total === 0) done();
      else for (const w of pool) give(w);
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return errors;
}

function fileSink(fd: number): Sink {
  return {
    write: (text) => {
      if (text.length === 0) return;
      if (typeof text === 'string') writeSync(fd, text);
      else writeSync(fd, text);
    },
    close: () => {
      closeSync(fd);
    },
  };
}

async function runSweep(io: Io, specFile: string, o: SweepOptions): Promise<void> {
  const flags = new FlagReader();
  const format: SweepFormat =
    o.json === true ? 'jsonl' : (flags.oneOf('--format', o.format, FORMATS) ?? 'jsonl');
  const fields = parseFields(flags, o.fields);
  const shard = parseShard(flags, o.shard);
  const workers = flags.positiveInt('--workers', o.workers) ?? availableParallelism();
  if (o.resume === true && o.output === undefined)
    flags.errors.push(flagError('--resume', 'needs -o FILE (the output of the run to continue)'));
  if (o.resume === true && format === 'table')
    flags.errors.push(flagError('--resume', 'works with --format jsonl or csv, not table'));
  if (flags.errors.length > 0) failWith(io, flags.errors, o.json === true);

  const abs = resolve(io.cwd, specFile);
  const read = readDataFile(io, abs);
  if (!read.ok) failWith(io, read.diagnostics, o.json === true);
  const { data, source } = read.value;
  const parsed = parseSweepSpec(data);
  if (!parsed.ok) failWith(io, located(source, parsed.diagnostics), o.json === true);
  const spec = parsed.value;
  const points = sweepPoints(spec);
  if (!Number.isSafeInteger(points.count))
    failWith(
      io,
      [
        {
          code: 'sweep.too-large',
          severity: 'error',
          message: `the axes give ${String(points.count)} points, more than can be indexed`,
        },
      ],
      o.json === true,
    );
  const range =
    shard === undefined ? { start: 0, end: points.count } : shardRange(points.count, shard.k, shard.n);
  if (range.end > range.start) {
    const bad = baseErrors(io, spec, source, points.scenarioOf(range.start));
    if (bad.length > 0) failWith(io, bad, o.json === true);
  }
  const setup: SweepSetup = { spec, fields, format, baseDirs: contextBeside(io, abs).baseDirs };
  const header = chunkRunner(setup, io).header;

  let start = range.start;
  let sink: Sink;
  if (o.output !== undefined) {
    const out = resolve(io.cwd, o.output);
    let fd: number;
    try {
      fd = openSync(out, o.resume === true ? (existsSync(out) ? 'r+' : 'w+') : 'w');
    } catch (e) {
      failWith(io, [unwritable(io, out, e)], o.json === true);
    }
    if (o.resume === true && fstatSync(fd).size > 0) {
      const { lines, bytes } = completeLines(fd);
      const rows = Math.max(0, lines - (header !== '' ? 1 : 0));
      const head = firstLine(fd);
      const mismatch = (header !== '' && lines > 0 && head !== header) || rows > range.end - range.start;
      // The first row must be what this spec writes there: otherwise the file is another sweep's.
      const firstRow = rows > 0 ? chunkRunner(setup, io).run(range.start, range.start + 1).text : '';
      const written = rows > 0 ? readRow(fd, header !== '' ? 1 : 0) : '';
      if (mismatch || firstRow !== written) {
        closeSync(fd);
        failWith(
          io,
          [
            {
              code: 'sweep.resume-mismatch',
              severity: 'error',
              message: `${displayPath(io, out)} was not written by this sweep (its header or first row differs); remove it or write elsewhere`,
            },
          ],
          o.json === true,
        );
      }
      ftruncateSync(fd, bytes);
      start = range.start + rows;
      // Appends go to the end of the truncated file.
      sink = appendSink(fd, bytes);
      if (lines === 0) sink.write(header);
    } else {
      sink = fileSink(fd);
      sink.write(header);
    }
  } else {
    sink = {
      write: (text) => {
        if (text.length > 0) io.stdout(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
      },
      close: () => undefined,
    };
    sink.write(header);
  }
  const bar = progressBar(io, range.end - start);
  try {
    await runPool(setup, start, range.end, workers, sink, (done) => {
      bar.update(done);
    });
  } finally {
    sink.close();
  }
  bar.end();
}

/** Writes at explicit positions from `offset` on. */
function appendSink(fd: number, offset: number): Sink {
  let pos = offset;
  return {
    write: (text) => {
      if (text.length === 0) return;
      const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      writeSync(fd, buf, 0, buf.length, pos);
      pos += buf.length;
    },
    close: () => {
      closeSync(fd);
    },
  };
}

/** Line `index` (0-based) of an open file, newline included. */
function readRow(fd: number, index: number): string {
  const buf = Buffer.alloc(1 << 20);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const lines = buf.subarray(0, n).toString('utf8').split('\n');
  const line = lines[index];
  return line === undefined || index >= lines.length - 1 ? '' : line + '\n';
}

/** The last byte of an open file of `size` bytes. */
function lastByte(fd: number, size: number): number | undefined {
  if (size === 0) return undefined;
  const buf = Buffer.alloc(1);
  readSync(fd, buf, 0, 1, size - 1);
  return buf[0];
}

/**
 * `ridgeline sweep merge`: shard outputs joined in the order given (CSV header once), copied in
 * chunks so that memory stays flat whatever their size.
 */
function runMerge(io: Io, files: readonly string[], o: { output?: string }): void {
  const errors: CliDiagnostic[] = [];
  const shards: { fd: number; size: number; head: string; shown: string }[] = [];
  for (const f of files) {
    const abs = resolve(io.cwd, f);
    const shown = displayPath(io, abs);
    try {
      const fd = openSync(abs, 'r');
      const size = fstatSync(fd).size;
      if (size > 0 && lastByte(fd, size) !== 10)
        errors.push({
          code: 'sweep.incomplete-shard',
          severity: 'error',
          message: `${shown} ends mid-line: that shard did not finish (rerun it with --resume)`,
        });
      shards.push({ fd, size, head: firstLine(fd), shown });
    } catch (e) {
      errors.push({
        code: 'file.unreadable',
        severity: 'error',
        message: `cannot read ${shown}: ${fileErrorReason(e)}`,
      });
    }
  }
  const closeAll = (): void => {
    for (const sh of shards) closeSync(sh.fd);
  };
  // CSV shards start with the same header; JSONL lines start with '{'.
  const first = shards.find((sh) => sh.size > 0);
  const header = first !== undefined && !first.head.startsWith('{') ? first.head : '';
  if (header !== '')
    for (const sh of shards)
      if (sh.size > 0 && sh.head !== header)
        errors.push({
          code: 'sweep.header-mismatch',
          severity: 'error',
          message: `${sh.shown} has a different CSV header than ${first?.shown ?? ''}: not a shard of the same sweep`,
        });
  if (errors.length > 0) {
    closeAll();
    failWith(io, errors, false);
  }
  // Shell globs sort part-10 before part-2: say so when the numbers in the names are out of order.
  const numbers = files.map((f) => /(\d+)\D*$/.exec(f)?.[1]).map(Number);
  if (numbers.every((n) => Number.isFinite(n)) && numbers.some((n, k) => k > 0 && n < (numbers[k - 1] ?? 0)))
    io.stderr(
      `warning: the shard files are not in numeric order (${files.join(' ')}); they are joined in the order given (use \`ls part-* | sort -V\`)\n`,
    );
  const out = o.output !== undefined ? openSync(resolve(io.cwd, o.output), 'w') : undefined;
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(1 << 20);
  try {
    for (const sh of shards) {
      let pos = sh === first || header === '' ? 0 : Buffer.byteLength(header);
      while (pos < sh.size) {
        const n = readSync(sh.fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        if (out !== undefined) writeSync(out, buf, 0, n);
        else io.stdout(decoder.write(buf.subarray(0, n)));
        pos += n;
      }
    }
  } finally {
    closeAll();
    if (out !== undefined) closeSync(out);
  }
}

const HELP = `
Spec (docs/explore.md):
  base: { model: llama-3.1-70b, hardware: h100-sxm, gpus: 8, parallelism: { tp: 8 },
          workload: { inputTokens: 2048, outputTokens: 256, batch: 1 } }
  axes:
    workload.batch: [1, 2, 4, 8, 16, 32, 64, 128, 256]
    workload.inputTokens: { from: 128, to: 32768, steps: 50, scale: log }
    hardware: [h100-sxm, h200-sxm, b200, mi300x]
`;

export function registerSweep(program: Command, io: Io): void {
  const sweep = program
    .command('sweep')
    .description(
      'evaluate every point of a sweep spec (a base scenario and axes); one row per point, in order',
    )
    .argument('<spec.yaml>', 'sweep spec: base scenario and axes (YAML or JSON)')
    .option('-o, --output <file>', 'write rows to a file instead of standard output')
    .option('--format <format>', 'jsonl (default), csv or table')
    .option(
      '--fields <paths>',
      'comma-separated dot paths into the result (default: headline metrics, memory fit, bound)',
    )
    .option('--resume', 'continue the run whose output is -o FILE (after a crash or kill)')
    .option('--shard <K/N>', 'evaluate only slice K of N (contiguous; join them with `sweep merge`)')
    .option('--workers <n>', 'worker threads (default: all cores)')
    .option('--json', 'same as --format jsonl; spec errors as JSON')
    .addHelpText('after', HELP)
    .action(async (file: string, options: SweepOptions) => {
      await runSweep(io, file, options);
    });
  sweep
    .command('merge')
    .description('join shard outputs (in the order given) into what one run writes')
    .argument('<files...>', 'shard outputs, shard 1 first')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action((files: string[], _options: unknown, command: Command) => {
      // The parent's -o takes `-o` wherever it stands; read it from there too.
      runMerge(io, files, command.optsWithGlobals<{ output?: string }>());
    });
}
