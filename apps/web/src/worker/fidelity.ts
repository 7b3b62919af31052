/**
 * Fidelity: predicted against measured for each validation source shipped with the core
 * (packages/core/data/measurements, the same files `ridgeline validate` reads). Loaded lazily:
 * the CSV text is only fetched when the Fidelity view opens.
 *
 * The serving files are predicted in chunks of rows (`servingChunk`), one worker request each,
 * so the page shows progress and results as they come and the worker stays free for other
 * requests between chunks. Each chunk runs `validateRows` on its rows with the whole file as
 * context (`rows` option, as `ridgeline validate` does), and `mergeChunks` summarizes the chunks
 * exactly as `validateRows` summarizes a whole file: the numbers are the same (tested).
 */
import { parseMeasurementCsv, parseTrainingCsv, validateRows, validateTrainingRows } from '@ridgeline/core';
import type { MeasurementRow } from '@ridgeline/core';
import { mergeChunks, quantile, unreadable } from './merge.js';
import type { FidelityChunk, FidelityFile } from './merge.js';

export { mergeChunks };
export type { FidelityChunk, FidelityFile };
import reference from '../../../../packages/core/data/measurements/reference.csv?raw';
import servingModern from '../../../../packages/core/data/measurements/serving-modern.csv?raw';
import training from '../../../../packages/core/data/measurements/training.csv?raw';

/** The serving validation files, in the order the page shows them. */
export const SERVING_FILES = ['reference.csv', 'serving-modern.csv'] as const;
export type ServingFile = (typeof SERVING_FILES)[number];

const TEXTS: Readonly<Record<ServingFile, string>> = {
  'reference.csv': reference,
  'serving-modern.csv': servingModern,
};

/** training.csv, through the training validation (`ridgeline validate` on that file). */
export function trainingFidelity(): FidelityFile {
  const file = 'training.csv';
  const parsed = parseTrainingCsv(training);
  if (!parsed.ok) return unreadable(file, parsed.diagnostics.map((d) => d.message).join('; '));
  const r = validateTrainingRows(parsed.value);
  const errors = r.rows.map((x) => x.errorPct);
  const skippedByReason: Record<string, number> = {};
  for (const k of r.skipped) skippedByReason[k.reason] = (skippedByReason[k.reason] ?? 0) + 1;
  return {
    file,
    rows: r.totals.rows,
    used: r.totals.used,
    skipped: r.totals.skipped,
    medianErrorPct: quantile(errors, 0.5),
    p90ErrorPct: quantile(errors, 0.9),
    groups: r.groups,
    skippedByReason,
    points: r.rows,
  };
}

const parsedFiles = new Map<ServingFile, { rows: readonly MeasurementRow[] } | { error: string }>();

function servingRows(file: ServingFile): { rows: readonly MeasurementRow[] } | { error: string } {
  let p = parsedFiles.get(file);
  if (p === undefined) {
    const parsed = parseMeasurementCsv(TEXTS[file]);
    p = parsed.ok ? { rows: parsed.value } : { error: parsed.diagnostics.map((d) => d.message).join('; ') };
    parsedFiles.set(file, p);
  }
  return p;
}

/** Predicts rows [start, end) of a serving file, with the whole file as context. */
export function servingChunk(file: ServingFile, start: number, end: number): FidelityChunk {
  const p = servingRows(file);
  if ('error' in p)
    return { file, total: 0, start: 0, end: 0, groups: [], used: [], skipped: [], error: p.error };
  const to = Math.min(end, p.rows.length);
  const from = Math.min(start, to);
  const r = validateRows(p.rows.slice(from, to), { rows: p.rows });
  return {
    file,
    total: p.rows.length,
    start: from,
    end: to,
    groups: r.groups.map((g) => ({ source: g.source, metric: g.metric })),
    used: r.rows,
    skipped: r.skipped,
  };
}

/** Every file at once, chunk by chunk (the tests' and the CLI's view of the same numbers). */
export function fidelity(chunkRows = 100): FidelityFile[] {
  const out = SERVING_FILES.map((file) => {
    const chunks: FidelityChunk[] = [];
    for (let start = 0; ; start += chunkRows) {
      const c = servingChunk(file, start, start + chunkRows);
      chunks.push(c);
      if (c.error !== undefined || c.end >= c.total) break;
    }
    return mergeChunks(file, chunks);
  });
  return [...out, trainingFidelity()];
}
