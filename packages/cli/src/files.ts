/**
 * Reading scenario, model and hardware files (YAML or JSON) with core's reader, which keeps the
 * source positions beside the parsed data, so a diagnostic path such as ['parallelism', 'tp'] is reported as
 * file:line:column. Model and hardware references that name files are resolved here too.
 */
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type {
  Diagnostic,
  DiagnosticCode,
  HardwareSpec,
  MeasurementDiagnostic,
  ModelSpec,
  ParsedDocument,
} from '@ridgeline/core';
import {
  HardwareSpecSchema,
  ModelSpecSchema,
  documentKindOf,
  importHfConfig,
  parseDocument,
} from '@ridgeline/core';
import type { Io } from './io.js';

export type Path = readonly (string | number)[];

/** A core diagnostic, plus where it points in a file when it came from one. */
export interface CliDiagnostic extends Diagnostic {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export type Loaded<T> =
  | { readonly ok: true; readonly value: T; readonly diagnostics: readonly CliDiagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly CliDiagnostic[] };

export const loaded = <T>(value: T, diagnostics: readonly CliDiagnostic[] = []): Loaded<T> => ({
  ok: true,
  value,
  diagnostics,
});
export const failed = <T>(diagnostics: readonly CliDiagnostic[]): Loaded<T> => ({ ok: false, diagnostics });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The path as the user should see it: relative to cwd when inside it, else absolute. */
export function displayPath(io: Io, absPath: string): string {
  const rel = relative(io.cwd, absPath);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absPath;
}

/** Why a file could not be read, in words. */
export function fileErrorReason(e: unknown): string {
  if (isRecord(e) && e['code'] === 'ENOENT') return 'no such file';
  if (isRecord(e) && e['code'] === 'EISDIR') return 'it is a directory';
  if (isRecord(e) && e['code'] === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** A parsed file: maps a path inside its data to a line and column (core's reader does the work). */
export class SourceFile {
  constructor(
    readonly absPath: string,
    readonly displayPath: string,
    private readonly doc: ParsedDocument,
  ) {}

  /**
   * Line and column (1-based) of the node at `path`, or of the deepest ancestor present;
   * `depth` is how many path segments were found.
   */
  locate(path: Path, atKey = false): { line: number; column: number; depth: number } {
    return this.doc.locate(path, atKey);
  }

  /**
   * The diagnostic with this file's location: line and column when its path (after `prefix`
   * is removed) reaches into the file, the file alone otherwise.
   */
  attach(d: Diagnostic, prefix: Path = []): CliDiagnostic {
    const path = d.path ?? [];
    const inner = startsWith(path, prefix) ? path.slice(prefix.length) : path;
    const at = this.locate(inner, d.code === 'schema.unknown-field');
    if (inner.length > 0 && at.depth === 0) return { ...d, file: this.displayPath };
    return { ...d, file: this.displayPath, line: at.line, column: at.column };
  }
}

export function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

/** A file's text, or a 'file.unreadable' diagnostic naming the file as the user sees it. */
export function readTextFile(io: Io, absPath: string): Loaded<string> {
  try {
    return loaded(io.readFile(absPath));
  } catch (e) {
    const message = `cannot read ${displayPath(io, absPath)}: ${fileErrorReason(e)}`;
    return failed([{ code: 'file.unreadable', severity: 'error', message }]);
  }
}

/** The diagnostic of a file that could not be written. */
export function unwritable(io: Io, absPath: string, e: unknown): CliDiagnostic {
  const message = `cannot write ${displayPath(io, absPath)}: ${fileErrorReason(e)}`;
  return { code: 'file.unwritable', severity: 'error', message };
}

/**
 * A core CSV diagnostic (path [line], message 'line N: ...') pointed at the file: file:line:1,
 * the line number moved out of the message.
 */
export function atCsvLine(file: string, d: Diagnostic): CliDiagnostic {
  const line = d.path?.[0];
  if (typeof line !== 'number') return { ...d, file };
  return { ...d, message: d.message.replace(/^line \d+: /, ''), file, line, column: 1 };
}

/**
 * A core measurement diagnostic (file, line, column) with its location as fields; the message
 * loses the location it starts with. Other diagnostics pass unchanged.
 */
export function located(d: Diagnostic): CliDiagnostic {
  const m = d as Partial<MeasurementDiagnostic>;
  if (typeof m.file !== 'string') return d;
  let prefix = m.file;
  if (m.line !== undefined) prefix += `:${String(m.line)}`;
  if (m.line !== undefined && m.column !== undefined) prefix += `:${String(m.column)}`;
  const message = d.message.startsWith(`${prefix}: `) ? d.message.slice(prefix.length + 2) : d.message;
  const out: CliDiagnostic = { code: d.code, severity: d.severity, message, file: m.file };
  if (m.line === undefined) return out;
  return m.column === undefined ? { ...out, line: m.line } : { ...out, line: m.line, column: m.column };
}

/** Reads and parses a YAML or JSON file (JSON strictly, by the .json extension). */
export function readDataFile(io: Io, absPath: string): Loaded<{ data: unknown; source: SourceFile }> {
  const shown = displayPath(io, absPath);
  const read = readTextFile(io, absPath);
  if (!read.ok) return read;
  const text = read.value;
  const doc = parseDocument(text, documentKindOf(absPath), { name: shown });
  if (doc.issues.length > 0) return failed(doc.issues.map((d): CliDiagnostic => ({ ...d, file: shown })));
  return loaded({ data: doc.value, source: new SourceFile(absPath, shown, doc) });
}

/** Where file references are looked up, and files already read (shared across a batch). */
export interface ResolveContext {
  readonly io: Io;
  /** Directories a relative reference is tried against, in order. */
  readonly baseDirs: readonly string[];
  readonly cache: Map<string, Loaded<ModelSpec> | Loaded<HardwareSpec>>;
}

export function resolveContext(io: Io, baseDirs: readonly string[] = [io.cwd]): ResolveContext {
  return { io, baseDirs: [...new Set(baseDirs)], cache: new Map() };
}

/** A context for references inside the file at `absPath`: its directory first, then cwd. */
export function contextBeside(io: Io, absPath: string): ResolveContext {
  return resolveContext(io, [dirname(absPath), io.cwd]);
}

const FILE_EXTENSION = /\.(json|ya?ml)$/i;

/** The file a reference names, if it names one. */
export function findFile(ctx: ResolveContext, ref: string): string | undefined {
  for (const dir of ctx.baseDirs) {
    const abs = resolve(dir, ref);
    if (ctx.io.fileExists(abs)) return abs;
  }
  return undefined;
}

/** File name without extension; a Hugging Face config.json is named after its directory. */
function idFromPath(absPath: string): string {
  const base = basename(absPath, extname(absPath));
  if (base.toLowerCase() === 'config') {
    const dir = basename(dirname(absPath));
    if (dir !== '' && dir !== '.') return dir;
  }
  return base;
}

function notFound(ctx: ResolveContext, what: string, ref: string, path: Path): CliDiagnostic {
  const dirs = ctx.baseDirs.map((d) => displayPath(ctx.io, d) || '.');
  return {
    code: 'file.not-found',
    severity: 'error',
    message: `${what} file '${ref}' not found (looked in ${dirs.join(', ')})`,
    path,
  };
}

/**
 * A model reference: a catalog id (returned as the string, core looks it up) or a file, read as
 * a Hugging Face config.json when it has `architectures` or `model_type`, else as a model spec.
 */
export function resolveModelRef(
  ctx: ResolveContext,
  ref: string,
  path: Path = ['model'],
): Loaded<ModelSpec | string> {
  // A directory holding a config.json (a downloaded Hugging Face repo) names that file.
  const file =
    findFile(ctx, ref) ?? (FILE_EXTENSION.test(ref) ? undefined : findFile(ctx, join(ref, 'config.json')));
  if (file === undefined)
    return FILE_EXTENSION.test(ref) ? failed([notFound(ctx, 'model', ref, path)]) : loaded(ref);
  const key = `model:${file}`;
  let result = ctx.cache.get(key) as Loaded<ModelSpec> | undefined;
  if (result === undefined) {
    result = loadModelFile(ctx.io, file);
    ctx.cache.set(key, result);
  }
  return result;
}

export function resolveHardwareRef(
  ctx: ResolveContext,
  ref: string,
  path: Path = ['hardware'],
): Loaded<HardwareSpec | string> {
  const file = findFile(ctx, ref);
  if (file === undefined) {
    return FILE_EXTENSION.test(ref) ? failed([notFound(ctx, 'hardware', ref, path)]) : loaded(ref);
  }
  const key = `hardware:${file}`;
  let result = ctx.cache.get(key) as Loaded<HardwareSpec> | undefined;
  if (result === undefined) {
    result = loadHardwareFile(ctx.io, file);
    ctx.cache.set(key, result);
  }
  return result;
}

function notAnObject(source: SourceFile, what: string): CliDiagnostic {
  return source.attach({
    code: 'file.not-an-object',
    severity: 'error',
    message: `${source.displayPath} must hold ${what} (a mapping of fields)`,
  });
}

interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Zod issues as diagnostics at `prefix` + the issue path. */
export function issueDiagnostics(
  code: DiagnosticCode,
  issues: readonly SchemaIssue[],
  prefix: Path = [],
): Diagnostic[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    const label = path.length > 0 ? path.join('.') : '(root)';
    return { code, severity: 'error', message: `${label}: ${issue.message}`, path };
  });
}

export function loadModelFile(io: Io, absPath: string): Loaded<ModelSpec> {
  const read = readDataFile(io, absPath);
  if (!read.ok) return read;
  const { data, source } = read.value;
  if (!isRecord(data)) return failed([notAnObject(source, 'a model')]);
  const id = idFromPath(absPath);
  let warnings: Diagnostic[] = [];
  let input: unknown;
  if ('architectures' in data || 'model_type' in data) {
    const imported = importHfConfig(data, { id, source: source.displayPath });
    if (!imported.ok) return failed(imported.diagnostics.map((d) => source.attach(d)));
    warnings = [...imported.diagnostics];
    input = imported.value;
  } else {
    input = { id, name: id, provenance: { kind: 'user', source: source.displayPath }, ...data };
  }
  const parsed = ModelSpecSchema.safeParse(input);
  if (!parsed.success) {
    return failed(issueDiagnostics('model.invalid-spec', parsed.error.issues).map((d) => source.attach(d)));
  }
  return loaded(
    parsed.data,
    warnings.map((d) => source.attach(d)),
  );
}

export function loadHardwareFile(io: Io, absPath: string): Loaded<HardwareSpec> {
  const read = readDataFile(io, absPath);
  if (!read.ok) return read;
  const { data, source } = read.value;
  if (!isRecord(data)) return failed([notAnObject(source, 'a hardware description')]);
  const id = idFromPath(absPath);
  const parsed = HardwareSpecSchema.safeParse({ id, name: id, ...data });
  if (!parsed.success) {
    return failed(
      issueDiagnostics('hardware.invalid-spec', parsed.error.issues).map((d) => source.attach(d)),
    );
  }
  return loaded(parsed.data);
}
