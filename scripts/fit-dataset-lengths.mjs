// The unpublished input-length mean of each MLPerf dataset, fitted as one global parameter per
// dataset (shared by every submitter, hardware and engine) to the MLPerf v5.1 Offline throughput
// rows of packages/core/data/measurements/serving-modern.csv (docs/fidelity.md, "The input lengths
// of the MLPerf datasets"). Prompts of mean m are uniform over [1, 2m − 1] within the published
// maximum (scenario/dataset-fit.ts); the sweep's last point is the unfitted preset, uniform up to
// the maximum. For each dataset it prints the fit rows' median error at each mean, the whole-file
// median, leave-one-submitter-out (each submitter's rows predicted at the mean fitted without
// them) and the mean each hardware family alone would choose; a dataset takes its fitted mean only
// where that held-out error clearly drops; the Server and Interactive runs' load, TPOT, TTFT and
// sequences in flight (Little's law on the measured latencies against the simulation's mean batch)
// and the Offline runs' simulated batch and TPOT, at the uniform preset and at the fit. Then the
// whole file and its MLPerf sources, unfitted against fitted, and the overloaded Server rows that
// become predictable. Writes
//   packages/core/src/scenario/dataset-fit-data.ts   (read by the presets of scenario/lengths.ts)
// Run with `npm run fit:lengths` (builds first; about a minute). Deterministic.
import { readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { findHardware, parseMeasurementCsv, validateRows } from '../packages/core/dist/index.js';
import { cvSourceOf } from '../packages/core/dist/calibrate/observations.js';
import {
  datasetOf,
  loadedServingReport,
  loadedServingScenario,
  submissionOf,
} from '../packages/core/dist/validate/modern-rows.js';
import {
  DATASET_INPUT_MAX,
  fitDecision,
  fittedInputLengths,
  pickSweepMean,
} from '../packages/core/dist/scenario/dataset-fit.js';

const CSV = 'packages/core/data/measurements/serving-modern.csv';
const OUT = 'packages/core/src/scenario/dataset-fit-data.ts';
const root = new URL('../', import.meta.url);
const at = (p) => new URL(p, root);

/** Swept means, as fractions of the unfitted preset's mean (1: uniform up to the maximum). */
const FRACTIONS = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1];
/** Offline throughput: the rows the means are fitted to. */
const FIT_METRICS = new Set(['tokens_per_s', 'samples_per_s']);
/**
 * Nor may the fitted mean worsen any metric of the MLPerf rows (the regression gate's groups:
 * docs/fidelity.md, Server TTFT/TPOT included) by more than the gate's tolerance.
 */
const TOLERANCE_POINTS = JSON.parse(
  readFileSync(at('packages/core/data/measurements/baseline.json'), 'utf8'),
).tolerancePoints;

const parsed = parseMeasurementCsv(readFileSync(at(CSV), 'utf8'));
if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
const all = parsed.value;
const mlperfDataset = (r) =>
  /mlcommons/i.test(r.source) && r.inputLen.trim() === 'dataset' ? datasetOf(r) : undefined;
