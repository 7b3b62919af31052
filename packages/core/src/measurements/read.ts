/**
 * Shared pieces of the importers: reading typed fields out of parsed JSON with diagnostics that
 * point at a line and column, numbers written as text (thousands separators, "inf"), unit
 * conversion to milliseconds, numpy-style percentiles, and names resolved against the catalogs.
 */
import { findHardware } from '../hardware/catalog.js';
import { findModel } from '../model/catalog.js';
import type { JsonPositions, LineIndex } from './json.js';
import type { Location } from './messages.js';
import { importMessages } from './messages.js';
import type { LatencyStats, MeasuredEngine, MeasurementDiagnostic } from './types.js';
import { percentile } from '../util/percentile.js';

export type JsonObject = Record<string, unknown>;

export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** An object with its optional fields possibly undefined, before pruning. */
export type Loose<T> = { [K in keyof T]?: T[K] | undefined };

/** The object without its undefined fields (exactOptionalPropertyTypes forbids them). */
export function prune<T extends object>(o: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Latency stats, or undefined when none of them is known. */
export function latency(s: Loose<LatencyStats>): LatencyStats | undefined {
  const p = prune<LatencyStats>(s);
  return Object.keys(p).length > 0 ? p : undefined;
}

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;

/**
 * A number written as text: plain, with thousands separators ("1,019.69", as genai-perf's CSV
 * writes), or inf/Infinity/NaN as Python prints them. Undefined when the text is not a number.
 */
export function parseNumberText(raw: string): number | undefined {
  const t = raw.trim();
  if (PLAIN_NUMBER.test(t)) return Number(t);
  if (GROUPED_NUMBER.test(t)) return Number(t.replace(/,/g, ''));
  if (/^\+?inf(inity)?$/i.test(t)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(t)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(t)) return Number.NaN;
  return undefined;
}

/** 1-based columns where each field of a one-line CSV record starts. */
export function fieldColumns(lineText: string): number[] {
  const cols = [1];
  let quoted = false;
  for (let i = 0; i < lineText.length; i++) {
    const c = lineText.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) cols.push(i + 2);
  }
  return cols;
}

/** Milliseconds per one of `unit`, or undefined for a unit that is not a time. */
export function msPerUnit(unit: string): number | undefined {
  switch (unit.trim().toLowerCase()) {
    case 'ms':
    case 'msec':
    case 'milliseconds':
      return 1;
    case 's':
    case 'sec':
    case 'secs':
    case 'seconds':
      return 1000;
    case 'us':
    case 'µs':
    case 'usec':
    case 'microseconds':
      return 1e-3;
    case 'ns':
    case 'nsec':
    case 'nanoseconds':
      return 1e-6;
    default:
      return undefined;
  }
}

export function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Mean, p50, p90 and p99 of a sample (numpy conventions). */
export function statsOf(values: readonly number[]): LatencyStats | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return latency({
    mean: mean(values),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
  });
}

/** Fills the stats `into` lacks from `derived`; returns the merged stats and the names filled. */
export function fillMissing(
  into: LatencyStats | undefined,
  derived: LatencyStats | undefined,
): { stats: LatencyStats | undefined; filled: string[] } {
  if (derived === undefined) return { stats: into, filled: [] };
  const filled: string[] = [];
  const out: { -readonly [K in keyof LatencyStats]?: number | undefined } = { ...into };
  for (const k of ['mean', 'p50', 'p90', 'p99'] as const) {
    if (out[k] === undefined && derived[k] !== undefined) {
      out[k] = derived[k];
      filled.push(k);
    }
  }
  return { stats: latency(out), filled };
}

/** A mean token count as a whole number, with a note when rounding changed it. */
export function wholeTokens(value: number | undefined, what: string, notes: string[]): number | undefined {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined;
  const rounded = Math.round(value);
  if (Math.abs(rounded - value) > 1e-9) {
    notes.push(`${what}: mean ${value.toFixed(2)} tokens, rounded to ${String(rounded)}`);
  }
  return rounded;
}

/** A positive whole number, or undefined. */
export function positiveInt(x: number | undefined): number | undefined {
  return x !== undefined && Number.isInteger(x) && x > 0 ? x : undefined;
}

/**
 * The catalog id `found` gives a (trimmed) model or hardware name, noted when it differs; else
 * the name as written, noted as not in the catalog.
 */
export function catalogIdOrName(
  kind: 'model' | 'hardware',
  name: string,
  found: { readonly id: string } | undefined,
  notes: string[],
): string {
  if (found === undefined) {
    notes.push(`${kind} '${name}' is not in the catalog; kept as written`);
    return name;
  }
  if (found.id !== name) notes.push(`${kind} '${name}' read as catalog ${kind} '${found.id}'`);
  return found.id;
}

/** Catalog id of a model name when the catalog knows it (noted), else the name as written. */
export function modelName(raw: string, notes: string[]): string | undefined {
  const name = raw.trim();
  if (name === '') return undefined;
  return catalogIdOrName('model', name, findModel(name), notes);
}

/** Catalog id of a hardware name when the catalog knows it (noted), else the name as written. */
export function hardwareName(raw: string, notes: string[]): string | undefined {
  const name = raw.trim();
  if (name === '' || /^n\/?a$/i.test(name)) return undefined;
  return catalogIdOrName('hardware', name, findHardware(name), notes);
}

/** Serving engine named by a backend or framework label, if it is one Ridgeline profiles. */
export function engineFromLabel(label: string): MeasuredEngine | undefined {
  const t = label.trim().toLowerCase();
  if (/^(sgl|sglang)\b/.test(t)) return 'sglang';
  if (/^vllm\b/.test(t)) return 'vllm';
  if (/^(trt|trtllm|tensorrt-?llm|tensorrtllm|trt-llm)\b/.test(t)) return 'trtllm';
  return undefined;
}

