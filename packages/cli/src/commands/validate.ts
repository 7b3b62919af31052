/**
 * `ridgeline validate <csv>`: predicts every row of a measurement CSV (the format of
 * packages/core/data/measurements/reference.csv) that Ridgeline can express and prints, per
 * source and metric, the rows used, the rows skipped by reason, and the median and p90 absolute
 * percentage error. Exit 0 whatever the errors; 2 when the file cannot be read or is malformed.
 * `--calibration` predicts with profiles; `--cross-validate` reports leave-one-source-out errors
 * of the calibration as it ships: the shipping rule applied to the fit and inside every fold
 * (core calibrate/guard.ts, `guardedCrossValidate`, as `npm run fit`, residuals and fidelity).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type {
  CrossValidationGroup,
  CrossValidationReport,
  ErrorStats,
  GroupSummary,
  GuardedCrossValidation,
  MeasurementLayout,
  ProfileSet,
  RowRecord,
  ShippingDecision,
  ValidationReport,
  Observation,
  RecordDefaults,
} from '@ridgeline/core';
import {
  ENGINE_IDS,
  SHIPPING_RULE,
  errorStats,
  guardedCrossValidate,
  observationsFromRows,
  detectMeasurementLayout,
  findHardware,
  importMeasurements,
  parseMeasurementCsv,
  profileLabel,
  readsAsBenchmarkOutput,
  toolOfLayout,
  validateRecords,
  validateRows,
} from '@ridgeline/core';
import { atCsvLine, displayPath, located, readTextFile } from '../files.js';
import { diagnosticLines, num, table } from '../format.js';
import type { Io } from '../io.js';
import type { RecordFlags } from './calibrate.js';
import { NONE, SHIPPED, collect, loadProfiles, readRecordFlags, unknownHardware } from './calibrate.js';
import { looksLikeTraining, runTrainingValidation } from './validate-training.js';
import { groupTable, pct } from './validate-tables.js';
import { FlagReader, failWith, flagError, printJson } from './common.js';

interface ValidateOptions extends RecordFlags {
  readonly json?: boolean;
  readonly opLaunch?: string;
  readonly worst?: string;
  readonly calibration?: readonly string[];
  readonly also?: readonly string[];
  readonly crossValidate?: boolean;
}

const OP_LAUNCH = ['eager', 'none'] as const;

/** Flags for what a benchmark-tool file does not say; a reference CSV states all of it per row. */
const RECORD_FLAGS = ['hardware', 'engine', 'model', 'tp', 'weights', 'kv'] as const;

/** Rows listed under "Largest errors" by default. */
const DEFAULT_WORST = 10;

function skipTable(groups: readonly GroupSummary[]): string {
  const rows: string[][] = [];
  for (const g of groups) {
    const reasons = Object.entries(g.skippedByReason).sort((a, b) => b[1] - a[1]);
    for (const [reason, n] of reasons) rows.push([g.source, g.metric, String(n), reason]);
  }
  return table(
    [{ header: 'source' }, { header: 'metric' }, { header: 'rows', align: 'right' }, { header: 'reason' }],
    rows,
  );
}

function worstTable(rows: readonly RowRecord[], limit: number): string {
  const worst = [...rows].sort((a, b) => b.errorPct - a.errorPct).slice(0, limit);
  return table(
    [
      { header: 'id' },
      { header: 'source' },
      { header: 'metric' },
      { header: 'measured', align: 'right' },
      { header: 'predicted', align: 'right' },
      { header: 'error', align: 'right' },
    ],
    worst.map((r) => [r.id, r.source, r.metric, num(r.measured), num(r.predicted), pct(r.errorPct)]),
  );
}

