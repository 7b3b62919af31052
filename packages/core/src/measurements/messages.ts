/**
 * Diagnostics of the measurement importers. Wording lives here. Every message starts with
 * `file:line:column:` (as far as known) and names the field, so it reads well on its own.
 */
import type { Diagnostic, Severity } from '../diagnostics/diagnostic.js';
import type { MeasurementDiagnostic, MeasurementTool } from './types.js';

export type MeasurementCode =
  | 'measurements.csv'
  | 'measurements.empty'
  | 'measurements.missing-field'
  | 'measurements.no-metrics'
  | 'measurements.non-finite'
  | 'measurements.not-an-object'
  | 'measurements.out-of-range'
  | 'measurements.row-skipped'
  | 'measurements.rows-skipped'
  | 'measurements.run-invalid'
  | 'measurements.syntax'
  | 'measurements.token-count-mismatch'
  | 'measurements.unknown-format'
  | 'measurements.unknown-unit'
  | 'measurements.unsupported'
  | 'measurements.wrong-format'
  | 'measurements.wrong-type'
  | 'csv.malformed';

/** Where a problem is: a file, and inside it a line, column and field when known. */
export interface Location {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;
}

function where(at: Location): string {
  if (at.line === undefined) return at.file;
  return at.column === undefined ? `${at.file}:${at.line}` : `${at.file}:${at.line}:${at.column}`;
}

function build(code: MeasurementCode, severity: Severity, at: Location, text: string): MeasurementDiagnostic {
  const field = at.field === undefined ? '' : `'${at.field}': `;
  const d: MeasurementDiagnostic = {
    code,
    severity,
    message: `${where(at)}: ${field}${text}`,
    file: at.file,
  };
  return {
    ...d,
    ...(at.line === undefined ? {} : { line: at.line }),
    ...(at.column === undefined ? {} : { column: at.column }),
    ...(at.field === undefined ? {} : { field: at.field, path: [at.field] }),
  };
}

