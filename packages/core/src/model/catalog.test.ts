import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findModel,
  MISSING_MODELS,
  MODEL_ALIAS_TABLE,
  MODEL_ALIASES,
  MODEL_CATALOG,
  modelIds,
  REFUSED_MODELS,
} from './catalog.js';
import type { ModelSpec } from './schema.js';
import { layerGroupsOf, ModelSpecSchema } from './schema.js';

const HF_DIR = fileURLToPath(new URL('../../data/models/hf/', import.meta.url));
const hfIds = readdirSync(HF_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

function get(id: string): ModelSpec {
  const m = MODEL_CATALOG.get(id);
  if (m === undefined) throw new Error(`no catalog entry ${id}`);
  return m;
}

const RECONSTRUCTED = [
  'llama-2-13b',
  'llama-3.2-3b',
  'llama-3.3-70b',
  'llama-4-scout-17b-16e',
  'llama-4-maverick-17b-128e',
  'qwen2.5-72b',
  'deepseek-v2',
  'gemma-2-9b',
  'gemma-3-27b',
];

describe('MODEL_CATALOG', () => {
  it('holds every saved config except bert-base, plus the reconstructed models', () => {
    const expected = [...hfIds.filter((id) => id !== 'bert-base'), ...RECONSTRUCTED].sort();
    expect(modelIds()).toEqual(expected);
  });

  it('refuses only bert-base, with the importer message', () => {
    expect(REFUSED_MODELS.map((r) => r.id)).toEqual(['bert-base']);
    expect(REFUSED_MODELS[0]?.diagnostics.map((d) => d.code)).toEqual(['model.encoder-unsupported']);
    expect(REFUSED_MODELS[0]?.reason).toMatch(/encoder-only models \(BERT\) are not supported yet/);
    expect(findModel('bert-base')).toBeUndefined();
  });

  it('lists the missing models with reasons and leaves them out', () => {
    expect(MISSING_MODELS.map((m) => m.id).sort()).toEqual(['falcon-180b', 'phi-3-mini']);
    for (const m of MISSING_MODELS) {
      expect(m.reason.length).toBeGreaterThan(10);
      expect(MODEL_CATALOG.has(m.id)).toBe(false);
    }
  });

  for (const [id, model] of MODEL_CATALOG) {
    it(`${id} is a valid, normalised ModelSpec`, () => {
      expect(model.id).toBe(id);
      expect(ModelSpecSchema.parse(model)).toEqual(model);
      expect(model.provenance.source.length).toBeGreaterThan(0);
      expect(model.provenance.hfRepo).toBeDefined();
      expect(model.provenance.kind).toBe(RECONSTRUCTED.includes(id) ? 'reconstructed' : 'hf-config');
    });

    it(`${id} has positive integer shapes`, () => {
      const numbers: number[] = [
        model.hiddenSize,
        model.numLayers,
        model.vocabSize,
        model.ffn.intermediateSize,
      ];
      if (model.maxPositionEmbeddings !== undefined) numbers.push(model.maxPositionEmbeddings);
      if (model.slidingWindow !== undefined) numbers.push(model.slidingWindow);
      const a = model.attention;
      if (a.kind === 'gqa') numbers.push(a.numHeads, a.numKvHeads, a.headDim);
      else {
        numbers.push(a.numHeads, a.kvLoraRank, a.qkNopeHeadDim, a.qkRopeHeadDim, a.vHeadDim);
        if (a.qLoraRank !== null) numbers.push(a.qLoraRank);
      }
      if (model.moe !== undefined) {
        numbers.push(
          model.moe.numExperts,
          model.moe.topK,
          model.moe.expertIntermediateSize,
          model.moe.layerStep,
        );
        expect(Number.isInteger(model.moe.numSharedExperts) && model.moe.numSharedExperts >= 0).toBe(true);
        expect(Number.isInteger(model.moe.firstDenseLayers) && model.moe.firstDenseLayers >= 0).toBe(true);
      }
      for (const n of numbers) {
        expect(Number.isInteger(n) && n > 0, `${id}: ${n}`).toBe(true);
      }
      if (model.layerTypes !== undefined) expect(model.layerTypes).toHaveLength(model.numLayers);
      const total = layerGroupsOf(model).reduce((s, g) => s + g.count, 0);
      expect(total).toBe(model.numLayers);
    });
  }
});

describe('aliases', () => {
  it('every alias resolves to its catalog id', () => {
    for (const [alias, id] of MODEL_ALIAS_TABLE) {
      expect(MODEL_CATALOG.has(id), id).toBe(true);
      expect(findModel(alias)?.id, alias).toBe(id);
    }
    for (const id of MODEL_ALIASES.values()) expect(MODEL_CATALOG.has(id)).toBe(true);
  });

  it('every catalog id resolves to itself, case-insensitively', () => {
    for (const id of modelIds()) {
      expect(findModel(id)?.id).toBe(id);
      expect(findModel(id.toUpperCase())?.id).toBe(id);
    }
  });

  it.each([
    ['meta-llama/Llama-3.1-70B', 'llama-3.1-70b'],
    ['meta-llama/Llama-3.1-70B-Instruct', 'llama-3.1-70b'],
    ['meta-llama/Meta-Llama-3.1-70B', 'llama-3.1-70b'],
    ['deepseek-ai/DeepSeek-V3', 'deepseek-v3'],
    ['Qwen/Qwen2.5-72B', 'qwen2.5-72b'],
    ['Llama-3.1-8B', 'llama-3.1-8b'],
    ['Llama-3.1-70B', 'llama-3.1-70b'],
    ['Llama-3.1-405B', 'llama-3.1-405b'],
    ['Mistral-7B', 'mistral-7b'],
    ['Mixtral-8x7B', 'mixtral-8x7b'],
    ['Mixtral-8x22B', 'mixtral-8x22b'],
    ['Llama-2-7B', 'llama-2-7b'],
    ['Llama-2-70B', 'llama-2-70b'],
    ['GPT-J-6B', 'gpt-j-6b'],
    ['DeepSeek-V3 (MLA)', 'deepseek-v3'],
    ['Qwen-2.5-72B (GQA)', 'qwen2.5-72b'],
    ['Llama-3.1-405B (GQA)', 'llama-3.1-405b'],
    ['DeepSeek-V2 (236B MoE)', 'deepseek-v2'],
    ['DeepSeek-V3 (671B MoE)', 'deepseek-v3'],
    ['Qwen-72B (dense)', 'qwen2.5-72b'],
    ['Llama-405B (dense)', 'llama-3.1-405b'],
    ['LLAMA3_8B', 'llama-3.1-8b'],
    ['LLAMA3_70B', 'llama-3.1-70b'],
    ['LLAMA3.1_405B', 'llama-3.1-405b'],
    ['DeepSeekV3', 'deepseek-v3'],
    ['GPT OSS 120B', 'gpt-oss-120b'],
    ['Qwen3_30B_a3B', 'qwen3-30b-a3b'],
    ['Qwen3_235B_a22B', 'qwen3-235b-a22b'],
    ['meta-llama/Llama-3.3-70B-Instruct', 'llama-3.3-70b'],
    ['openai/gpt-oss-20b', 'gpt-oss-20b'],
  ])('%s → %s', (alias, id) => {
    expect(findModel(alias)?.id).toBe(id);
    expect(findModel(alias.toLowerCase())?.id).toBe(id);
    expect(findModel(alias.toUpperCase())?.id).toBe(id);
  });

  it('returns undefined for unknown names', () => {
    expect(findModel('no-such-model')).toBeUndefined();
    expect(findModel('Falcon-180B')).toBeUndefined();
  });
});

describe('catalog shapes', () => {
  it('llama-3.1-70b', () => {
    const m = get('llama-3.1-70b');
    expect([m.hiddenSize, m.numLayers, m.ffn.intermediateSize, m.ffn.gated]).toEqual([8192, 80, 28672, true]);
    expect(m.attention).toMatchObject({ kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128 });
  });

  it('llama-3.3-70b has the llama-3.1-70b architecture', () => {
    const a = get('llama-3.1-70b');
    const b = get('llama-3.3-70b');
    const shape = (m: ModelSpec) => ({ ...m, id: '', name: '', provenance: null });
    expect(shape(b)).toEqual(shape(a));
    expect(b.provenance.kind).toBe('reconstructed');
  });

  it('deepseek-v3', () => {
    const m = get('deepseek-v3');
    expect(m.attention).toMatchObject({
      kvLoraRank: 512,
      qLoraRank: 1536,
      qkRopeHeadDim: 64,
      qkNopeHeadDim: 128,
    });
    expect(layerGroupsOf(m)).toEqual([
      { count: 3, attention: 'full', moe: false },
      { count: 58, attention: 'full', moe: true },
    ]);
  });

  it('deepseek-v2: 1 dense + 59 MoE layers, 160 experts top-6, 2 shared', () => {
    const m = get('deepseek-v2');
    expect(m.moe).toMatchObject({
      numExperts: 160,
      topK: 6,
      numSharedExperts: 2,
      expertIntermediateSize: 1536,
    });
    expect(layerGroupsOf(m)).toEqual([
      { count: 1, attention: 'full', moe: false },
      { count: 59, attention: 'full', moe: true },
    ]);
  });

  it('gemma-2-9b alternates sliding and full', () => {
    const m = get('gemma-2-9b');
    expect(m.slidingWindow).toBe(4096);
    m.layerTypes?.forEach((t, i) => {
      expect(t).toBe(i % 2 === 0 ? 'sliding' : 'full');
    });
    expect(m.layerTypes).toHaveLength(42);
    expect(m.attention).toMatchObject({ numHeads: 16, numKvHeads: 8, headDim: 256 });
  });

  it('gemma-3-27b: 5 sliding : 1 full', () => {
    const m = get('gemma-3-27b');
    expect(layerGroupsOf(m)).toEqual([
      { count: 52, attention: 'sliding', moe: false },
      { count: 10, attention: 'full', moe: false },
    ]);
  });

  it('mistral-7b all sliding 4096', () => {
    const m = get('mistral-7b');
    expect(m.slidingWindow).toBe(4096);
    expect(layerGroupsOf(m)).toEqual([{ count: 32, attention: 'sliding', moe: false }]);
  });

  it('gpt-oss-20b', () => {
    const m = get('gpt-oss-20b');
    expect(layerGroupsOf(m)).toEqual([
      { count: 12, attention: 'sliding', moe: true },
      { count: 12, attention: 'full', moe: true },
    ]);
  });

  it('qwen3-30b-a3b', () => {
    expect(get('qwen3-30b-a3b').moe).toMatchObject({ numExperts: 128, topK: 8, expertIntermediateSize: 768 });
  });

  it('llama-4-scout (base and instruct): 48 MoE layers, 36 chunked + 12 full', () => {
    for (const id of ['llama-4-scout-17b-16e', 'llama-4-scout-17b-16e-instruct']) {
      const m = get(id);
      expect(layerGroupsOf(m)).toEqual([
        { count: 36, attention: 'chunked', moe: true },
        { count: 12, attention: 'full', moe: true },
      ]);
      expect(m.slidingWindow).toBe(8192);
    }
    const base = get('llama-4-scout-17b-16e');
    const instruct = get('llama-4-scout-17b-16e-instruct');
    expect({ ...base, id: '', name: '', provenance: null, maxPositionEmbeddings: 0 }).toEqual({
      ...instruct,
      id: '',
      name: '',
      provenance: null,
      maxPositionEmbeddings: 0,
    });
  });

  it('llama-4-maverick: 24 MoE + 24 dense layers, 128 experts top-1', () => {
    const m = get('llama-4-maverick-17b-128e');
    expect(m.moe).toMatchObject({ numExperts: 128, topK: 1, numSharedExperts: 1, layerStep: 2 });
    const groups = layerGroupsOf(m);
    const moe = groups.filter((g) => g.moe).reduce((s, g) => s + g.count, 0);
    const dense = groups.filter((g) => !g.moe).reduce((s, g) => s + g.count, 0);
    expect([moe, dense]).toEqual([24, 24]);
    expect(m.layerTypes?.filter((t) => t === 'chunked')).toHaveLength(36);
    expect(m.ffn.intermediateSize).toBe(16384);
    expect(m.moe?.expertIntermediateSize).toBe(8192);
  });

  it('qwen2.5-72b and llama-2-13b', () => {
    expect(get('qwen2.5-72b').attention).toMatchObject({
      numHeads: 64,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: true,
    });
    expect(get('qwen2.5-72b').ffn.intermediateSize).toBe(29568);
    expect(get('llama-2-13b').attention).toMatchObject({ numHeads: 40, numKvHeads: 40, headDim: 128 });
  });
});
