// Counterfactual (analysis only, nothing ships from it): each MLPerf Server/Interactive run with
// its device's kernels slowed (peak FLOP/s, memory and scale-up bandwidth over k) so that the
// same submission's Offline run matches its measured tokens/s. If the Server latencies then
// match, their miss is the capacity error amplified near saturation; what remains is serving.
// `node scripts/mlperf-matched.mjs [id-pattern]` after `npm run build`; the pattern (a regular
// expression) keeps the Server/Interactive rows whose id it matches.
import { readFileSync } from 'node:fs';
import { estimate, parseMeasurementCsv } from '../packages/core/dist/index.js';
import {
  loadedServingScenario,
  loadKindOf,
  submissionOf,
} from '../packages/core/dist/validate/modern-rows.js';
import { scriptArgs } from './args.mjs';

const only = scriptArgs('node scripts/mlperf-matched.mjs [id-pattern]', { positionals: 1 }).positionals[0];
const parsed = parseMeasurementCsv(
  readFileSync('packages/core/data/measurements/serving-modern.csv', 'utf8'),
);
const rows = parsed.value;
const options = { rows };
const slowed = (scenario, k) => {
  const h = scenario.hardware;
  const peak = Object.fromEntries(Object.entries(h.peakFlopsPerSecond).map(([f, v]) => [f, v / k]));
  return {
    ...scenario,
    hardware: {
      ...h,
      id: `${h.id}-slowed`,
      peakFlopsPerSecond: peak,
      memory: { ...h.memory, bandwidthBytesPerSecond: h.memory.bandwidthBytesPerSecond / k },
      scaleUp: { ...h.scaleUp, bandwidthBytesPerSecond: h.scaleUp.bandwidthBytesPerSecond / k },
    },
  };
};
const run = (s) => {
  const r = estimate(s);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics?.[0] ?? r));
  return r.value;
};
const offline = new Map();
for (const r of rows)
  if (loadKindOf(r.batchOrConcurrency) === 'offline' && r.metric === 'tokens_per_s' && submissionOf(r.source))
    offline.set(submissionOf(r.source), r);
const servers = new Map();
for (const r of rows) {
  if (loadKindOf(r.batchOrConcurrency) !== 'server' || !/mlcommons/.test(r.source)) continue;
  const s = servers.get(r.source) ?? { row: r, m: {} };
  s.m[r.metric] = r.value;
  servers.set(r.source, s);
}
const f = (x, d = 2) => (x === undefined ? '-' : x.toFixed(d));
for (const { row, m } of servers.values()) {
  if (only && !row.id.match(only)) continue;
  const off = offline.get(submissionOf(row.source));
  if (!off) continue;
  const so = loadedServingScenario(off, options);
  const ss = loadedServingScenario(row, options);
  if ('skip' in so || 'skip' in ss) continue;
  let k = 1;
  let offRep;
  for (let it = 0; it < 3; it++) {
    offRep = run(slowed(so.scenario, k));
    k *= offRep.outputTokensPerSec / off.value;
  }
  const base = run(ss.scenario);
  const rep = run(slowed(ss.scenario, k));
  const ratio = (r, key, read) => (m[key] ? f(read(r) / m[key]) : '-');
  console.log(
    row.id,
    row.model.slice(0, 14).padEnd(14),
    row.hardware.slice(0, 10).padEnd(10),
    row.batchOrConcurrency.slice(0, 6),
    'k',
    f(k),
    '| ttft',
    ratio(base, 'ttft_ms', (r) => r.latency.ttft.mean),
    '->',
    ratio(rep, 'ttft_ms', (r) => r.latency.ttft.mean),
    rep.serving.overloaded ? 'OVL' : '   ',
    '| tpot',
    ratio(base, 'tpot_ms', (r) => r.latency.tpot.mean),
    '->',
    ratio(rep, 'tpot_ms', (r) => r.latency.tpot.mean),
    '| p99 ttft',
    ratio(rep, 'ttft_p99_ms', (r) => r.latency.ttft.p99),
    'tpot',
    ratio(rep, 'tpot_p99_ms', (r) => r.latency.tpot.p99),
    '| batch',
    f(base.batch, 0),
    '->',
    f(rep.batch, 0),
    `parts q/ov/pf ${f(rep.serving.ttftParts.queueMs, 0)}/${f(rep.serving.ttftParts.overlapWaitMs, 0)}/${f(rep.serving.ttftParts.prefillMs, 0)}`,
  );
}