export function formatValidation(
  file: string,
  report: ValidationReport,
  worst: number,
  profiles: ProfileSet = [],
  readAs?: string,
): string {
  const t = report.totals;
  const out: string[] = [];
  out.push(`Ridgeline predictions against ${file}\n`);
  if (readAs !== undefined) out.push(`${readAs}\n`);
  if (profiles.length > 0) {
    const held = profiles.map(profileLabel);
    out.push(
      `Calibration profiles applied: ${held.join(', ')} (each to the rows on its device, and engine where it names one; other rows are the raw model). Rows a profile was fitted to are predicted in-sample; ` +
        `'ridgeline validate --cross-validate' gives the held-out errors, '--calibration none' the raw model.\n`,
    );
  } else out.push('No calibration profile applied (the raw model).\n');
  out.push(
    `${String(t.rows)} rows: ${String(t.used)} predicted, ${String(t.skipped)} skipped. ` +
      `Absolute percentage error |predicted - measured| / measured: median ${pct(t.medianErrorPct)}, p90 ${pct(t.p90ErrorPct)} ` +
      `(weigh sources separately: one source can hold most rows).\n`,
  );
  out.push('\nPer source and metric\n');
  out.push(groupTable(report.groups));
  if (report.skipped.length > 0) {
    out.push('\nSkipped rows, by reason\n');
    out.push(skipTable(report.groups));
  }
  if (report.rows.length > 0 && worst > 0) {
    out.push(`\nLargest errors\n`);
    out.push(worstTable(report.rows, worst));
  }
  const notes = [...new Set(report.rows.flatMap((r) => (r.note === undefined ? [] : [r.note])))];
  if (notes.length > 0) out.push('\n' + notes.map((n) => `note: ${n}\n`).join(''));
  return out.join('');
}

function runValidate(io: Io, file: string, o: ValidateOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const opLaunch = flags.oneOf('--op-launch', o.opLaunch, OP_LAUNCH);
  const worst = o.worst === undefined ? DEFAULT_WORST : flags.int('--worst', o.worst);
  if (o.crossValidate === true && (o.calibration ?? []).length > 0)
    flags.errors.push(
      flagError('--calibration', 'cannot be combined with --cross-validate, which fits its own profiles'),
    );
  if (o.crossValidate !== true && (o.also ?? []).length > 0)
    flags.errors.push(flagError('--also', 'needs --cross-validate (files fitted alongside)'));
  if (flags.errors.length > 0) failWith(io, flags.errors, json);

  const abs = resolve(io.cwd, file);
  const shown = displayPath(io, abs);
  const read = readTextFile(io, abs);
  if (!read.ok) failWith(io, read.diagnostics, json);
  const text = read.value;
  if (looksLikeTraining(text)) {
    runTrainingValidation(
      io,
      shown,
      text,
      json,
      Math.max(0, worst ?? DEFAULT_WORST),
      o.crossValidate === true,
    );
    return;
  }
  // A benchmark tool's output (vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf), detected
  // from the content as calibrate does; a reference CSV, or what is neither, is read as a CSV.
  const layout = detectMeasurementLayout(shown, text);
  if (readsAsBenchmarkOutput(layout, text)) {
    runRecordValidation(io, shown, text, layout, o, flags, worst ?? DEFAULT_WORST);
    return;
  }
  // The file's own problems first: an empty or truncated .json file lands here too, and its
  // error says so rather than that the benchmark flags do not apply to a CSV.
  const parsed = parseMeasurementCsv(text);
  if (!parsed.ok)
    failWith(
      io,
      parsed.diagnostics.map((d) => atCsvLine(shown, d)),
      json,
    );
  const recordFlags = RECORD_FLAGS.filter((k) => o[k] !== undefined);
  if (recordFlags.length > 0)
    failWith(
      io,
      recordFlags.map((k) =>
        flagError(
          `--${k}`,
          'applies to benchmark-tool outputs (vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf); a measurement CSV states it on every row',
        ),
      ),
      json,
    );
  const options = opLaunch === undefined ? {} : { opLaunch };
  if (o.crossValidate === true) {
    if (!json)
      io.stderr(
        'Cross-validating the shipped default: every device is refitted without each source, and the shipping rule applied inside each fold (about 75 s on reference.csv, about 7 minutes with --also serving-modern.csv)...\n',
      );
    const { observations } = observationsFromRows(parsed.value, options);
    const own = new Set(observations);
    const extra: Observation[] = [];
    for (const other of o.also ?? []) {
      const otherAbs = resolve(io.cwd, other);
      const otherText = readTextFile(io, otherAbs);
      if (!otherText.ok) failWith(io, otherText.diagnostics, json);
      const p = parseMeasurementCsv(otherText.value);
      if (!p.ok)
        failWith(
          io,
          p.diagnostics.map((d) => atCsvLine(displayPath(io, otherAbs), d)),
          json,
        );
      extra.push(...observationsFromRows(p.value, options).observations);
    }
    const cv = shippedCrossValidation([...observations, ...extra], own);
    if (json) printJson(io, { file: shown, ...crossValidationJson(cv) });
    else io.stdout(formatCrossValidation(shown, cv));
    return;
  }
  const profiles = validationProfiles(io, o, json);
  const report = validateRows(parsed.value, profiles.length === 0 ? options : { ...options, profiles });
  if (json) printJson(io, { file: shown, ...report });
  else io.stdout(formatValidation(shown, report, Math.max(0, worst ?? DEFAULT_WORST), profiles));
}

