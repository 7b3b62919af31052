/**
 * A JSON measurement file as documents: one JSON value (an object, or a list of objects), or
 * JSON Lines (one object per line, as `--append-result` and SGLang's output file write). Each
 * document comes with a reader that locates its fields in the file.
 */
import { LineIndex, parseJson } from './json.js';
import { importMessages } from './messages.js';
import type { JsonObject } from './read.js';
import { JsonReader, isObject } from './read.js';
import type { MeasurementDiagnostic } from './types.js';

export interface JsonDocument {
  readonly value: JsonObject;
  readonly reader: JsonReader;
  /** Line of the document for JSON Lines and lists; undefined for a file holding one object. */
  readonly line?: number;
}

export type JsonDocuments =
  | { readonly ok: true; readonly documents: readonly JsonDocument[] }
  | { readonly ok: false; readonly diagnostics: readonly MeasurementDiagnostic[] };

/** True when the text looks like JSON (its first non-blank character opens an object or list). */
export function looksLikeJson(text: string): boolean {
  return /^\uFEFF?\s*[[{]/.test(text);
}

export function readJsonDocuments(file: string, text: string): JsonDocuments {
  const lines = new LineIndex(text);
  const start = text.startsWith('\uFEFF') ? 1 : 0;
  if (text.trim() === '') return { ok: false, diagnostics: [importMessages.empty(file)] };

  const whole = parseJson(text, start);
  if (whole.ok) {
    const reader = new JsonReader(file, lines, whole.positions);
    if (isObject(whole.value)) return { ok: true, documents: [{ value: whole.value, reader }] };
    if (Array.isArray(whole.value)) {
      const documents: JsonDocument[] = [];
      const problems: MeasurementDiagnostic[] = [];
      for (const [i, item] of whole.value.entries()) {
        const at = reader.at(whole.value, i, `[${String(i)}]`);
        if (isObject(item)) documents.push({ value: item, reader, line: at.line ?? 1 });
        else problems.push(importMessages.notAnObject(at, 'a result object', item));
      }
      if (problems.length > 0) return { ok: false, diagnostics: problems };
      if (documents.length === 0) return { ok: false, diagnostics: [importMessages.empty(file)] };
      return { ok: true, documents };
    }
    return {
      ok: false,
      diagnostics: [importMessages.notAnObject({ file, ...lines.at(start) }, 'a JSON object', whole.value)],
    };
  }

  // Not one JSON value: JSON Lines when the first non-blank line is an object by itself.
  const documents: JsonDocument[] = [];
  const problems: MeasurementDiagnostic[] = [];
  for (let line = 1; line <= lines.lineCount; line++) {
    const from = Math.max(lines.lineStart(line), start);
    const to = line < lines.lineCount ? lines.lineStart(line + 1) - 1 : text.length;
    if (text.slice(from, to).trim() === '') continue;
    const parsed = parseJson(text, from, to);
    if (!parsed.ok) {
      if (documents.length === 0 && problems.length === 0) break;
      problems.push(importMessages.syntax({ file, ...lines.at(parsed.offset) }, 'JSON', parsed.message));
      continue;
    }
    const reader = new JsonReader(file, lines, parsed.positions);
    if (isObject(parsed.value)) documents.push({ value: parsed.value, reader, line });
    else
      problems.push(importMessages.notAnObject({ file, line, column: 1 }, 'a result object', parsed.value));
  }
  if (documents.length === 0 && problems.length === 0) {
    return {
      ok: false,
      diagnostics: [importMessages.syntax({ file, ...lines.at(whole.offset) }, 'JSON', whole.message)],
    };
  }
  if (problems.length > 0) return { ok: false, diagnostics: problems };
  return { ok: true, documents };
}
