import { describe, expect, it } from 'vitest';
import { flatten, toCsv } from '../src/lib/export';
import { bytes, num, si } from '../src/lib/format';

describe('export', () => {
  it('writes CSV with quoting and the union of columns', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: 2, c: 'say "hi"' },
      ]),
    ).toBe('a,b,c\n1,"x,y",\n2,,"say ""hi"""\n');
  });
  it('flattens nested objects to dotted keys', () => {
    expect(flatten({ a: { b: 1, c: { d: 'x' } }, e: [1] })).toEqual({ 'a.b': 1, 'a.c.d': 'x' });
  });
});

describe('format', () => {
  it('formats numbers, bytes and SI counts', () => {
    expect(num(1234.5)).toBe('1,235');
    expect(num(10.66)).toBe('10.7');
    expect(num(Number.NaN)).toBe('–');
    expect(bytes(80e9)).toBe('80 GB');
    expect(si(70.6e9)).toBe('70.6 G');
  });
});
