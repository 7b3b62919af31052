// Shipped calibration profiles (docs/calibration.md), applied by default: fitted to
// packages/core/data/measurements/reference.csv and serving-modern.csv together, at two levels:
//   kernel level  — per device, the GEMM/attention/bandwidth/collective efficiencies, from kernel
//                   ceilings and per-operator rows;
//   serving level — per device and engine, the step and per-sequence overheads, from
//                   end-to-end serving rows with the device's kernel-level profile held fixed.
// A group needs at least MIN_CALIBRATION_ROWS predicted rows. Each profile records its in-sample
// error and its leave-one-source-out error. Writes
//   packages/core/data/calibration/<hardware>.yaml and <hardware>-<engine>.yaml (readable, reviewable)
//   packages/core/src/calibrate/profiles-data.ts      (the same, embedded: core cannot read files)
// Run with `npm run fit` (builds first; a few minutes: the disaggregated rows are slow to simulate).
// Deterministic: rerunning on the same data rewrites the same files; the date in each profile is
// the last commit date of the measurement files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { stringify } from 'yaml';
import {
  MIN_CALIBRATION_ROWS,
  crossValidate,
  errorStats,
  observationsFromRows,
  parseMeasurementCsv,
} from '../packages/core/dist/index.js';

const CSVS = [
  'packages/core/data/measurements/reference.csv',
  'packages/core/data/measurements/serving-modern.csv',
];
const CSV = CSVS.join(' and ');
const DIR = 'packages/core/data/calibration';
const OUT = 'packages/core/src/calibrate/profiles-data.ts';
const root = new URL('../', import.meta.url);
const at = (p) => new URL(p, root);

function dataDate() {
  try {
    const d = execFileSync('git', ['log', '-1', '--format=%cs', '--', ...CSVS], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(d)) return d;
  } catch {
    // Not a git checkout: today's date.
  }
  return new Date().toISOString().slice(0, 10);
}

