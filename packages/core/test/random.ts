import type { HardwareSpec } from '../src/hardware/schema.js';
import { HARDWARE_CATALOG } from '../src/hardware/catalog.js';
import { MODEL_CATALOG } from '../src/model/catalog.js';
import type { ModelSpec } from '../src/model/schema.js';

/** The simulator's seeded PRNG (mulberry32): property tests are reproducible without a dependency. */
export { seededRandom as rng } from '../src/serving/continuous.js';

export function pick<T>(r: () => number, items: readonly T[]): T {
  const item = items[Math.floor(r() * items.length)];
  if (item === undefined) throw new Error('pick from empty list');
  return item;
}

export function intIn(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

const models = [...MODEL_CATALOG.values()];
const hardware = [...HARDWARE_CATALOG.values()].filter(
  (h) => h.peakFlopsPerSecond.bf16 !== undefined || h.peakFlopsPerSecond.fp16 !== undefined,
);

/** A random catalog model on random 16-bit-capable hardware, with a tp its heads allow. */
export function randomPlacement(r: () => number): { model: ModelSpec; hw: HardwareSpec; tp: number } {
  const model = pick(r, models);
  const hw = pick(r, hardware);
  const heads = model.attention.numHeads;
  const kv = model.attention.kind === 'gqa' ? model.attention.numKvHeads : heads;
  const tps = [1, 2, 4, 8].filter((tp) => heads % tp === 0 && (tp <= kv ? kv % tp === 0 : tp % kv === 0));
  const tp = hw.scaleUp === undefined && hw.scaleOut === undefined ? 1 : pick(r, tps);
  return { model, hw, tp };
}
