/**
 * The Fidelity view's "Your benchmark file": a benchmark tool's output picked by the user (vLLM
 * `--save-result` JSON/JSONL, SGLang bench_serving JSONL, genai-perf/AIPerf exports, trtllm-bench
 * summary, MLPerf LoadGen summary) or a measurement CSV, validated in the worker exactly as
 * `ridgeline validate <file> --hardware … --model … --engine … --tp …` does: core's
 * `importMeasurements` then `validateRecords` (a reference CSV: `parseMeasurementCsv` then
 * `validateRows`), with the shipped calibration profiles unless 'none' is asked for. A training
 * CSV (the columns of training.csv) is read as the CLI reads it: `parseTrainingCsv` then
 * `validateTrainingRows`. Nothing
 * leaves the browser. Every problem comes back as a diagnostic (file:line:column when the core
 * locates it), never a throw.
 */
import type {
  Diagnostic,
  EngineId,
  RecordDefaults,
  TrainingValidationReport,
  ValidationReport,
} from '@ridgeline/core';
import {
  ENGINE_IDS,
  SHIPPED_PROFILES,
  closestMatches,
  detectMeasurementLayout,
  findHardware,
  hardwareIds,
  importMeasurements,
  parseMeasurementCsv,
  parseTrainingCsv,
  profileLabel,
  readsAsBenchmarkOutput,
  readsAsTrainingCsv,
  toolOfLayout,
  validateRecords,
  validateRows,
  validateTrainingRows,
} from '@ridgeline/core';

export interface BenchmarkArgs {
  /** The file's name (its extension helps detect the format; shown in diagnostics). */
  readonly fileName: string;
  readonly text: string;
  /** What the file may not say; undefined (or '') leaves it to the file. */
  readonly hardware?: string;
  readonly model?: string;
  readonly engine?: string;
  readonly tp?: number;
  /** 'shipped' (the default, as the CLI) or 'none' (the raw model). */
  readonly calibration?: 'shipped' | 'none';
}

export interface BenchmarkDiagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export interface BenchmarkOutcome {
  readonly file: string;
  /** The tool the file was read as ('vllm', 'sglang', …, 'reference-csv', 'training-csv'), when it was read. */
  readonly tool?: string;
  /** Runs (records) read from a benchmark output. */
  readonly runs?: number;
  /** Devices (and engines) of the calibration profiles applied; empty for the raw model. */
  readonly profiles: readonly string[];
  /** Absent when the file could not be read or a field is wrong (then `diagnostics` says why). */
  readonly report?: ValidationReport;
  /** A training CSV's report (then `report` is absent and `tool` is 'training-csv'). */
  readonly training?: TrainingValidationReport;
  readonly diagnostics: readonly BenchmarkDiagnostic[];
}

/** A core diagnostic with its place in the file, the message without the repeated prefix. */
function located(d: Diagnostic, file: string): BenchmarkDiagnostic {
  const m = d as Diagnostic & { file?: unknown; line?: unknown; column?: unknown };
  const line = typeof m.line === 'number' ? m.line : undefined;
  const column = typeof m.column === 'number' ? m.column : undefined;
  const where = typeof m.file === 'string' ? m.file : file;
  let prefix = where;
  if (line !== undefined) prefix += `:${String(line)}`;
  if (line !== undefined && column !== undefined) prefix += `:${String(column)}`;
  const message = d.message.startsWith(`${prefix}: `) ? d.message.slice(prefix.length + 2) : d.message;
  return {
    severity: d.severity,
    message,
    file: where,
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
  };
}

/** A CSV diagnostic (path [line]) pointed at the file, as the CLI does. */
function csvLocated(d: Diagnostic, file: string): BenchmarkDiagnostic {
  const line = d.path?.[0];
  if (typeof line !== 'number') return { severity: d.severity, message: d.message, file };
  return { severity: d.severity, message: d.message.replace(/^line \d+: /, ''), file, line, column: 1 };
}

function error(message: string): BenchmarkDiagnostic {
  return { severity: 'error', message };
}

function isEngineId(v: string): v is EngineId {
  return (ENGINE_IDS as readonly string[]).includes(v);
}