const isFitRow = (r) => /^offline\b/i.test(r.batchOrConcurrency.trim()) && FIT_METRICS.has(r.metric);
const familyOf = (name) => {
  const hit = findHardware(name.replace(/\s+\d+\s*GB\b.*$/i, '').trim()) ?? findHardware(name);
  return hit?.family ?? '?';
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;
const pct = (x) => (Number.isFinite(x) ? `${x.toFixed(1)}%` : '-');
const uniformOf = (d) => ({ kind: 'uniform', min: 1, max: DATASET_INPUT_MAX[d] });
const uniformMean = (d) => (1 + DATASET_INPUT_MAX[d]) / 2;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

/** Records of a validation run by row id: { errorPct, ratio } where predicted, { skip } where not. */
function recordsOf(rows, datasetInputs) {
  const report = validateRows(rows, { rows: all, datasetInputs });
  const out = new Map();
  for (const r of report.rows) out.set(r.id, { errorPct: r.errorPct, ratio: r.predicted / r.measured });
  for (const s of report.skipped) out.set(s.id, { skip: s.reason });
  return out;
}

// The rows no preset touches, validated once.
const others = all.filter((r) => mlperfDataset(r) === undefined);
process.stderr.write(`validating the ${others.length} other rows...\n`);
const otherRecords = recordsOf(others, {});
process.stderr.write(`  ${elapsed()}\n`);

const datasets = Object.keys(DATASET_INPUT_MAX);
const sweeps = new Map();
for (const d of datasets) {
  const rows = all.filter((r) => mlperfDataset(r) === d);
  const means = FRACTIONS.map((f) => (f === 1 ? uniformMean(d) : Math.round(f * uniformMean(d))));
  const runs = means.map((m, i) => {
    const input = FRACTIONS[i] === 1 ? uniformOf(d) : fittedInputLengths(m, DATASET_INPUT_MAX[d]);
    return recordsOf(rows, { [d]: input });
  });
  sweeps.set(d, { rows, means, runs });
  process.stderr.write(`${d}: ${rows.length} rows swept over ${means.length} means  ${elapsed()}\n`);
}
const unfittedRecords = new Map();
for (const { runs } of sweeps.values())
  for (const [id, x] of runs[runs.length - 1]) unfittedRecords.set(id, x);

const results = {};
const chosenRecords = new Map();
const fitRecords = new Map();
for (const d of datasets) {
  const { rows, means, runs } = sweeps.get(d);
  const fitRows = rows.filter(isFitRow);
  const uniformRun = runs[runs.length - 1];
  const errorsAt = (run, subset) =>
    subset.map((r) => run.get(r.id)).filter((x) => x !== undefined && x.errorPct !== undefined);
  const sweepOver = (subset) =>
    means.map((m, i) => ({
      meanTokens: m,
      medianErrorPct: round1(median(errorsAt(runs[i], subset).map((x) => x.errorPct))),
    }));
  const usable = fitRows.filter((r) => uniformRun.get(r.id)?.errorPct !== undefined);
  const sweep = sweepOver(usable);
  const chosen = usable.length === 0 ? uniformMean(d) : pickSweepMean(sweep);
  const runAt = (m) => runs[means.indexOf(m)];

  // Leave one submitter out: refit without its rows, predict them.
  const sources = [...new Set(usable.map(cvSourceOf))].sort();
  const folds = [];
  const heldUniform = [];
  const heldFitted = [];
  for (const s of sources) {
    const inS = usable.filter((r) => cvSourceOf(r) === s);
    const rest = usable.filter((r) => cvSourceOf(r) !== s);
    const m = rest.length === 0 ? uniformMean(d) : pickSweepMean(sweepOver(rest));
    const u = errorsAt(uniformRun, inS).map((x) => x.errorPct);
    const f = errorsAt(runAt(m), inS).map((x) => x.errorPct);
    heldUniform.push(...u);
    heldFitted.push(...f);
    folds.push({
      source: s.replace(/^mlcommons\/inference_results_v5\.1 /, ''),
      rows: inS.length,
      fittedMeanTokens: m,
      uniformErrorPct: round1(median(u)),
      fittedErrorPct: round1(median(f)),
    });
  }
  const heldOut = {
    uniformErrorPct: round1(median(heldUniform)),
    fittedErrorPct: round1(median(heldFitted)),
  };
  const families = [...new Set(usable.map((r) => familyOf(r.hardware)))].sort();
  const byFamily = Object.fromEntries(
    families.map((fam) => [
      fam,
      pickSweepMean(sweepOver(usable.filter((r) => familyOf(r.hardware) === fam))),
    ]),
  );
  const familyMeans = Object.values(byFamily);
  const familySpread = Math.round((100 * Math.max(...familyMeans)) / Math.min(...familyMeans)) / 100;
  // The MLPerf rows per metric, this dataset at its fit and the others unfitted, against all unfitted.
  const worsened = [];
  const fitRun = runAt(chosen);
  for (const metric of [...new Set(all.filter((r) => mlperfDataset(r) !== undefined).map((r) => r.metric))]) {
    const of = (pick) =>
      all
        .filter((r) => r.metric === metric && mlperfDataset(r) !== undefined)
        .map((r) => pick(r))
        .filter((x) => x?.errorPct !== undefined)
        .map((x) => x.errorPct);
    const before = of((r) => unfittedRecords.get(r.id));
    const after = of((r) => (mlperfDataset(r) === d ? fitRun.get(r.id) : unfittedRecords.get(r.id)));
    if (median(after) > median(before) + TOLERANCE_POINTS || after.length < before.length)
      worsened.push({
        metric,
        rowsBefore: before.length,
        medianBeforePct: round1(median(before)),
        rowsAfter: after.length,
        medianAfterPct: round1(median(after)),
      });
  }
  const evidence = {
    fitMeanTokens: chosen,
    inputMaxTokens: DATASET_INPUT_MAX[d],
    submitters: sources.length,
    heldOut,
    folds,
    byFamily,
    familySpread,
    worsened,
  };
  const { fitted, reason } = fitDecision(evidence, TOLERANCE_POINTS);
  const mean = fitted ? chosen : uniformMean(d);
  results[d] = {
    fitted,
    inputMeanTokens: mean,
    fitRows: usable.length,
    sweep,
    ...evidence,
    reason,
  };
  for (const r of rows) {
    chosenRecords.set(r.id, runAt(mean).get(r.id));
    fitRecords.set(r.id, fitRun.get(r.id));
  }

  // Report: the sweep, with the whole file's median (other datasets unfitted) at each mean.
  console.log(
    `\n## ${d} (published max ${DATASET_INPUT_MAX[d]}; ${usable.length} fit rows, ${sources.length} submitters)`,
  );
  const famRows = (fam) => usable.filter((r) => familyOf(r.hardware) === fam);
  const famRatio = (i, fam) => median(errorsAt(runs[i], famRows(fam)).map((x) => x.ratio)).toFixed(2);
  console.log(
    `| input mean | fit rows (Offline throughput) | all rows of the dataset | whole file (others unfitted) | TTFT/TPOT rows (n) | ${families.map((f) => `${f} pred/meas`).join(' | ')} |`,
  );
  console.log(`|---:|---:|---:|---:|---:|${families.map(() => '---:|').join('')}`);
  for (let i = 0; i < means.length; i++) {
    const own = errorsAt(runs[i], rows).map((x) => x.errorPct);
    const lat = errorsAt(
      runs[i],
      rows.filter((r) => /^(ttft|tpot)/.test(r.metric)),
    ).map((x) => x.errorPct);
    const whole = [];
    for (const r of all) {
      const x =
        mlperfDataset(r) === d ? runs[i].get(r.id) : (otherRecords.get(r.id) ?? unfittedRecords.get(r.id));
      if (x?.errorPct !== undefined) whole.push(x.errorPct);
    }
    const mark = means[i] === chosen ? ' (fit)' : '';
    console.log(
      `| ${String(means[i])}${FRACTIONS[i] === 1 ? ' (uniform preset)' : ''}${mark} | ${pct(sweep[i].medianErrorPct)} | ${pct(median(own))} | ${pct(median(whole))} | ${pct(median(lat))} (${lat.length}) | ${families.map((f) => famRatio(i, f)).join(' | ')} |`,
    );
  }
  console.log(`\nleave one submitter out (Offline throughput rows):`);
  console.log('| held out | rows | mean fitted without it | error at uniform | error at that mean |');
  console.log('|---|---:|---:|---:|---:|');
  for (const f of folds)
    console.log(
      `| ${f.source} | ${f.rows} | ${f.fittedMeanTokens} | ${pct(f.uniformErrorPct)} | ${pct(f.fittedErrorPct)} |`,
    );
  console.log(
    `| **pooled** | ${heldUniform.length} | | ${pct(heldOut.uniformErrorPct)} | ${pct(heldOut.fittedErrorPct)} |`,
  );
  console.log(`by hardware family (mean each family's rows alone choose): ${JSON.stringify(byFamily)}`);
  const ratios = (run, fam) =>
    median(
      errorsAt(
        run,
        usable.filter((r) => familyOf(r.hardware) === fam),
      ).map((x) => x.ratio),
    ).toFixed(2);
  console.log(
    `predicted/measured by family, uniform -> fit mean: ${families.map((f) => `${f} ${ratios(uniformRun, f)} -> ${ratios(runAt(chosen), f)}`).join(', ')}`,
  );
  // Server and Interactive TPOT against the load: the target QPS over the submission's own
  // Offline samples/s, measured (rho) and predicted (rho model), at the uniform preset and the fit;
  // their TTFT, and the sequences in flight: measured by Little's law (target QPS × (TTFT +
  // outputs × TPOT)), simulated (the run's mean batch).
  const simulated = (r, m) =>
    loadedServingReport(r, {
      rows: all,
      datasetInputs: {
        [d]: m === uniformMean(d) ? uniformOf(d) : fittedInputLengths(m, DATASET_INPUT_MAX[d]),
      },
    });
  const batches = (r) => [uniformMean(d), chosen].map((m) => simulated(r, m)?.batch.toFixed(0) ?? '-');
  const offline = new Map(
    rows
      .filter((r) => /^offline\b/i.test(r.batchOrConcurrency.trim()) && r.metric === 'samples_per_s')
      .map((r) => [submissionOf(r.source), r]),
  );
  const loadLines = [];
  for (const r of rows) {
    if (r.metric !== 'tpot_ms' || /^offline\b/i.test(r.batchOrConcurrency.trim())) continue;
    const qps = /target_qps=([\d.]+)/.exec(r.batchOrConcurrency)?.[1];
    const off = offline.get(submissionOf(r.source));
    if (qps === undefined || off === undefined) continue;
    const rho = Number(qps) / off.value;
    const at = (run) => {
      const o = run.get(off.id)?.ratio;
      const t = run.get(r.id)?.ratio;
      return o === undefined || t === undefined ? '- | -' : `${(rho / o).toFixed(2)} | ${t.toFixed(2)}`;
    };
    const ttft = rows.find(
      (x) => x.metric === 'ttft_ms' && x.source === r.source && x.batchOrConcurrency === r.batchOrConcurrency,
    );
    const ttftAt = (run) => {
      const x = ttft === undefined ? undefined : run.get(ttft.id);
      return x?.ratio?.toFixed(2) ?? (/^overloaded/.test(x?.skip ?? '') ? 'overloaded' : '-');
    };
    const built = loadedServingScenario(r, { rows: all });
    const little =
      ttft === undefined || 'skip' in built
        ? '-'
        : ((Number(qps) * (ttft.value + built.scenario.workload.outputTokens * r.value)) / 1e3).toFixed(0);
    loadLines.push(
      `| ${r.id} | ${r.hardware.split(' ')[0]} | ${r.batchOrConcurrency.split(' ')[0]} | ${rho.toFixed(2)} | ${at(uniformRun)} | ${at(fitRun)} | ${ttftAt(uniformRun)} | ${ttftAt(fitRun)} | ${little} | ${batches(r).join(' | ')} |`,
    );
  }
  if (loadLines.length > 0) {
    console.log(
      `\nServer/Interactive TPOT against the load (rho: target QPS / the submission's Offline samples/s; model: over the predicted Offline):`,
    );
    console.log(
      `| row | hardware | scenario | rho measured | rho model, uniform | TPOT pred/meas, uniform | rho model, mean ${chosen} | TPOT pred/meas, mean ${chosen} | TTFT pred/meas, uniform | TTFT pred/meas, mean ${chosen} | in flight, Little's law | in flight, model uniform | in flight, model mean ${chosen} |`,
    );
    console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const l of loadLines) console.log(l);
  }
  // The Offline runs as simulated: mean sequences in flight (all replicas) and mean TPOT.
  console.log(`\nOffline runs simulated (mean sequences in flight, mean TPOT), uniform -> mean ${chosen}:`);
  console.log('| row | hardware | in flight | TPOT ms |');
  console.log('|---|---|---:|---:|');
  for (const off of offline.values()) {
    const [u, f] = [uniformMean(d), chosen].map((m) => simulated(off, m));
    const cell = (pick) => [u, f].map((x) => (x === undefined ? '-' : pick(x))).join(' -> ');
    console.log(
      `| ${off.id} | ${off.hardware.split(' ')[0]} | ${cell((x) => x.batch.toFixed(0))} | ${cell((x) => x.latency.tpot.mean.toFixed(0))} |`,
    );
  }
  console.log(`decision: ${fitted ? `FITTED, mean ${mean}` : 'uniform kept'}: ${reason}`);
}

