// Residuals for the uncertainty bands (docs/uncertainty.md): validates
// packages/core/data/measurements/reference.csv and serving-modern.csv, joins every predicted
// whole-run row with its measured conditions and its source (bandSource: MLPerf by submitter,
// InferenceX as one source, else the document), records the residual ln(measured / predicted)
// of the default prediction and of the calibrated default held out from the row's source (what
// `npm run fit` would ship without the source: refitted and guarded on the other rows,
// guardedCrossValidate through scripts/guarded-cv.mjs and its cache), learns the
// widening factors leave-one-source-out (learnWidening), and writes
// packages/core/src/uncertainty/residuals-data.ts (core cannot read files at run time, so the
// data ships as a generated module). Run with `npm run residuals` (builds first); then
// `npm run fidelity` for the coverage tables.
import { readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import {
  bandSource,
  calibratedRows,
  efficiencyFor,
  estimate,
  findModel,
  formatClass,
  learnWidening,
  modelClassOf,
  parseMeasurementCsv,
  validateRows,
} from '../packages/core/dist/index.js';
import { resolveRowHardware } from '../packages/core/dist/measurements/resolve.js';
import { staticRowScenario, staticRowValue } from '../packages/core/dist/validate/serving-rows.js';
import {
  isLoadedServingRow,
  loadedServingReport,
  loadedServingScenario,
} from '../packages/core/dist/validate/modern-rows.js';
import { normalizeScenario } from '../packages/core/dist/scenario/normalize.js';
import { ScenarioSchema } from '../packages/core/dist/scenario/schema.js';
import { openLoopLoad } from '../packages/core/dist/uncertainty/utilization.js';
import { CSVS, guardedCv } from './guarded-cv.mjs';

const FILES = CSVS;
const OUT = 'packages/core/src/uncertainty/residuals-data.ts';
const root = new URL('../', import.meta.url);
const started = Date.now();
const log = (m) => process.stderr.write(`  ${((Date.now() - started) / 1000).toFixed(0)}s ${m}\n`);

/** Metric class of a whole-run metric (means; tail percentiles, power and energy make no band). */
const SERVING_CLASS = {
  output_tok_s_per_gpu: 'throughput',
  output_tok_s: 'throughput',
  total_tok_s: 'throughput',
  tokens_per_s: 'throughput',
  samples_per_s: 'throughput',
  req_s: 'throughput',
  ttft_ms: 'latency-ttft',
  tpot_ms: 'latency-tpot',
  e2e_latency_ms: 'latency-e2e',
};

/**
 * The estimate behind a static or max-throughput row of reference.csv, rebuilt as
 * predictStaticRow builds it, for the conditions the CSV leaves out (the mean batch of an offline
 * max-throughput run). Its prediction must equal validate's, which checks the join.
 */
function staticReport(row, predicted) {
  const built = staticRowScenario(row);
  if ('skip' in built) throw new Error(`${row.id}: ${built.skip}`);
  const result = estimate(built.scenario);
  if (!result.ok) throw new Error(`${row.id}: estimate failed`);
  const r = result.value;
  const again = staticRowValue(row, r);
  if (again === undefined || Math.abs(again - predicted) > 1e-9 * Math.abs(predicted)) {
    throw new Error(`${row.id}: rebuilt prediction ${again} differs from validate's ${predicted}`);
  }
  return r;
}

/**
 * The utilization ρ and batch share φ of an open-loop row's run, as estimate() computes them for
 * the band (openLoopLoad); undefined for a closed loop.
 */
function openLoadOf(row, r) {
  if (r.scenario.workload.kind !== 'requestRate' || r.serving === undefined) return undefined;
  const built = loadedServingScenario(row);
  if ('skip' in built) throw new Error(`${row.id}: ${built.skip}`);
  const ns = normalizeScenario(ScenarioSchema.parse(built.scenario));
  if (!ns.ok) throw new Error(`${row.id}: scenario does not normalize`);
  return openLoopLoad(ns.value, r.serving.kvCapacityTokens, r.serving.overloaded);
}

/** The band conditions of a row, read from the estimate it was predicted with. */
function conditions(row, r) {
  const found = resolveRowHardware(row.hardware);
  const model = findModel(r.scenario.model);
  if (found === undefined || model === undefined)
    throw new Error(`${row.id}: hardware or model not resolved`);
  const s = r.scenario;
  const replicas = s.disaggregation?.decode.dp ?? s.parallelism.dp ?? 1;
  return {
    hardware: found.id,
    family: efficiencyFor(found).family,
    model: model.id,
    modelClass: modelClassOf(model),
    format: formatClass(s.precision.weights),
    engine: s.engine,
    // The load regime: batch, concurrency, requestRate (Poisson) or maxThroughput.
    load: s.workload.kind,
    tp: s.parallelism.tp,
    // Sequences in flight per replica: the static batch, or the simulated mean.
    batch: Math.max(1, r.batch / Math.max(1, replicas)),
    context: s.workload.inputTokens + s.workload.outputTokens,
  };
}

const rowsByFile = new Map(
  FILES.map((file) => {
    const parsed = parseMeasurementCsv(readFileSync(new URL(file, root), 'utf8'));
    if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.diagnostics)}`);
    return [file, parsed.value];
  }),
);
/**
 * The calibrated default held out from each row's source, by row id: over both files at once, as
 * the shipped profiles are fitted (scripts/fit-profiles.mjs), each source predicted by the profiles
 * that would ship without it (refitted, and kept by the shipping rule, on the other rows only);
 * a row nothing would ship for keeps its raw prediction.
 */
const calibrated = new Map(guardedCv({ onProgress: log }).shipped.rows.map((r) => [r.id, r.heldOut]));
log('calibrated held-out predictions');

const round = (x, digits = 4) => Number(x.toFixed(digits));
const serving = [];
for (const [file, rows] of rowsByFile) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const report = validateRows(rows);
  log(`${file}: validated`);
  for (const rec of report.rows) {
    const metricClass = SERVING_CLASS[rec.metric];
    if (metricClass === undefined) continue;
    const row = byId.get(rec.id);
    const r = isLoadedServingRow(row) ? loadedServingReport(row) : staticReport(row, rec.predicted);
    if (r === undefined) throw new Error(`${rec.id}: no run behind a predicted row`);
    const c = conditions(row, r);
    const cal = calibrated.get(rec.id);
    const residual = round(Math.log(rec.measured / rec.predicted));
    const open = isLoadedServingRow(row) ? openLoadOf(row, r) : undefined;
    serving.push({
      id: rec.id,
      source: bandSource(row.source),
      hardware: c.hardware,
      family: c.family,
      metricClass,
      model: c.model,
      modelClass: c.modelClass,
      format: c.format,
      engine: c.engine,
      load: c.load,
      tp: c.tp,
      logBatch: round(Math.log(c.batch)),
      logContext: round(Math.log(c.context)),
      ...(open !== undefined
        ? { utilization: round(open.utilization), batchShare: round(open.batchShare) }
        : {}),
      residual,
      calibrated:
        cal !== undefined && cal > 0 && Number.isFinite(cal) ? round(Math.log(rec.measured / cal)) : residual,
    });
  }
}

const raw = learnWidening(serving);
const cal = learnWidening(calibratedRows(serving));
log('widening learned');

/** One row per line, as a TypeScript object literal (single quotes, unquoted keys). */
const literal = (r) =>
  `{ ${Object.entries(r)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v.replace(/[\\']/g, '\\$&')}'` : String(v)}`)
    .join(', ')} }`;
const lines = (rows) => rows.map((r) => `  ${literal(r)},`).join('\n');
const factors = (w) =>
  `{ ${Object.entries(w)
    .map(
      ([k, v]) =>
        `${/^[a-z]+$/i.test(k) ? k : `'${k}'`}: ${typeof v === 'number' ? String(round(v, 3)) : factors(v)}`,
    )
    .join(', ')} }`;
const evidence = (fit) =>
  Object.entries(fit.evidence)
    .map(
      ([k, e]) =>
        `//   ${k}: ${String(e.rows)} rows held out (${e.heldOut.join(', ')}); widening holding 80%: ${e.needed.toFixed(3)}`,
    )
    .join('\n');
const text = `// GENERATED by scripts/residuals.mjs from ${FILES.join(' and ')}; do not edit.
// Regenerate with \`npm run residuals\` after a change to the cost model, the calibration or the measurements.
// residual = ln(measured / predicted) of each whole-run row \`ridgeline validate\` predicts (default
// efficiencies); calibrated = the same with the calibration profiles that would ship without the
// row's source (refitted and guarded on the other rows; the raw prediction where none would).
import type { ServingResidual, Widening } from './types.js';

/** Whole-run serving rows: ${serving.length}. */
// prettier-ignore
export const SERVING_RESIDUALS: readonly ServingResidual[] = [
${lines(serving)}
];

/**
 * Widening learned by learnWidening (uncertainty/learn.ts) from the rows above, ln added to each
 * side: \`source\` is, per arrival regime (closed loop, or Poisson arrivals) and metric class, the
 * widening that holds 80% of each source's rows in bands built without the source (each source
 * weighing the same; a regime and class with rows from fewer than two sources takes a fallback);
 * \`range\` the further widening per e-fold outside the measured range that holds 80% of the rows
 * outside it; each factor the further widening that holds 80% of the rows of a value of that factor
 * held out (each value weighing the same). Every term is at least 0.
 * Default predictions:
${evidence(raw).replace(/^\/\/ /gm, ' * ')}
 * Calibrated predictions:
${evidence(cal).replace(/^\/\/ /gm, ' * ')}
 */
export const WIDENING: { readonly raw: Widening; readonly calibrated: Widening } = {
  raw: ${factors(raw.widening)},
  calibrated: ${factors(cal.widening)},
};
`;
const file = new URL(OUT, root);
const options = (await prettier.resolveConfig(file)) ?? {};
writeFileSync(file, await prettier.format(text, { ...options, filepath: file.pathname }));

const count = (rows, key) =>
  Object.entries(rows.reduce((acc, r) => ({ ...acc, [r[key]]: (acc[r[key]] ?? 0) + 1 }), {}))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
console.log(`${OUT}: ${serving.length} serving rows (${count(serving, 'metricClass')})`);
console.log(`  sources: ${count(serving, 'source')}`);
console.log(`  widening: default ${factors(raw.widening)}; calibrated ${factors(cal.widening)}`);
