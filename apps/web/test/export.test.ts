import { describe, expect, it } from 'vitest';
import { flatten, toCsv } from '../src/lib/export';
import { breakdownNote, bytes, calibrationNote, num, si } from '../src/lib/format';

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

describe('what a report assumed, in words', () => {
  it('says why no calibration profile applied, and names the ones that did', () => {
    expect(calibrationNote({ calibration: 'none', hardware: 'h100-sxm', engine: 'vllm' })).toMatch(
      /^none: no calibration profile covers h100-sxm with vllm .*raw model/,
    );
    expect(calibrationNote({ calibration: 'shipped mi300x/vllm', hardware: 'mi300x', engine: 'vllm' })).toBe(
      'shipped mi300x/vllm',
    );
  });

  it('says a serving run breaks down one static step at its mean batch', () => {
    expect(breakdownNote({ kind: 'batch', batch: 8 })).toBe('');
    expect(breakdownNote({ kind: 'requestRate', batch: 29.9 })).toMatch(/mean batch of 29\.9/);
  });
});
