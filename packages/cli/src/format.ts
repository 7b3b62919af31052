/**
 * Plain-text rendering: aligned tables, numbers to three significant digits (thousands
 * separators above a thousand), diagnostics as `error:` / `warning:` / `note:` lines. Nothing
 * here prints; callers write the strings through Io.
 */
import type { Band, EstimateReport, OperatorReport, PhaseReport } from '@ridgeline/core';
import type { CliDiagnostic } from './files.js';

const NA = 'n/a';

/** Integer with thousands separators. */
export function grouped(x: number): string {
  if (!Number.isFinite(x)) return NA;
  const sign = x < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(x))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Three significant digits; whole numbers with separators from 1,000 up. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return NA;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3) {
    const p = x.toPrecision(3);
    return Math.abs(Number(p)) >= 1000 ? grouped(x) : p;
  }
  return x.toExponential(2);
}

/** Counts: whole numbers as integers with separators, fractions to three digits. */
export function count(x: number): string {
  return Number.isInteger(x) ? grouped(x) : num(x);
}

/** Rates (tokens/s): separators, no decimals from 100 up. */
export function rate(x: number): string {
  if (!Number.isFinite(x)) return NA;
  return Math.abs(x) >= 100 ? grouped(x) : num(x);
}

export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return NA;
  return `${(fraction * 100).toFixed(1)}%`;
}

export const GiB = 2 ** 30;

export function gib(bytes: number): string {
  return `${num(bytes / GiB)} GiB`;
}

export function gb(bytes: number): string {
  return `${num(bytes / 1e9)} GB`;
}

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** An aligned table, one line per row, two spaces between columns. */
export function table(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  indent = '  ',
): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    indent +
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const w = widths[i] ?? 0;
        return c.align === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n') + '\n';
}

