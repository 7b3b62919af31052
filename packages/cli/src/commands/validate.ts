/**
 * `ridgeline validate <csv>`: predicts every row of a measurement CSV (the format of
 * packages/core/data/measurements/reference.csv) that Ridgeline can express and prints, per
 * source and metric, the rows used, the rows skipped by reason, and the median and p90 absolute
 * percentage error. Exit 0 whatever the errors; 2 when the file cannot be read or is malformed.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic, GroupSummary, RowRecord, ValidationReport } from '@ridgeline/core';
import { parseMeasurementCsv, validateRows } from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { displayPath, fileErrorReason } from '../files.js';
import { num, table } from '../format.js';
import type { Io } from '../io.js';
import { FlagReader, failWith, printJson } from './common.js';

interface ValidateOptions {
  readonly json?: boolean;
  readonly opLaunch?: string;
  readonly worst?: string;
}

const OP_LAUNCH = ['eager', 'none'] as const;

/** Rows listed under "Largest errors" by default. */
const DEFAULT_WORST = 10;

function pct(x: number | null): string {
  return x === null ? '-' : `${x.toFixed(1)}%`;
}

/** A core CSV diagnostic (path [line]) pointed at the file. */
function inFile(file: string, d: Diagnostic): CliDiagnostic {
  const line = d.path?.[0];
  if (typeof line !== 'number') return { ...d, file };
  return { ...d, message: d.message.replace(/^line \d+: /, ''), file, line, column: 1 };
}

function groupTable(groups: readonly GroupSummary[]): string {
  return table(
    [
      { header: 'source' },
      { header: 'metric' },
      { header: 'used', align: 'right' },
      { header: 'skipped', align: 'right' },
      { header: 'median', align: 'right' },
      { header: 'p90', align: 'right' },
    ],
    groups.map((g) => [
      g.source,
      g.metric,
      String(g.used),
      String(g.skipped),
      pct(g.medianErrorPct),
      pct(g.p90ErrorPct),
    ]),
  );
}

function skipTable(groups: readonly GroupSummary[]): string {
  const rows: string[][] = [];
  for (const g of groups) {
    const reasons = Object.entries(g.skippedByReason).sort((a, b) => b[1] - a[1]);
    for (const [reason, n] of reasons) rows.push([g.source, g.metric, String(n), reason]);
  }
  return table(
    [{ header: 'source' }, { header: 'metric' }, { header: 'rows', align: 'right' }, { header: 'reason' }],
    rows,
  );
}

function worstTable(rows: readonly RowRecord[], limit: number): string {
  const worst = [...rows].sort((a, b) => b.errorPct - a.errorPct).slice(0, limit);
  return table(
    [
      { header: 'id' },
      { header: 'source' },
      { header: 'metric' },
      { header: 'measured', align: 'right' },
      { header: 'predicted', align: 'right' },
      { header: 'error', align: 'right' },
    ],
    worst.map((r) => [r.id, r.source, r.metric, num(r.measured), num(r.predicted), pct(r.errorPct)]),
  );
}

export function formatValidation(file: string, report: ValidationReport, worst: number): string {
  const t = report.totals;
  const out: string[] = [];
  out.push(`Ridgeline predictions against ${file}\n`);
  out.push(
    `${String(t.rows)} rows: ${String(t.used)} predicted, ${String(t.skipped)} skipped. ` +
      `Absolute percentage error |predicted - measured| / measured: median ${pct(t.medianErrorPct)}, p90 ${pct(t.p90ErrorPct)} ` +
      `(weigh sources separately: one source can hold most rows).\n`,
  );
  out.push('\nPer source and metric\n');
  out.push(groupTable(report.groups));
  if (report.skipped.length > 0) {
    out.push('\nSkipped rows, by reason\n');
    out.push(skipTable(report.groups));
  }
  if (report.rows.length > 0 && worst > 0) {
    out.push(`\nLargest errors\n`);
    out.push(worstTable(report.rows, worst));
  }
  const notes = [...new Set(report.rows.flatMap((r) => (r.note === undefined ? [] : [r.note])))];
  if (notes.length > 0) out.push('\n' + notes.map((n) => `note: ${n}\n`).join(''));
  return out.join('');
}

function runValidate(io: Io, file: string, o: ValidateOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const opLaunch = flags.oneOf('--op-launch', o.opLaunch, OP_LAUNCH);
  const worst = o.worst === undefined ? DEFAULT_WORST : flags.int('--worst', o.worst);
  if (flags.errors.length > 0) failWith(io, flags.errors, json);

  const abs = resolve(io.cwd, file);
  const shown = displayPath(io, abs);
  let text: string;
  try {
    text = io.readFile(abs);
  } catch (e) {
    const message = `cannot read ${shown}: ${fileErrorReason(e)}`;
    failWith(io, [{ code: 'file.unreadable', severity: 'error', message }], json);
  }
  const parsed = parseMeasurementCsv(text);
  if (!parsed.ok)
    failWith(
      io,
      parsed.diagnostics.map((d) => inFile(shown, d)),
      json,
    );
  const report = validateRows(parsed.value, opLaunch === undefined ? {} : { opLaunch });
  if (json) printJson(io, { file: shown, ...report });
  else io.stdout(formatValidation(shown, report, Math.max(0, worst ?? DEFAULT_WORST)));
}

export function registerValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description(
      'compare Ridgeline predictions with a measurement CSV (format of packages/core/data/measurements/reference.csv)',
    )
    .argument('<csv>', 'measurement file')
    .option('--json', 'print the report as JSON, with per-row records')
    .option(
      '--op-launch <mode>',
      `launch cost per kernel in per-operator latency rows (${OP_LAUNCH.join(', ')})`,
    )
    .option('--worst <n>', `rows listed under "Largest errors" (default ${String(DEFAULT_WORST)})`)
    .action((file: string, options: ValidateOptions) => {
      runValidate(io, file, options);
    });
}
