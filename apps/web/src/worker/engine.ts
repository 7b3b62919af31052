/**
 * What the page asks of the core, as plain functions over plain data (run in the Web Worker;
 * tested directly in Node). Every input error comes back as an issue with its line and column.
 */
import type { DataPath, Diagnostic, EstimateReport, ParsedDocument } from '@ridgeline/core';
import {
  DEFAULT_ENGINE,
  ENGINE_REFS,
  HARDWARE_CATALOG,
  MODEL_CATALOG,
  NUMERIC_FORMATS,
  compareReports,
  estimate,
  getPath,
  importHfConfig,
  modelStats,
  parseDocument,
  setPath,
} from '@ridgeline/core';
import type { Comparison } from '@ridgeline/core';

export type DocKind = 'yaml' | 'json';

export interface Issue {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** Dotted field path, when the issue names a field. */
  readonly field?: string;
  readonly line?: number;
  readonly column?: number;
}

export type EstimateOutcome =
  | {
      readonly ok: true;
      readonly report: EstimateReport;
      readonly issues: readonly Issue[];
      /** The engine profile run, with its release when the scenario names one ('sglang@0.5.9'). */
      readonly engine: string;
    }
  | { readonly ok: false; readonly issues: readonly Issue[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issueOf(d: Diagnostic, doc: ParsedDocument | undefined, prefix: DataPath = []): Issue {
  const path = [...prefix, ...(d.path ?? [])];
  const at = doc?.locate(path);
  return {
    severity: d.severity,
    message: d.message,
    ...(path.length > 0 ? { field: path.join('.') } : {}),
    ...(at !== undefined ? { line: at.line, column: at.column } : {}),
  };
}

/** A pasted Hugging Face config.json under `model:` is imported; anything else is left to core. */
function resolveModel(
  scenario: Record<string, unknown>,
  doc: ParsedDocument | undefined,
): { scenario: Record<string, unknown>; issues: Issue[]; failed: boolean } {
  const model = scenario['model'];
  if (!isRecord(model) || !('architectures' in model || 'model_type' in model))
    return { scenario, issues: [], failed: false };
  const imported = importHfConfig(model, { id: 'config.json', source: 'pasted config.json' });
  const issues = imported.diagnostics.map((d) => issueOf(d, doc, ['model']));
  if (!imported.ok) return { scenario, issues, failed: true };
  return { scenario: { ...scenario, model: imported.value }, issues, failed: false };
}

/** Estimates a scenario object (already parsed); `doc` locates issues in its text. */
export function estimateObject(raw: unknown, doc?: ParsedDocument): EstimateOutcome {
  if (!isRecord(raw))
    return {
      ok: false,
      issues: [
        {
          severity: 'error',
          message: 'a scenario must be a mapping with model, hardware and workload fields',
          line: 1,
          column: 1,
        },
      ],
    };
  const resolved = resolveModel(raw, doc);
  if (resolved.failed) return { ok: false, issues: resolved.issues };
  const result = estimate(resolved.scenario);
  const issues = [...resolved.issues, ...result.diagnostics.map((d) => issueOf(d, doc))];
  if (!result.ok) return { ok: false, issues };
  const named = resolved.scenario['engine'];
  const engine = typeof named === 'string' ? named : result.value.scenario.engine;
  return { ok: true, report: result.value, issues, engine };
}

/** Parses scenario text and imports a pasted config.json; the scenario object, or the issues. */
export function prepare(
  text: string,
): { ok: true; scenario: Record<string, unknown> } | { ok: false; issues: Issue[] } {
  const doc = parseDocument(text, 'yaml', { name: 'the scenario' });
  if (doc.issues.length > 0 || !isRecord(doc.value)) {
    const out = estimateText(text);
    return { ok: false, issues: [...out.issues] };
  }
  const resolved = resolveModel(doc.value, doc);
  if (resolved.failed) return { ok: false, issues: resolved.issues };
  return { ok: true, scenario: resolved.scenario };
}

/** Parses scenario text (YAML or JSON) and estimates it. */
export function estimateText(text: string, kind: DocKind = 'yaml'): EstimateOutcome {
  const doc = parseDocument(text, kind, { name: 'the scenario' });
  if (doc.issues.length > 0) {
    return {
      ok: false,
      issues: doc.issues.map((i) => ({
        severity: i.severity,
        message: i.message,
        ...(i.line !== undefined ? { line: i.line, column: i.column ?? 1 } : {}),
      })),
    };
  }
  return estimateObject(doc.value, doc);
}

/** Parses scenario text to an object (undefined when it does not parse to a mapping). */
export function parseScenario(text: string, kind: DocKind = 'yaml'): Record<string, unknown> | undefined {
  const doc = parseDocument(text, kind);
  return doc.issues.length === 0 && isRecord(doc.value) ? doc.value : undefined;
}

export interface CompareOutcome {
  readonly outcomes: readonly EstimateOutcome[];
  /** Present when every scenario estimated. */
  readonly comparison?: Comparison;
}

export function compareTexts(texts: readonly string[]): CompareOutcome {
  const outcomes = texts.map((t) => estimateText(t));
  const reports = outcomes.flatMap((o) => (o.ok ? [o.report] : []));
  if (reports.length !== outcomes.length) return { outcomes };
  const names = texts.map((_, k) => `#${k + 1}`);
  return { outcomes, comparison: compareReports(names, reports) };
}

export interface SweepAxis {
  /** Dotted scenario path, e.g. workload.batch. */
  readonly path: string;
  readonly values: readonly (number | string)[];
}

export interface SweepCell {
  readonly x: number | string;
  readonly y?: number | string;
  /** The metric; null when the point fails (the error is in `error`). */
  readonly value: number | null;
  readonly error?: string;
}

export interface SweepOutcome {
  readonly cells: readonly SweepCell[];
  readonly issues: readonly Issue[];
}

function numeric(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** Evaluates `metric` (a dotted report path) over one or two axes of a base scenario. */
export function sweepText(
  text: string,
  x: SweepAxis,
  y: SweepAxis | undefined,
  metric: string,
): SweepOutcome {
  const doc = parseDocument(text, 'yaml');
  if (doc.issues.length > 0 || !isRecord(doc.value)) return { cells: [], issues: estimateText(text).issues };
  const base = doc.value;
  const cells: SweepCell[] = [];
  const ys: readonly (number | string | undefined)[] = y === undefined ? [undefined] : y.values;
  for (const yv of ys) {
    for (const xv of x.values) {
      let s = setPath(base, x.path, xv);
      if (y !== undefined && yv !== undefined) s = setPath(s, y.path, yv);
      const out = estimateObject(s);
      const value = out.ok ? numeric(getPath(out.report, metric)) : null;
      const error = out.ok ? undefined : out.issues.find((i) => i.severity === 'error')?.message;
      cells.push({ x: xv, ...(yv !== undefined ? { y: yv } : {}), value, ...(error ? { error } : {}) });
    }
  }
  return { cells, issues: [] };
}

export interface ModelRow {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly params: number;
  readonly activeParams: number;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attention: string;
  readonly kvBytesPerTokenBf16: number;
  readonly source: string;
  readonly hfRepo?: string;
}

export interface HardwareRow {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly family: string;
  readonly memoryBytes: number;
  readonly memoryBandwidthBytesPerSecond: number;
  readonly peakFlopsPerSecond: Readonly<Partial<Record<string, number>>>;
  readonly scaleUpBytesPerSecond?: number;
  readonly domainSize?: number;
  readonly tdpWatts?: number;
  readonly sources: Readonly<Record<string, string>>;
  readonly notes?: string;
}

export interface Catalogs {
  readonly models: readonly ModelRow[];
  readonly hardware: readonly HardwareRow[];
  /** Every engine reference a scenario may name (core's ENGINE_REFS: ids and releases with a profile). */
  readonly engines: readonly string[];
  /** The engine a scenario without `engine` runs (core's DEFAULT_ENGINE). */
  readonly defaultEngine: string;
  readonly formats: readonly string[];
}

export function catalogs(): Catalogs {
  const models = [...MODEL_CATALOG.values()].map((m): ModelRow => {
    const s = modelStats(m);
    return {
      id: m.id,
      name: m.name,
      family: m.family,
      params: s.totalParams,
      activeParams: s.activeParams,
      layers: m.numLayers,
      hiddenSize: m.hiddenSize,
      attention: m.attention.kind,
      kvBytesPerTokenBf16: s.kvCacheBytesPerToken,
      source: m.provenance.source,
      ...(m.provenance.hfRepo !== undefined ? { hfRepo: m.provenance.hfRepo } : {}),
    };
  });
  const hardware = [...HARDWARE_CATALOG.values()].map((h): HardwareRow => ({
    id: h.id,
    name: h.name,
    vendor: h.vendor,
    family: h.family,
    memoryBytes: h.memory.capacityBytes,
    memoryBandwidthBytesPerSecond: h.memory.bandwidthBytesPerSecond,
    peakFlopsPerSecond: { ...h.peakFlopsPerSecond },
    ...(h.scaleUp !== undefined
      ? { scaleUpBytesPerSecond: h.scaleUp.bandwidthBytesPerSecond, domainSize: h.scaleUp.domainSize }
      : {}),
    ...(h.tdpWatts !== undefined ? { tdpWatts: h.tdpWatts } : {}),
    sources: h.sources,
    ...(h.notes !== undefined ? { notes: h.notes } : {}),
  }));
  return {
    models,
    hardware,
    engines: [...ENGINE_REFS],
    defaultEngine: DEFAULT_ENGINE,
    formats: [...NUMERIC_FORMATS],
  };
}
