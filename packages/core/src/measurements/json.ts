/**
 * JSON as Python's json module writes it: standard JSON plus the bare tokens NaN, Infinity and
 * -Infinity (SGLang writes `"request_rate": Infinity`, which JSON.parse rejects). The parser keeps
 * the offset of every object, key and value, so a diagnostic can name a line and column, and it
 * never throws: syntax errors come back as data.
 */

/** Offsets (into the whole text) of what a parsed value holds. */
export interface JsonPositions {
  /** Offset of the value under `key` of an object or array parsed here. */
  valueOffset(container: object, key: string | number): number | undefined;
  /** Offset of the opening brace or bracket of a container parsed here. */
  startOffset(container: object): number | undefined;
}

export type JsonParse =
  | { readonly ok: true; readonly value: unknown; readonly positions: JsonPositions }
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** Nesting deeper than this is refused (no benchmark file comes close; recursion stays bounded). */
const MAX_DEPTH = 256;

/** Thrown inside the parser only, to unwind to parseJson, which returns it as data. */
class SyntaxProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function describe(ch: string): string {
  return ch === '' ? 'end of input' : `'${ch}'`;
}

class Parser {
  pos: number;
  readonly values = new WeakMap<object, Map<string | number, number>>();
  readonly starts = new WeakMap<object, number>();

  constructor(
    private readonly s: string,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  fail(message: string, at = this.pos): never {
    throw new SyntaxProblem(at, message);
  }

  peek(): string {
    return this.pos < this.end ? this.s.charAt(this.pos) : '';
  }

  skipSpace(): void {
    while (this.pos < this.end) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  unexpected(what: string): never {
    const ch = this.peek();
    if (ch === '') this.fail(`unexpected end of input, expected ${what} (is the file truncated?)`);
    // A number or word cut short ("3304.") fails on its last character: still a truncation.
    const last = this.s.slice(this.pos + 1, this.end).trim() === '';
    this.fail(`unexpected ${describe(ch)}, expected ${what}${last ? ' (is the file truncated?)' : ''}`);
  }

  literal(word: string): boolean {
    if (this.s.startsWith(word, this.pos) && this.pos + word.length <= this.end) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${String(MAX_DEPTH)} levels deep`);
    this.skipSpace();
    const ch = this.peek();
    if (ch === '{') return this.object(depth);
    if (ch === '[') return this.array(depth);
    if (ch === '"') return this.string();
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('null')) return null;
    if (this.literal('NaN')) return Number.NaN;
    if (this.literal('Infinity')) return Number.POSITIVE_INFINITY;
    if (this.literal('-Infinity')) return Number.NEGATIVE_INFINITY;
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.s);
    if (m !== null && m[0] !== '' && m[0] !== '-' && this.pos + m[0].length <= this.end) {
      this.pos += m[0].length;
      return Number(m[0]);
    }
    return this.unexpected('a value');
  }

  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const offsets = new Map<string | number, number>();
    this.values.set(out, offsets);
    this.starts.set(out, this.pos);
    this.pos++;
    this.skipSpace();
    if (this.peek() === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== '"') this.unexpected('a quoted key');
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== ':') this.unexpected(`':' after the key "${key}"`);
      this.pos++;
      this.skipSpace();
      offsets.set(key, this.pos);
      const v = this.value(depth + 1);
      // Python's json keeps the last of duplicate keys; so do we. defineProperty keeps "__proto__" a plain key.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.peek();
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === '}') {
        this.pos++;
        return out;
      }
      this.unexpected("',' or '}'");
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = [];
    const offsets = new Map<string | number, number>();
    this.values.set(out, offsets);
    this.starts.set(out, this.pos);
    this.pos++;
    this.skipSpace();
    if (this.peek() === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      offsets.set(out.length, this.pos);
      out.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.peek();
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === ']') {
        this.pos++;
        return out;
      }
      this.unexpected("',' or ']'");
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    let run = this.pos;
    while (this.pos < this.end) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += this.s.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('a control character (line break?) inside a string');
      if (c === 0x5c) {
        out += this.s.slice(run, this.pos);
        const e = this.s.charAt(this.pos + 1);
        if (e === 'u') {
          const hex = this.s.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('a \\u escape needs four hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else {
          const rep = ESCAPES[e];
          if (rep === undefined) this.fail(`invalid escape '\\${e}' in a string`);
          out += rep;
          this.pos += 2;
        }
        run = this.pos;
        continue;
      }
      this.pos++;
    }
    return this.fail('a string is not closed (is the file truncated?)', start);
  }
}

/**
 * Parses `text.slice(start, end)` as one JSON value (Python flavor). Offsets in the result and in
 * errors are offsets into the whole `text`.
 */
export function parseJson(text: string, start = 0, end = text.length): JsonParse {
  const p = new Parser(text, start, end);
  try {
    const value = p.value(0);
    p.skipSpace();
    if (p.pos < end) p.fail(`unexpected ${describe(p.peek())} after the JSON value`);
    const positions: JsonPositions = {
      valueOffset: (container, key) => p.values.get(container)?.get(key),
      startOffset: (container) => p.starts.get(container),
    };
    return { ok: true, value, positions };
  } catch (e) {
    if (e instanceof SyntaxProblem) return { ok: false, offset: e.offset, message: e.message };
    // Only a stack overflow could land here; MAX_DEPTH keeps recursion far from it.
    return { ok: false, offset: p.pos, message: 'cannot be parsed' };
  }
}

/** Line and column (1-based) of offsets in a text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** Number of lines (a final line break does not start a new one). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** Offset where 1-based `line` starts. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? 0;
  }

  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}