/** A value as it appears in the file, shortened. */
export function shown(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (typeof value === 'number') s = String(value);
  else if (value === null) s = 'null';
  else if (Array.isArray(value)) s = 'a list';
  else if (typeof value === 'boolean') s = String(value);
  else if (typeof value === 'undefined') s = 'nothing';
  else s = 'an object';
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export const importMessages = {
  empty: (file: string) => build('measurements.empty', 'error', { file }, 'the file is empty'),
  unknownFormat: (file: string, tools: readonly string[]) =>
    build(
      'measurements.unknown-format',
      'error',
      { file },
      `not a measurement file Ridgeline recognizes. Supported: ${tools.join(', ')} ` +
        `(see docs/measurements.md); pass the format explicitly if the content is one of these.`,
    ),
  notThisFormat: (file: string, tool: MeasurementTool, why: string) =>
    build('measurements.wrong-format', 'error', { file }, `does not read as ${tool} output: ${why}`),
  unsupportedLayout: (file: string, what: string, instead: string) =>
    build('measurements.unsupported', 'error', { file }, `${what} is not imported; ${instead}`),
  csv: (at: Location, detail: string) => build('measurements.csv', 'error', at, detail),
  syntax: (at: Location, kind: string, detail: string) =>
    build('measurements.syntax', 'error', at, `${kind} syntax: ${detail}`),
  notAnObject: (at: Location, what: string, value: unknown) =>
    build('measurements.not-an-object', 'error', at, `expected ${what}, got ${shown(value)}`),
  wrongType: (at: Location, expected: string, value: unknown) =>
    build('measurements.wrong-type', 'error', at, `expected ${expected}, got ${shown(value)}`),
  negative: (at: Location, value: number) =>
    build('measurements.out-of-range', 'error', at, `must not be negative, got ${String(value)}`),
  missingField: (at: Location, what: string) =>
    build('measurements.missing-field', 'error', at, `missing: ${what}`),
  noMetrics: (at: Location, tool: MeasurementTool) =>
    build(
      'measurements.no-metrics',
      'error',
      at,
      `no ${tool} metric found (no TTFT, TPOT, ITL, latency or throughput field)`,
    ),
  nonFinite: (at: Location, value: unknown) =>
    build('measurements.non-finite', 'warning', at, `is ${shown(value)}, not a finite number; dropped`),
  unknownUnit: (at: Location, unit: string, expected: string) =>
    build('measurements.unknown-unit', 'error', at, `unit '${unit}' is not ${expected}`),
  tokenCountMismatch: (at: Location, measured: number, forced: number, tokenizer: string) =>
    build(
      'measurements.token-count-mismatch',
      'warning',
      at,
      `mean output length ${measured.toFixed(1)} (client tokenizer '${tokenizer}') differs from the ` +
        `${String(forced)} tokens the server was forced to generate (min_tokens = max_tokens, ignore_eos) ` +
        `by ${(((measured - forced) / forced) * 100).toFixed(0)}%: output throughput and TPOT are ` +
        `computed with the client count; check the tokenizer matches the model`,
    ),
  rowsSkipped: (file: string, metric: string, rows: number, firstLine: number) =>
    build(
      'measurements.rows-skipped',
      'info',
      { file, line: firstLine, field: 'metric' },
      `${String(rows)} row(s) with metric '${metric}' are not serving measurements (TTFT, TPOT, ` +
        `latency, throughput): not imported ('ridgeline validate' reads them)`,
    ),
  runInvalid: (at: Location) =>
    build(
      'measurements.run-invalid',
      'warning',
      at,
      'LoadGen marked this run INVALID (a duration, query count, latency or early-stopping constraint failed)',
    ),
  rowUnusable: (at: Location, why: string) =>
    build('measurements.row-skipped', 'warning', at, `row not imported: ${why}`),
};

/** Reference-CSV rows (the measurement table of data/measurements). */
const csvError = (line: number, message: string): Diagnostic => ({
  code: 'csv.malformed',
  severity: 'error',
  message: `line ${line}: ${message}`,
  path: [line],
});

export const csvMessages = {
  empty: () => csvError(1, 'the file is empty: expected a header line'),
  missingColumns: (line: number, missing: readonly string[]) =>
    csvError(line, `header lacks column(s) ${missing.map((c) => `'${c}'`).join(', ')}`),
  duplicateColumn: (line: number, column: string) => csvError(line, `header names column '${column}' twice`),
  fieldCount: (line: number, expected: number, found: number) =>
    csvError(line, `expected ${expected} fields (as in the header), found ${found}`),
  unterminatedQuote: (line: number) =>
    csvError(line, 'a quoted field is not closed before the end of the file'),
  quoteInBareField: (line: number) =>
    csvError(line, 'a quote inside an unquoted field: quote the whole field and double the inner quotes'),
  textAfterQuote: (line: number) =>
    csvError(line, 'text after a closing quote: a quoted field must end at a comma or the line end'),
  badValue: (line: number, value: string) => csvError(line, `value '${value}' is not a finite number`),
  emptyId: (line: number) => csvError(line, 'the id field is empty'),
  more: (count: number, shown: number, lastLine: number) =>
    csvError(
      lastLine,
      `and ${count} more problem(s) after the first ${shown} (the file is likely not a measurement CSV)`,
    ),
};

/** Why a benchmark record's scenario cannot be built. */
export const recordMessages = {
  noHardware: 'the file does not name the hardware: give --hardware',
  unknownRecordHardware: (name: string) => `hardware '${name}' not in catalog`,
  otherHardware: (found: string, wanted: string) => `measured on ${found}, not on ${wanted}`,
  otherEngine: (found: string, wanted: string) => `measured with engine ${found}, not ${wanted}`,
  noModel: 'the file does not name the model: give --model',
  unknownRecordModel: (name: string) =>
    `model '${name}' not in catalog: give --model with a catalog id of the same architecture ('ridgeline models' lists them)`,
  noLengths: 'input or output length not given',
  noLoad: 'no static batch, concurrency, request rate or max-throughput load given',
};
