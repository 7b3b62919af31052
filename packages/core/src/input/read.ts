/**
 * A pure reader from YAML or JSON text to data, keeping the source positions: a path inside
 * the data such as ['parallelism', 'tp'] maps back to the line and column that wrote it. The
 * CLI reads files and reports file:line:column with it; a web app can do the same for an editor.
 */
import type { Document } from 'yaml';
import { LineCounter, isMap, isScalar, isSeq, parseDocument as parseYaml } from 'yaml';
import type { DataPath, Diagnostic } from '../diagnostics/diagnostic.js';
import { inputMessages } from './messages.js';

export type { DataPath } from '../diagnostics/diagnostic.js';
export type DocumentKind = 'yaml' | 'json';

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A position, and how many segments of the path asked for were found. */
export interface Location extends Position {
  readonly depth: number;
}

/** A reader issue; syntax errors carry the position they were found at. */
export interface ReadIssue extends Diagnostic {
  readonly line?: number;
  readonly column?: number;
}

export interface ParsedDocument {
  /** The data (undefined when there are issues). */
  readonly value: unknown;
  readonly issues: readonly ReadIssue[];
  /** Where the node at `path` is written; undefined when the path does not reach into the text. */
  positionOf(path: DataPath): Position | undefined;
  /**
   * Position of the node at `path`, or of its deepest ancestor present (the root at worst).
   * `atKey`: point at the key that names the node (an unknown field), not at its value.
   */
  locate(path: DataPath, atKey?: boolean): Location;
}

export interface ReadOptions {
  /** How the text is named in messages (a file name); 'the document' by default. */
  readonly name?: string;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** Offset of the node at `path` (or its deepest ancestor present) and the segments found. */
function offsetOf(doc: Document, path: DataPath, atKey: boolean): { offset: number; depth: number } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      const keyOffset = rangeStart(pair.key);
      node = pair.value;
      // Scalars point at the value itself; collections at their key (the line that names them);
      // `atKey` points at the key (an unknown field).
      offset = (isScalar(node) && !atKey ? rangeStart(node) : undefined) ?? keyOffset ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined || item === null) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
    depth++;
  }
  return { offset, depth };
}

/** First line of a yaml error message, without the " at line L, column C:" the location repeats. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Parses YAML or JSON (JSON strictly: the json schema, unique keys) keeping positions. */
export function parseDocument(text: string, kind: DocumentKind, options: ReadOptions = {}): ParsedDocument {
  const lines = new LineCounter();
  const doc = parseYaml(text, {
    lineCounter: lines,
    schema: kind === 'json' ? 'json' : 'core',
    uniqueKeys: true,
  });
  const locate = (path: DataPath, atKey = false): Location => {
    const at = offsetOf(doc, path, atKey);
    const pos = lines.linePos(at.offset);
    return { line: pos.line, column: pos.col, depth: at.depth };
  };
  const positionOf = (path: DataPath): Position | undefined => {
    const at = locate(path);
    return path.length > 0 && at.depth < path.length ? undefined : { line: at.line, column: at.column };
  };
  const issues: ReadIssue[] = doc.errors.map((e) => {
    const d = inputMessages.syntax(kind === 'json' ? 'JSON' : 'YAML', yamlMessage(e.message));
    const pos = e.linePos?.[0];
    return pos === undefined ? d : { ...d, line: pos.line, column: pos.col };
  });
  if (issues.length > 0) return { value: undefined, issues, positionOf, locate };
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), issues, positionOf, locate };
  } catch (e) {
    return {
      value: undefined,
      issues: [inputMessages.unreadable(options.name ?? 'the document', reason(e))],
      positionOf,
      locate,
    };
  }
}

/** The kind a file name implies: JSON for .json, YAML otherwise. */
export function documentKindOf(fileName: string): DocumentKind {
  return /\.json$/i.test(fileName) ? 'json' : 'yaml';
}
