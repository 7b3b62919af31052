#!/usr/bin/env node
/**
 * Generates packages/core/src/hardware/catalog-data.ts from packages/core/data/hardware/datasheets.csv.
 *
 * Usage (from the repository root):
 *   node scripts/import-datasheets.mjs
 *   npx prettier --write packages/core/src/hardware/catalog-data.ts
 *
 * Rules (see packages/core/data/hardware/README.md for the CSV conventions):
 * - Every number comes from a CSV cell; an empty cell stays absent. Nothing is filled in.
 * - Units are SI decimal: GB x 1e9, GB/s x 1e9, TFLOPS/TOPS x 1e12, MB x 1e6. Numbers are written as
 *   the CSV's decimal text with an exponent (e.g. `989.5e12`), so no binary rounding is introduced.
 * - Scale-up bandwidth is stored per direction: a value the units column calls bidirectional is halved.
 * - Rows without memory bandwidth, or without any dense tensor/matrix rate, are excluded (the schema
 *   needs both for a usable device) and listed in EXCLUDED_HARDWARE with the reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const CSV_PATH = 'packages/core/data/hardware/datasheets.csv';
const OUT_PATH = 'packages/core/src/hardware/catalog-data.ts';

/**
 * RFC 4180 CSV: fields separated by commas, optionally wrapped in double quotes; inside quotes a
 * doubled quote is a literal quote and commas/newlines are literal. Accepts LF or CRLF line ends.
 * @param {string} text
 * @returns {string[][]}
 */
function parseCsv(text) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  let row = [];
  let field = '';
  let inQuotes = false;
  let fieldStarted = false; // true once the current field has any content or quotes
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  const endField = () => {
    row.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (fieldStarted) throw new Error(`CSV: stray quote inside an unquoted field (row ${rows.length + 1})`);
      inQuotes = true;
      fieldStarted = true;
    } else if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new Error('CSV: unterminated quoted field at end of file');
  // Last line without a trailing newline.
  if (fieldStarted || row.length > 0) endRow();
  return rows;
}

/**
 * @param {string} text
 * @returns {Record<string, string>[]}
 */
