/**
 * The issue-9 fidelity targets as docs/fidelity.md reports them (scripts/fidelity.mjs): plain
 * bookkeeping over rows already predicted and coverage already computed. Nothing here predicts
 * or fits; every figure is read from the same rows the fidelity tables are built from.
 *
 * - The signed error of a row is a *speed* error, the same sense on every metric: the speed ratio
 *   is predicted / measured for a throughput (and for any metric that is not a time or an energy
 *   per unit of work, such as power), measured / predicted for a latency or an energy per token,
 *   and the signed error is (speed ratio − 1) × 100 %. +20 % means "predicted 20 % too fast".
 * - A row's hardware family is the catalog device's `family`, its model class the catalog model's
 *   architecture (dense, MoE, MLA+MoE).
 */
import { findHardware } from '../hardware/catalog.js';
import { HARDWARE_FAMILIES } from '../hardware/schema.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { resolveRowModel } from '../measurements/resolve.js';
import type { ModelSpec } from '../model/schema.js';
import { percentile } from '../util/percentile.js';

/** Whether a metric grows with the speed of the run (throughput) or shrinks with it (latency). */
export type SpeedSense = 'throughput' | 'latency';

/**
 * A time per unit of work (`…_ms`, `…_us`, `…_s`, but not a rate such as `tokens_per_s` or
 * `output_tok_s`) or an energy per unit of work (`joules_per_…`) is a latency; anything else
 * (throughput, power, FLOPs, bytes) counts as a throughput: predicted / measured.
 */
export function speedSense(metric: string): SpeedSense {
  const time = /_(ms|us|s)$/.test(metric) && !/(^|_)(tok|tokens|samples|req|per)_s$/.test(metric);
  return time || /^joules_per_/.test(metric) ? 'latency' : 'throughput';
}

/** predicted / measured for a throughput, measured / predicted for a latency (speedSense). */
export function speedRatio(metric: string, predicted: number, measured: number): number {
  return speedSense(metric) === 'latency' ? measured / predicted : predicted / measured;
}

/** (speedRatio − 1) × 100: positive when the prediction is faster than the measurement. */
export function signedSpeedErrorPct(metric: string, predicted: number, measured: number): number {
  return (speedRatio(metric, predicted, measured) - 1) * 100;
}

/** |predicted − measured| / measured × 100, as every fidelity table computes it. */
export const absoluteErrorPct = (predicted: number, measured: number): number =>
  (Math.abs(predicted - measured) / measured) * 100;

/** Median of the finite values (null without any), as errorStats computes it. */
export function medianOf(values: readonly number[]): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return percentile(sorted, 0.5) ?? null;
}

const FAMILY_LABELS: Readonly<Record<string, string>> = {
  'nvidia-ampere': 'Ampere',
  'nvidia-hopper': 'Hopper',
  'nvidia-blackwell': 'Blackwell',
  'nvidia-ada': 'Ada',
  'amd-cdna2': 'CDNA2',
  'amd-cdna3': 'CDNA3',
  'amd-cdna4': 'CDNA4',
};

/** The short name of a hardware family ('nvidia-hopper' → 'Hopper'); the id where none is set. */
export const familyLabel = (family: string): string => FAMILY_LABELS[family] ?? family;

export const MODEL_CLASS_LABELS = ['dense', 'MoE', 'MLA+MoE', 'MLA'] as const;
export type ModelClassLabel = (typeof MODEL_CLASS_LABELS)[number];

/** Dense, MoE, MLA+MoE (DeepSeek) or MLA with dense MLPs, from the model's architecture. */
export function modelClassLabel(model: Pick<ModelSpec, 'attention' | 'moe'>): ModelClassLabel {
  const moe = model.moe !== undefined;
  if (model.attention.kind === 'mla') return moe ? 'MLA+MoE' : 'MLA';
  return moe ? 'MoE' : 'dense';
}

