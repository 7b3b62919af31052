// Re-records the servingModern section of packages/core/data/measurements/baseline.json: the
// sampled serving-modern.csv medians that baseline.test.ts gates (npm run build first). A
// reviewed edit: say in the commit why the medians moved.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseMeasurementCsv, servingModernGateSample, validateRows } from '@ridgeline/core';

const dir = new URL('../packages/core/data/measurements/', import.meta.url);
const baselineUrl = new URL('baseline.json', dir);
const baseline = JSON.parse(readFileSync(baselineUrl, 'utf8'));
const gate = baseline.servingModern;
const parsed = parseMeasurementCsv(readFileSync(new URL('serving-modern.csv', dir), 'utf8'));
if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
const sample = servingModernGateSample(parsed.value, gate.maxDisaggregatedClients);
const report = validateRows(sample);
const round = (x) => Math.round(x * 10) / 10;
gate.overall = { used: report.totals.used, medianErrorPct: round(report.totals.medianErrorPct) };
gate.groups = report.groups
  .filter((g) => g.used > 0 && g.medianErrorPct !== undefined)
  .map((g) => ({
    source: g.source,
    metric: g.metric,
    used: g.used,
    medianErrorPct: round(g.medianErrorPct),
  }));
writeFileSync(baselineUrl, JSON.stringify(baseline, null, 2) + '\n');
console.log(`servingModern: ${gate.overall.used} rows, median ${gate.overall.medianErrorPct}%`);
