// Helpers shared by the core tests of the benchmark-tool importers: a sample file of
// test/fixtures/formats (README.md there gives each file's origin), and its import, throwing
// with the diagnostics' messages when it fails.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { importMeasurements } from '../src/measurements/index.js';
import type { MeasurementRecord } from '../src/measurements/types.js';

/** The text of a sample file, by its path under test/fixtures/formats. */
export function formats(rel: string): string {
  return readFileSync(new URL(`fixtures/formats/${rel}`, import.meta.url), 'utf8');
}

/** The records imported from a file that must import. */
export function records(name: string, text: string): MeasurementRecord[] {
  const r = importMeasurements(name, text);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
}

/** The one record of a file that holds one run, and the import's warnings (messages). */
export function one(name: string, text: string): { record: MeasurementRecord; warnings: string[] } {
  const r = importMeasurements(name, text);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  expect(r.value).toHaveLength(1);
  const record = r.value[0];
  if (record === undefined) throw new Error('no record');
  return { record, warnings: r.diagnostics.map((d) => d.message) };
}
