import { parseMeasurementCsv, validateRows } from '@ridgeline/core';
import { describe, expect, it } from 'vitest';
import reference from '../../../packages/core/data/measurements/reference.csv?raw';
import servingModern from '../../../packages/core/data/measurements/serving-modern.csv?raw';
import { fidelity, mergeChunks, servingChunk } from '../src/worker/fidelity';
import type { FidelityChunk } from '../src/worker/fidelity';

/** What `ridgeline validate` reports for rows [0, end) of a file (the whole file as context). */
function direct(text: string, end: number) {
  const parsed = parseMeasurementCsv(text);
  if (!parsed.ok) throw new Error('unparsed');
  const r = validateRows(parsed.value.slice(0, end), { rows: parsed.value });
  return { ...r.totals, groups: r.groups, skippedByReason: r.skippedByReason, points: r.rows };
}

describe('fidelity', () => {
  it('predicts every shipped validation file, with its error tables', () => {
    const files = fidelity();
    expect(files.map((f) => f.file)).toEqual(['reference.csv', 'serving-modern.csv', 'training.csv']);
    for (const f of files) {
      expect(f.error).toBeUndefined();
      expect(f.rows).toBe(f.used + f.skipped);
      expect(f.groups.length).toBeGreaterThan(0);
    }
    const reference = files[0];
    expect(reference?.used).toBeGreaterThan(100);
    expect(reference?.medianErrorPct).toBeGreaterThan(0);
    expect(reference?.points.every((p) => p.predicted > 0 && Number.isFinite(p.errorPct))).toBe(true);
    expect(files[1]?.rows).toBeGreaterThan(800);
    expect(files[2]?.used).toBeGreaterThan(0);
  });

  it('gives the numbers of validateRows on the whole file, whatever the chunking', () => {
    for (const [file, text, end] of [
      ['reference.csv', reference, 120],
      ['serving-modern.csv', servingModern, 90],
    ] as const) {
      const chunks: FidelityChunk[] = [];
      for (let start = 0; start < end; start += 13)
        chunks.push(servingChunk(file, start, Math.min(start + 13, end)));
      const merged = mergeChunks(file, chunks);
      expect(merged.groups.length).toBeGreaterThan(0);
      expect(merged.skipped + merged.used).toBe(end);
      expect(merged).toEqual({ file, ...direct(text, end) });
    }
  });
});
