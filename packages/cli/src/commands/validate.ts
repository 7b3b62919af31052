/**
 * `ridgeline validate <csv>`: predicts every row of a measurement CSV (the format of
 * packages/core/data/measurements/reference.csv) that Ridgeline can express and prints, per
 * source and metric, the rows used, the rows skipped by reason, and the median and p90 absolute
 * percentage error. Exit 0 whatever the errors; 2 when the file cannot be read or is malformed.
 * `--calibration` predicts with profiles; `--cross-validate` reports leave-one-source-out errors
 * of calibration (core calibrate/cross-validate.ts).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type {
  CrossValidationGroup,
  CrossValidationReport,
  Diagnostic,
  ErrorStats,
  GroupSummary,
  ProfileSet,
  RowRecord,
  ValidationReport,
  Observation,
} from '@ridgeline/core';
import { crossValidate, observationsFromRows, parseMeasurementCsv, validateRows } from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { displayPath, fileErrorReason } from '../files.js';
import { num, table } from '../format.js';
import type { Io } from '../io.js';
import { NONE, SHIPPED, collect, loadProfiles } from './calibrate.js';
import { looksLikeTraining, runTrainingValidation } from './validate-training.js';
import { FlagReader, failWith, flagError, printJson } from './common.js';

interface ValidateOptions {
  readonly json?: boolean;
  readonly opLaunch?: string;
  readonly worst?: string;
  readonly calibration?: readonly string[];
  readonly also?: readonly string[];
  readonly crossValidate?: boolean;
}

const OP_LAUNCH = ['eager', 'none'] as const;

/** Rows listed under "Largest errors" by default. */
const DEFAULT_WORST = 10;

function pct(x: number | null): string {
  return x === null ? '-' : `${x.toFixed(1)}%`;
}

/** A core CSV diagnostic (path [line]) pointed at the file. */
function inFile(file: string, d: Diagnostic): CliDiagnostic {
  const line = d.path?.[0];
  if (typeof line !== 'number') return { ...d, file };
  return { ...d, message: d.message.replace(/^line \d+: /, ''), file, line, column: 1 };
}

