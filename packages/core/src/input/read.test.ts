import { describe, expect, it } from 'vitest';
import { documentKindOf, parseDocument } from './read.js';

const yamlText = `model: llama-3.1-8b
parallelism:
  tp: 2
  pp: 1
workload:
  runs:
    - inputTokens: 512
      outputTokens: 128
    - inputTokens: 1024
`;

const jsonText = `{
  "model": "llama-3.1-8b",
  "parallelism": { "tp": 2 },
  "list": [1, {"a": true}]
}`;

describe('parseDocument', () => {
  it('YAML: the value, and positions of nested keys and array items', () => {
    const d = parseDocument(yamlText, 'yaml');
    expect(d.issues).toEqual([]);
    expect(d.value).toEqual({
      model: 'llama-3.1-8b',
      parallelism: { tp: 2, pp: 1 },
      workload: { runs: [{ inputTokens: 512, outputTokens: 128 }, { inputTokens: 1024 }] },
    });
    // A scalar points at its value; a collection at its key.
    expect(d.positionOf(['model'])).toEqual({ line: 1, column: 8 });
    expect(d.positionOf(['parallelism'])).toEqual({ line: 2, column: 1 });
    expect(d.positionOf(['parallelism', 'tp'])).toEqual({ line: 3, column: 7 });
    expect(d.positionOf(['workload', 'runs', 1])).toEqual({ line: 9, column: 7 });
    expect(d.positionOf(['workload', 'runs', 0, 'outputTokens'])).toEqual({ line: 8, column: 21 });
    expect(d.positionOf([])).toEqual({ line: 1, column: 1 });
  });

  it('a path that leaves the text: no position, and locate falls back to the deepest ancestor', () => {
    const d = parseDocument(yamlText, 'yaml');
    expect(d.positionOf(['parallelism', 'ep'])).toBeUndefined();
    expect(d.positionOf(['workload', 'runs', 5])).toBeUndefined();
    expect(d.locate(['parallelism', 'ep'])).toEqual({ line: 2, column: 1, depth: 1 });
    expect(d.locate(['nothing'])).toEqual({ line: 1, column: 1, depth: 0 });
  });

  it('JSON: values and positions', () => {
    const d = parseDocument(jsonText, 'json');
    expect(d.issues).toEqual([]);
    expect(d.value).toEqual({ model: 'llama-3.1-8b', parallelism: { tp: 2 }, list: [1, { a: true }] });
    expect(d.positionOf(['parallelism', 'tp'])).toEqual({ line: 3, column: 26 });
    expect(d.positionOf(['list', 1, 'a'])).toEqual({ line: 4, column: 21 });
    expect(d.positionOf(['list', 0])).toEqual({ line: 4, column: 12 });
  });

  it('YAML syntax errors carry their line and column', () => {
    const d = parseDocument('a: 1\nb: 2\na: 3\n', 'yaml');
    expect(d.value).toBeUndefined();
    expect(d.issues.length).toBeGreaterThan(0);
    const first = d.issues[0];
    expect(first?.code).toBe('file.syntax');
    expect(first?.severity).toBe('error');
    expect(first?.message.startsWith('YAML syntax: ')).toBe(true);
    expect(first?.message).not.toMatch(/at line \d+, column \d+/);
    expect(first?.message).toBe('YAML syntax: Map keys must be unique');
    expect([first?.line, first?.column]).toEqual([3, 1]);
  });

  it('JSON is strict: duplicate keys are a syntax error at the duplicate', () => {
    const d = parseDocument('{\n  "a": 1,\n  "a": 2\n}', 'json');
    expect(d.value).toBeUndefined();
    expect(d.issues[0]?.message.startsWith('JSON syntax: ')).toBe(true);
    expect(d.issues[0]?.line).toBe(3);
  });

  it('too many aliases is an issue naming the document, not a throw', () => {
    const bomb = ['a: &a [x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    for (const c of 'cdefgh')
      bomb.push(
        `${c}: &${c} [${Array(10)
          .fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    const d = parseDocument(bomb.join('\n'), 'yaml', { name: 'bomb.yaml' });
    expect(d.value).toBeUndefined();
    expect(d.issues[0]?.message.startsWith('cannot read bomb.yaml: ')).toBe(true);
  });

  it('documentKindOf: JSON by extension, YAML otherwise', () => {
    expect(documentKindOf('a/b/config.JSON')).toBe('json');
    expect(documentKindOf('s.yaml')).toBe('yaml');
    expect(documentKindOf('s.yml')).toBe('yaml');
  });
});
