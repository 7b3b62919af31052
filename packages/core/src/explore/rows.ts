/**
 * Sweep rows as text: one JSON object per line, or CSV. Columns are the axis paths, then the
 * fields; a point that failed has an `error` (JSONL: instead of the fields; CSV: the last column).
 * The text of a point depends only on the point, so any split of the index range joins back
 * byte for byte.
 */
import type { SweepRow } from './evaluate.js';

export type RowFormat = 'jsonl' | 'csv';

/** A number as JSON writes it; non-finite numbers (never expected) become null. */
function jsonValue(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface RowWriter {
  /** The header line (CSV), or '' (JSONL). */
  readonly header: string;
  /** One point as a line, newline included. */
  line(axisValues: readonly unknown[], row: SweepRow): string;
}

export function rowWriter(
  format: RowFormat,
  axisPaths: readonly string[],
  fields: readonly string[],
): RowWriter {
  if (format === 'csv') {
    const header = [...axisPaths, ...fields, 'error'].map(csvCell).join(',') + '\n';
    const blanks = new Array<string>(fields.length).fill('');
    return {
      header,
      line: (axis, row) => {
        const cells = axis.map(csvCell);
        if (row.ok) cells.push(...row.fields.map(csvCell), '');
        else cells.push(...blanks, csvCell(row.error));
        return cells.join(',') + '\n';
      },
    };
  }
  const axisKeys = axisPaths.map((p) => JSON.stringify(p) + ':');
  const fieldKeys = fields.map((f) => JSON.stringify(f) + ':');
  return {
    header: '',
    line: (axis, row) => {
      let out = '{';
      for (let k = 0; k < axis.length; k++)
        out += (k > 0 ? ',' : '') + (axisKeys[k] ?? '') + jsonValue(axis[k]);
      if (row.ok) {
        for (let k = 0; k < row.fields.length; k++)
          out += (out.length > 1 ? ',' : '') + (fieldKeys[k] ?? '') + jsonValue(row.fields[k]);
      } else out += (out.length > 1 ? ',' : '') + '"error":' + JSON.stringify(row.error);
      return out + '}\n';
    },
  };
}