/** The profiles validate predicts with: the shipped ones by default; 'none' for the raw model; files replace the default. */
function validationProfiles(io: Io, o: ValidateOptions, json: boolean): ProfileSet {
  const refs = o.calibration ?? [];
  if (refs.includes(NONE) && refs.some((r) => r !== NONE))
    failWith(
      io,
      [flagError('--calibration', "'none' (the raw model) cannot be combined with profiles")],
      json,
    );
  const profiles = loadProfiles(io, refs.length === 0 ? [SHIPPED] : refs);
  if (!profiles.ok) failWith(io, profiles.diagnostics, json);
  return profiles.value;
}

/**
 * `validate` on a benchmark tool's output: the records the importers read (the ones `calibrate`
 * and `import` use), each predicted as calibrate predicts it (core validateRecords), with the
 * flags for what the file does not say, tabulated as for a CSV.
 */
function runRecordValidation(
  io: Io,
  shown: string,
  text: string,
  layout: MeasurementLayout | undefined,
  o: ValidateOptions,
  flags: FlagReader,
  worst: number,
): void {
  const json = o.json === true;
  const fromFlags = readRecordFlags(flags, o);
  if (o.crossValidate === true)
    flags.errors.push(
      flagError(
        '--cross-validate',
        'needs a measurement CSV (reference.csv format): fit a benchmark output with ridgeline calibrate',
      ),
    );
  if (o.opLaunch !== undefined)
    flags.errors.push(flagError('--op-launch', 'applies to per-operator rows of a measurement CSV'));
  if (flags.errors.length > 0) failWith(io, flags.errors, json);
  let hardware: string | undefined;
  if (o.hardware !== undefined) {
    const hw = findHardware(o.hardware);
    if (hw === undefined) failWith(io, [unknownHardware(o.hardware, [])], json);
    hardware = hw.id;
  }
  const profiles = validationProfiles(io, o, json);
  const imported = importMeasurements(shown, text);
  if (!imported.ok) failWith(io, imported.diagnostics.map(located), json);
  const tool = imported.value[0]?.tool ?? toolOfLayout(layout ?? 'reference-csv');
  const defaults: RecordDefaults = hardware === undefined ? fromFlags : { hardware, ...fromFlags };
  const report = validateRecords(imported.value, defaults, profiles.length === 0 ? undefined : profiles);
  const warnings = imported.diagnostics.map(located);
  if (json) {
    printJson(io, { file: shown, tool, runs: imported.value.length, ...report, diagnostics: warnings });
    return;
  }
  const readAs =
    `Read as ${tool} output: ${String(imported.value.length)} run(s), one row per measured metric ` +
    `(throughput, TTFT, TPOT, end-to-end latency; '(p50)' where the file gives only the median).`;
  io.stdout(formatValidation(shown, report, Math.max(0, worst), profiles, readAs));
  if (warnings.length > 0) io.stderr(diagnosticLines(warnings));
}

function stats(s: ErrorStats): string {
  return s.medianErrorPct === null ? '-' : `${pct(s.medianErrorPct)} / ${pct(s.p90ErrorPct)}`;
}

function cvTable(groups: readonly CrossValidationGroup[], withHardware: boolean): string {
  return table(
    [
      { header: 'source' },
      { header: 'metric' },
      ...(withHardware ? [{ header: 'hardware' }] : []),
      { header: 'rows', align: 'right' as const },
      { header: 'uncalibrated', align: 'right' as const },
      { header: 'in-sample', align: 'right' as const },
      { header: 'held-out', align: 'right' as const },
    ],
    groups.map((g) => [
      g.source,
      g.metric,
      ...(withHardware ? [g.hardware ?? '-'] : []),
      String(g.uncalibrated.rows),
      stats(g.uncalibrated),
      stats(g.inSample),
      stats(g.heldOut),
    ]),
  );
}

/**
 * The cross-validation `--cross-validate` reports: the shipped default's (`guardedCrossValidate`,
 * the one implementation `npm run fit`, residuals and fidelity use), over the rows of `own` (the
 * file's; `--also` files are fitted alongside), with `fitted`'s totals over the same rows: every
 * profile fitted and applied, none refused.
 */
