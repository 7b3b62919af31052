/**
 * The measurement CSV (data/measurements/reference.csv): RFC 4180 fields (quoted fields may hold
 * commas, doubled quotes and line breaks), a header naming the columns, one measurement per
 * record. Every malformed record becomes a diagnostic naming its line.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { csvMessages } from './messages.js';

/** Columns a measurement file must have (any order; extra columns are ignored). */
export const MEASUREMENT_COLUMNS = [
  'id',
  'source',
  'hardware',
  'num_gpus',
  'model',
  'precision_weights',
  'precision_kv',
  'framework',
  'tp',
  'pp',
  'batch_or_concurrency',
  'input_len',
  'output_len',
  'metric',
  'value',
  'notes',
] as const;

export type MeasurementColumn = (typeof MEASUREMENT_COLUMNS)[number];

/** One measurement as published: text fields kept verbatim, the value parsed. */
export interface MeasurementRow {
  /** Line of the file the record starts on (1-based; the header is line 1). */
  readonly line: number;
  readonly id: string;
  readonly source: string;
  readonly hardware: string;
  readonly numGpus: string;
  readonly model: string;
  readonly precisionWeights: string;
  readonly precisionKv: string;
  readonly framework: string;
  readonly tp: string;
  readonly pp: string;
  readonly batchOrConcurrency: string;
  readonly inputLen: string;
  readonly outputLen: string;
  readonly metric: string;
  readonly value: number;
  readonly notes: string;
}

export interface RawRecord {
  readonly line: number;
  readonly fields: string[];
}

/** Splits CSV text into records of fields; returns diagnostics for quoting errors. */
export function splitCsvRecords(text: string): { records: RawRecord[]; diagnostics: Diagnostic[] } {
  const records: RawRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let i = 0;
  let broken = false;
  const endRecord = () => {
    fields.push(field);
    // A line holding nothing at all is not a record.
    if (!broken && !(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    broken = false;
  };
  while (i < src.length) {
    const ch = src.charAt(i);
    if (ch === '"' && field === '') {
      // Quoted field: runs to the next quote not doubled.
      const start = line;
      i++;
      let closed = false;
      while (i < src.length) {
        const c = src.charAt(i);
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      if (!closed) {
        diagnostics.push(csvMessages.unterminatedQuote(start));
        return { records, diagnostics };
      }
      const next = src[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        if (!broken) diagnostics.push(csvMessages.textAfterQuote(line));
        broken = true;
        // Skip to the end of the line.
        while (i < src.length && src[i] !== '\n') i++;
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (ch === '\r' && src[i + 1] === '\n') {
      i++;
      continue;
    }
    if (ch === '\n') {
      endRecord();
      line++;
      recordLine = line;
      i++;
      continue;
    }
    if (ch === '"') {
      if (!broken) diagnostics.push(csvMessages.quoteInBareField(line));
      broken = true;
    }
    field += ch;
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return { records, diagnostics };
}

/**
 * Parses a measurement CSV. Fails (with every problem found, each naming its line) on a missing
 * header column, a record whose field count differs from the header's, a quoting error, an
 * empty id or a value that is not a finite number.
 */
export function parseMeasurementCsv(text: string): Result<MeasurementRow[]> {
  const { records, diagnostics } = splitCsvRecords(text);
  const header = records[0];
  if (header === undefined) {
    return failSummarized(diagnostics.length > 0 ? diagnostics : [csvMessages.empty()]);
  }
  const names = header.fields.map((f) => f.trim());
  const index = new Map<string, number>();
  const problems: Diagnostic[] = [];
  names.forEach((name, i) => {
    if (index.has(name)) problems.push(csvMessages.duplicateColumn(header.line, name));
    else index.set(name, i);
  });
  const missing = MEASUREMENT_COLUMNS.filter((c) => !index.has(c));
  if (missing.length > 0) problems.push(csvMessages.missingColumns(header.line, missing));
  if (problems.length > 0) return failSummarized([...problems, ...diagnostics]);

  const col = (fields: readonly string[], name: MeasurementColumn): string =>
    fields[index.get(name) ?? -1] ?? '';
  const rows: MeasurementRow[] = [];
  const errors: Diagnostic[] = [...diagnostics];
  for (const rec of records.slice(1)) {
    if (rec.fields.length !== names.length) {
      errors.push(csvMessages.fieldCount(rec.line, names.length, rec.fields.length));
      continue;
    }
    const f = rec.fields;
    const id = col(f, 'id').trim();
    if (id === '') {
      errors.push(csvMessages.emptyId(rec.line));
      continue;
    }
    const valueText = col(f, 'value').trim();
    const value = valueText === '' ? Number.NaN : Number(valueText);
    if (!Number.isFinite(value)) {
      errors.push(csvMessages.badValue(rec.line, valueText));
      continue;
    }
    rows.push({
      line: rec.line,
      id,
      source: col(f, 'source'),
      hardware: col(f, 'hardware'),
      numGpus: col(f, 'num_gpus'),
      model: col(f, 'model'),
      precisionWeights: col(f, 'precision_weights'),
      precisionKv: col(f, 'precision_kv'),
      framework: col(f, 'framework'),
      tp: col(f, 'tp'),
      pp: col(f, 'pp'),
      batchOrConcurrency: col(f, 'batch_or_concurrency'),
      inputLen: col(f, 'input_len'),
      outputLen: col(f, 'output_len'),
      metric: col(f, 'metric').trim(),
      value,
      notes: col(f, 'notes'),
    });
  }
  errors.sort((a, b) => Number(a.path?.[0] ?? 0) - Number(b.path?.[0] ?? 0));
  return errors.length > 0 ? failSummarized(errors) : ok(rows);
}

/** Problems listed one by one at most; a malformed file of millions of lines gets a summary. */
export const MAX_CSV_DIAGNOSTICS = 50;

function failSummarized<T>(diagnostics: readonly Diagnostic[]): Result<T> {
  if (diagnostics.length <= MAX_CSV_DIAGNOSTICS) return fail(...diagnostics);
  const shown = diagnostics.slice(0, MAX_CSV_DIAGNOSTICS);
  const last = diagnostics[diagnostics.length - 1];
  const lastLine = typeof last?.path?.[0] === 'number' ? last.path[0] : 1;
  return fail(...shown, csvMessages.more(diagnostics.length - shown.length, shown.length, lastLine));
}
