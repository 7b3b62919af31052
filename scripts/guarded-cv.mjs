// The cross-validation of the shipped default, shared by `npm run fit`, `npm run residuals` and
// `npm run fidelity` (guardedCrossValidate in packages/core/src/calibrate/guard.ts): every profile
// fitted on reference.csv and serving-modern.csv with its held-out figures, the shipping rule's
// decision on each, and per row the prediction of the shipped default in-sample and held out (each
// source refitted AND guarded without it). It is the slow part of each script (refits nested in
// every fold), so the first script to need it writes it to
//   node_modules/.cache/ridgeline/guarded-cv-<hash>.json
// keyed by a SHA-256 of its inputs (the two CSVs and the built core in packages/core/dist, less the
// generated profiles-data.js and residuals-data.js, which it does not read: it fits with
// `calibration: none` underneath), and the others read it back. The cached numbers are the
// computed ones (JSON keeps every double; NaN is written as a string), so the scripts' outputs are
// byte-identical with or without it. RIDGELINE_NO_CV_CACHE=1 recomputes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  guardedCrossValidate,
  observationsFromRows,
  parseMeasurementCsv,
} from '../packages/core/dist/index.js';

export const CSVS = [
  'packages/core/data/measurements/reference.csv',
  'packages/core/data/measurements/serving-modern.csv',
];
const DIST = 'packages/core/dist';
/** Generated modules the cross-validation does not read (rewritten by fit and residuals). */
const NOT_INPUTS = new Set(['calibrate/profiles-data.js', 'uncertainty/residuals-data.js']);
const CACHE = 'node_modules/.cache/ridgeline';
/** Bump when the cached shape changes. */
const FORMAT = 1;
const root = new URL('../', import.meta.url);
const at = (p) => new URL(p, root);

function jsFiles(dir, prefix = '') {
  return readdirSync(at(`${dir}/${prefix}`), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) =>
      e.isDirectory()
        ? jsFiles(dir, `${prefix}${e.name}/`)
        : e.name.endsWith('.js')
          ? [`${prefix}${e.name}`]
          : [],
    );
}

export function inputsHash() {
  const h = createHash('sha256');
  h.update(`format ${FORMAT}\n`);
  for (const f of CSVS) h.update(`${f}\n`).update(readFileSync(at(f)));
  for (const f of jsFiles(DIST))
    if (!NOT_INPUTS.has(f)) h.update(`${f}\n`).update(readFileSync(at(`${DIST}/${f}`)));
  return h.digest('hex').slice(0, 16);
}

const encode = (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
const decode = (_k, v) =>
  v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;

/** A cross-validation report as plain data (profiles without their observations and fit internals). */
function plainReport(cv) {
  return {
    totals: cv.totals,
    groups: cv.groups,
    hardwareGroups: cv.hardwareGroups,
    cvSourceGroups: cv.cvSourceGroups,
    profiles: cv.profiles.map((p) => ({
      hardware: p.hardware,
      ...(p.engine === undefined ? {} : { engine: p.engine }),
      parameters: p.parameters,
      fit: p.fit,
    })),
    heldOutMedianByHardware: cv.heldOutMedianByHardware,
    heldOutMedianByProfile: cv.heldOutMedianByProfile,
    rows: cv.rows,
  };
}

/**
 * The guarded cross-validation over both CSVs, from the cache when its inputs are unchanged:
 * `{ fitted, decisions, shipped, shippedWithout, seconds, cached }` (guard.ts's
 * GuardedCrossValidation as plain data; `decisions[i].profile` is `fitted.profiles[i]`).
 */
export function guardedCv({ onProgress } = {}) {
  const key = inputsHash();
  const file = at(`${CACHE}/guarded-cv-${key}.json`);
  if (process.env.RIDGELINE_NO_CV_CACHE !== '1') {
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8'), decode);
      cached.decisions = cached.decisions.map((d, i) => ({ ...d, profile: cached.fitted.profiles[i] }));
      return { ...cached, cached: true };
    } catch {
      // No cache for these inputs: compute.
    }
  }
  const started = Date.now();
  const observations = CSVS.flatMap((f) => {
    const parsed = parseMeasurementCsv(readFileSync(at(f), 'utf8'));
    if (!parsed.ok) throw new Error(`${f}: ${JSON.stringify(parsed.diagnostics)}`);
    return observationsFromRows(parsed.value).observations;
  });
  const g = guardedCrossValidate(observations, onProgress === undefined ? {} : { onProgress });
  const out = {
    fitted: plainReport(g.fitted),
    decisions: g.decisions.map(({ profile: _profile, ...d }) => d),
    shipped: plainReport(g.shipped),
    shippedWithout: Object.fromEntries(g.shippedWithout),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(at(CACHE), { recursive: true });
  for (const f of readdirSync(at(CACHE))) if (/^guarded-cv-.*\.json$/.test(f)) rmSync(at(`${CACHE}/${f}`));
  writeFileSync(file, JSON.stringify(out, encode));
  out.decisions = out.decisions.map((d, i) => ({ ...d, profile: out.fitted.profiles[i] }));
  return { ...out, cached: false };
}
