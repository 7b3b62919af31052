import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import {
  EXCLUDED_HARDWARE,
  HARDWARE_ALIASES,
  HARDWARE_CATALOG,
  findHardware,
  hardwareIds,
  normalizeHardwareName,
} from './catalog.js';
import type { HardwareSpec } from './schema.js';

const DATASHEETS_URL = new URL('../../data/hardware/datasheets.csv', import.meta.url);
const REFERENCE_URL = new URL('../../data/measurements/reference.csv', import.meta.url);

/** Minimal RFC 4180 reader (quoted fields, doubled quotes, commas/newlines inside quotes). */
function readCsv(url: URL): Record<string, string>[] {
  const text = readFileSync(url, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text.charAt(i + 1) === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text.charAt(i + 1) === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) throw new Error(`empty CSV ${url.pathname}`);
  return body
    .filter((r) => r.length > 1 || r[0] !== '')
    .map((r) => {
      expect(r.length).toBe(header.length);
      return Object.fromEntries(header.map((h, k) => [h, r[k] ?? '']));
    });
}

function cell(rec: Record<string, string>, col: string): string {
  const v = rec[col];
  if (v === undefined) throw new Error(`missing column ${col}`);
  return v.trim();
}

function get(id: string): HardwareSpec {
  const spec = HARDWARE_CATALOG.get(id);
  if (!spec) throw new Error(`${id} not in catalog`);
  return spec;
}

/** Every number reachable from a value, with its path. */
function numbers(value: unknown, path: string, out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  }
  return out;
}

const csvRows = readCsv(DATASHEETS_URL);

describe('hardware catalog vs datasheets.csv', () => {
  it('every CSV row is either in the catalog or excluded, never both, nothing else', () => {
    const csvIds = csvRows.map((r) => cell(r, 'id'));
    expect(csvIds.length).toBeGreaterThan(0);
    expect(new Set(csvIds).size).toBe(csvIds.length);
    const excluded = new Set(EXCLUDED_HARDWARE.map((e) => e.id));
    for (const id of csvIds) {
      expect(HARDWARE_CATALOG.has(id) !== excluded.has(id), id).toBe(true);
    }
    expect(HARDWARE_CATALOG.size + excluded.size).toBe(csvIds.length);
    for (const e of EXCLUDED_HARDWARE) {
      expect(e.reason.length, e.id).toBeGreaterThan(0);
      expect(findHardware(e.id)).toBeUndefined();
    }
  });

  it('excludes exactly the rows without memory bandwidth or without any tensor rate', () => {
    const tensorCols = ['tf32', 'bf16', 'fp16', 'fp8', 'int8', 'fp4'].map((f) => `dense_tflops_${f}`);
    for (const r of csvRows) {
      const unusable = cell(r, 'memory_bw_gbs') === '' || tensorCols.every((c) => cell(r, c) === '');
      expect(HARDWARE_CATALOG.has(cell(r, 'id')), cell(r, 'id')).toBe(!unusable);
    }
  });

  it('catalog numbers are the CSV numbers in SI units (nothing invented, nothing dropped)', () => {
    const scaled = (s: string, exp: number): number | undefined =>
      s === '' ? undefined : Number(`${s}e${exp}`);
    for (const r of csvRows) {
      const spec = HARDWARE_CATALOG.get(cell(r, 'id'));
      if (!spec) continue;
      const id = spec.id;
      for (const f of ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'fp4'] as const) {
        expect(spec.peakFlopsPerSecond[f], `${id} ${f}`).toBe(scaled(cell(r, `dense_tflops_${f}`), 12));
      }
      expect(spec.peakFlopsPerSecond.int4, id).toBeUndefined();
      // DRAM capacity: a marketed GB is a GiB (see scripts/import-datasheets.mjs).
      expect(spec.memory.capacityBytes, id).toBe(Number(cell(r, 'memory_gb')) * 2 ** 30);
      expect(spec.memory.bandwidthBytesPerSecond, id).toBe(scaled(cell(r, 'memory_bw_gbs'), 9));
      expect(spec.memory.name, id).toBe(cell(r, 'memory_type') || 'device memory');
      expect(spec.onChipBytes, id).toBe(scaled(cell(r, 'l2_or_sram_mb'), 6));
      expect(spec.tdpWatts, id).toBe(scaled(cell(r, 'tdp_w'), 0));
      expect(spec.launchYear, id).toBe(scaled(cell(r, 'launch_year'), 0));
      expect(spec.name, id).toBe(cell(r, 'name'));
      expect(spec.vendor, id).toBe(cell(r, 'vendor'));
      expect(spec.family, id).toBe(cell(r, 'family') || 'generic');
      expect(spec.sources.row, id).toBe(cell(r, 'source'));
      expect(Object.keys(spec.sources), id).toEqual(['row']);
      if (cell(r, 'notes')) expect(spec.notes, id).toContain(cell(r, 'notes'));
      if (cell(r, 'sparse_note')) expect(spec.notes, id).toContain(cell(r, 'sparse_note'));
      expect(spec.offloadTiers, id).toEqual([]);
      expect(spec.scaleOut, id).toBeUndefined();
      expect(spec.priceUsdPerHour, id).toBeUndefined();

      const bw = cell(r, 'scale_up_bw_gbs');
      if (bw === '') {
        expect(spec.scaleUp, id).toBeUndefined();
        continue;
      }
      const units = cell(r, 'scale_up_bw_units');
      const perDirection = /^GB\/s per direction/.test(units);
      expect(perDirection || /^GB\/s bidirectional/.test(units), `${id}: ${units}`).toBe(true);
      expect(spec.scaleUp?.bandwidthBytesPerSecond, id).toBe(Number(`${bw}e9`) / (perDirection ? 1 : 2));
      expect(spec.scaleUp?.link, id).toBe(cell(r, 'scale_up_link'));
      const domain = cell(r, 'scale_up_domain_size');
      expect(spec.scaleUp?.domainSize, id).toBe(domain === '' ? 1 : Number(domain));
      if (domain === '') expect(spec.notes, id).toMatch(/domain size not in the sources read; set to 1/);
    }
  });
});

