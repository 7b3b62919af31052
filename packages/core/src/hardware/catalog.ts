/**
 * The built-in hardware catalog: every device of data/hardware/datasheets.csv that has memory
 * bandwidth and at least one dense tensor rate (see catalog-data.ts, generated), validated once
 * against HardwareSpecSchema, plus name aliases for lookup.
 */
import { EXCLUDED_HARDWARE, HARDWARE_DATA } from './catalog-data.js';
import { CATALOG_DEVICE_EFFICIENCY } from './families.js';
import { HardwareSpecSchema, type HardwareSpec } from './schema.js';

export { EXCLUDED_HARDWARE, HARDWARE_DATA };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function buildCatalog(): ReadonlyMap<string, HardwareSpec> {
  const map = new Map<string, HardwareSpec>();
  for (const input of HARDWARE_DATA) {
    // A device measured apart from its family carries its own efficiencies (families.ts).
    const measured = CATALOG_DEVICE_EFFICIENCY[input.id];
    const spec = HardwareSpecSchema.parse(
      measured !== undefined && measured.family === input.family
        ? { ...input, efficiency: measured.efficiency }
        : input,
    );
    if (map.has(spec.id)) throw new Error(`hardware catalog: duplicate id '${spec.id}'`);
    map.set(spec.id, deepFreeze(spec));
  }
  return map;
}

/** Catalog devices by id, parsed once with HardwareSpecSchema. Entries are frozen. */
export const HARDWARE_CATALOG: ReadonlyMap<string, HardwareSpec> = buildCatalog();

/**
 * Lookup form of a hardware name: lower case, parenthesized remarks removed, a leading 'Nx ' or
 * trailing ' xN' device count removed, whitespace collapsed.
 * 'H800 (NVLink ~160 GB/s; CX7 IB 400Gb/s)' -> 'h800'; 'A100 x4' -> 'a100'; '8x MI300X' -> 'mi300x'.
 */
export function normalizeHardwareName(s: string): string {
  let t = s.toLowerCase();
  for (let prev = ''; prev !== t;) {
    prev = t;
    t = t.replace(/\([^()]*\)/g, ' ');
  }
  t = t.replace(/\s+/g, ' ').trim();
  t = t.replace(/\s+x\s*\d+$/, '').replace(/^\d+\s*x\s+/, '');
  return t.trim();
}