export interface ShippedCrossValidation {
  readonly guarded: GuardedCrossValidation;
  readonly everyProfile: CrossValidationReport['totals'];
}

export function shippedCrossValidation(
  observations: readonly Observation[],
  own: ReadonlySet<Observation>,
): ShippedCrossValidation {
  const guarded = guardedCrossValidate(observations, { report: (x) => own.has(x) });
  // `fitted` covers every observation, in their order (the rule reads all of them).
  const rows = guarded.fitted.rows.filter((_, i) => {
    const o = observations[i];
    return o !== undefined && own.has(o);
  });
  const err = (pick: (r: (typeof rows)[number]) => number) =>
    errorStats(rows.map((r) => (Math.abs(pick(r) - r.measured) / r.measured) * 100));
  return {
    guarded,
    everyProfile: {
      uncalibrated: err((r) => r.uncalibrated),
      inSample: err((r) => r.inSample),
      heldOut: err((r) => r.heldOut),
    },
  };
}

/** Whether a fitted profile ships, or why not. */
function shipsText(d: ShippingDecision | undefined): string {
  if (d === undefined) return '-';
  if (d.ships) return 'ships';
  const w = d.worsens;
  return d.refusal === 'worsens a group' && w !== undefined
    ? `no: worsens ${w.source} ${w.metric} (${String(w.rows)} rows) ${pct(w.medianErrorPctBefore)} -> ${pct(w.medianErrorPctHeldOut)}`
    : `no: ${d.refusal ?? ''}`;
}

/** The report without the fitting internals (observations, Jacobians), for --json. */
export function crossValidationJson(cv: ShippedCrossValidation) {
  const { fitted, decisions, shipped, shippedWithout } = cv.guarded;
  return {
    rule: SHIPPING_RULE,
    totals: shipped.totals,
    groups: shipped.groups,
    hardwareGroups: shipped.hardwareGroups,
    cvSourceGroups: shipped.cvSourceGroups,
    profiles: fitted.profiles.map((p, i) => {
      const d = decisions[i];
      return {
        hardware: p.hardware,
        ...(p.engine === undefined ? { level: 'kernel' } : { engine: p.engine, level: 'serving' }),
        parameters: p.parameters,
        fit: {
          ...p.fit,
          leaveOneSourceOutMedianErrorPct: fitted.heldOutMedianByProfile[i]?.medianErrorPct ?? null,
        },
        ships: d?.ships ?? false,
        ...(d?.refusal === undefined ? {} : { refusal: d.refusal }),
        ...(d?.worsens === undefined ? {} : { worsens: d.worsens }),
      };
    }),
    shippedWithout: Object.fromEntries(shippedWithout),
    everyProfile: cv.everyProfile,
    rows: shipped.rows,
  };
}

