/**
 * The layer-kind registry and a model's layer stack. Each layer index of a model gets one token
 * mixer and one channel mixer: the first registered kind of each role whose `select` claims the
 * layer. Layers with the same mixer and FFN keys form a group that the graph costs once (times
 * its count); groups keep the order of their first layer. Stacks are cached per model object.
 *
 * Adding a layer kind (a state-space or convolution mixer, say) is one module implementing
 * `LayerKind`, one `registerLayerKind` call here and a schema variant that lets a model ask for
 * it: memory, statistics, the graph builder, serving and the simulator pick it up unchanged.
 */
import type { ModelSpec } from '../model/schema.js';
import { gqaAttention } from './attention.js';
import { denseFfn } from './dense-ffn.js';
import { mlaAttention } from './mla.js';
import { moeFfn } from './moe.js';
import type { Layer, LayerKind } from './types.js';

/** Layers of one model that share their mixer and FFN: costed once, `count` times. */
export interface LayerStackGroup {
  readonly count: number;
  readonly mixer: Layer;
  readonly ffn: Layer;
}

/** Kinds in selection order: earlier kinds are asked first. */
const kinds: LayerKind[] = [gqaAttention, mlaAttention, moeFfn, denseFfn];

let stacks = new WeakMap<ModelSpec, readonly LayerStackGroup[]>();

/**
 * Registers a layer kind ahead of the built-in ones (a more specific kind claims its layers
 * first). Returns a function that removes it again. Clears the cached stacks.
 */
export function registerLayerKind(kind: LayerKind): () => void {
  if (kinds.some((k) => k.kind === kind.kind)) throw new Error(`layer kind '${kind.kind}' is registered`);
  kinds.unshift(kind);
  stacks = new WeakMap();
  return () => {
    const i = kinds.indexOf(kind);
    if (i >= 0) kinds.splice(i, 1);
    stacks = new WeakMap();
  };
}

/** Registered kinds, in selection order. */
export function layerKinds(): readonly LayerKind[] {
  return kinds;
}

function select(model: ModelSpec, index: number, role: LayerKind['role']): Layer {
  for (const k of kinds) {
    if (k.role !== role) continue;
    const layer = k.select(model, index);
    if (layer !== undefined) return layer;
  }
  throw new Error(`no ${role} layer kind for layer ${String(index)} of '${model.id}'`);
}

function computeStack(model: ModelSpec): LayerStackGroup[] {
  const groups = new Map<string, LayerStackGroup>();
  for (let i = 0; i < model.numLayers; i++) {
    const mixer = select(model, i, 'mixer');
    const ffn = select(model, i, 'ffn');
    const key = `${mixer.key}|${ffn.key}`;
    const prev = groups.get(key);
    groups.set(key, { count: (prev?.count ?? 0) + 1, mixer: prev?.mixer ?? mixer, ffn: prev?.ffn ?? ffn });
  }
  return [...groups.values()];
}

/** The model's layers grouped by (mixer, FFN), in order of first occurrence; cached per model. */
export function layerStackOf(model: ModelSpec): readonly LayerStackGroup[] {
  const cached = stacks.get(model);
  if (cached !== undefined) return cached;
  const stack = computeStack(model);
  stacks.set(model, stack);
  return stack;
}

const distinct = new WeakMap<readonly LayerStackGroup[], readonly Layer[]>();

/** One layer of each kind the model uses, in stack order (a group's mixer before its FFN). */
export function distinctLayersOf(model: ModelSpec): readonly Layer[] {
  const stack = layerStackOf(model);
  const hit = distinct.get(stack);
  if (hit !== undefined) return hit;
  const out: Layer[] = [];
  for (const g of stack)
    for (const layer of [g.mixer, g.ffn]) if (!out.some((l) => l.kind === layer.kind)) out.push(layer);
  distinct.set(stack, out);
  return out;
}
