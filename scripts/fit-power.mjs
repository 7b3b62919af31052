// The evidence for the power model's busy floor (POWER_DEFAULTS.busyFloorFraction,
// packages/core/src/energy/schema.ts; docs/energy-cost.md): for every measured
// avg_power_w_per_gpu row of serving-modern.csv (or a CSV of that shape), the run is simulated as
// validate does, and the floor f that would reproduce the measured watts is solved from the run's
// modeled utilizations:
//   measured = idle + (TDP − idle) · (f·b + (1 − f)·min(1, a_c·u_c + a_m·u_m))
// The shipped default is the median of those f, rounded to two decimals. A reviewed edit: run
// after `npm run build` (`node scripts/fit-power.mjs [csv]`) and change the constant by hand,
// saying why in the commit.
import { readFileSync } from 'node:fs';
import { POWER_DEFAULTS, parseMeasurementCsv } from '../packages/core/dist/index.js';
import { loadedServingReport } from '../packages/core/dist/validate/modern-rows.js';

const file = process.argv[2] ?? 'packages/core/data/measurements/serving-modern.csv';
const parsed = parseMeasurementCsv(readFileSync(file, 'utf8'));
if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
const rows = parsed.value;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

const implied = [];
const runs = [];
console.log('id     hardware        weights  clients  ISL   measured W  u_c    u_m    busy   implied f');
for (const row of rows.filter((r) => r.metric === 'avg_power_w_per_gpu')) {
  const e = loadedServingReport(row, { rows })?.energy;
  if (e === undefined) {
    console.log(`${row.id} not predicted`);
    continue;
  }
  const range = e.tdpWattsPerDevice - e.idleWattsPerDevice;
  const util = Math.min(
    1,
    POWER_DEFAULTS.dynamicFractionAtFullCompute * e.computeUtilization +
      POWER_DEFAULTS.dynamicFractionAtFullBandwidth * e.memoryUtilization,
  );
  const need = (row.value - e.idleWattsPerDevice) / range;
  const f = (need - util) / (e.busyShare - util);
  implied.push(f);
  runs.push({ row, e, util });
  const clients = /concurrency=(\d+)/.exec(row.batchOrConcurrency)?.[1] ?? '?';
  console.log(
    [
      row.id.padEnd(6),
      row.hardware.padEnd(15),
      row.precisionWeights.split(/[ (]/)[0].padEnd(8),
      clients.padStart(7),
      String(row.inputLen).padStart(5),
      row.value.toFixed(0).padStart(11),
      e.computeUtilization.toFixed(3).padStart(6),
      e.memoryUtilization.toFixed(3).padStart(6),
      e.busyShare.toFixed(3).padStart(6),
      f.toFixed(3).padStart(10),
    ].join(' '),
  );
}
const sorted = [...implied].sort((a, b) => a - b);
console.log(
  `\n${implied.length} runs: implied busy floor median ${median(implied).toFixed(3)} (range ${sorted[0]?.toFixed(3)}–${sorted.at(-1)?.toFixed(3)}); shipped ${POWER_DEFAULTS.busyFloorFraction}`,
);

// Held out: each run's watts predicted with the median floor of the other runs.
const heldOut = runs.map((r, i) => {
  const f = median(implied.filter((_, j) => j !== i));
  const range = r.e.tdpWattsPerDevice - r.e.idleWattsPerDevice;
  const watts = r.e.idleWattsPerDevice + range * (f * r.e.busyShare + (1 - f) * r.util);
  return (Math.abs(watts - r.row.value) / r.row.value) * 100;
});
console.log(
  `held out (each run's floor from the other runs): power median error ${median(heldOut).toFixed(1)}%, max ${Math.max(...heldOut).toFixed(1)}%`,
);
