/**
 * `ridgeline calibrate <files...> --hardware <id> [--engine <id>] [-o profile.yaml]`: fits a
 * calibration profile (docs/calibration.md) to measurements of one device: benchmark results
 * read by the importers (vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf) or reference-CSV
 * rows. Prints the error before and after. Exit 2 for unreadable or malformed files, unknown
 * hardware, or too few usable measurements.
 *
 * Also here: reading profile files for `--calibration` (estimate, batch, validate).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type {
  CalibrationProfile,
  Diagnostic,
  EngineRef,
  FitRecord,
  Observation,
  ProfileSet,
  RecordDefaults,
  SkippedObservation,
} from '@ridgeline/core';
import {
  CalibrationProfileSchema,
  DEFAULT_ENGINE,
  ENGINE_IDS,
  engineIdOf,
  MIN_CALIBRATION_ROWS,
  SHIPPED_PROFILES,
  closestMatches,
  detectMeasurementLayout,
  findHardware,
  fitProfile,
  hardwareIds,
  importMeasurements,
  messages,
  observationsFromRecords,
  observationsFromRows,
  parseMeasurementCsv,
  profileLabel,
  profileParametersFor,
  withProfile,
} from '@ridgeline/core';
import { stringify } from 'yaml';
import type { CliDiagnostic, Loaded, ResolveContext } from '../files.js';
import {
  atCsvLine,
  displayPath,
  failed,
  findFile,
  isRecord,
  issueDiagnostics,
  loaded,
  located,
  readDataFile,
  readTextFile,
  resolveHardwareRef,
  unwritable,
} from '../files.js';
import { diagnosticLines, num, table } from '../format.js';
import type { Io } from '../io.js';
import { FlagReader, countReasons, failWith, printJson } from './common.js';

/** `--calibration shipped`: the profiles shipped with Ridgeline (packages/core/data/calibration), the default. */
export const SHIPPED = 'shipped';

/** `--calibration none`: the raw model, no profile. */
export const NONE = 'none';

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

export function unknownHardware(name: string, path: readonly (string | number)[] = ['hardware']): Diagnostic {
  return { ...messages.unknownHardware(name, closestMatches(name, hardwareIds())), path };
}

/** A profile file (YAML or JSON), checked field by field; hardware names become catalog ids. */
export function loadProfileFile(io: Io, absPath: string): Loaded<CalibrationProfile> {
  const read = readDataFile(io, absPath);
  if (!read.ok) return read;
  const { data, source } = read.value;
  if (!isRecord(data)) {
    return failed([
      source.attach({
        code: 'calibration.not-an-object',
        severity: 'error',
        message: `${source.displayPath} must hold a calibration profile (hardware, parameters, fit, source)`,
      }),
    ]);
  }
  const parsed = CalibrationProfileSchema.safeParse(data);
  if (!parsed.success) {
    return failed(
      issueDiagnostics('calibration.invalid-profile', parsed.error.issues).map((d) => source.attach(d)),
    );
  }
  const hw = findHardware(parsed.data.hardware);
  if (hw === undefined) return failed([source.attach(unknownHardware(parsed.data.hardware))]);
  return loaded({ ...parsed.data, hardware: hw.id });
}

/** The profiles named by `--calibration` values: files, or `shipped`. */
export function loadProfiles(io: Io, refs: readonly string[], baseDirs: readonly string[] = [io.cwd]) {
  const profiles: CalibrationProfile[] = [];
  const diagnostics: CliDiagnostic[] = [];
  for (const ref of refs) {
    if (ref === NONE) continue;
    if (ref === SHIPPED) {
      profiles.push(...SHIPPED_PROFILES);
      continue;
    }
    const ctx: ResolveContext = { io, baseDirs, cache: new Map() };
    const file = findFile(ctx, ref) ?? resolve(baseDirs[0] ?? io.cwd, ref);
    const r = loadProfileFile(io, file);
    if (r.ok) profiles.push(r.value);
    else diagnostics.push(...r.diagnostics);
  }
  return diagnostics.length > 0 ? failed<ProfileSet>(diagnostics) : loaded<ProfileSet>(profiles);
}