export function formatCrossValidation(file: string, cv: ShippedCrossValidation): string {
  const out: string[] = [];
  const { fitted, decisions, shipped } = cv.guarded;
  const t = shipped.totals;
  const e = cv.everyProfile;
  out.push(`Leave-one-source-out cross-validation of calibration on ${file}, as shipped\n`);
  out.push(
    `${String(t.uncalibrated.rows)} rows. Kernel-level parameters are fitted per device to kernel and operator rows, ` +
      `serving-level ones per device and engine to serving rows, and a profile ships only if it passes the shipping rule ` +
      `(docs/calibration.md, "Only profiles that improve ship": the rule npm run fit ships by, in the same code). ` +
      `In-sample: each row predicted by the profiles that ship (the calibrated default; rows no shipped profile applies to keep the raw prediction). ` +
      `Held-out: for each source, both levels refitted without its rows and the rule applied to that refit on the other rows only, ` +
      `then the source predicted by what would ship without it (the figure to quote). Absolute percentage error, median / p90: ` +
      `uncalibrated ${stats(t.uncalibrated)}, in-sample ${stats(t.inSample)}, held-out ${stats(t.heldOut)}.\n`,
  );
  out.push(
    `Every profile fitted and applied, none refused (not the default): in-sample ${stats(e.inSample)}, held-out ${stats(e.heldOut)}.\n`,
  );
  out.push('\nPer source and metric\n');
  out.push(cvTable(shipped.groups, false));
  if (shipped.cvSourceGroups.length > shipped.groups.length) {
    out.push('\nPer unit left out (MLPerf submitter, InferenceX recipe) and metric\n');
    out.push(cvTable(shipped.cvSourceGroups, false));
  }
  const spread = new Set(
    shipped.groups
      .filter(
        (g) =>
          shipped.hardwareGroups.filter((h) => h.source === g.source && h.metric === g.metric).length > 1,
      )
      .map((g) => `${g.source}\u0000${g.metric}`),
  );
  const byDevice = shipped.hardwareGroups.filter((h) => spread.has(`${h.source}\u0000${h.metric}`));
  if (byDevice.length > 0) {
    out.push('\nPer device, for sources measured on several\n');
    out.push(cvTable(byDevice, true));
  }
  out.push('\nProfiles fitted on all sources, and the shipping rule on each\n');
  out.push(
    table(
      [
        { header: 'hardware' },
        { header: 'level' },
        { header: 'rows', align: 'right' },
        { header: 'before', align: 'right' },
        { header: 'after', align: 'right' },
        { header: 'held-out', align: 'right' },
        { header: 'shipped' },
        { header: 'parameters' },
      ],
      fitted.profiles.map((p, i) => [
        p.hardware,
        p.engine === undefined ? 'kernel' : `serving ${p.engine}`,
        String(p.fit.rows),
        pct(p.fit.medianErrorPctBefore),
        pct(p.fit.medianErrorPctAfter),
        pct(fitted.heldOutMedianByProfile[i]?.medianErrorPct ?? null),
        shipsText(decisions[i]),
        Object.entries(p.parameters)
          .flatMap(([k, v]) => (v === undefined ? [] : [`${k} ${num(v)}`]))
          .join(', '),
      ]),
    ),
  );
  out.push(
    "\nbefore/after: median error of the profile's rows with the defaults and with the profile fitted on all sources; " +
      "held-out: the same rows, each predicted by profiles fitted without its source (none refused: the rule's evidence). " +
      `The rule: at least ${String(SHIPPING_RULE.minRows)} rows, no worse in-sample nor held out, and no (source, metric) group of ` +
      `${String(SHIPPING_RULE.minGroupRows)} rows or more worse held out by over ${String(SHIPPING_RULE.groupTolerancePct)} point.\n`,
  );
  return out.join('');
}

export function registerValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description(
      'compare Ridgeline predictions with a serving measurement CSV (format of packages/core/data/measurements/reference.csv), a training one (format of training.csv) or a benchmark tool output (vLLM, SGLang, genai-perf, AIPerf, trtllm-bench, MLPerf; detected from the content)',
    )
    .argument('<file>', 'measurement file')
    .option('--json', 'print the report as JSON, with per-row records')
    .option(
      '--hardware <id>',
      'benchmark outputs: the device the runs were measured on, when the file does not say',
    )
    .option(
      '--engine <id>',
      `benchmark outputs: the engine of runs whose file does not say (${ENGINE_IDS.filter((e) => e !== 'ideal').join(', ')}); runs of another engine are skipped`,
    )
    .option('--model <id>', 'benchmark outputs: model of runs whose file does not name a catalog model')
    .option(
      '--tp <n>',
      'benchmark outputs: tensor parallelism of runs whose file does not say (default: their GPU count, else 1)',
    )
    .option(
      '--weights <format>',
      'benchmark outputs: weight format of the runs (default: what the file says, else bf16)',
    )
    .option('--kv <format>', 'benchmark outputs: KV-cache format of the runs')
    .option(
      '--op-launch <mode>',
      `launch cost per kernel in per-operator latency rows (${OP_LAUNCH.join(', ')})`,
    )
    .option('--worst <n>', `rows listed under "Largest errors" (default ${String(DEFAULT_WORST)})`)
    .option(
      '--calibration <profile>',
      "predict with this calibration profile on its device (YAML/JSON); 'shipped' (the default) or 'none' (the raw model); repeatable",
      collect,
    )
    .option(
      '--also <csv>',
      'with --cross-validate: another measurement file fitted alongside but not reported (the shipped profiles are fitted to reference.csv and serving-modern.csv together); repeatable',
      collect,
    )
    .option(
      '--cross-validate',
      'leave-one-source-out of the calibration as shipped: refit without each source, apply the shipping rule (as npm run fit) inside each fold, predict that source with what would ship; in-sample and held-out errors (about 75 s on reference.csv)',
    )
    .action((file: string, options: ValidateOptions) => {
      runValidate(io, file, options);
    });
}
