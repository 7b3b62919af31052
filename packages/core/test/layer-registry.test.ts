/**
 * A new layer kind is one module and one registration: here a state-space-like token mixer with
 * a constant recurrent state per sequence. Statistics, memory, the graph and a full estimate pick
 * it up without any edit elsewhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { estimateNormalized } from '../src/estimate.js';
import { buildGraph } from '../src/graph/build.js';
import { elementwise, gemm } from '../src/graph/ops.js';
import { distinctLayersOf, layerStackOf, registerLayerKind } from '../src/layers/registry.js';
import type { Layer, LayerKind } from '../src/layers/types.js';
import { kvBytesPerSequence, weightsBytesPerDevice } from '../src/memory/footprint.js';
import { findModel } from '../src/model/catalog.js';
import type { ModelSpec } from '../src/model/schema.js';
import { countParams, kvCacheBytesPerToken } from '../src/model/stats.js';
import { normalizeScenario } from '../src/scenario/normalize.js';
import { ScenarioSchema } from '../src/scenario/schema.js';
import type { NormalizedScenario } from '../src/scenario/types.js';

const STATE_ELEMENTS = 4096;

/** A toy recurrent mixer: one h×h projection and a scan over a fixed state. */
const stateLayer: Layer = {
  kind: 'toy-state',
  key: 'toy-state',
  params: (m) => {
    const p = m.hiddenSize * m.hiddenSize;
    return { total: p, activePerToken: p, replicated: 0, routedExperts: 0 };
  },
  cacheElements: () => STATE_ELEMENTS,
  contextFlopsPerToken: () => 0,
  activationElementsPerToken: (m, tp) => m.hiddenSize / tp,
  operators(c, n, out) {
    out.push(gemm(c, 'state_in_proj', n, c.tokens, c.model.hiddenSize / c.tp, c.model.hiddenSize));
    out.push(elementwise(c, 'state_scan', n, c.tokens * STATE_ELEMENTS, c.tokens * STATE_ELEMENTS, 4));
  },
  checkSplit: () => [],
  checkCacheLayerInput: () => [],
  skipsBlockAllReduce: () => false,
};

const toyKind: LayerKind = {
  kind: 'toy-state',
  role: 'mixer',
  // Every other layer of the test model is a state layer.
  select: (m, i) => (m.id === 'toy-hybrid' && i % 2 === 0 ? stateLayer : undefined),
};

function scenario(model: ModelSpec): NormalizedScenario {
  const s = ScenarioSchema.parse({
    model,
    hardware: 'h100-sxm',
    workload: { inputTokens: 1024, outputTokens: 64, batch: 4 },
  });
  const n = normalizeScenario(s);
  if (!n.ok) throw new Error(JSON.stringify(n.diagnostics));
  return n.value;
}

const base = findModel('llama-3.1-8b');
if (base === undefined) throw new Error('missing llama-3.1-8b');
const hybrid: ModelSpec = { ...base, id: 'toy-hybrid' };

let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

describe('layer-kind registry', () => {
  it('a registered kind claims its layers; memory, stats and the graph use it', () => {
    const plainKv = kvBytesPerSequence(scenario(hybrid), 1000);
    const plainParams = countParams(hybrid).total;
    unregister = registerLayerKind(toyKind);
    const ns = scenario(hybrid);
    const stack = layerStackOf(hybrid);
    expect(stack.map((g) => [g.mixer.kind, g.ffn.kind, g.count])).toEqual([
      ['toy-state', 'dense-ffn', 16],
      ['gqa', 'dense-ffn', 16],
    ]);
    // Half the layers hold a constant state instead of a growing KV cache.
    const kv = (tokens: number) => kvBytesPerSequence(ns, tokens);
    expect(kv(2000) - kv(1000)).toBeCloseTo((plainKv / 1000) * 1000 * 0.5, 6);
    expect(kv(1000)).toBeCloseTo(plainKv / 2 + 16 * STATE_ELEMENTS * 2, 6);
    expect(countParams(hybrid).total).toBeLessThan(plainParams);
    expect(kvCacheBytesPerToken(hybrid)).toBeGreaterThan(0);
    expect(weightsBytesPerDevice(ns)).toBeGreaterThan(0);
    const names = buildGraph(ns, { phase: 'decode', sequences: 4, tokensPerSequence: 1 }).operators.map(
      (o) => o.name,
    );
    expect(names).toContain('state_scan');
    expect(names).toContain('attention');
    const report = estimateNormalized(ns);
    expect(report.ok).toBe(true);
  });

  it('unregistering restores the built-in kinds', () => {
    unregister = registerLayerKind(toyKind);
    expect(layerStackOf(hybrid)[0]?.mixer.kind).toBe('toy-state');
    unregister();
    unregister = undefined;
    expect(layerStackOf(hybrid).map((g) => g.mixer.kind)).toEqual(['gqa']);
    expect(() => registerLayerKind({ ...toyKind, kind: 'gqa' })).toThrow(/registered/);
  });
});

describe('layer kinds check their own splits', () => {
  const layers = (id: string) => {
    const m = findModel(id);
    if (m === undefined) throw new Error(`missing ${id}`);
    return { m, kinds: distinctLayersOf(m) };
  };

  it('lists one layer per kind in stack order', () => {
    expect(layers('deepseek-v3').kinds.map((l) => l.kind)).toEqual(['mla', 'dense-ffn', 'moe']);
    expect(layers('llama-3.1-8b').kinds.map((l) => l.kind)).toEqual(['gqa', 'dense-ffn']);
  });

  it('GQA: heads must divide, KV heads are replicated past their count', () => {
    const { m, kinds } = layers('llama-3.1-70b');
    const gqa = kinds[0];
    expect(gqa?.checkSplit(m, { attnTp: 8, tp: 8, ep: 1 })).toEqual([]);
    const over = gqa?.checkSplit(m, { attnTp: 16, tp: 16, ep: 1 }) ?? [];
    expect(over.map((d) => d.message).join()).toMatch(/KV heads/);
    const odd = gqa?.checkSplit(m, { attnTp: 3, tp: 3, ep: 1 }) ?? [];
    expect(odd.filter((d) => d.severity === 'error').length).toBe(2);
  });

  it('MoE: expert columns must split over tp/ep; XQuant is refused on MLA', () => {
    const { m, kinds } = layers('deepseek-v3');
    const moe = kinds.find((l) => l.kind === 'moe');
    expect(moe?.checkSplit(m, { attnTp: 8, tp: 8, ep: 8 })).toEqual([]);
    expect(
      moe
        ?.checkSplit(m, { attnTp: 5, tp: 5, ep: 1 })
        .map((d) => d.message)
        .join(),
    ).toMatch(/expert FFN columns/);
    const n = normalizeScenario(
      ScenarioSchema.parse({
        model: 'deepseek-v3',
        hardware: 'h200-sxm',
        gpus: 8,
        parallelism: { tp: 8 },
        precision: { weights: 'fp8', cacheLayerInput: true },
        workload: { inputTokens: 128, outputTokens: 16, batch: 1 },
      }),
    );
    expect(n.ok).toBe(false);
    expect(n.diagnostics.some((d) => d.path?.join('.') === 'precision.cacheLayerInput')).toBe(true);
  });
});