/** The catalog (or file) id of a raw scenario's hardware, when it can be read. */
function scenarioHardwareId(raw: Record<string, unknown>, ctx: ResolveContext): string | undefined {
  const hw = raw['hardware'];
  if (isRecord(hw)) return typeof hw['id'] === 'string' ? hw['id'] : undefined;
  if (typeof hw !== 'string' || hw === '') return undefined;
  const found = findHardware(hw);
  if (found !== undefined) return found.id;
  const r = resolveHardwareRef(ctx, hw);
  return r.ok && typeof r.value !== 'string' ? r.value.id : undefined;
}

/**
 * A scenario with the matching profiles merged under its own `efficiency` overrides, plus the
 * profiles named by its `calibration` entry (a path or a list, relative to the scenario file).
 * `required`: a profile set that matches nothing is an error (estimate), not a no-op (batch).
 */
export function applyCalibration(
  raw: unknown,
  flagProfiles: ProfileSet,
  ctx: ResolveContext,
  required: boolean,
  flagRefs: readonly string[] = [],
): Loaded<unknown> {
  if (!isRecord(raw)) return loaded(raw);
  const out: Record<string, unknown> = { ...raw };
  let profiles = flagProfiles;
  let refsGiven = [...flagRefs];
  const entry = raw['calibration'];
  if (entry !== undefined) {
    delete out['calibration'];
    const refs = typeof entry === 'string' ? [entry] : Array.isArray(entry) ? entry : undefined;
    if (refs === undefined || refs.some((r) => typeof r !== 'string')) {
      return failed([
        {
          code: 'calibration.invalid-entry',
          severity: 'error',
          message: "calibration: expected a profile path (or 'shipped'), or a list of them",
          path: ['calibration'],
        },
      ]);
    }
    const fromFile = loadProfiles(ctx.io, refs as string[], ctx.baseDirs);
    if (!fromFile.ok) return fromFile;
    profiles = [...profiles, ...fromFile.value];
    refsGiven = [...refsGiven, ...(refs as string[])];
  }
  if (refsGiven.includes(NONE)) {
    if (refsGiven.some((r) => r !== NONE))
      return failed([
        {
          code: 'calibration.none-with-profiles',
          severity: 'error',
          message: "calibration 'none' (the raw model) cannot be combined with profiles",
          path: ['calibration'],
        },
      ]);
    out['calibration'] = NONE;
    return loaded(out);
  }
  // No profile named: the shipped ones apply by default (core).
  if (profiles.length === 0) return loaded(out);
  const hardware = scenarioHardwareId(raw, ctx);
  // The engine the scenario runs: its own, else the default one.
  const engine = engineIdOf(
    (typeof raw['engine'] === 'string' ? raw['engine'] : DEFAULT_ENGINE) as EngineRef,
  );
  const parameters = hardware === undefined ? undefined : profileParametersFor(profiles, hardware, engine);
  if (parameters === undefined) {
    if (!required || hardware === undefined) return loaded(out);
    const held = [...new Set(profiles.map(profileLabel))];
    return failed([
      {
        code: 'calibration.no-match',
        severity: 'error',
        message: `no calibration profile holds for ${hardware} with engine ${engine}: the profiles given are for ${held.join(', ')}`,
        path: ['hardware'],
      },
    ]);
  }
  // Only the shipped profiles: core applies them (the default), and the report says so.
  const shipped: readonly unknown[] = SHIPPED_PROFILES;
  if (profiles.every((p) => shipped.includes(p))) return loaded(out);
  const own = out['efficiency'];
  out['efficiency'] = withProfile(isRecord(own) ? own : undefined, parameters);
  // The profiles given replace the shipped default; the report names them.
  out['calibration'] = { applied: refsGiven.filter((r) => r !== NONE).join(', ') };
  return loaded(out);
}

/** The flags for what a benchmark file does not say (calibrate, validate). */
export interface RecordFlags {
  readonly hardware?: string;
  readonly engine?: string;
  readonly model?: string;
  readonly tp?: string;
  readonly weights?: string;
  readonly kv?: string;
}

/** RecordDefaults from the record flags but --hardware (resolved by the caller); errors go to flags. */
export function readRecordFlags(flags: FlagReader, o: RecordFlags): Omit<RecordDefaults, 'hardware'> {
  const engine = flags.oneOf('--engine', o.engine, ENGINE_IDS);
  const tp = flags.positiveInt('--tp', o.tp);
  const weights = flags.format('--weights', o.weights);
  const kvCache = flags.format('--kv', o.kv);
  return {
    ...(engine === undefined ? {} : { engine }),
    ...(o.model === undefined ? {} : { model: o.model }),
    ...(tp === undefined ? {} : { tp }),
    ...(weights === undefined ? {} : { weights }),
    ...(kvCache === undefined ? {} : { kvCache }),
  };
}