const observations = CSVS.flatMap((file) => {
  const parsed = parseMeasurementCsv(readFileSync(at(file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.diagnostics)}`);
  return observationsFromRows(parsed.value).observations;
});
const started = Date.now();
const cv = crossValidate(observations, {
  onProgress: (m) => process.stderr.write(`  ${((Date.now() - started) / 1000).toFixed(0)}s ${m}\n`),
});

const date = dataDate();
// A profile ships (and so applies by default) only where it is the better estimate: it must not
// worsen its own rows in-sample, nor held out where a leave-one-source-out figure exists.
// Nor may it worsen, held out, any one source's rows of one metric (at least MIN_GROUP_ROWS of
// them): a profile fitted mostly to one source's load range (InferenceX at up to a few hundred
// clients) must not carry its per-sequence costs into another's (MLPerf batches of thousands).
// More than one point of median error counts as worse.
const MIN_GROUP_ROWS = 5;
const rowsOf = (p) =>
  cv.rows.filter(
    (r) =>
      r.hardware === p.hardware &&
      (p.engine === undefined ? r.level === 'kernel' : r.level === 'serving' && r.engine === p.engine) &&
      Number.isFinite(r.heldOut) &&
      Number.isFinite(r.uncalibrated),
  );
const absPct = (p, m) => (Math.abs(p - m) / m) * 100;
const worsenedGroup = (p) => {
  const groups = new Map();
  for (const r of rowsOf(p)) {
    const k = `${r.source} ${r.metric}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  for (const [k, rs] of groups) {
    if (rs.length < MIN_GROUP_ROWS) continue;
    const before = errorStats(rs.map((r) => absPct(r.uncalibrated, r.measured))).medianErrorPct;
    const after = errorStats(rs.map((r) => absPct(r.heldOut, r.measured))).medianErrorPct;
    if (after > before + 1) return `${k}: ${before.toFixed(1)}% -> ${after.toFixed(1)}% held out`;
  }
  return undefined;
};
const heldOutOf = (i) => cv.heldOutMedianByProfile[i]?.medianErrorPct ?? Number.NaN;
const worsened = cv.profiles.map(worsenedGroup);
const improves = (p, i) =>
  p.fit.medianErrorPctAfter <= p.fit.medianErrorPctBefore &&
  !(heldOutOf(i) > p.fit.medianErrorPctBefore) &&
  worsened[i] === undefined;
cv.profiles.forEach((p, i) => {
  if (p.fit.rows >= MIN_CALIBRATION_ROWS && !improves(p, i))
    process.stderr.write(
      `  not shipped: ${p.hardware}${p.engine === undefined ? '' : ` with ${p.engine}`} (median ${p.fit.medianErrorPctBefore}% with the defaults, ${p.fit.medianErrorPctAfter}% in-sample, ${heldOutOf(i).toPrecision(3)}% held out${worsened[i] === undefined ? '' : `; worsens ${worsened[i]}`})\n`,
    );
});
const profiles = cv.profiles.flatMap((p, i) =>
  p.fit.rows >= MIN_CALIBRATION_ROWS && improves(p, i)
    ? [
        {
          hardware: p.hardware,
          ...(p.engine === undefined ? {} : { engine: p.engine }),
          parameters: p.parameters,
          fit: {
            ...p.fit,
            leaveOneSourceOutMedianErrorPct: Number(
              (cv.heldOutMedianByProfile[i]?.medianErrorPct ?? Number.NaN).toPrecision(3),
            ),
          },
          source: `fitted by scripts/fit-profiles.mjs (${p.engine === undefined ? 'kernel level' : 'serving level'}) from ${CSV} @ ${date}`,
        },
      ]
    : [],
);
const fileOf = (p) => (p.engine === undefined ? p.hardware : `${p.hardware}-${p.engine}`);

mkdirSync(at(DIR), { recursive: true });
for (const f of readdirSync(at(DIR))) if (f.endsWith('.yaml')) rmSync(at(`${DIR}/${f}`));
for (const p of profiles) {
  const yaml =
    `# Calibration profile of ${p.engine === undefined ? `${p.hardware}, kernel level` : `${p.hardware} with ${p.engine}, serving level`}: fitted to the shipped\n` +
    `# measurements (docs/calibration.md), applied by default. Generated by \`npm run fit\`; do not edit by hand.\n` +
    stringify(p, { lineWidth: 0 });
  const file = at(`${DIR}/${fileOf(p)}.yaml`);
  const options = (await prettier.resolveConfig(file.pathname)) ?? {};
  writeFileSync(file, await prettier.format(yaml, { ...options, filepath: file.pathname }));
}

const ts =
  `// GENERATED by scripts/fit-profiles.mjs from ${CSV}; the same profiles are in\n` +
  `// ${DIR}/*.yaml. Do not edit: rerun \`npm run fit\`.\n` +
  `import type { ShippedProfile } from './shipped.js';\n\n` +
  `/**\n * The calibration profiles shipped with Ridgeline and applied by default: kernel level per device\n * (no engine), serving level per device and engine.\n */\n` +
  `export const SHIPPED_PROFILES: readonly ShippedProfile[] = ${JSON.stringify(profiles, null, 2)};\n`;
const config = (await prettier.resolveConfig(at(OUT).pathname)) ?? {};
writeFileSync(at(OUT), await prettier.format(ts, { ...config, filepath: at(OUT).pathname }));

const pct = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(1)}%`);
console.log(`Calibration profiles from ${CSV} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
console.log('hardware         level             rows  before  in-sample  leave-one-source-out  file');
for (const p of profiles) {
  console.log(
    `${p.hardware.padEnd(15)}  ${(p.engine === undefined ? 'kernel' : `serving ${p.engine}`).padEnd(15)} ${String(p.fit.rows).padStart(5)} ${pct(p.fit.medianErrorPctBefore).padStart(7)} ` +
      `${pct(p.fit.medianErrorPctAfter).padStart(10)} ${pct(p.fit.leaveOneSourceOutMedianErrorPct).padStart(21)}  ` +
      `${DIR}/${fileOf(p)}.yaml`,
  );
}
console.log(
  "\nbefore / in-sample: median absolute error of the profile's rows with the defaults / with the profiles;" +
    '\nleave-one-source-out: each row predicted by profiles fitted without its source (the figure to quote).',
);
