// MLPerf Server/Interactive runs of serving-modern.csv: per run, the measured TTFT, TPOT and
// rate, the sequences in flight they imply by Little's law (rate × (TTFT + out × TPOT)), and the
// simulated run's batch, TTFT parts, TPOT and utilization. Run after `npm run build`:
// `node scripts/mlperf-load.mjs [csv] [--calibration shipped]`.
import { readFileSync } from 'node:fs';
import { SHIPPED_PROFILES, parseMeasurementCsv } from '../packages/core/dist/index.js';
import {
  loadedServingReport,
  loadedServingScenario,
  loadKindOf,
} from '../packages/core/dist/validate/modern-rows.js';
import { scriptArgs } from './args.mjs';

const { values, positionals } = scriptArgs('node scripts/mlperf-load.mjs [csv] [--calibration shipped]', {
  options: ['calibration'],
  positionals: 1,
});
const shipped = values.calibration === 'shipped';
const file = positionals[0] ?? 'packages/core/data/measurements/serving-modern.csv';
const parsed = parseMeasurementCsv(readFileSync(file, 'utf8'));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
const rows = parsed.value;
const options = { rows, ...(shipped ? { profiles: SHIPPED_PROFILES } : {}) };

const runs = new Map();
for (const r of rows) {
  if (loadKindOf(r.batchOrConcurrency) !== 'server' || !/mlcommons/.test(r.source)) continue;
  const key = r.source;
  const run = runs.get(key) ?? { row: r, m: {} };
  run.m[r.metric] = r.value;
  runs.set(key, run);
}
const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
console.log(
  'id     model        hw        eng  qps   | meas ttft tpot  L(inflight) | pred ttft(q/ov/pf) tpot  batch  rho  ovl | ratio ttft tpot',
);
for (const { row, m } of runs.values()) {
  const qps = Number(/target_qps=([\d.]+)/.exec(row.batchOrConcurrency)?.[1]);
  const built = loadedServingScenario(row, options);
  const rep = loadedServingReport(row, options);
  if ('skip' in built || rep === undefined) {
    console.log(row.id, 'skip', built.skip ?? '');
    continue;
  }
  const out = built.scenario.workload.outputTokens;
  const tokS = m.tokens_per_s;
  const ttft = m.ttft_ms;
  const tpot = m.tpot_ms;
  const little = ttft !== undefined && tpot !== undefined ? (qps * (ttft + out * tpot)) / 1e3 : undefined;
  const s = rep.serving;
  const dp = built.scenario.parallelism.dp;
  const cap = rep.serving.overloaded ? 'OVL' : '';
  const tp = s.ttftParts;
  console.log(
    [
      row.id,
      row.model.slice(0, 12).padEnd(12),
      row.hardware.slice(0, 9).padEnd(9),
      row.framework.slice(0, 4),
      String(qps).padStart(5),
      '|',
      f(ttft).padStart(5),
      f(tpot, 1).padStart(6),
      f(little).padStart(6),
      '|',
      f(rep.latency.ttft.mean).padStart(5),
      `(${f(tp.queueMs)}/${f(tp.overlapWaitMs)}/${f(tp.prefillMs)})`.padEnd(14),
      f(rep.latency.tpot.mean, 1).padStart(6),
      f(rep.batch).padStart(6),
      cap,
      'out',
      out,
      'dp',
      dp,
      'maxSeq',
      built.scenario.serving?.maxSequences ?? '-',
      '|',
      ttft ? f(rep.latency.ttft.mean / ttft, 2) : '-',
      tpot ? f(rep.latency.tpot.mean / tpot, 2) : '-',
      tokS ? f(rep.outputTokensPerSec / tokS, 2) : '-',
    ].join(' '),
  );
}

// Offline runs of the same submissions: measured tokens/s, the simulated batch and TPOT.
console.log('\nOffline: id model hw | meas tok/s | pred tok/s batch tpot | ratio');
for (const r of rows) {
  if (
    loadKindOf(r.batchOrConcurrency) !== 'offline' ||
    !/mlcommons/.test(r.source) ||
    r.metric !== 'tokens_per_s'
  )
    continue;
  const rep = loadedServingReport(r, options);
  if (rep === undefined) continue;
  console.log(
    [
      r.id,
      r.model.slice(0, 12).padEnd(12),
      r.hardware.slice(0, 9).padEnd(9),
      '|',
      f(r.value),
      '|',
      f(rep.outputTokensPerSec),
      f(rep.batch),
      f(rep.latency.tpot.mean, 1),
      '|',
      f(rep.outputTokensPerSec / r.value, 2),
    ].join(' '),
  );
}