interface CalibrateOptions extends RecordFlags {
  readonly output?: string;
  readonly loss?: string;
  readonly json?: boolean;
}

const LOSSES = ['huber', 'soft-l1', 'cauchy'] as const;

interface Gathered {
  readonly observations: Observation[];
  readonly skipped: SkippedObservation[];
  readonly warnings: CliDiagnostic[];
  readonly errors: CliDiagnostic[];
}

/** Observations of every file on the device: reference CSVs by row, other tools by record. */
function gather(io: Io, files: readonly string[], hardware: string, defaults: RecordDefaults): Gathered {
  const g: Gathered = { observations: [], skipped: [], warnings: [], errors: [] };
  for (const file of files) {
    const abs = resolve(io.cwd, file);
    const shown = displayPath(io, abs);
    const read = readTextFile(io, abs);
    if (!read.ok) {
      g.errors.push(...read.diagnostics);
      continue;
    }
    const text = read.value;
    if (detectMeasurementLayout(shown, text) === 'reference-csv') {
      const parsed = parseMeasurementCsv(text);
      if (!parsed.ok) {
        g.errors.push(...parsed.diagnostics.map((d) => atCsvLine(shown, d)));
        continue;
      }
      const rows = parsed.value.filter((r) => findHardware(r.hardware)?.id === hardware);
      const o = observationsFromRows(rows);
      const engine = defaults.engine;
      g.observations.push(...o.observations.filter((x) => engine === undefined || x.engine === engine));
      g.skipped.push(...o.skipped);
      continue;
    }
    const result = importMeasurements(shown, text);
    if (!result.ok) {
      g.errors.push(...result.diagnostics.map(located));
      continue;
    }
    g.warnings.push(...result.diagnostics.map(located));
    const o = observationsFromRecords(result.value, defaults);
    g.observations.push(...o.observations);
    g.skipped.push(...o.skipped);
  }
  return g;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)}%` : '-';
}

/** The profile as YAML, with a header that says what it is. */
export function profileYaml(profile: CalibrationProfile): string {
  return (
    '# Ridgeline calibration profile: efficiency parameters fitted to measurements (docs/calibration.md).\n' +
    '# Apply with: ridgeline estimate ... --calibration <this file>\n' +
    stringify(profile, { lineWidth: 0 })
  );
}

function summary(
  profile: CalibrationProfile,
  fit: FitRecord,
  rows: readonly Observation[],
  before: readonly number[],
  after: readonly number[],
  predicted: readonly number[],
): string {
  const out: string[] = [];
  out.push(
    `Calibration of ${profileLabel(profile)} from ${String(fit.rows)} measurement(s): ` +
      `median absolute error ${pct(fit.medianErrorPctBefore)} with the defaults, ` +
      `${pct(fit.medianErrorPctAfter)} with the profile (in-sample).\n\n`,
  );
  out.push(
    table(
      [{ header: 'parameter' }, { header: 'value', align: 'right' }],
      Object.entries(profile.parameters).flatMap(([k, v]) => (v === undefined ? [] : [[k, num(v)]])),
    ),
  );
  out.push('\n');
  out.push(
    table(
      [
        { header: 'measurement' },
        { header: 'metric' },
        { header: 'measured', align: 'right' },
        { header: 'predicted', align: 'right' },
        { header: 'before', align: 'right' },
        { header: 'after', align: 'right' },
      ],
      rows.map((o, i) => [
        o.id,
        o.metric,
        num(o.measured),
        num(predicted[i] ?? Number.NaN),
        pct(before[i] ?? Number.NaN),
        pct(after[i] ?? Number.NaN),
      ]),
    ),
  );
  return out.join('');
}

function runCalibrate(io: Io, files: readonly string[], o: CalibrateOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const fromFlags = readRecordFlags(flags, o);
  const engine = fromFlags.engine;
  const loss = flags.oneOf('--loss', o.loss, LOSSES);
  if (o.hardware === undefined)
    flags.errors.push({
      code: 'cli.missing-flag',
      severity: 'error',
      message: 'calibrate needs --hardware <id>: the device the measurements were taken on',
    });
  if (flags.errors.length > 0) failWith(io, flags.errors, json);
  const hwName = o.hardware ?? '';
  const hw = findHardware(hwName);
  if (hw === undefined) failWith(io, [unknownHardware(hwName, [])], json);
  if (engine === 'ideal') {
    failWith(
      io,
      [
        {
          code: 'cli.invalid-flag',
          severity: 'error',
          message: '--engine ideal has no overheads to fit: leave --engine out for a device profile',
        },
      ],
      json,
    );
  }

  const defaults: RecordDefaults = { hardware: hw.id, ...fromFlags };
  const g = gather(io, files, hw.id, defaults);
  if (g.errors.length > 0) failWith(io, [...g.errors, ...g.warnings], json);

  const fit = fitProfile(
    g.observations,
    { hardware: hw.id, ...(engine === undefined ? {} : { engine }), ...(loss === undefined ? {} : { loss }) },
    MIN_CALIBRATION_ROWS,
  );
  if (!fit.ok) {
    const why: CliDiagnostic[] = [...countReasons(g.skipped)].map(([reason, n]) => ({
      code: 'calibrate.skipped',
      severity: 'info',
      message: `${String(n)} measurement(s) not usable: ${reason}`,
    }));
    failWith(io, [...fit.diagnostics, ...why], json);
  }
  const f = fit.value;
  const date = new Date().toISOString().slice(0, 10);
  const profile: CalibrationProfile = {
    hardware: f.hardware,
    ...(f.engine === undefined ? {} : { engine: f.engine }),
    parameters: f.parameters,
    fit: f.fit,
    source: `fitted by ridgeline calibrate from ${files.map((x) => displayPath(io, resolve(io.cwd, x))).join(', ')} @ ${date}`,
  };
  if (json) {
    printJson(io, {
      profile,
      rows: f.observations.map((ob, i) => ({
        id: ob.id,
        source: ob.source,
        metric: ob.metric,
        measured: ob.measured,
        predictedBefore: ob.predict(undefined),
        predictedAfter: f.predictedAfter[i],
        errorPctBefore: f.errorPctBefore[i],
        errorPctAfter: f.errorPctAfter[i],
      })),
      skipped: g.skipped,
      diagnostics: g.warnings,
    });
  } else {
    const text = summary(profile, f.fit, f.observations, f.errorPctBefore, f.errorPctAfter, f.predictedAfter);
    if (o.output === undefined) {
      io.stdout(profileYaml(profile));
      io.stderr(text);
    } else {
      io.stdout(text);
    }
    if (g.skipped.length > 0) {
      io.stderr(
        [...countReasons(g.skipped)]
          .map(([reason, n]) => `note: ${String(n)} measurement(s) not used: ${reason}\n`)
          .join(''),
      );
    }
    if (g.warnings.length > 0) io.stderr(diagnosticLines(g.warnings));
  }
  if (o.output !== undefined) {
    const out = resolve(io.cwd, o.output);
    try {
      writeFileSync(out, json ? JSON.stringify(profile, null, 2) + '\n' : profileYaml(profile));
    } catch (e) {
      failWith(io, [unwritable(io, out, e)], json);
    }
    if (!json) io.stdout(`\nProfile written to ${displayPath(io, out)}.\n`);
  }
}

export function registerCalibrate(program: Command, io: Io): void {
  program
    .command('calibrate')
    .description(
      'fit a calibration profile (efficiency parameters) to measurements of one device: vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf results or reference-CSV rows',
    )
    .argument('<files...>', 'measurement files; the format is detected from the content')
    .option('--hardware <id>', 'the device the measurements were taken on (catalog id)')
    .option(
      '--engine <id>',
      `fit an engine profile (${ENGINE_IDS.filter((e) => e !== 'ideal').join(', ')}): that engine's runs only, step overhead too`,
    )
    .option('--model <id>', 'model of runs whose files do not name a catalog model')
    .option(
      '--tp <n>',
      'tensor parallelism of runs whose files do not say (default: their GPU count, else 1)',
    )
    .option('--weights <format>', 'weight format of the runs (default: what the files say, else bf16)')
    .option('--kv <format>', 'KV-cache format of the runs')
    .option('--loss <loss>', `robust loss (${LOSSES.join(', ')}; default cauchy)`)
    .option('-o, --output <file>', 'write the profile here (YAML; JSON with --json); else it is printed')
    .option('--json', 'print the profile and per-measurement errors as JSON')
    .action((files: string[], options: CalibrateOptions) => {
      runCalibrate(io, files, options);
    });
}
