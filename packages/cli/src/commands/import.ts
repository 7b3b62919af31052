/**
 * `ridgeline import <files...>`: reads benchmark output files (vLLM, SGLang, genai-perf, AIPerf,
 * trtllm-bench, MLPerf LoadGen, the reference CSV) into records of scenario plus measured metrics
 * and prints them as a table, or as JSON with the mapping notes of every record. Exit 0 when every
 * file was read (warnings go to stderr); 2 when a file cannot be read or is malformed.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { LatencyStats, MeasurementRecord } from '@ridgeline/core';
import { MEASUREMENT_TOOLS, importMeasurements } from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { displayPath, located, readTextFile } from '../files.js';
import { diagnosticLines, grouped, num, rate, table } from '../format.js';
import type { Io } from '../io.js';
import { FlagReader, failWith, printJson } from './common.js';

interface ImportOptions {
  readonly json?: boolean;
  readonly format?: string;
}

/** The mean, else the median (marked), of a latency. */
function central(s: LatencyStats | undefined): string {
  if (s?.mean !== undefined) return num(s.mean);
  if (s?.p50 !== undefined) return `${num(s.p50)} (p50)`;
  return '-';
}

function loadText(w: MeasurementRecord['scenario']['workload']): string {
  if (w.batch !== undefined) return `batch ${grouped(w.batch)}`;
  if (w.concurrency !== undefined) return `conc ${grouped(w.concurrency)}`;
  if (w.requestRate !== undefined) return `${num(w.requestRate)} req/s`;
  if (w.maxThroughput === true) return 'max';
  return '-';
}

function lengths(w: MeasurementRecord['scenario']['workload']): string {
  const t = (x: number | undefined) => (x === undefined ? '?' : grouped(x));
  return w.inputTokens === undefined && w.outputTokens === undefined
    ? '-'
    : `${t(w.inputTokens)}/${t(w.outputTokens)}`;
}

export function formatRecords(records: readonly MeasurementRecord[]): string {
  const opt = (x: number | undefined, f: (v: number) => string) => (x === undefined ? '-' : f(x));
  return table(
    [
      { header: 'source' },
      { header: 'tool' },
      { header: 'model' },
      { header: 'hardware' },
      { header: 'gpus', align: 'right' },
      { header: 'in/out', align: 'right' },
      { header: 'load' },
      { header: 'TTFT ms', align: 'right' },
      { header: 'TPOT ms', align: 'right' },
      { header: 'ITL ms', align: 'right' },
      { header: 'E2E ms', align: 'right' },
      { header: 'out tok/s', align: 'right' },
      { header: 'req/s', align: 'right' },
    ],
    records.map((r) => {
      const s = r.scenario;
      const m = r.metrics;
      return [
        r.line === undefined ? r.file : `${r.file}:${String(r.line)}`,
        r.tool,
        s.model ?? '-',
        s.hardware ?? '-',
        opt(s.gpus, grouped),
        lengths(s.workload),
        loadText(s.workload),
        central(m.ttftMs),
        central(m.tpotMs),
        central(m.itlMs),
        central(m.e2eLatencyMs),
        opt(m.outputTokensPerSec, rate),
        opt(m.requestsPerSec, num),
      ];
    }),
  );
}

function runImport(io: Io, files: readonly string[], o: ImportOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const format = flags.oneOf('--format', o.format, MEASUREMENT_TOOLS);
  if (flags.errors.length > 0) failWith(io, flags.errors, json);

  const records: MeasurementRecord[] = [];
  const diagnostics: CliDiagnostic[] = [];
  let failed = false;
  for (const file of files) {
    const abs = resolve(io.cwd, file);
    const shown = displayPath(io, abs);
    const read = readTextFile(io, abs);
    if (!read.ok) {
      diagnostics.push(...read.diagnostics);
      failed = true;
      continue;
    }
    const result = importMeasurements(shown, read.value, format === undefined ? {} : { format });
    diagnostics.push(...result.diagnostics.map(located));
    if (result.ok) records.push(...result.value);
    else failed = true;
  }
  if (failed) failWith(io, diagnostics, json);
  if (json) {
    printJson(io, { records, diagnostics });
    return;
  }
  io.stdout(formatRecords(records));
  io.stdout(
    `\n${String(records.length)} record(s) from ${String(files.length)} file(s). Latencies are means ` +
      `("(p50)" where only the median is given); --json lists the mapping notes of each record.\n`,
  );
  if (diagnostics.length > 0) io.stderr(diagnosticLines(diagnostics));
}

export function registerImport(program: Command, io: Io): void {
  program
    .command('import')
    .description(
      'read benchmark results (vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf LoadGen, reference CSV) as scenarios with measured metrics',
    )
    .argument('<files...>', 'result files; the format is detected from the content')
    .option('--json', 'print the records as JSON, with the mapping notes of each')
    .option('--format <tool>', `read every file as this tool's output (${MEASUREMENT_TOOLS.join(', ')})`)
    .action((files: string[], options: ImportOptions) => {
      runImport(io, files, options);
    });
}