/**
 * The hardware family (catalog device `family`) and model class of a predicted row, from the
 * catalog id its hardware resolved to and its model cell; undefined when either is unknown.
 */
export function rowClasses(
  hardwareId: string,
  modelName: string,
): { readonly family: string; readonly modelClass: ModelClassLabel } | undefined {
  const hw = findHardware(hardwareId);
  const model = resolveRowModel(modelName);
  if (hw === undefined || model === undefined) return undefined;
  return { family: hw.family, modelClass: modelClassLabel(model) };
}

/** The three predictions of a row the fidelity tables compare. */
export const COLUMNS = ['uncalibrated', 'inSample', 'heldOut'] as const;
export type Column = (typeof COLUMNS)[number];

/** A predicted row of serving-modern.csv with its predictions and classes. */
export interface TargetRow {
  readonly id: string;
  /** The source as the per-source tables group it (sourceLabel). */
  readonly source: string;
  /** What leave-one-source-out leaves out with the row (MLPerf submitter, InferenceX recipe). */
  readonly cvSource: string;
  readonly metric: string;
  readonly measured: number;
  readonly uncalibrated: number;
  readonly inSample: number;
  readonly heldOut: number;
  readonly family: string;
  readonly modelClass: string;
}

export interface ClassGroup {
  readonly family: string;
  readonly modelClass: string;
  readonly rows: number;
  /** Median absolute percentage error per column. */
  readonly medianAbsPct: Readonly<Record<Column, number | null>>;
  /** Median signed speed error (signedSpeedErrorPct) per column. */
  readonly medianSignedPct: Readonly<Record<Column, number | null>>;
}

const perColumn = (f: (c: Column) => number | null): Record<Column, number | null> => ({
  uncalibrated: f('uncalibrated'),
  inSample: f('inSample'),
  heldOut: f('heldOut'),
});

const familyRank = (f: string): number => {
  const i = (HARDWARE_FAMILIES as readonly string[]).indexOf(f);
  return i < 0 ? HARDWARE_FAMILIES.length : i;
};
const classRank = (c: string): number => {
  const i = (MODEL_CLASS_LABELS as readonly string[]).indexOf(c);
  return i < 0 ? MODEL_CLASS_LABELS.length : i;
};

/**
 * Rows grouped by (hardware family × model class), in catalog family order (Ampere, Hopper,
 * Blackwell, …, CDNA3, CDNA4) and class order (dense, MoE, MLA+MoE, MLA).
 */
export function classGroups(rows: readonly TargetRow[]): ClassGroup[] {
  const by = new Map<string, TargetRow[]>();
  for (const r of rows) {
    const k = `${r.family}\u0000${r.modelClass}`;
    by.set(k, [...(by.get(k) ?? []), r]);
  }
  return [...by.values()]
    .map((list) => {
      const first = list[0] as TargetRow;
      return {
        family: first.family,
        modelClass: first.modelClass,
        rows: list.length,
        medianAbsPct: perColumn((c) => medianOf(list.map((r) => absoluteErrorPct(r[c], r.measured)))),
        medianSignedPct: perColumn((c) =>
          medianOf(list.map((r) => signedSpeedErrorPct(r.metric, r[c], r.measured))),
        ),
      };
    })
    .sort(
      (a, b) =>
        familyRank(a.family) - familyRank(b.family) ||
        (a.family < b.family ? -1 : a.family > b.family ? 1 : 0) ||
        classRank(a.modelClass) - classRank(b.modelClass),
    );
}

/**
 * Skip reasons folded into kinds: quoted names become '…', a parenthesized remark and anything
 * after the first ':' are dropped ("hardware 'GB300 NVL72' not in catalog (closest: …)" →
 * "hardware '…' not in catalog"; "overloaded: …" → "overloaded"). Per kind the rows and the
 * quoted names, largest kind first.
 */