// The whole file and its MLPerf sources, unfitted against the chosen means.
function summary(records) {
  const used = [];
  let overloaded = 0;
  const bySource = new Map();
  const byMetric = new Map();
  for (const r of all) {
    const x = records.get(r.id) ?? otherRecords.get(r.id);
    if (x === undefined) continue;
    if (x.errorPct === undefined) {
      if (/^overloaded/.test(x.skip)) overloaded++;
      continue;
    }
    used.push(x.errorPct);
    if (mlperfDataset(r) === undefined) continue;
    const s = cvSourceOf(r).replace(/^mlcommons\/inference_results_v5\.1 /, '');
    (bySource.get(s) ?? bySource.set(s, []).get(s)).push(x.errorPct);
    (byMetric.get(r.metric) ?? byMetric.set(r.metric, []).get(r.metric)).push(x.errorPct);
  }
  return { used: used.length, median: median(used), overloaded, bySource, byMetric };
}
const before = summary(unfittedRecords);
const fits = summary(fitRecords);
const after = summary(chosenRecords);
console.log(`\n## Whole file (${all.length} rows): uniform presets | every fit applied | as shipped`);
for (const [label, x] of [
  ['uniform presets', before],
  ['every fit applied', fits],
  ['as shipped', after],
])
  console.log(
    `${label.padEnd(18)} predicted ${x.used} (${((100 * x.used) / all.length).toFixed(1)}%), median ${pct(x.median)}, overloaded skips ${x.overloaded}`,
  );
