/**
 * What a sweep worker (or the main thread, with one worker) runs: the core evaluator over the
 * spec, with model and hardware files resolved like `estimate` does, and its rows as text.
 * Everything in SweepSetup is plain data so it crosses to worker threads.
 */
import type { Result, SweepSpec } from '@ridgeline/core';
import { rowWriter, sweepEvaluator, sweepPoints } from '@ridgeline/core';
import type { ResolveContext } from './files.js';
import { resolveContext } from './files.js';
import type { Io } from './io.js';
import { prepareScenario } from './scenario.js';

export type SweepFormat = 'jsonl' | 'csv' | 'table';

export interface SweepSetup {
  readonly spec: SweepSpec;
  readonly fields: readonly string[] | undefined;
  readonly format: SweepFormat;
  /** Directories file references are resolved against (the spec's, then cwd). */
  readonly baseDirs: readonly string[];
}

/** A table cell's text: numbers to 5 significant digits, everything else as text. */
function cellText(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Table cells: fixed width, right-aligned. */
function tableCell(v: unknown, width: number): string {
  const text = cellText(v);
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** Axes of at most this many values set their columns' widths from every value (the rows stream). */
const WIDTH_SCAN = 10_000;

/** The widths of the axis columns: each at least its path and every value of its axis. */
function axisWidths(points: ReturnType<typeof sweepPoints>): number[] {
  return points.dimensions.flatMap((d) => {
    const widths = d.paths.map((p) => Math.max(p.length, 10));
    if (d.size <= WIDTH_SCAN)
      for (let j = 0; j < d.size; j++)
        d.valuesAt(j).forEach((v, k) => {
          widths[k] = Math.max(widths[k] ?? 10, cellText(v).length);
        });
    return widths;
  });
}

export interface ChunkRunner {
  /** Header text (CSV header, table header), '' for JSONL. */
  readonly header: string;
  /** Text of points [start, end) and how many of them failed. */
  run(start: number, end: number): { text: string; errors: number };
}

export function chunkRunner(setup: SweepSetup, io: Io): ChunkRunner {
  const ctx: ResolveContext = resolveContext(io, setup.baseDirs);
  const points = sweepPoints(setup.spec);
  const prepare = (s: Record<string, unknown>): Result<Record<string, unknown>> => {
    const p = prepareScenario(s, ctx);
    return p.ok
      ? { ok: true, value: p.value, diagnostics: p.diagnostics }
      : { ok: false, diagnostics: p.diagnostics };
  };
  const ev = sweepEvaluator(points, {
    ...(setup.fields !== undefined ? { fields: setup.fields } : {}),
    prepare,
  });
  if (setup.format === 'table') {
    const columns = [...points.paths, ...ev.fields];
    const widths = [...axisWidths(points), ...ev.fields.map((c) => Math.max(c.length, 10))];
    const header = columns.map((c, k) => tableCell(c, widths[k] ?? 10)).join('  ') + '\n';
    return {
      header,
      run: (start, end) => {
        let text = '';
        let errors = 0;
        for (let i = start; i < end; i++) {
          const p = ev.evaluate(i);
          const cells = p.values.map((v, k) => tableCell(v, widths[k] ?? 10));
          if (p.row.ok)
            cells.push(...p.row.fields.map((v, k) => tableCell(v, widths[points.paths.length + k] ?? 10)));
          else {
            errors++;
            cells.push(`  error: ${p.row.error}`);
          }
          text += cells.join('  ') + '\n';
        }
        return { text, errors };
      },
    };
  }
  const writer = rowWriter(setup.format, points.paths, ev.fields);
  return {
    header: writer.header,
    run: (start, end) => {
      let text = '';
      let errors = 0;
      for (let i = start; i < end; i++) {
        const p = ev.evaluate(i);
        if (!p.row.ok) errors++;
        text += writer.line(p.values, p.row);
      }
      return { text, errors };
    },
  };
}
