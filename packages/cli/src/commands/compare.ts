/**
 * `ridgeline compare A.yaml B.yaml …`: scenarios side by side, inputs then headline metrics;
 * rows where the scenarios differ are marked `*`, numbers carry their ratio to the first.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CompareValue, Comparison, ComparisonRow, EstimateReport } from '@ridgeline/core';
import { compareReports } from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { contextBeside, isRecord, readDataFile } from '../files.js';
import { count, num } from '../format.js';
import type { Io } from '../io.js';
import { estimateScenario, fileLocator } from '../scenario.js';
import { FlagReader, failWith, printJson } from './common.js';
import { parseFields } from './sweep.js';

function cell(v: CompareValue, field: string): string {
  if (v === null) return '–';
  if (typeof v === 'number') {
    if (field.endsWith('Bytes')) return `${num(v / 2 ** 30)} GiB`;
    return Number.isInteger(v) ? count(v) : num(v);
  }
  return String(v);
}

function ratioText(r: number | null | undefined): string {
  if (r === null || r === undefined || r === 1) return '';
  return ` (×${num(r)})`;
}

function rowCells(r: ComparisonRow): string[] {
  return [
    `${r.differs ? '*' : ' '} ${r.field}`,
    ...r.values.map((v, k) => cell(v, r.field) + (k > 0 ? ratioText(r.ratios?.[k]) : '')),
  ];
}

/** The comparison as an aligned table. */
export function formatComparison(c: Comparison): string {
  const header = ['', ...c.names];
  const rows = [...c.inputs.map(rowCells), null, ...c.metrics.map(rowCells)];
  const widths = header.map((h, k) =>
    Math.max(h.length, ...rows.map((r) => (r === null ? 0 : (r[k] ?? '').length))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((s, k) => (k === 0 ? s.padEnd(widths[k] ?? 0) : s.padStart(widths[k] ?? 0)))
      .join('  ')
      .trimEnd() + '\n';
  return (
    line(header) +
    rows.map((r) => (r === null ? '\n' : line(r))).join('') +
    '\n* the scenarios differ on this row; (×r) is the ratio to the first scenario\n'
  );
}

interface CompareOptions {
  readonly json?: boolean;
  readonly fields?: string;
}

function runCompare(io: Io, files: readonly string[], o: CompareOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const fields = parseFields(flags, o.fields);
  if (flags.errors.length > 0) failWith(io, flags.errors, json);
  const reports: EstimateReport[] = [];
  const names: string[] = [];
  const errors: CliDiagnostic[] = [];
  for (const f of files) {
    const abs = resolve(io.cwd, f);
    const read = readDataFile(io, abs);
    if (!read.ok) {
      errors.push(...read.diagnostics);
      continue;
    }
    const { data, source } = read.value;
    if (!isRecord(data)) {
      errors.push(
        source.attach({
          code: 'scenario.not-an-object',
          severity: 'error',
          message: 'a scenario file must hold a mapping with model, hardware and workload fields',
        }),
      );
      continue;
    }
    const result = estimateScenario(data, contextBeside(io, abs), fileLocator(source));
    if (!result.ok) errors.push(...result.diagnostics.filter((d) => d.severity === 'error'));
    else {
      reports.push(result.value);
      names.push(source.displayPath);
    }
  }
  if (errors.length > 0) failWith(io, errors, json);
  const comparison = compareReports(names, reports, fields);
  if (json) printJson(io, comparison);
  else io.stdout(formatComparison(comparison));
}

export function registerCompare(program: Command, io: Io): void {
  program
    .command('compare')
    .description('scenarios side by side: inputs and headline metrics, differences marked')
    .argument('<scenarios...>', 'scenario files (YAML or JSON), two or more')
    .option('--fields <paths>', 'metric dot paths to compare instead of the headline set')
    .option('--json', 'the comparison as JSON')
    .action((files: string[], options: CompareOptions) => {
      runCompare(io, files, options);
    });
}