/** Alias table, written in readable form; keys are normalized when the table is built. */
const ALIASES_BY_ID: Readonly<Record<string, readonly string[]>> = {
  'a100-sxm-40gb': ['a100 40gb', 'a100-40gb', 'a100 sxm4 40gb', 'a100 sxm 40gb', 'nvidia a100 40gb'],
  'a100-sxm-80gb': [
    'a100',
    'a100-80gb',
    'a100 80gb',
    'a100_80gb',
    'a100 sxm',
    'a100 sxm4',
    'a100-sxm4',
    'a100 sxm 80gb',
    'a100 sxm4 80gb',
    'a100-sxm4-80gb',
    'nvidia a100',
    'nvidia a100 sxm',
    'nvidia a100 sxm4',
    'nvidia a100 80gb',
  ],
  'a100-pcie-80gb': ['a100 pcie', 'a100-pcie', 'a100 pcie 80gb', 'nvidia a100 pcie'],
  'h100-sxm': [
    'h100',
    'h100 sxm',
    'h100 sxm5',
    'h100-sxm5',
    'h100 sxm 80gb',
    'h100 sxm5 80gb',
    'h100 sxm 80gb (hbm3)',
    'nvidia h100',
    'nvidia h100 sxm',
    'nvidia h100 sxm5',
  ],
  'h100-pcie': ['h100 pcie', 'h100 pcie 80gb', 'nvidia h100 pcie'],
  'h800-sxm': [
    'h800',
    'h800 sxm',
    'h800 sxm5',
    'h800-sxm5',
    'h800 sxm5 80gb',
    'nvidia h800',
    'nvidia h800 sxm',
  ],
  'h200-sxm': ['h200', 'h200 sxm', 'h200 sxm 141gb', 'h200-sxm-141gb', 'nvidia h200', 'nvidia h200 sxm'],
  gh200: ['gh200 480gb', 'gh200 sxm', 'nvidia gh200', 'nvidia gh200 sxm', 'gh200 grace hopper'],
  b200: ['nvidia b200', 'b200 sxm', 'nvidia b200 sxm', 'hgx b200', 'dgx b200'],
  gb200: ['nvidia gb200', 'gb200 sxm', 'nvidia gb200 sxm', 'gb200 nvl72'],
  b300: ['nvidia b300', 'b300 sxm', 'nvidia b300 sxm', 'hgx b300'],
  l40s: ['nvidia l40s', 'l40s 48gb'],
  l4: ['nvidia l4', 'l4 24gb'],
  a10g: ['nvidia a10g', 'a10g 24gb'],
  'rtx-3090': ['rtx 3090', 'rtx3090', 'geforce rtx 3090', 'nvidia geforce rtx 3090'],
  'rtx-4090': ['rtx 4090', 'rtx4090', 'geforce rtx 4090', 'nvidia geforce rtx 4090'],
  'rtx-5090': ['rtx 5090', 'rtx5090', 'geforce rtx 5090', 'nvidia geforce rtx 5090'],
  mi250x: ['amd mi250x', 'instinct mi250x', 'amd instinct mi250x'],
  mi300x: ['amd mi300x', 'instinct mi300x', 'amd instinct mi300x'],
  mi325x: ['amd mi325x', 'instinct mi325x', 'amd instinct mi325x'],
  mi355x: ['amd mi355x', 'instinct mi355x', 'amd instinct mi355x'],
  'tpu-v4': ['tpu v4', 'tpuv4', 'google tpu v4'],
  'tpu-v5e': ['tpu v5e', 'tpuv5e', 'tpu v5 lite', 'google tpu v5e'],
  'tpu-v5p': ['tpu v5p', 'tpuv5p', 'google tpu v5p'],
  'tpu-v6e': ['tpu v6e', 'tpuv6e', 'trillium', 'tpu v6e trillium', 'google tpu v6e'],
  gaudi2: ['gaudi 2', 'gaudi-2', 'intel gaudi 2', 'intel gaudi2', 'hl-225'],
  gaudi3: ['gaudi 3', 'gaudi-3', 'intel gaudi 3', 'intel gaudi3', 'hl-325l'],
};

function buildAliases(): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [id, names] of Object.entries(ALIASES_BY_ID)) {
    if (!HARDWARE_CATALOG.has(id)) throw new Error(`hardware alias target '${id}' is not in the catalog`);
    for (const name of names) {
      const key = normalizeHardwareName(name);
      const prev = out[key];
      if (prev !== undefined && prev !== id) {
        throw new Error(`hardware alias '${key}' is ambiguous: '${prev}' and '${id}'`);
      }
      out[key] = id;
    }
  }
  return Object.freeze(out);
}

/** Common names -> catalog id. Keys are in normalizeHardwareName form (lower case). */
export const HARDWARE_ALIASES: Readonly<Record<string, string>> = buildAliases();

/** A catalog device by exact id, else by normalized id or alias (case-insensitive). */
export function findHardware(idOrAlias: string): HardwareSpec | undefined {
  const exact = HARDWARE_CATALOG.get(idOrAlias);
  if (exact) return exact;
  const key = normalizeHardwareName(idOrAlias);
  const byId = HARDWARE_CATALOG.get(key);
  if (byId) return byId;
  const id = Object.hasOwn(HARDWARE_ALIASES, key) ? HARDWARE_ALIASES[key] : undefined;
  return id === undefined ? undefined : HARDWARE_CATALOG.get(id);
}

/** Catalog ids, sorted. */
export function hardwareIds(): string[] {
  return [...HARDWARE_CATALOG.keys()].sort();
}
