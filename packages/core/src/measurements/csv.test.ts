import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MEASUREMENT_COLUMNS, parseMeasurementCsv } from './csv.js';

const HEADER = MEASUREMENT_COLUMNS.join(',');
const row = (id: string, value: string, notes = 'n') =>
  `${id},src,H100,1,Llama-3.1-8B,FP8,FP8,fw,1,1,8,128,128,output_tok_s,${value},${notes}`;

describe('parseMeasurementCsv', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const text = [
      HEADER,
      `A1,"repo @abc (table, v1)",H100,1,Llama-3.1-8B,FP8,FP8,fw,1,1,"max (offline; ""batch"" not published)",128,128,output_tok_s,12.5,"a, b ""c"""`,
      `A2,"two`,
      `lines",H100,1,Llama-3.1-8B,FP8,FP8,fw,1,1,8,128,128,ttft_ms,3,`,
      row('A3', '4'),
    ].join('\r\n');
    const r = parseMeasurementCsv(text + '\r\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((x) => x.id)).toEqual(['A1', 'A2', 'A3']);
    const [a1, a2, a3] = r.value;
    expect(a1?.source).toBe('repo @abc (table, v1)');
    expect(a1?.batchOrConcurrency).toBe('max (offline; "batch" not published)');
    expect(a1?.notes).toBe('a, b "c"');
    expect(a1?.value).toBe(12.5);
    expect(a2?.source).toBe('two\r\nlines');
    expect(a2?.notes).toBe('');
    expect(a2?.line).toBe(3);
    expect(a3?.line).toBe(5);
  });

  it('names the line of a record with the wrong number of fields', () => {
    const text = [HEADER, row('A1', '1'), 'A2,src,H100,1,too,few', row('A3', '1')].join('\n');
    const r = parseMeasurementCsv(text);
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d?.severity).toBe('error');
    expect(d?.path).toEqual([3]);
    expect(d?.message).toMatch(/^line 3: expected 16 fields .*found 6/);
  });

  it('reports every malformed line, in order', () => {
    const text = [HEADER, row('A1', 'fast'), row('A2', '1') + ',extra', `A3,"open`].join('\n');
    const r = parseMeasurementCsv(text);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.path?.[0])).toEqual([2, 3, 4]);
    expect(r.diagnostics[0]?.message).toContain("value 'fast' is not a finite number");
    expect(r.diagnostics[2]?.message).toContain('not closed');
  });

  it('checks the header', () => {
    const r = parseMeasurementCsv('id,source,value\nA1,x,1\n');
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toMatch(/^line 1: header lacks column\(s\) 'hardware'/);
    expect(parseMeasurementCsv('').ok).toBe(false);
  });

  it('rejects a stray quote inside an unquoted field', () => {
    const r = parseMeasurementCsv([HEADER, row('A1', '1', 'say "hi"')].join('\n'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toMatch(/^line 2: a quote inside an unquoted field/);
  });

  it('parses the shipped reference.csv', () => {
    const text = readFileSync(new URL('../../data/measurements/reference.csv', import.meta.url), 'utf8');
    const r = parseMeasurementCsv(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toHaveLength(561);
    expect(new Set(r.value.map((x) => x.id)).size).toBe(561);
    expect(r.value.every((x) => Number.isFinite(x.value))).toBe(true);
  });
});