/** Ridgeline numeric format of a dtype or quantization label (bfloat16, FP8, W4A16_AWQ, ...). */
export function formatFromLabel(label: string): string | undefined {
  const t = label.trim().toLowerCase();
  if (t === '' || t === 'none' || t === 'null' || t === 'auto' || t === 'n/a') return undefined;
  if (t === 'bfloat16' || t.startsWith('bf16') || t.startsWith('fp16/bf16')) return 'bf16';
  if (t === 'float16' || t === 'half' || t.startsWith('fp16')) return 'fp16';
  if (t === 'float32' || t.startsWith('fp32')) return 'fp32';
  if (t.startsWith('nvfp4')) return 'nvfp4';
  if (t.startsWith('mxfp4')) return 'mxfp4';
  if (t.startsWith('fp8') || t.startsWith('float8')) return 'fp8';
  if (t.startsWith('fp4')) return 'fp4';
  if (t.startsWith('int8') || t.startsWith('w8a16') || t.startsWith('w8a8')) return 'int8';
  if (t.startsWith('int4') || t.startsWith('w4a16') || t.startsWith('w4a8')) return 'int4';
  return undefined;
}

export interface ReadOptions {
  /** Label in messages (default: the key). */
  readonly name?: string;
  /** Accept +Infinity (returned as is) instead of warning and dropping it. */
  readonly allowInfinity?: boolean;
  /** Accept negative values (default: refused). */
  readonly allowNegative?: boolean;
}

/**
 * Reads typed fields of parsed JSON. Wrong types become errors, non-finite numbers warnings;
 * both name the file, line, column and field. Null and absent fields read as undefined.
 */
export class JsonReader {
  readonly errors: MeasurementDiagnostic[] = [];
  readonly warnings: MeasurementDiagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly lines: LineIndex,
    private readonly positions: JsonPositions,
  ) {}

  /** Location of `key` in `container` (its value), or of the container when the key is absent. */
  at(container: object, key?: string | number, name?: string): Location {
    const offset =
      (key === undefined ? undefined : this.positions.valueOffset(container, key)) ??
      this.positions.startOffset(container);
    const field = name ?? (key === undefined ? undefined : String(key));
    const base = offset === undefined ? { file: this.file } : { file: this.file, ...this.lines.at(offset) };
    return field === undefined ? base : { ...base, field };
  }

  number(obj: JsonObject, key: string, opts: ReadOptions = {}): number | undefined {
    const raw = obj[key];
    if (raw === undefined || raw === null) return undefined;
    const at = () => this.at(obj, key, opts.name);
    let n: number | undefined;
    if (typeof raw === 'number') n = raw;
    else if (typeof raw === 'string') n = parseNumberText(raw);
    if (n === undefined) {
      this.errors.push(importMessages.wrongType(at(), 'a number', raw));
      return undefined;
    }
    if (n === Number.POSITIVE_INFINITY && opts.allowInfinity === true) return n;
    if (!Number.isFinite(n)) {
      this.warnings.push(importMessages.nonFinite(at(), raw));
      return undefined;
    }
    if (n < 0 && opts.allowNegative !== true) {
      this.errors.push(importMessages.negative(at(), n));
      return undefined;
    }
    return n;
  }

  /** A time in `unit` (default ms), converted to ms. */
  ms(obj: JsonObject, key: string, msPer = 1, opts: ReadOptions = {}): number | undefined {
    const v = this.number(obj, key, opts);
    return v === undefined ? undefined : v * msPer;
  }

  string(obj: JsonObject, key: string, opts: ReadOptions = {}): string | undefined {
    const raw = obj[key];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'string') return raw;
    this.errors.push(importMessages.wrongType(this.at(obj, key, opts.name), 'text', raw));
    return undefined;
  }

  boolean(obj: JsonObject, key: string, opts: ReadOptions = {}): boolean | undefined {
    const raw = obj[key];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'boolean') return raw;
    this.errors.push(importMessages.wrongType(this.at(obj, key, opts.name), 'true or false', raw));
    return undefined;
  }

  object(obj: JsonObject, key: string, opts: ReadOptions = {}): JsonObject | undefined {
    const raw = obj[key];
    if (raw === undefined || raw === null) return undefined;
    if (isObject(raw)) return raw;
    this.errors.push(importMessages.wrongType(this.at(obj, key, opts.name), 'an object', raw));
    return undefined;
  }

  array(obj: JsonObject, key: string, opts: ReadOptions = {}): unknown[] | undefined {
    const raw = obj[key];
    if (raw === undefined || raw === null) return undefined;
    if (Array.isArray(raw)) return raw as unknown[];
    this.errors.push(importMessages.wrongType(this.at(obj, key, opts.name), 'a list', raw));
    return undefined;
  }

  /** A list of non-negative finite numbers; the first bad element is reported and the list dropped. */
  numbers(obj: JsonObject, key: string, opts: ReadOptions = {}): number[] | undefined {
    const list = this.array(obj, key, opts);
    return list === undefined ? undefined : this.numberItems(list, opts.name ?? key);
  }

  /** The elements of a parsed list as non-negative finite numbers, or undefined (error added). */
  numberItems(list: readonly unknown[], name: string): number[] | undefined {
    const out: number[] = [];
    for (const [i, v] of list.entries()) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        const at = this.at(list, i, `${name}[${String(i)}]`);
        this.errors.push(importMessages.wrongType(at, 'a finite number ≥ 0', v));
        return undefined;
      }
      out.push(v);
    }
    return out;
  }
}
