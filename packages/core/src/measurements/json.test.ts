import { describe, expect, it } from 'vitest';
import { LineIndex, parseJson } from './json.js';

describe('parseJson (Python flavor)', () => {
  it('reads standard JSON and the tokens Python writes for non-finite floats', () => {
    const r = parseJson(
      '{"a": Infinity, "b": -Infinity, "c": NaN, "d": [1, 2.5e3, "x\\u00e9\\n"], "e": null}',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      a: Number.POSITIVE_INFINITY,
      b: Number.NEGATIVE_INFINITY,
      c: Number.NaN,
      d: [1, 2500, 'xé\n'],
      e: null,
    });
  });

  it('keeps offsets of values, so fields can be located by line and column', () => {
    const text = '{\n  "x": 1,\n  "list": [10,\n    20]\n}';
    const r = parseJson(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const lines = new LineIndex(text);
    const v = r.value as { list: number[] };
    expect(lines.at(r.positions.valueOffset(v, 'x') ?? -1)).toEqual({ line: 2, column: 8 });
    expect(lines.at(r.positions.valueOffset(v.list, 1) ?? -1)).toEqual({ line: 4, column: 5 });
    expect(lines.at(r.positions.startOffset(v) ?? -1)).toEqual({ line: 1, column: 1 });
  });

  it('reports a truncated document at its end, suggesting truncation', () => {
    const text = '{"a": 1,\n "b": [1, 2';
    const r = parseJson(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.offset).toBe(text.length);
    expect(r.message).toMatch(/unexpected end of input.*truncated/);
  });

  it('reports bad tokens, unclosed strings, trailing text and control characters', () => {
    const cases: [string, RegExp][] = [
      ['{"a": tru}', /unexpected 't', expected a value/],
      ['{"a": 1,}', /expected a quoted key/],
      ['{"a" 1}', /expected ':' after the key "a"/],
      ['{"a": "x', /string is not closed/],
      ['{"a": 1} {"b": 2}', /after the JSON value/],
      ['{"a": "x\ny"}', /control character/],
      ['{"a": "\\q"}', /invalid escape/],
      ['[1 2]', /expected ',' or ']'/],
      ['-', /expected a value/],
    ];
    for (const [text, message] of cases) {
      const r = parseJson(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.message, text).toMatch(message);
    }
  });

  it('refuses absurd nesting without overflowing the stack', () => {
    const r = parseJson('['.repeat(100_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/nested more than/);
  });

  it('keeps "__proto__" as a plain key and the last of duplicate keys', () => {
    const r = parseJson('{"__proto__": {"polluted": 1}, "k": 1, "k": 2}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'k']);
    expect(v['k']).toBe(2);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
