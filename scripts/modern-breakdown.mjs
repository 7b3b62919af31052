// Error breakdown of serving-modern.csv (or any CSV of that shape): validates every row with the
// default efficiencies and prints, per metric, the median signed log-ratio (predicted/measured)
// and the median absolute error by hardware family × format × engine × EP/attention-DP ×
// concurrency band. Run after `npm run build`: `node scripts/modern-breakdown.mjs [csv] [--by keys]`
// where keys is a comma list of hw,dev,fmt,engine,release,par,conc,model,osl (default
// hw,fmt,engine,par); release is the engine version of the image tag (SGLang v0.5.9 and v0.5.12
// differ on ROCm, docs/fidelity.md). `--metrics list` picks the metrics (default
// output_tok_s_per_gpu,tpot_ms,ttft_ms,tokens_per_s).
// `--calibration shipped` applies the shipped profiles (the CLI default); without it, the raw model.
import { readFileSync } from 'node:fs';
import {
  SHIPPED_PROFILES,
  findHardware,
  parseMeasurementCsv,
  validateRows,
} from '../packages/core/dist/index.js';
import { scriptArgs } from './args.mjs';

const { values, positionals } = scriptArgs(
  'node scripts/modern-breakdown.mjs [csv] [--by keys] [--metrics list] [--calibration shipped]',
  { options: ['by', 'metrics', 'calibration'], positionals: 1 },
);
const by = values.by?.split(',') ?? ['hw', 'fmt', 'engine', 'par'];
const shipped = values.calibration === 'shipped';
const file = positionals[0] ?? 'packages/core/data/measurements/serving-modern.csv';
const metrics = values.metrics?.split(',') ?? ['output_tok_s_per_gpu', 'tpot_ms', 'ttft_ms', 'tokens_per_s'];

const parsed = parseMeasurementCsv(readFileSync(file, 'utf8'));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
const rowsById = new Map(parsed.value.map((r) => [r.id, r]));
const report = validateRows(parsed.value, shipped ? { profiles: SHIPPED_PROFILES } : {});

const familyOf = (name) => {
  const hit = findHardware(name.replace(/\s+\d+\s*GB\b.*$/i, '').trim()) ?? findHardware(name);
  return hit?.family ?? name;
};
const fmtOf = (p) =>
  /nvfp4/i.test(p)
    ? 'nvfp4'
    : /mxfp4/i.test(p)
      ? 'mxfp4'
      : /fp8/i.test(p)
        ? 'fp8'
        : /fp4/i.test(p)
          ? 'fp4'
          : (p.split(/[ (]/)[0] || '?').toLowerCase();
const engineOf = (f) => (f.split(/[ [(]/)[0] || '?').toLowerCase() + (/dynamo/i.test(f) ? '+disagg' : '');
const parOf = (n) => {
  const ep = /EP=(\d+)/.exec(n)?.[1] ?? '1';
  const dp = /dp_attention=(true|True)/.test(n) ? 'dp' : '';
  return `ep${Number(ep) > 1 ? (Number(ep) >= 16 ? 'wide' : 'N') : '1'}${dp}`;
};
const concOf = (c) => {
  const n = Number(/(\d+)/.exec(c ?? '')?.[1] ?? NaN);
  return Number.isNaN(n) ? '?' : n <= 8 ? 'c≤8' : n <= 64 ? 'c≤64' : n <= 256 ? 'c≤256' : 'c>256';
};
const keyOf = (r) =>
  by
    .map((k) =>
      k === 'hw'
        ? familyOf(r.hardware)
        : k === 'dev'
          ? r.hardware.split(' ')[0]
          : k === 'fmt'
            ? fmtOf(r.precisionWeights ?? '')
            : k === 'engine'
              ? engineOf(r.framework ?? '')
              : k === 'par'
                ? parOf(r.notes ?? '')
                : k === 'conc'
                  ? concOf(r.batchOrConcurrency)
                  : k === 'model'
                    ? r.model
                    : k === 'osl'
                      ? `${r.inputLen}/${r.outputLen}`
                      : k === 'release'
                        ? (/:v(\d+\.\d+\.\d+)/.exec(r.framework ?? '')?.[1] ?? '?')
                        : '?',
    )
    .join(' ');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
for (const metric of metrics) {
  const groups = new Map();
  for (const row of report.rows) {
    if (row.metric !== metric) continue;
    const src = rowsById.get(row.id);
    const k = keyOf(src);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(row);
  }
  if (groups.size === 0) continue;
  console.log(`\n## ${metric}   (ratio = median predicted/measured; |err| = median absolute error)`);
  const lines = [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [k, rs] of lines) {
    const ratio = median(rs.map((r) => r.predicted / r.measured));
    const err = median(rs.map((r) => Math.abs(r.errorPct)));
    console.log(
      `${k.padEnd(48)} n=${String(rs.length).padStart(3)}  ratio ${ratio.toFixed(2)}  |err| ${err.toFixed(1)}%`,
    );
  }
  const all = report.rows.filter((r) => r.metric === metric);
  console.log(
    `${'ALL'.padEnd(48)} n=${String(all.length).padStart(3)}  ratio ${median(all.map((r) => r.predicted / r.measured)).toFixed(2)}  |err| ${median(all.map((r) => Math.abs(r.errorPct))).toFixed(1)}%`,
  );
}