function csvRecords(text) {
  const [header, ...body] = parseCsv(text);
  if (!header) throw new Error('CSV: empty file');
  return body
    .filter((cells) => !(cells.length === 1 && cells[0] === ''))
    .map((cells, n) => {
      if (cells.length !== header.length) {
        throw new Error(`CSV: data row ${n + 1} has ${cells.length} fields, header has ${header.length}`);
      }
      return Object.fromEntries(header.map((h, k) => [h, cells[k] ?? '']));
    });
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** A non-negative decimal cell, trimmed; throws on anything else. */
function decimalCell(rec, col) {
  const s = rec[col].trim();
  if (!DECIMAL.test(s))
    throw new Error(`${rec.id}: column ${col} is not a plain decimal: ${JSON.stringify(s)}`);
  if (Number(s) <= 0) throw new Error(`${rec.id}: column ${col} must be positive: ${s}`);
  return s;
}

/** Decimal text times 10^exp as a TS number literal (exact: no float arithmetic). */
function scaled(s, exp) {
  return `${s}e${exp}`;
}

/** Halves a decimal string exactly (x/2 of a short decimal is a short decimal). */
function halfDecimal(s) {
  const [int, frac = ''] = s.split('.');
  const digits = int + frac;
  // digits / 2, long division in base 10, then append one more fractional digit.
  let out = '';
  let rem = 0;
  for (const d of digits + '0') {
    const cur = rem * 10 + Number(d);
    out += String(Math.floor(cur / 2));
    rem = cur % 2;
  }
  const intLen = int.length;
  let res = `${out.slice(0, intLen).replace(/^0+(?=\d)/, '')}.${out.slice(intLen)}`.replace(/\.?0+$/, '');
  if (res === '' || res.startsWith('.')) res = `0${res}`;
  if (Number(res) * 2 !== Number(s)) throw new Error(`halfDecimal(${s}) = ${res} is wrong`);
  return res;
}

const RATE_COLUMNS = /** @type {const} */ ([
  ['fp64', 'dense_tflops_fp64'],
  ['fp32', 'dense_tflops_fp32'],
  ['tf32', 'dense_tflops_tf32'],
  ['bf16', 'dense_tflops_bf16'],
  ['fp16', 'dense_tflops_fp16'],
  ['fp8', 'dense_tflops_fp8'],
  ['int8', 'dense_tflops_int8'],
  ['fp4', 'dense_tflops_fp4'],
]);
/** Tensor/matrix formats: fp64 and fp32 columns are vector rates (README). */
const TENSOR_KEYS = new Set(['tf32', 'bf16', 'fp16', 'fp8', 'int8', 'fp4']);

const REQUIRED_COLUMNS = [
  'id',
  'vendor',
  'name',
  'memory_gb',
  'memory_type',
  'memory_bw_gbs',
  ...RATE_COLUMNS.map(([, c]) => c),
  'sparse_note',
  'l2_or_sram_mb',
  'scale_up_link',
  'scale_up_bw_gbs',
  'scale_up_bw_units',
  'scale_up_domain_size',
  'tdp_w',
  'launch_year',
  'source',
  'notes',
  'family',
];

/**
 * Per-direction scale-up bandwidth in GB/s (decimal text) from the value and its units cell.
 * @returns {{ gbs: string, note?: string }}
 */
function perDirectionScaleUp(rec) {
  const value = decimalCell(rec, 'scale_up_bw_gbs');
  const units = rec.scale_up_bw_units.trim();
  if (!/^GB\/s\b/.test(units)) throw new Error(`${rec.id}: scale_up_bw_units must start with GB/s: ${units}`);
  const head = units.replace(/\(.*$/, ''); // the qualifier before any parenthesized remark
  if (/per direction/i.test(head)) return { gbs: value };
  if (/bidirectional/i.test(head)) {
    const half = halfDecimal(value);
    return {
      gbs: half,
      note: `Scale-up bandwidth: CSV gives ${value} ${units}; stored per direction as ${half} GB/s (halved).`,
    };
  }
  throw new Error(`${rec.id}: cannot tell per-direction vs bidirectional from ${JSON.stringify(units)}`);
}

function convert(rec) {
  const id = rec.id.trim();
  const reasons = [];
  if (rec.memory_bw_gbs.trim() === '') {
    reasons.push('memory bandwidth not published in the sources read (memory_bw_gbs empty)');
  }
  /** @type {[string, string][]} */
  const rates = [];
  for (const [key, col] of RATE_COLUMNS) {
    if (rec[col].trim() !== '') rates.push([key, scaled(decimalCell(rec, col), 12)]);
  }
  if (!rates.some(([k]) => TENSOR_KEYS.has(k))) {
    reasons.push('no dense tensor/matrix rate in the sources read (tf32/bf16/fp16/fp8/int8/fp4 all empty)');
  }
  if (rec.memory_gb.trim() === '') reasons.push('memory capacity not in the sources read (memory_gb empty)');
  if (reasons.length > 0) return { excluded: { id, reason: reasons.join('; ') } };

  const notes = [];
  if (rec.notes.trim()) notes.push(rec.notes.trim());
  if (rec.sparse_note.trim()) notes.push(`Dense rates: ${rec.sparse_note.trim()}.`);

  /** @type {string[]} each a `key: value` TS property */
  const props = [];
  const str = (s) => JSON.stringify(s);
  props.push(`id: ${str(id)}`);
  props.push(`name: ${str(rec.name.trim())}`);
  props.push(`vendor: ${str(rec.vendor.trim())}`);
  // The family column names the architecture line (hardware/families.ts); empty means 'generic'.
  const family = rec.family.trim();
  if (family !== '') {
    if (!/^[a-z0-9-]+$/.test(family)) throw new Error(`${id}: family must be a lower-case name: ${family}`);
    props.push(`family: ${str(family)}`);
  }
  props.push(`peakFlopsPerSecond: { ${rates.map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
  props.push(
    `memory: { name: ${str(rec.memory_type.trim() || 'device memory')}, capacityBytes: ${decimalCell(
      rec,
      'memory_gb',
    )} * 2 ** 30, bandwidthBytesPerSecond: ${scaled(decimalCell(rec, 'memory_bw_gbs'), 9)} }`,
  );
  const host = hostLink(rec);
  if (host !== undefined) {
    props.push(`hostLink: { link: ${str(host.link)}, bandwidthBytesPerSecond: ${scaled(host.gbs, 9)} }`);
    notes.push(host.note);
  }
  if (rec.l2_or_sram_mb.trim()) props.push(`onChipBytes: ${scaled(decimalCell(rec, 'l2_or_sram_mb'), 6)}`);
  if (rec.scale_up_bw_gbs.trim()) {
    const { gbs, note } = perDirectionScaleUp(rec);
    if (note) notes.push(note);
    let domain = rec.scale_up_domain_size.trim();
    if (domain === '') {
      domain = '1';
      notes.push('Scale-up domain size not in the sources read; set to 1 (no peers assumed).');
    } else if (!/^\d+$/.test(domain) || Number(domain) < 1) {
      throw new Error(`${id}: scale_up_domain_size must be a positive integer: ${domain}`);
    }
    props.push(
      `scaleUp: { link: ${str(rec.scale_up_link.trim())}, domainSize: ${domain}, bandwidthBytesPerSecond: ${scaled(gbs, 9)} }`,
    );
  } else if (
    rec.scale_up_domain_size.trim() ||
    (rec.scale_up_link.trim() && !/^none\b/i.test(rec.scale_up_link))
  ) {
    const what = [
      rec.scale_up_link.trim(),
      rec.scale_up_domain_size.trim() && `domain ${rec.scale_up_domain_size}`,
    ]
      .filter(Boolean)
      .join(', ');
    notes.push(`Scale-up (${what}) left out: its bandwidth is not in the sources read.`);
  }
  if (rec.tdp_w.trim()) props.push(`tdpWatts: ${decimalCell(rec, 'tdp_w')}`);
  if (rec.launch_year.trim()) {
    const y = rec.launch_year.trim();
    if (!/^\d{4}$/.test(y)) throw new Error(`${id}: launch_year must be a year: ${y}`);
    props.push(`launchYear: ${y}`);
  }
  if (!rec.source.trim()) throw new Error(`${id}: empty source cell`);
  props.push(`sources: { row: ${str(rec.source.trim())} }`);
  if (notes.length > 0) props.push(`notes: ${str(notes.join(' '))}`);
  return { entry: `  {\n    ${props.join(',\n    ')},\n  }` };
}

/**
 * PCIe per-direction bandwidth per lane, GB/s, from the PCI-SIG signalling rates and encodings:
 * Gen3 8 GT/s, Gen4 16 GT/s, Gen5 32 GT/s with 128b/130b; Gen6 64 GT/s with 242/256 FLIT.
 */
const PCIE_LANE_GBS = {
  3: (8 * 128) / 130 / 8,
  4: (16 * 128) / 130 / 8,
  5: (32 * 128) / 130 / 8,
  6: (64 * 242) / 256 / 8,
};

/** The link to host memory: NVLink-C2C where the row names it, else the PCIe slot. */
function hostLink(rec) {
  const c2c = /NVLink-C2C\s+(\d+(?:\.\d+)?)\s*GB\/s/i.exec(`${rec.scale_up_link} ${rec.notes}`);
  if (c2c) {
    const gbs = String(Number(c2c[1]) / 2);
    return {
      link: 'NVLink-C2C',
      gbs,
      note: `Host link: NVLink-C2C ${c2c[1]} GB/s bidirectional -> ${gbs} GB/s per direction.`,
    };
  }
  const pcie = /PCIe\s+Gen\s*(\d)\s*x\s*(\d+)/i.exec(rec.pcie);
  if (pcie) {
    const lane = PCIE_LANE_GBS[Number(pcie[1])];
    if (lane === undefined) return undefined;
    const gbs = (lane * Number(pcie[2])).toFixed(1);
    return {
      link: `PCIe Gen${pcie[1]} x${pcie[2]}`,
      gbs,
      note: `Host link: PCIe Gen${pcie[1]} x${pcie[2]} = ${gbs} GB/s per direction (PCI-SIG signalling rate and encoding).`,
    };
  }
  return undefined;
}

function main() {
  const text = readFileSync(new URL(`../${CSV_PATH}`, import.meta.url), 'utf8');
  const records = csvRecords(text);
  const first = records[0];
  if (!first) throw new Error('CSV has no data rows');
  for (const c of REQUIRED_COLUMNS) if (!(c in first)) throw new Error(`CSV lacks column ${c}`);

  const seen = new Set();
  const entries = [];
  const excluded = [];
  for (const rec of records) {
    const id = rec.id.trim();
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) throw new Error(`bad id ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new Error(`duplicate id ${id}`);
    seen.add(id);
    const r = convert(rec);
    if (r.entry) entries.push(r.entry);
    else excluded.push(r.excluded);
  }

  const out = `// GENERATED by scripts/import-datasheets.mjs from data/hardware/datasheets.csv. DO NOT EDIT.
// Regenerate: node scripts/import-datasheets.mjs && npx prettier --write ${OUT_PATH}
// Units: bandwidths and rates SI decimal (GB/s = 1e9 B/s, TFLOPS = 1e12 FLOP/s); memory capacity in
// binary units: a marketed DRAM/HBM 'GB' is a GiB (2^30 B), as the sources state where they are
// explicit (aiconfigurator: H200 141 GiB; ml-engineering: H100 NVL 94 GiB; GCP: TPU v4 32 GiB).
// fp64/fp32 are the CSV's vector (non-tensor) rates; the other formats are dense tensor/matrix
// rates. Scale-up bandwidth is per direction.
import type { HardwareSpecInput } from './schema.js';

export const HARDWARE_DATA: readonly HardwareSpecInput[] = [
${entries.join(',\n')},
];

/** CSV rows left out of the catalog, with the reason. */
export const EXCLUDED_HARDWARE: readonly { id: string; reason: string }[] = [
${excluded.map((e) => `  { id: ${JSON.stringify(e.id)}, reason: ${JSON.stringify(e.reason)} }`).join(',\n')},
];
`;
  writeFileSync(new URL(`../${OUT_PATH}`, import.meta.url), out);
  process.stdout.write(
    `wrote ${OUT_PATH}: ${entries.length} devices, ${excluded.length} excluded (${excluded
      .map((e) => e.id)
      .join(', ')})\nnow run: npx prettier --write ${OUT_PATH}\n`,
  );
}

main();
