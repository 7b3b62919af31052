// Calibration residuals for the uncertainty bands (docs/uncertainty.md): validates
// packages/core/data/measurements/reference.csv, joins every predicted row with its measured
// conditions, and writes packages/core/src/uncertainty/residuals-data.ts (core cannot read files at
// run time, so the data ships as a generated module). Run with `npm run residuals` (builds first).
import { readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { estimate, efficiencyFor, parseMeasurementCsv, validateRows } from '../packages/core/dist/index.js';
import {
  engineOf,
  formatOf,
  hardwareForRate,
  intCell,
  resolveRowHardware,
  resolveRowModel,
} from '../packages/core/dist/measurements/resolve.js';
import { MAX_THROUGHPUT_REQUESTS, STATIC_METRICS } from '../packages/core/dist/validate/serving-rows.js';

const CSV = 'packages/core/data/measurements/reference.csv';
const OUT = 'packages/core/src/uncertainty/residuals-data.ts';
const root = new URL('../', import.meta.url);

/** Metric class of a serving metric (whole-run rows). */
const SERVING_CLASS = {
  output_tok_s_per_gpu: 'throughput',
  output_tok_s: 'throughput',
  total_tok_s: 'throughput',
  req_s: 'throughput',
  ttft_ms: 'latency-ttft',
  tpot_ms: 'latency-tpot',
  e2e_latency_ms: 'latency-e2e',
};
/** Kernel and operator rows: they anchor a hardware family's ceilings, not its serving error. */
const KERNEL_METRICS = new Set(['achieved_tflops', 'achieved_bw_gbs', 'op_latency_ms']);

const parsed = parseMeasurementCsv(readFileSync(new URL(CSV, root), 'utf8'));
if (!parsed.ok) throw new Error(`${CSV}: ${JSON.stringify(parsed.diagnostics)}`);
const byId = new Map(parsed.value.map((r) => [r.id, r]));
const report = validateRows(parsed.value);

/**
 * The estimate behind a whole-run row, rebuilt as predictStaticRow builds it, for the conditions
 * the CSV leaves out (the mean batch of an offline max-throughput run). Its prediction must
 * equal validate's, which checks the join.
 */
function servingConditions(row, predicted) {
  const model = resolveRowModel(row.model);
  const found = resolveRowHardware(row.hardware);
  const weights = formatOf(row.precisionWeights);
  const batch = intCell(row.batchOrConcurrency);
  const inputTokens = intCell(row.inputLen);
  const outputTokens = intCell(row.outputLen);
  const tp = intCell(row.tp) ?? 1;
  const pp = intCell(row.pp) ?? 1;
  const hw = hardwareForRate(found, weights);
  const result = estimate({
    model: model.id,
    hardware: hw.spec,
    gpus: tp * pp,
    parallelism: { tp, pp },
    precision: { weights, activations: weights, kvCache: formatOf(row.precisionKv) ?? weights },
    engine: engineOf(row.framework),
    // The residuals are of the raw model (docs/uncertainty.md), not of the calibrated default.
    calibration: 'none',
    workload:
      batch !== undefined
        ? { batch, inputTokens, outputTokens }
        : { maxThroughput: true, requests: MAX_THROUGHPUT_REQUESTS, inputTokens, outputTokens },
  });
  if (!result.ok) throw new Error(`${row.id}: estimate failed`);
  const r = result.value;
  const perGpu = /per-GPU or total is not stated/i.test(row.notes) && row.metric === 'output_tok_s';
  const again = perGpu ? r.outputTokensPerSec / r.scenario.gpus : STATIC_METRICS[row.metric](r);
  if (Math.abs(again - predicted) > 1e-9 * Math.abs(predicted)) {
    throw new Error(`${row.id}: rebuilt prediction ${again} differs from validate's ${predicted}`);
  }
  return {
    hardware: found.id,
    family: efficiencyFor(found).family,
    model: model.id,
    moe: model.moe !== undefined,
    engine: engineOf(row.framework),
    kind: batch !== undefined ? 'static' : 'continuous',
    tp,
    // Sequences in flight per replica: the static batch, or the simulated mean of an offline run.
    batch: r.batch,
    context: inputTokens + outputTokens,
  };
}

const round = (x, digits = 4) => Number(x.toFixed(digits));
const serving = [];
const kernel = [];
for (const rec of report.rows) {
  const row = byId.get(rec.id);
  const residual = round(Math.log(rec.measured / rec.predicted));
  const metricClass = SERVING_CLASS[rec.metric];
  if (metricClass !== undefined) {
    const c = servingConditions(row, rec.predicted);
    serving.push({
      id: rec.id,
      hardware: c.hardware,
      family: c.family,
      metricClass,
      model: c.model,
      moe: c.moe,
      engine: c.engine,
      kind: c.kind,
      tp: c.tp,
      logBatch: round(Math.log(c.batch)),
      logContext: round(Math.log(c.context)),
      residual,
    });
  } else if (KERNEL_METRICS.has(rec.metric)) {
    const hw = resolveRowHardware(row.hardware);
    if (hw === undefined) continue;
    kernel.push({
      id: rec.id,
      hardware: hw.id,
      family: efficiencyFor(hw).family,
      metricClass: 'kernel',
      metric: rec.metric,
      residual,
    });
  }
}

/** One row per line, as a TypeScript object literal (single quotes, unquoted keys). */
const literal = (r) =>
  `{ ${Object.entries(r)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v.replace(/[\\']/g, '\\$&')}'` : String(v)}`)
    .join(', ')} }`;
const lines = (rows) => rows.map((r) => `  ${literal(r)},`).join('\n');
const text = `// GENERATED by scripts/residuals.mjs from ${CSV}; do not edit.
// Regenerate with \`npm run residuals\` after a change to the cost model or the measurements.
// residual = ln(measured / predicted) of each row \`ridgeline validate\` predicts (in-sample).
import type { KernelResidual, ServingResidual } from './types.js';

/** Whole-run serving rows: ${serving.length}. */
// prettier-ignore
export const SERVING_RESIDUALS: readonly ServingResidual[] = [
${lines(serving)}
];

/** Kernel and operator rows: ${kernel.length}. */
// prettier-ignore
export const KERNEL_RESIDUALS: readonly KernelResidual[] = [
${lines(kernel)}
];
`;
const file = new URL(OUT, root);
const options = (await prettier.resolveConfig(file)) ?? {};
writeFileSync(file, await prettier.format(text, { ...options, filepath: file.pathname }));

const count = (rows, key) =>
  Object.entries(rows.reduce((acc, r) => ({ ...acc, [r[key]]: (acc[r[key]] ?? 0) + 1 }), {}))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
console.log(
  `${OUT}: ${serving.length} serving rows (${count(serving, 'metricClass')}; ${count(serving, 'family')})`,
);
console.log(`  ${kernel.length} kernel rows (${count(kernel, 'family')})`);