function groupTable(groups: readonly GroupSummary[]): string {
  return table(
    [
      { header: 'source' },
      { header: 'metric' },
      { header: 'used', align: 'right' },
      { header: 'skipped', align: 'right' },
      { header: 'median', align: 'right' },
      { header: 'p90', align: 'right' },
    ],
    groups.map((g) => [
      g.source,
      g.metric,
      String(g.used),
      String(g.skipped),
      pct(g.medianErrorPct),
      pct(g.p90ErrorPct),
    ]),
  );
}

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
): string {
  const t = report.totals;
  const out: string[] = [];
  out.push(`Ridgeline predictions against ${file}\n`);
  if (profiles.length > 0) {
    const held = profiles.map((p) =>
      p.engine === undefined ? p.hardware : `${p.hardware} with ${p.engine}`,
    );
    out.push(
      `Calibration profiles applied: ${held.join(', ')}. Rows a profile was fitted to are predicted in-sample; ` +
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
  let text: string;
  try {
    text = io.readFile(abs);
  } catch (e) {
    const message = `cannot read ${shown}: ${fileErrorReason(e)}`;
    failWith(io, [{ code: 'file.unreadable', severity: 'error', message }], json);
  }
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
  const parsed = parseMeasurementCsv(text);
  if (!parsed.ok)
    failWith(
      io,
      parsed.diagnostics.map((d) => inFile(shown, d)),
      json,
    );
  const options = opLaunch === undefined ? {} : { opLaunch };
  if (o.crossValidate === true) {
    if (!json)
      io.stderr(
        'Cross-validating: every device is refitted once per source (about a minute on reference.csv)...\n',
      );
    const { observations } = observationsFromRows(parsed.value, options);
    const own = new Set(observations);
    const extra: Observation[] = [];
    for (const other of o.also ?? []) {
      const otherAbs = resolve(io.cwd, other);
      let otherText = '';
      try {
        otherText = io.readFile(otherAbs);
      } catch (e) {
        const message = `cannot read ${displayPath(io, otherAbs)}: ${fileErrorReason(e)}`;
        failWith(io, [{ code: 'file.unreadable', severity: 'error', message }], json);
      }
      const p = parseMeasurementCsv(otherText);
      if (!p.ok)
        failWith(
          io,
          p.diagnostics.map((d) => inFile(displayPath(io, otherAbs), d)),
          json,
        );
      extra.push(...observationsFromRows(p.value, options).observations);
    }
    const cv = crossValidate([...observations, ...extra], { report: (x) => own.has(x) });
    if (json) printJson(io, { file: shown, ...crossValidationJson(cv) });
    else io.stdout(formatCrossValidation(shown, cv));
    return;
  }
  // The shipped profiles by default; 'none' for the raw model; files replace the default.
  const refs = o.calibration ?? [];
  if (refs.includes(NONE) && refs.some((r) => r !== NONE))
    failWith(
      io,
      [flagError('--calibration', "'none' (the raw model) cannot be combined with profiles")],
      json,
    );
  const profiles = loadProfiles(io, refs.length === 0 ? [SHIPPED] : refs);
  if (!profiles.ok) failWith(io, profiles.diagnostics, json);
  const report = validateRows(
    parsed.value,
    profiles.value.length === 0 ? options : { ...options, profiles: profiles.value },
  );
  if (json) printJson(io, { file: shown, ...report });
  else io.stdout(formatValidation(shown, report, Math.max(0, worst ?? DEFAULT_WORST), profiles.value));
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

/** The report without the fitting internals (observations, Jacobians), for --json. */
export function crossValidationJson(cv: CrossValidationReport) {
  return {
    totals: cv.totals,
    groups: cv.groups,
    hardwareGroups: cv.hardwareGroups,
    cvSourceGroups: cv.cvSourceGroups,
    profiles: cv.profiles.map((p, i) => ({
      hardware: p.hardware,
      ...(p.engine === undefined ? { level: 'kernel' } : { engine: p.engine, level: 'serving' }),
      parameters: p.parameters,
      fit: {
        ...p.fit,
        leaveOneSourceOutMedianErrorPct: cv.heldOutMedianByProfile[i]?.medianErrorPct ?? null,
      },
    })),
    rows: cv.rows,
  };
}

export function formatCrossValidation(file: string, cv: CrossValidationReport): string {
  const out: string[] = [];
  const t = cv.totals;
  out.push(`Leave-one-source-out cross-validation of calibration on ${file}\n`);
  out.push(
    `${String(t.uncalibrated.rows)} rows. Kernel-level parameters are fitted per device to kernel and operator rows, ` +
      `serving-level ones per device and engine to serving rows (docs/calibration.md). For each source, both levels ` +
      `are refitted without that source's rows and the source is predicted with them (held-out: the figure to quote). ` +
      `In-sample: profiles fitted on all sources (the calibrated default). Absolute percentage error, median / p90: ` +
      `uncalibrated ${stats(t.uncalibrated)}, in-sample ${stats(t.inSample)}, held-out ${stats(t.heldOut)}.\n`,
  );
  out.push('\nPer source and metric\n');
  out.push(cvTable(cv.groups, false));
  if (cv.cvSourceGroups.length > cv.groups.length) {
    out.push('\nPer unit left out (MLPerf submitter, InferenceX recipe) and metric\n');
    out.push(cvTable(cv.cvSourceGroups, false));
  }
  const spread = new Set(
    cv.groups
      .filter(
        (g) => cv.hardwareGroups.filter((h) => h.source === g.source && h.metric === g.metric).length > 1,
      )
      .map((g) => `${g.source}\u0000${g.metric}`),
  );
  const byDevice = cv.hardwareGroups.filter((h) => spread.has(`${h.source}\u0000${h.metric}`));
  if (byDevice.length > 0) {
    out.push('\nPer device, for sources measured on several\n');
    out.push(cvTable(byDevice, true));
  }
  out.push('\nProfiles fitted on all sources\n');
  out.push(
    table(
      [
        { header: 'hardware' },
        { header: 'level' },
        { header: 'rows', align: 'right' },
        { header: 'before', align: 'right' },
        { header: 'after', align: 'right' },
        { header: 'held-out', align: 'right' },
        { header: 'parameters' },
      ],
      cv.profiles.map((p, i) => [
        p.hardware,
        p.engine === undefined ? 'kernel' : `serving ${p.engine}`,
        String(p.fit.rows),
        pct(p.fit.medianErrorPctBefore),
        pct(p.fit.medianErrorPctAfter),
        pct(cv.heldOutMedianByProfile[i]?.medianErrorPct ?? null),
        Object.entries(p.parameters)
          .flatMap(([k, v]) => (v === undefined ? [] : [`${k} ${num(v)}`]))
          .join(', '),
      ]),
    ),
  );
  out.push(
    "\nbefore/after: median error of the profile's rows with the defaults and with the in-sample profiles; " +
      'held-out: the same rows, each predicted by profiles fitted without its source.\n',
  );
  return out.join('');
}

export function registerValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description(
      'compare Ridgeline predictions with a measurement CSV (format of packages/core/data/measurements/reference.csv)',
    )
    .argument('<csv>', 'measurement file')
    .option('--json', 'print the report as JSON, with per-row records')
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
      'leave-one-source-out: refit each device without each source, predict that source; in-sample and held-out errors',
    )
    .action((file: string, options: ValidateOptions) => {
      runValidate(io, file, options);
    });
}