/** Label/value lines with the values aligned. */
export function fields(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(w)}  ${v}`.trimEnd()).join('\n') + '\n';
}

export function diagnosticLine(d: CliDiagnostic): string {
  const label = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'note';
  let where = '';
  if (d.file !== undefined) {
    where = d.line === undefined ? `${d.file}: ` : `${d.file}:${String(d.line)}:${String(d.column ?? 1)}: `;
  }
  return `${label}: ${where}${d.message}\n`;
}

export function diagnosticLines(diagnostics: readonly CliDiagnostic[]): string {
  return diagnostics.map(diagnosticLine).join('');
}

function shapeText(op: OperatorReport): string {
  const s = op.shape;
  if (s === undefined) return '';
  const base = `${grouped(s.m)}×${grouped(s.n)}×${grouped(s.k)}`;
  return s.groups > 1 ? `${base}×${grouped(s.groups)}` : base;
}

function phaseTitle(phase: PhaseReport): string {
  return phase.phase === 'prefill' ? 'Prefill operators (one step)' : 'Decode operators (mean step)';
}

/** A serving workload kind in words, with its scenario field. */
const SERVING_KINDS: Readonly<Record<string, string>> = {
  concurrency: 'closed loop (workload.concurrency)',
  requestRate: 'open loop, Poisson arrivals (workload.requestRate)',
  maxThroughput: 'offline, every request queued at once (workload.maxThroughput)',
};

function workloadText(w: EstimateReport['scenario']['workload']): string {
  const tokens = `${grouped(w.inputTokens)} input + ${grouped(w.outputTokens)} output tokens`;
  return w.kind === 'batch'
    ? `static batch of ${grouped(w.batch)}, ${tokens}`
    : `${SERVING_KINDS[w.kind] ?? w.kind}, ${tokens}; mean batch ${grouped(w.batch)} in flight`;
}

/**
 * The calibration line: the profiles applied, or why none was (the default applies the shipped
 * profiles, and none of them may cover the scenario's device and engine).
 */
function calibrationText(s: EstimateReport['scenario'], asked: readonly string[] | undefined): string {
  if (s.calibration !== 'none') return s.calibration;
  if (asked?.includes('none') === true) return 'none (the raw model, as asked)';
  return `none: no calibration profile covers ${s.hardware} with ${s.engine}, so the raw model ran ('ridgeline calibrate' fits one to your runs)`;
}

type BandRow = readonly [label: string, value: number, band: Band, fmt: (x: number) => string, unit: string];

/** Headline values with their p10–p90 band in an aligned column: `45.3 ms  (p10–p90 38.1–52.7)`. */
function withBands(rows: readonly BandRow[]): [string, string][] {
  const values = rows.map(([, v, , fmt, unit]) => `${fmt(v)}${unit}`);
  const w = Math.max(...values.map((v) => v.length));
  return rows.map(([label, , b, fmt], i) => {
    const value = values[i] ?? '';
    const band = b.p10 < b.p90 ? `  (p10–p90 ${fmt(b.p10)}–${fmt(b.p90)})` : '';
    return [label, `${value.padEnd(w)}${band}`];
  });
}

/** One line of parallelism, or one per pool when prefill and decode are disaggregated. */
function parallelismRows(s: EstimateReport['scenario']): [string, string][] {
  const p = s.parallelism;
  const d = s.disaggregation;
  if (d === undefined)
    return [
      ['parallelism', `tp ${grouped(p.tp)}, pp ${grouped(p.pp)}, ep ${grouped(p.ep)}, dp ${grouped(p.dp)}`],
    ];
  const pool = (name: string, q: { tp: number; dp: number }): string =>
    `${name} pool: tp ${grouped(q.tp)}, pp ${grouped(p.pp)}, ep ${grouped(p.ep)}, dp ${grouped(q.dp)} (${grouped(q.tp * p.pp * q.dp)} devices)`;
  return [
    ['parallelism', pool('prefill', d.prefill)],
    ['', pool('decode', d.decode)],
  ];
}

/** " (emulated: ...)" when the device has no tensor rate for the weight format (its note says so). */
function emulation(report: EstimateReport): string {
  const note = report.diagnostics.find((d) => d.code === 'precision.emulated');
  const rate = note === undefined ? undefined : /at the (\w+) rate/.exec(note.message)?.[1];
  return rate === undefined ? '' : ` (emulated: dequantized to ${rate} math)`;
}

/**
 * The estimate as text. `calibration` is what was asked for (`--calibration` values), so that a
 * scenario no profile covers says why the raw model ran.
 */
export function formatEstimate(report: EstimateReport, calibration?: readonly string[]): string {
  const s = report.scenario;
  const m = report.memory;
  const out: string[] = [];
  out.push(`${s.model} on ${grouped(s.gpus)} × ${s.hardware}\n`);
  out.push(
    fields([
      ['model', s.model],
      ['hardware', s.hardware],
      ['gpus', grouped(s.gpus)],
      ...parallelismRows(s),
      [
        'precision',
        `weights ${s.precision.weights}${emulation(report)}, activations ${s.precision.activations}, KV cache ${s.precision.kvCache}`,
      ],
      ['engine', s.engine],
      ['calibration', calibrationText(s, calibration)],
      ['workload', workloadText(s.workload)],
    ]),
  );
  out.push('\nLatency and throughput\n');
  const u = report.uncertainty;
  out.push(
    fields(
      withBands([
        ['TTFT', report.ttftMs, u.ttftMs, num, ' ms'],
        ['TPOT', report.tpotMs, u.tpotMs, num, ' ms'],
        ['E2E latency', report.e2eLatencyMs, u.e2eLatencyMs, num, ' ms'],
        ['output tok/s', report.outputTokensPerSec, u.outputTokensPerSec, rate, ''],
        ['total tok/s', report.totalTokensPerSec, u.totalTokensPerSec, rate, ''],
        ['requests/s', report.requestsPerSec, u.requestsPerSec, num, ''],
      ]).concat([['batch', count(report.batch)]]),
    ),
  );
  const sv = report.serving;
  if (sv !== undefined) {
    const l = report.latency;
    out.push('\nLatency per request (ms)\n');
    out.push(
      table(
        [
          { header: 'metric' },
          { header: 'mean', align: 'right' },
          { header: 'p50', align: 'right' },
          { header: 'p90', align: 'right' },
          { header: 'p99', align: 'right' },
        ],
        (
          [
            ['TTFT', l.ttft],
            ['TPOT', l.tpot],
            ['E2E', l.e2e],
          ] as const
        ).map(([name, d]) => [name, num(d.mean), num(d.p50), num(d.p90), num(d.p99)]),
      ),
    );
    out.push('\nServing simulation\n');
    const rows: [string, string][] = [
      ['requests', grouped(sv.requests)],
      ['duration', `${num(sv.durationSeconds)} s`],
      ['engine steps', grouped(sv.steps)],
      [
        'max batch',
        `${grouped(sv.maxBatch)} sequences running at once in one replica (the peak seen in the run, not a limit)`,
      ],
      ['preemptions', grouped(sv.preemptions)],
      ['KV capacity', `${grouped(sv.kvCapacityTokens)} tokens per replica`],
      [
        'TTFT parts',
        `${num(sv.ttftParts.requestOverheadMs)} ms API server, ${num(sv.ttftParts.queueMs)} ms queued, ${num(sv.ttftParts.overlapWaitMs)} ms behind the step already scheduled, ${num(sv.ttftParts.prefillMs)} ms prompt steps (means)`,
      ],
    ];
    if (sv.decodeStallShare > 0)
      rows.push([
        'decode stalls',
        `${percent(sv.decodeStallShare)} of the run in prompt-only steps (prefill-first)`,
      ]);
    if (sv.kvTransferMs !== undefined) rows.push(['KV transfer', `${num(sv.kvTransferMs)} ms per request`]);
    if (sv.acceptedTokensPerStep !== undefined)
      rows.push(['accepted/step', `${num(sv.acceptedTokensPerStep)} tokens (speculative)`]);
    if (sv.offloadShare !== undefined)
      rows.push(['offload link', `${percent(sv.offloadShare)} of a decode step`]);
    out.push(fields(rows));
  }
  const e = report.energy;
  const c = report.cost;
  if (e !== undefined || c !== undefined) {
    out.push('\nEnergy and cost\n');
    const rows: [string, string][] = [];
    if (e !== undefined) {
      rows.push([
        'power',
        `${num(e.wattsPerDevice)} W per device (idle ${num(e.idleWattsPerDevice)}, TDP ${num(e.tdpWattsPerDevice)})`,
      ]);
      const p = e.wattsPerDeviceParts;
      rows.push([
        '',
        `= idle ${num(p.idleWatts)} + busy floor ${num(p.busyWatts)} + compute ${num(p.computeWatts)} + memory ${num(p.memoryWatts)} W (busy ${percent(e.busyShare)}, compute ${percent(e.computeUtilization)}, bandwidth ${percent(e.memoryUtilization)})`,
      ]);
      if (e.joulesPerOutputToken !== undefined)
        rows.push(['energy', `${num(e.joulesPerOutputToken)} J per output token`]);
      if (e.joulesPerRequest !== undefined) rows.push(['', `${num(e.joulesPerRequest)} J per request`]);
    }
    if (c !== undefined) {
      rows.push(['price', `$${num(c.usdPerDeviceHour)} per device-hour (${c.source})`]);
      const byPhase = c.split === 'phase-time';
      if (c.usdPerMillionInputTokens !== undefined)
        rows.push([
          'input',
          `$${num(c.usdPerMillionInputTokens)} per million input tokens (${byPhase ? 'the prefill share of device time' : 'device time shared per token'})`,
        ]);
      if (c.usdPerMillionOutputTokens !== undefined)
        rows.push([
          'output',
          `$${num(c.usdPerMillionOutputTokens)} per million output tokens (${byPhase ? 'the decode share of device time' : 'device time shared per token'})`,
        ]);
      if (c.usdPerMillionTokens !== undefined)
        rows.push([
          'blended',
          `$${num(c.usdPerMillionTokens)} per million tokens (all device time of the run, idle included, over input + output tokens)`,
        ]);
      if (c.usdPerRequest !== undefined)
        rows.push(['per request', `$${num(c.usdPerRequest)} (all device time over requests)`]);
    }
    out.push(fields(rows));
  }
  out.push('\nMemory per device\n');
  const used = m.capacityBytes > 0 ? ` (${percent(m.totalBytes / m.capacityBytes)})` : '';
  out.push(
    fields([
      ['weights', gib(m.weightsBytes)],
      ['KV cache', gib(m.kvCacheBytes)],
      ['activations', gib(m.activationsBytes)],
      ['reserve', gib(m.reservedBytes)],
      [
        'total',
        `${gib(m.totalBytes)} of ${gib(m.capacityBytes)}${used}, the usable memory: the engine's share of the device (serving.memoryFraction)`,
      ],
      ['fits', m.fits ? 'yes' : 'no'],
      [
        'max batch',
        `${grouped(m.maxBatch)} sequences of ${grouped(s.workload.inputTokens + s.workload.outputTokens)} tokens (KV-cache limit: what the memory left for KV holds)`,
      ],
    ]),
  );
  out.push(
    s.workload.kind === 'batch'
      ? '\nPhases\n'
      : `\nPhases (one static step at the simulated mean batch of ${grouped(s.workload.batch)}: where time goes, not the simulated step mix)\n`,
  );
  out.push(
    table(
      [
        { header: 'phase' },
        { header: 'step ms', align: 'right' },
        { header: 'steps', align: 'right' },
        { header: 'total ms', align: 'right' },
        { header: 'tokens/step', align: 'right' },
        { header: 'compute', align: 'right' },
        { header: 'memory', align: 'right' },
        { header: 'comm', align: 'right' },
        { header: 'overhead', align: 'right' },
      ],
      report.phases.map((ph) => [
        ph.phase,
        num(ph.stepMs),
        grouped(ph.steps),
        num(ph.totalMs),
        grouped(ph.tokensPerStep),
        percent(ph.boundShares.compute),
        percent(ph.boundShares.memory),
        percent(ph.boundShares.communication),
        percent(ph.boundShares.overhead),
      ]),
    ),
  );
  for (const ph of report.phases) {
    const ops = report.breakdown.filter((o) => o.phase === ph.phase);
    out.push(`\n${phaseTitle(ph)}\n`);
    out.push(
      table(
        [
          { header: 'operator' },
          { header: 'count', align: 'right' },
          { header: 'ms/step', align: 'right' },
          { header: 'share', align: 'right' },
          { header: 'bound' },
          { header: 'GEMM m×n×k(×groups)' },
        ],
        ops.map((o) => [o.name, grouped(o.count), num(o.timeMs), percent(o.share), o.bound, shapeText(o)]),
      ),
    );
  }
  if (report.diagnostics.length > 0) out.push('\n' + diagnosticLines(report.diagnostics));
  return out.join('');
}