const table = (title, key) => {
  console.log(`\n| ${title} | uniform: rows, median | every fit: rows, median | shipped: rows, median |`);
  console.log('|---|---:|---:|---:|');
  const keys = [...new Set([...before[key].keys(), ...fits[key].keys()])].sort();
  for (const k of keys) {
    const cell = (x) => `${(x[key].get(k) ?? []).length}, ${pct(median(x[key].get(k) ?? []))}`;
    console.log(`| ${k} | ${cell(before)} | ${cell(fits)} | ${cell(after)} |`);
  }
};
table('MLPerf source', 'bySource');
table('MLPerf metric', 'byMetric');

const ts =
  `// GENERATED by scripts/fit-dataset-lengths.mjs from\n// ${CSV}.\n` +
  `// Do not edit: rerun \`npm run fit:lengths\`.\n` +
  `import type { DatasetInputFit } from './dataset-fit.js';\n` +
  `import type { DatasetPreset } from './lengths.js';\n\n` +
  `/** The input means of the MLPerf datasets, fitted to the MLPerf v5.1 Offline throughput rows (dataset-fit.ts). */\n` +
  `export const DATASET_INPUT_FITS: Readonly<Record<DatasetPreset, DatasetInputFit>> = ${JSON.stringify(results, null, 2)};\n`;
const config = (await prettier.resolveConfig(at(OUT).pathname)) ?? {};
writeFileSync(at(OUT), await prettier.format(ts, { ...config, filepath: at(OUT).pathname }));
console.log(`\nwrote ${OUT} (${elapsed()})`);