describe('hardware catalog values', () => {
  it('h100-sxm matches its datasheet row', () => {
    const h100 = get('h100-sxm');
    expect(h100.peakFlopsPerSecond.bf16).toBe(989.5e12);
    expect(h100.peakFlopsPerSecond.fp8).toBe(1979e12);
    expect(h100.memory.bandwidthBytesPerSecond).toBe(3.35e12);
    expect(h100.memory.capacityBytes).toBe(80 * 2 ** 30);
    expect(h100.hostLink?.bandwidthBytesPerSecond).toBe(63e9);
    expect(h100.scaleUp?.bandwidthBytesPerSecond).toBe(450e9);
    expect(h100.scaleUp?.domainSize).toBe(8);
    expect(h100.vendor).toBe('NVIDIA');
  });

  it('tpu-v5e scale-up is per direction (400 GB/s bidirectional halved)', () => {
    expect(get('tpu-v5e').scaleUp?.bandwidthBytesPerSecond).toBe(200e9);
    expect(get('tpu-v6e').scaleUp?.bandwidthBytesPerSecond).toBe(400e9);
  });

  it('every entry has memory bandwidth, a peak rate and a source row', () => {
    expect(HARDWARE_CATALOG.size).toBeGreaterThan(0);
    for (const [id, spec] of HARDWARE_CATALOG) {
      expect(spec.id).toBe(id);
      expect(spec.memory.bandwidthBytesPerSecond, id).toBeGreaterThan(0);
      expect(spec.memory.capacityBytes, id).toBeGreaterThan(0);
      expect(Object.values(spec.peakFlopsPerSecond).length, id).toBeGreaterThan(0);
      expect(spec.sources.row?.length ?? 0, id).toBeGreaterThan(0);
    }
  });

  it('conformance: every number of every entry is finite and positive', () => {
    for (const [id, spec] of HARDWARE_CATALOG) {
      const found = numbers(spec, id);
      expect(found.length, id).toBeGreaterThan(2);
      for (const [path, n] of found) {
        expect(Number.isFinite(n), path).toBe(true);
        expect(n, path).toBeGreaterThan(0);
      }
      if (spec.scaleUp) expect(Number.isInteger(spec.scaleUp.domainSize), id).toBe(true);
      if (spec.launchYear !== undefined) expect(spec.launchYear, id).toBeGreaterThanOrEqual(2000);
    }
  });

  it('catalog entries are frozen', () => {
    const spec = get('a100-sxm-80gb');
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.memory)).toBe(true);
    expect(Object.isFrozen(spec.peakFlopsPerSecond)).toBe(true);
  });

  it('hardwareIds() is sorted and lists the whole catalog', () => {
    const ids = hardwareIds();
    expect(ids).toEqual([...HARDWARE_CATALOG.keys()].sort());
    expect(ids).toContain('h100-sxm');
  });
});