export function skipKinds(
  skippedByReason: Readonly<Record<string, number>>,
): { readonly kind: string; readonly rows: number; readonly names: readonly string[] }[] {
  const kinds = new Map<string, { rows: number; names: string[] }>();
  for (const [reason, n] of Object.entries(skippedByReason)) {
    const names = [...reason.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
    const kind = reason
      .replace(/'[^']*'/g, "'…'")
      .replace(/\s*\(.*$/, '')
      .replace(/:.*$/, '')
      .trim();
    const k = kinds.get(kind) ?? { rows: 0, names: [] };
    k.rows += n;
    for (const name of names) if (!k.names.includes(name)) k.names.push(name);
    kinds.set(kind, k);
  }
  return [...kinds.entries()]
    .map(([kind, k]) => ({ kind, rows: k.rows, names: k.names }))
    .sort((a, b) => b.rows - a.rows || (a.kind < b.kind ? -1 : 1));
}

/** The issue-9 limits (docs/fidelity.md, Targets), in % unless said. */
export const ISSUE9_TARGETS = {
  /** Median absolute error over serving-modern.csv, leave-one-source-out. */
  medianPct: 12,
  /** … over every source (the unit left out) with at least `sourceMinRows` rows. */
  sourceMedianPct: 15,
  sourceMinRows: 20,
  /** Median signed speed error of every (hardware family × model class) group, either way. */
  groupSignedPct: 15,
  /** Median absolute error of the TTFT rows, and of the TPOT rows. */
  latencyMedianPct: 15,
  /** Band coverage leave-one-source-out, over all rows of both files, and its floor per source. */
  bandOverallPct: [75, 90],
  bandSourcePct: 60,
  /** Rows of serving-modern.csv predicted. */
  predictedPct: 85,
} as const;

/** The bounds of one figure: at least, at most, or its magnitude at most (`magnitude`). */
export interface TargetLimit {
  readonly atLeast?: number;
  readonly atMost?: number;
  /** The limit holds the figure's magnitude (a signed figure within ±atMost). */
  readonly magnitude?: boolean;
  readonly unit: '%' | 'points' | 'rows';
}

export interface TargetCheck {
  readonly target: string;
  readonly limit: TargetLimit;
  /** The figure judged, signed where the limit is on its magnitude (null: no rows). */
  readonly figure: number | null;
  /** What the figure is (the worst of …, over how many rows) and what misses. */
  readonly detail: string;
  readonly met: boolean;
}

/** A figure as displayed (0.1 for % and points, whole rows) and judged: met follows the display. */
export function shownFigure(x: number, unit: TargetLimit['unit']): string {
  if (!Number.isFinite(x)) return '–';
  if (unit === 'rows') return String(Math.round(x));
  const sign = x < 0 && Number(Math.abs(x).toFixed(1)) > 0 ? '−' : '';
  return `${sign}${Math.abs(x).toFixed(1)}${unit === '%' ? '%' : ' points'}`;
}

/** Whether a figure, rounded as shown, lies within the limit. */
export function withinLimit(figure: number | null, limit: TargetLimit): boolean {
  if (figure === null || !Number.isFinite(figure)) return false;
  const shown = limit.unit === 'rows' ? Math.round(figure) : Number(figure.toFixed(1));
  const v = limit.magnitude === true ? Math.abs(shown) : shown;
  return (
    (limit.atLeast === undefined || v >= limit.atLeast) && (limit.atMost === undefined || v <= limit.atMost)
  );
}

/** The limit as the table shows it: "≤ 12%", "75–90%", "≥ 60%", "±15%". */
export function shownLimit(limit: TargetLimit): string {
  const u = (x: number) => shownFigure(x, limit.unit).replace(/\.0(%| points)$/, '$1');
  const { atLeast, atMost } = limit;
  if (limit.magnitude === true && atMost !== undefined) return `±${u(atMost)}`;
  if (atLeast !== undefined && atMost !== undefined) return `${u(atLeast).replace(/%$/, '')}–${u(atMost)}`;
  if (atMost !== undefined) return `≤ ${u(atMost)}`;
  return atLeast === undefined ? '' : `≥ ${u(atLeast)}`;
}

const check = (target: string, limit: TargetLimit, figure: number | null, detail: string): TargetCheck => ({
  target,
  limit,
  figure,
  detail,
  met: withinLimit(figure, limit),
});

const pct = (x: number | null) => (x === null ? '–' : shownFigure(x, '%'));
const distinct = (xs: readonly string[]) => [...new Set(xs)];
const heldOutMedian = (rows: readonly TargetRow[]) =>
  medianOf(rows.map((r) => absoluteErrorPct(r.heldOut, r.measured)));

/** The error targets on serving-modern.csv, leave-one-source-out: whole file, per source, per group. */
export function errorTargets(rows: readonly TargetRow[]): TargetCheck[] {
  const T = ISSUE9_TARGETS;
  const sources = distinct(rows.map((r) => r.cvSource))
    .map((s) => {
      const mine = rows.filter((r) => r.cvSource === s);
      return { source: s, rows: mine.length, median: heldOutMedian(mine) };
    })
    .filter((s) => s.rows >= T.sourceMinRows);
  const worst = sources.reduce<(typeof sources)[number] | undefined>(
    (w, s) => (w === undefined || (s.median ?? Infinity) > (w.median ?? Infinity) ? s : w),
    undefined,
  );
  const sourceLimit: TargetLimit = { atMost: T.sourceMedianPct, unit: '%' };
  const misses = sources
    .filter((s) => !withinLimit(s.median, sourceLimit))
    .sort((a, b) => (b.median ?? Infinity) - (a.median ?? Infinity));
  const groups = classGroups(rows);
  const groupLimit: TargetLimit = { atMost: T.groupSignedPct, magnitude: true, unit: '%' };
  const signed = (g: ClassGroup) => g.medianSignedPct.heldOut;
  const widest = groups.reduce<ClassGroup | undefined>(
    (w, g) => (w === undefined || Math.abs(signed(g) ?? Infinity) > Math.abs(signed(w) ?? Infinity) ? g : w),
    undefined,
  );
  const beyond = groups.filter((g) => !withinLimit(signed(g), groupLimit));
  const groupName = (g: ClassGroup) => `${familyLabel(g.family)} × ${g.modelClass}`;
  return [
    check(
      'Median absolute error, serving-modern.csv',
      { atMost: T.medianPct, unit: '%' },
      heldOutMedian(rows),
      `over ${String(rows.length)} predicted rows`,
    ),
    check(
      `Median absolute error of every source with ≥ ${String(T.sourceMinRows)} rows`,
      sourceLimit,
      worst?.median ?? null,
      `the worst of ${String(sources.length)} sources (${worst?.source ?? '–'}); ${misses.length === 0 ? 'none misses' : `${String(misses.length)} miss: ${misses.map((s) => `${s.source} ${pct(s.median)} (${String(s.rows)} rows)`).join(', ')}`}`,
    ),
    check(
      'Median signed error of every (hardware family × model class) group',
      groupLimit,
      widest === undefined ? null : signed(widest),
      `the furthest of ${String(groups.length)} groups (${widest === undefined ? '–' : groupName(widest)}); ${beyond.length === 0 ? 'none beyond' : `${String(beyond.length)} beyond: ${beyond.map((g) => `${groupName(g)} ${pct(signed(g)).replace(/^(?=\d)/, '+')} (${String(g.rows)} rows)`).join(', ')}`}`,
    ),
  ];
}

/**
 * TTFT rows (`ttft_…`: mean and p99) and TPOT rows (`tpot_…`), all sources together and each
 * source (the per-source tables' grouping: InferenceX, MLPerf), leave-one-source-out.
 */
export function latencyTargets(rows: readonly TargetRow[]): TargetCheck[] {
  const limit: TargetLimit = { atMost: ISSUE9_TARGETS.latencyMedianPct, unit: '%' };
  return [
    ['TTFT', /^ttft_/],
    ['TPOT', /^tpot_/],
  ].flatMap(([name, re]) => {
    const mine = rows.filter((r) => (re as RegExp).test(r.metric));
    return [undefined, ...distinct(mine.map((r) => r.source))].map((source) => {
      const these = source === undefined ? mine : mine.filter((r) => r.source === source);
      const metrics = distinct(these.map((r) => `\`${r.metric}\``)).join(', ');
      return check(
        `Median absolute error, ${String(name)} rows, ${source ?? 'all sources'}`,
        limit,
        heldOutMedian(these),
        `over ${String(these.length)} rows (${metrics})`,
      );
    });
  });
}

/** Leave-one-source-out band coverage as bandCoverage reports it (uncertainty/learn.ts). */
export interface CoverageFigures {
  readonly overall: { readonly rows: number; readonly covered: number };
  readonly sources: readonly { readonly source: string; readonly rows: number; readonly covered: number }[];
}

/** Covered share in %, computed as the band tables compute it. */
const coveredPct = (c: { readonly rows: number; readonly covered: number }): number | null =>
  c.rows === 0 ? null : (100 * c.covered) / c.rows;

/** Band coverage overall (all rows of both files) and its lowest source, per kind of predictions. */
export function bandTargets(
  coverages: readonly { readonly predictions: string; readonly coverage: CoverageFigures }[],
): TargetCheck[] {
  const [lo, hi] = ISSUE9_TARGETS.bandOverallPct;
  return coverages.flatMap(({ predictions, coverage }) => {
    const sourceLimit: TargetLimit = { atLeast: ISSUE9_TARGETS.bandSourcePct, unit: '%' };
    const lowest = coverage.sources.reduce<CoverageFigures['sources'][number] | undefined>(
      (w, s) => (w === undefined || (coveredPct(s) ?? -1) < (coveredPct(w) ?? -1) ? s : w),
      undefined,
    );
    const short = coverage.sources.filter((s) => !withinLimit(coveredPct(s), sourceLimit));
    return [
      check(
        `Band coverage, all rows of both files, ${predictions} predictions`,
        { atLeast: lo, atMost: hi, unit: '%' },
        coveredPct(coverage.overall),
        `of ${String(coverage.overall.rows)} rows`,
      ),
      check(
        `Band coverage of every source, ${predictions} predictions`,
        sourceLimit,
        lowest === undefined ? null : coveredPct(lowest),
        `the lowest of ${String(coverage.sources.length)} sources (${lowest?.source ?? '–'}, ${String(lowest?.rows ?? 0)} rows); ${short.length === 0 ? 'none below' : `${String(short.length)} below: ${short.map((s) => `${s.source} ${pct(coveredPct(s))}`).join(', ')}`}`,
      ),
    ];
  });
}

interface GateGroup {
  readonly source: string;
  readonly metric: string;
  readonly used: number;
  readonly medianErrorPct: number | null;
}

/** The regression gate's record (data/measurements/baseline.json, reference.csv part). */
export interface GateBaseline {
  readonly tolerancePoints: number;
  readonly overall: { readonly used: number; readonly medianErrorPct: number };
  readonly groups: readonly (GateGroup & { readonly medianErrorPct: number })[];
}

/**
 * reference.csv against the regression gate (validate/baseline.test.ts), raw model as the gate
 * runs it: the overall median within the tolerance of the record, over at least as many rows,
 * and the largest rise of a (source, metric) median over its record.
 */
export function gateTargets(
  baseline: GateBaseline,
  report: {
    readonly totals: { readonly used: number; readonly medianErrorPct: number | null };
    readonly groups: readonly GateGroup[];
  },
): TargetCheck[] {
  const tol = baseline.tolerancePoints;
  const rises = baseline.groups.map((b) => {
    const g = report.groups.find((x) => x.source === b.source && x.metric === b.metric);
    const now = g === undefined || g.used < b.used ? null : g.medianErrorPct;
    return { b, rise: now === null ? Infinity : now - b.medianErrorPct };
  });
  const top = rises.reduce<(typeof rises)[number] | undefined>(
    (w, r) => (w === undefined || r.rise > w.rise ? r : w),
    undefined,
  );
  const limit: TargetLimit = { atMost: tol, unit: 'points' };
  const worse = rises.filter((r) => !withinLimit(r.rise, limit));
  return [
    check(
      'reference.csv median absolute error, raw model (the regression gate)',
      { atMost: Number((baseline.overall.medianErrorPct + tol).toFixed(1)), unit: '%' },
      report.totals.medianErrorPct,
      `recorded ${pct(baseline.overall.medianErrorPct)} + ${String(tol)} points tolerance`,
    ),
    check(
      'reference.csv rows predicted (the regression gate)',
      { atLeast: baseline.overall.used, unit: 'rows' },
      report.totals.used,
      `rows (recorded ${String(baseline.overall.used)})`,
    ),
    check(
      'reference.csv largest rise of a (source, metric) median over its record',
      limit,
      top?.rise ?? null,
      `over ${String(rises.length)} recorded groups${top === undefined ? '' : ` (${top.b.source} \`${top.b.metric}\`)`}; ${worse.length === 0 ? 'none worse' : `${String(worse.length)} worse: ${worse.map((r) => `${r.b.source} \`${r.b.metric}\``).join(', ')}`}`,
    ),
  ];
}

/** Rows of serving-modern.csv predicted, with the skipped rows by kind (skipKinds). */
export function predictedTarget(
  used: number,
  fileRows: number,
  skippedByReason: Readonly<Record<string, number>>,
): TargetCheck {
  const kinds = skipKinds(skippedByReason)
    .map((k) => `${String(k.rows)} ${k.kind}${k.names.length === 0 ? '' : ` (${k.names.join(', ')})`}`)
    .join('; ');
  return check(
    'Rows of serving-modern.csv predicted',
    { atLeast: ISSUE9_TARGETS.predictedPct, unit: '%' },
    fileRows === 0 ? null : (100 * used) / fileRows,
    `${String(used)} of ${String(fileRows)} rows; skipped: ${kinds === '' ? 'none' : kinds}`,
  );
}

/** The targets table (markdown rows, after its header): target, limit, measured, met. */
export function targetLines(checks: readonly TargetCheck[]): string[] {
  return [
    '| Target | Limit | Measured | Met |',
    '|---|---:|---|---|',
    ...checks.map((c) => {
      const fig = c.figure === null ? '–' : shownFigure(c.figure, c.limit.unit);
      const plus = c.limit.magnitude === true && c.figure !== null && Number(c.figure.toFixed(1)) > 0;
      const shown = plus ? `+${fig}` : fig;
      const cells = [c.target, shownLimit(c.limit), `${shown}: ${c.detail}`, c.met ? 'met' : '**not met**'];
      return `| ${cells.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
    }),
  ];
}

/**
 * The rows of serving-modern.csv the regression gate samples (baseline.json `servingModern`):
 * every row but the disaggregated runs of more than `maxDisaggregatedClients` clients (the slow
 * ones). One rule for the gate (validate/baseline.test.ts) and the script that re-records it
 * (scripts/serving-modern-baseline.mjs).
 */
export function servingModernGateSample(
  rows: readonly MeasurementRow[],
  maxDisaggregatedClients: number,
): MeasurementRow[] {
  return rows.filter((r) => {
    const clients = /concurrency=(\d+)/.exec(r.batchOrConcurrency)?.[1];
    return !(
      clients !== undefined &&
      /disaggregat/i.test(r.framework) &&
      Number(clients) > maxDisaggregatedClients
    );
  });
}
