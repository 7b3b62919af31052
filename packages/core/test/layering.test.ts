/**
 * The dependency order of packages/core/src, written once (LAYERS, lowest first) and enforced:
 * a module may import modules of its own layer or of lower ones, never of a higher one. Type-only
 * imports count too: a type that lower modules need lives low (scenario/types.ts). A file is
 * placed by its longest matching entry (a file entry beats its folder's). docs/architecture.md
 * draws the same order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LAYERS: readonly (readonly string[])[] = [
  ['units', 'util'],
  // The uncertainty band's data and math (diagnostic messages name its extrapolation kinds).
  ['uncertainty/types.ts', 'uncertainty/residuals-data.ts', 'uncertainty/band.ts'],
  ['diagnostics/diagnostic.ts', 'diagnostics/closest.ts'],
  // Per-folder message catalogs that diagnostics/messages.ts gathers (they need only the types above).
  [
    'energy/messages.ts',
    'hardware/messages.ts',
    'input/messages.ts',
    'memory/messages.ts',
    'model/messages.ts',
    'scenario/messages.ts',
    'serving/messages.ts',
    'uncertainty/messages.ts',
  ],
  ['diagnostics'],
  // Input schemas and the operator type.
  [
    'model/schema.ts',
    'hardware/schema.ts',
    'energy/schema.ts',
    'scenario/schema.ts',
    // Engine releases with a profile: the schema's engine references list them.
    'scenario/engine-releases.ts',
    'graph/operator.ts',
  ],
  // Catalogs and data: models, devices and their families, power and prices; reading input text.
  ['model/catalog.ts', 'model/hf-import.ts', 'hardware', 'energy', 'input'],
  // The normalized scenario and the narrow contexts of graph, cost and memory (types only).
  ['scenario/types.ts'],
  ['graph/ops.ts'],
  // Layer kinds, and model statistics over them.
  ['layers', 'model'],
  // The shipped calibration profiles, applied by default by the normalizer (data and lookup).
  ['calibrate/profiles-data.ts', 'calibrate/shipped.ts'],
  // Resolving a scenario: engine profiles are catalog data the normalizer reads.
  ['serving/engines.ts', 'scenario'],
  ['graph'],
  ['cost'],
  ['memory'],
  ['serving'],
  ['uncertainty', 'report'],
  ['estimate.ts'],
  // Applications of the engine: fidelity, calibration, measurement import, sweeps, training.
  // uncertainty/learn.ts measures bands on measurement rows (validate's source labels).
  ['calibrate', 'measurements', 'validate', 'explore', 'training', 'uncertainty/learn.ts'],
  ['index.ts'],
];

/**
 * Upward imports allowed by name, each type-only (erased at runtime) and with its reason. Keep
 * this list short: a type lower modules need belongs in a lower module.
 */
const TYPE_ONLY_EXCEPTIONS: readonly { from: string; to: RegExp; why: string }[] = [
  {
    from: 'diagnostics/diagnostic.ts',
    to: /^[a-z-]+\/messages\.ts$/,
    why: "DiagnosticCode is the union of every domain's codes, each declared beside its messages",
  },
];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Layer index of a module path relative to src ('graph/build.ts'), by its longest matching entry. */
function layerOf(path: string): number | undefined {
  let best: { layer: number; length: number } | undefined;
  LAYERS.forEach((entries, layer) => {
    for (const e of entries) {
      const match = path === e || path.startsWith(`${e}/`);
      if (match && (best === undefined || e.length > best.length)) best = { layer, length: e.length };
    }
  });
  return best?.layer;
}

const IMPORT = /^\s*(?:import|export)(\s+type)?\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gm;

interface Import {
  /** Path relative to src, .js mapped to .ts. */
  readonly path: string;
  readonly typeOnly: boolean;
}

/** Relative imports of a source file inside src. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), m[2] ?? '');
    const rel = relative(SRC, target).replace(/\.js$/, '.ts');
    if (!rel.startsWith('..')) out.push({ path: rel, typeOnly: m[1] !== undefined });
  }
  return out;
}

function excepted(from: string, to: Import): boolean {
  return to.typeOnly && TYPE_ONLY_EXCEPTIONS.some((e) => e.from === from && e.to.test(to.path));
}

describe('core layering', () => {
  const files = sourceFiles(SRC).map((f) => ({ file: f, path: relative(SRC, f) }));

  it('places every source file in a layer', () => {
    const unplaced = files.filter((f) => layerOf(f.path) === undefined).map((f) => f.path);
    expect(unplaced, 'add these to LAYERS in packages/core/test/layering.test.ts').toEqual([]);
  });

  it('has no import from a higher layer', () => {
    const violations: string[] = [];
    for (const { file, path } of files) {
      const from = layerOf(path) ?? -1;
      for (const target of importsOf(file)) {
        const to = layerOf(target.path) ?? Number.POSITIVE_INFINITY;
        if (to > from && !excepted(path, target))
          violations.push(`${path} (layer ${String(from)}) imports ${target.path} (layer ${String(to)})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('sees the imports it checks (the parser is not vacuous)', () => {
    expect(importsOf(join(SRC, 'graph/build.ts'))).toContainEqual({
      path: 'layers/registry.ts',
      typeOnly: false,
    });
    expect(importsOf(join(SRC, 'graph/build.ts'))).toContainEqual({
      path: 'scenario/types.ts',
      typeOnly: true,
    });
    expect(excepted('diagnostics/diagnostic.ts', { path: 'serving/messages.ts', typeOnly: true })).toBe(true);
    expect(excepted('diagnostics/diagnostic.ts', { path: 'serving/messages.ts', typeOnly: false })).toBe(
      false,
    );
    expect(layerOf('graph/ops.ts')).toBeLessThan(layerOf('graph/build.ts') ?? 0);
    expect(layerOf('scenario/types.ts')).toBeLessThan(layerOf('graph/build.ts') ?? 0);
  });
});