describe('hardware lookup', () => {
  it('normalizeHardwareName strips remarks, device counts and case', () => {
    expect(normalizeHardwareName('H800 (NVLink ~160 GB/s; CX7 IB 400Gb/s)')).toBe('h800');
    expect(normalizeHardwareName("A100 (LLMCompass 'A100_80GB' config)")).toBe('a100');
    expect(normalizeHardwareName('A100 x4')).toBe('a100');
    expect(normalizeHardwareName('8x MI300X')).toBe('mi300x');
    expect(normalizeHardwareName('  H100   SXM 80GB (HBM3) ')).toBe('h100 sxm 80gb');
    expect(normalizeHardwareName('MI300X')).toBe('mi300x');
  });

  it('resolves ids and aliases, case-insensitively', () => {
    expect(findHardware('h100-sxm')?.id).toBe('h100-sxm');
    expect(findHardware('H100-SXM')?.id).toBe('h100-sxm');
    expect(findHardware('a100')?.id).toBe('a100-sxm-80gb');
    expect(findHardware('A100')?.id).toBe('a100-sxm-80gb');
    expect(findHardware('no such gpu')).toBeUndefined();
    expect(findHardware('constructor')).toBeUndefined();
    expect(findHardware('')).toBeUndefined();
  });

  it('maps the common names to the expected devices', () => {
    const expected: Record<string, string> = {
      h100: 'h100-sxm',
      'h100 sxm 80gb': 'h100-sxm',
      'h100 sxm': 'h100-sxm',
      'h100 sxm 80gb (hbm3)': 'h100-sxm',
      'h100-sxm5': 'h100-sxm',
      'nvidia h100 sxm': 'h100-sxm',
      h200: 'h200-sxm',
      'h200 sxm 141gb': 'h200-sxm',
      'nvidia h200 sxm': 'h200-sxm',
      a100: 'a100-sxm-80gb',
      'a100-80gb': 'a100-sxm-80gb',
      'a100 80gb': 'a100-sxm-80gb',
      'a100 sxm4 80gb': 'a100-sxm-80gb',
      'nvidia a100 sxm': 'a100-sxm-80gb',
      'nvidia a100 pcie': 'a100-pcie-80gb',
      gh200: 'gh200',
      'gh200 480gb': 'gh200',
      'nvidia gh200 sxm': 'gh200',
      h800: 'h800-sxm',
      'h800 sxm5': 'h800-sxm',
      b200: 'b200',
      'nvidia b200 sxm': 'b200',
      gb200: 'gb200',
      'nvidia gb200 sxm': 'gb200',
      b300: 'b300',
      'nvidia b300 sxm': 'b300',
      mi300x: 'mi300x',
      'amd mi300x': 'mi300x',
      mi325x: 'mi325x',
      'amd mi325x': 'mi325x',
      mi355x: 'mi355x',
      'amd mi355x': 'mi355x',
      l40s: 'l40s',
      l4: 'l4',
    };
    for (const [name, id] of Object.entries(expected)) {
      expect(findHardware(name)?.id, name).toBe(id);
      expect(findHardware(name.toUpperCase())?.id, name.toUpperCase()).toBe(id);
    }
  });

  it('alias keys are normalized and point at catalog devices', () => {
    for (const [key, id] of Object.entries(HARDWARE_ALIASES)) {
      expect(normalizeHardwareName(key), key).toBe(key);
      expect(HARDWARE_CATALOG.has(id), `${key} -> ${id}`).toBe(true);
    }
  });

  it('resolves every hardware name of reference.csv (except n/a)', () => {
    const names = new Set(readCsv(REFERENCE_URL).map((r) => r.hardware ?? ''));
    names.delete('n/a');
    expect(names.size).toBeGreaterThan(10);
    const unresolved = [...names].filter((n) => findHardware(n) === undefined);
    expect(unresolved).toEqual([]);
  });
});
