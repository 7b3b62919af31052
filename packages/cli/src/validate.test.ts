import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { run } from './main.js';

const REFERENCE = readFileSync(
  new URL('../../core/data/measurements/reference.csv', import.meta.url),
  'utf8',
);
const HEADER = REFERENCE.slice(0, REFERENCE.indexOf('\n'));

async function validate(args: string[], files: Record<string, string>) {
  const f = memoryIo(files);
  const code = await run(['validate', ...args], f);
  return { code, out: f.out(), err: f.err() };
}

interface JsonReport {
  file: string;
  totals: { rows: number; used: number; skipped: number; medianErrorPct: number };
  groups: {
    source: string;
    metric: string;
    used: number;
    skipped: number;
    skippedByReason: Record<string, number>;
  }[];
  rows: {
    id: string;
    source: string;
    metric: string;
    measured: number;
    predicted: number;
    errorPct: number;
  }[];
  skipped: { id: string; reason: string }[];
}

describe('ridgeline validate', () => {
  it('prints JSON with per-row records and exits 0', async () => {
    const r = await validate(['reference.csv', '--json'], { '/data/reference.csv': REFERENCE });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.file).toBe('reference.csv');
    expect(report.totals.rows).toBe(561);
    expect(report.totals.used).toBeGreaterThan(100);
    expect(report.rows.length).toBe(report.totals.used);
    expect(report.skipped.length).toBe(report.totals.skipped);
    const row = report.rows.find((x) => x.id === 'M1116');
    expect(row).toMatchObject({ metric: 'op_latency_ms', measured: 17.4643 });
    expect(row?.predicted).toBeGreaterThan(0);
    // Offline max-throughput rows run the continuous-batching simulation.
    expect(report.rows.find((x) => x.id === 'M0001')?.predicted).toBeGreaterThan(0);
    expect(report.groups.some((g) => g.metric === 'achieved_tflops' && g.used > 0)).toBe(true);
  });

  it('prints the per-source table, skip reasons and largest errors', async () => {
    const r = await validate(['reference.csv'], { '/data/reference.csv': REFERENCE });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Per source and metric');
    expect(r.out).toContain('deepseek-ai/DeepGEMM README.md');
    expect(r.out).toContain('Skipped rows, by reason');
    expect(r.out).toContain('training run whose setup is not stated');
    expect(r.out).toContain('Largest errors');
    expect(r.out).toMatch(/median \d+\.\d%, p90 \d+\.\d%/);
  });

  it('exits 2 on a malformed CSV, naming file and line', async () => {
    const bad = [HEADER, REFERENCE.split('\n')[1] ?? '', 'M9999,too,few,fields'].join('\n');
    const r = await validate(['bad.csv'], { '/data/bad.csv': bad });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('bad.csv:3');
    expect(r.err).toContain('expected 16 fields');
  });

  it('exits 2 with --json on a malformed CSV, the diagnostics as JSON', async () => {
    const r = await validate(['bad.csv', '--json'], { '/data/bad.csv': 'id,value\n' });
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out) as { error: { diagnostics: { message: string; line?: number }[] } };
    expect(body.error.diagnostics[0]?.message).toContain('header lacks');
    expect(body.error.diagnostics[0]?.line).toBe(1);
  });

  it('exits 2 when the file cannot be read', async () => {
    const r = await validate(['missing.csv'], {});
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing.csv');
  });
});