export function validateBenchmark(args: BenchmarkArgs): BenchmarkOutcome {
  const file = args.fileName.trim() === '' ? 'benchmark file' : args.fileName;
  const profilesApplied = args.calibration === 'none' ? [] : SHIPPED_PROFILES;
  const profiles = profilesApplied.map(profileLabel);
  const failed = (diagnostics: BenchmarkDiagnostic[]): BenchmarkOutcome => ({ file, profiles, diagnostics });

  const fieldErrors: BenchmarkDiagnostic[] = [];
  const defaults: { -readonly [K in keyof RecordDefaults]: RecordDefaults[K] } = {};
  const hw = args.hardware?.trim() ?? '';
  if (hw !== '') {
    const found = findHardware(hw);
    if (found === undefined) {
      const near = closestMatches(hw, hardwareIds());
      fieldErrors.push(
        error(
          `hardware: unknown device '${hw}'${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}`,
        ),
      );
    } else defaults.hardware = found.id;
  }
  const model = args.model?.trim() ?? '';
  if (model !== '') defaults.model = model;
  const engine = args.engine?.trim() ?? '';
  if (engine !== '') {
    if (isEngineId(engine)) defaults.engine = engine;
    else fieldErrors.push(error(`engine: '${engine}' is not one of ${ENGINE_IDS.join(', ')}`));
  }
  if (args.tp !== undefined) {
    if (Number.isInteger(args.tp) && args.tp > 0) defaults.tp = args.tp;
    else fieldErrors.push(error(`TP: must be a positive whole number, got ${String(args.tp)}`));
  }
  if (fieldErrors.length > 0) return failed(fieldErrors);
  if (args.text.trim() === '') return failed([{ ...error(`${file} is empty`), file }]);

  // A training CSV, as `ridgeline validate` reads it: every row states its hardware, model and
  // layout, and the serving calibration profiles do not apply to it.
  if (readsAsTrainingCsv(args.text)) return trainingOutcome(file, args.text, defaults);

  // As the CLI: a benchmark tool's output by its content; a reference CSV, or what is neither
  // (and does not look like JSON), is read as a measurement CSV.
  const layout = detectMeasurementLayout(file, args.text);
  if (readsAsBenchmarkOutput(layout, args.text)) {
    const imported = importMeasurements(file, args.text);
    if (!imported.ok) return failed(imported.diagnostics.map((d) => located(d, file)));
    const tool = imported.value[0]?.tool ?? toolOfLayout(layout ?? 'reference-csv');
    const report = validateRecords(
      imported.value,
      defaults,
      profilesApplied.length === 0 ? undefined : profilesApplied,
    );
    return {
      file,
      tool,
      runs: imported.value.length,
      profiles,
      report,
      diagnostics: imported.diagnostics.map((d) => located(d, file)),
    };
  }
  const given = (['hardware', 'model', 'engine', 'tp'] as const).filter((k) => defaults[k] !== undefined);
  if (given.length > 0)
    return failed(
      given.map((k) =>
        error(
          `${k === 'tp' ? 'TP' : k}: applies to benchmark-tool outputs (vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf); a measurement CSV states it on every row (leave it on 'from the file')`,
        ),
      ),
    );
  const parsed = parseMeasurementCsv(args.text);
  if (!parsed.ok) return failed(parsed.diagnostics.map((d) => csvLocated(d, file)));
  const report = validateRows(
    parsed.value,
    profilesApplied.length === 0 ? {} : { profiles: profilesApplied },
  );
  return { file, tool: 'reference-csv', profiles, report, diagnostics: [] };
}

/** The pickers a training CSV ignores, as warnings; the file is validated all the same. */
function trainingOutcome(file: string, text: string, defaults: RecordDefaults): BenchmarkOutcome {
  const given = (['hardware', 'model', 'engine', 'tp'] as const).filter((k) => defaults[k] !== undefined);
  const ignored: BenchmarkDiagnostic[] = given.map((k) => ({
    severity: 'warning',
    message: `${k === 'tp' ? 'TP' : k}: ignored for a training CSV, which states it on every row (leave it on 'from the file')`,
  }));
  const parsed = parseTrainingCsv(text);
  if (!parsed.ok)
    return {
      file,
      tool: 'training-csv',
      profiles: [],
      diagnostics: [...ignored, ...parsed.diagnostics.map((d) => csvLocated(d, file))],
    };
  return {
    file,
    tool: 'training-csv',
    profiles: [],
    training: validateTrainingRows(parsed.value),
    diagnostics: ignored,
  };
}
