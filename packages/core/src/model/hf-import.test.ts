import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Result } from '../diagnostics/diagnostic.js';
import { importHfConfig, SUPPORTED_HF_ARCHITECTURES } from './hf-import.js';
import type { ModelSpec, ModelSpecInput } from './schema.js';
import { layerGroupsOf, ModelSpecSchema } from './schema.js';

const HF_DIR = fileURLToPath(new URL('../../data/models/hf/', import.meta.url));
const files = readdirSync(HF_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(id: string): unknown {
  return JSON.parse(readFileSync(`${HF_DIR}${id}.json`, 'utf8')) as unknown;
}

function value(r: Result<ModelSpecInput>): ModelSpecInput {
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
  return r.value;
}

function imported(id: string): ModelSpec {
  return ModelSpecSchema.parse(value(importHfConfig(load(id), { id, source: `test ${id}` })));
}

function errorCodes(r: Result<ModelSpecInput>): string[] {
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

const llamaConfig = (): Record<string, unknown> => ({ ...(load('llama-3.1-8b') as Record<string, unknown>) });

describe('importHfConfig on the saved configs', () => {
  it('finds the saved configs', () => {
    expect(files.length).toBeGreaterThanOrEqual(22);
  });

  for (const file of files.filter((f) => f !== 'bert-base.json')) {
    const id = file.replace(/\.json$/, '');
    it(`imports ${id} without diagnostics`, () => {
      const r = importHfConfig(load(id), { id, source: file });
      expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
      expect(r.diagnostics).toEqual([]);
      expect(ModelSpecSchema.safeParse(value(r)).success).toBe(true);
    });
  }

  it('refuses bert-base as an encoder-only model', () => {
    const r = importHfConfig(load('bert-base'), { id: 'bert-base', source: 'x' });
    expect(r.ok).toBe(false);
    expect(errorCodes(r)).toEqual(['model.encoder-unsupported']);
    expect(r.diagnostics[0]?.message).toMatch(/encoder-only models \(BERT\) are not supported yet/);
    expect(r.diagnostics[0]?.message).toMatch(/decoder-only/);
  });

  it('sets provenance, id and name', () => {
    const m = value(
      importHfConfig(load('llama-3.1-8b'), {
        id: 'x',
        source: 'somewhere',
        hfRepo: 'meta-llama/Llama-3.1-8B',
      }),
    );
    expect(m.id).toBe('x');
    expect(m.name).toBe('Llama-3.1-8B');
    expect(m.family).toBe('llama');
    expect(m.provenance).toEqual({
      kind: 'hf-config',
      source: 'somewhere',
      hfRepo: 'meta-llama/Llama-3.1-8B',
    });
    const bare = value(importHfConfig(load('llama-3.1-8b'), { id: 'x', source: 's' }));
    expect(bare.provenance).toEqual({ kind: 'hf-config', source: 's' });
    expect('hfRepo' in (bare.provenance ?? {})).toBe(false);
  });
});

describe('importHfConfig errors', () => {
  it('reports an unknown architecture with the supported list', () => {
    const r = importHfConfig(
      { architectures: ['FooForCausalLM'], model_type: 'foo' },
      { id: 'f', source: 's' },
    );
    expect(errorCodes(r)).toEqual(['model.unknown-architecture']);
    expect(r.diagnostics[0]?.message).toContain('FooForCausalLM');
    expect(r.diagnostics[0]?.message).toContain('LlamaForCausalLM');
    expect(r.diagnostics[0]?.message).toContain('DeepseekV3ForCausalLM');
  });

  it('reports a config with no architecture at all', () => {
    const r = importHfConfig({ hidden_size: 1 }, { id: 'f', source: 's' });
    expect(errorCodes(r)).toEqual(['model.unknown-architecture']);
  });

  it('rejects a non-object config', () => {
    expect(errorCodes(importHfConfig([1, 2], { id: 'f', source: 's' }))).toEqual(['model.invalid-config']);
    expect(errorCodes(importHfConfig(null, { id: 'f', source: 's' }))).toEqual(['model.invalid-config']);
  });

  it('names a missing field', () => {
    const cfg = llamaConfig();
    delete cfg['hidden_size'];
    const r = importHfConfig(cfg, { id: 'l', source: 's' });
    expect(errorCodes(r)).toEqual(['model.missing-field']);
    expect(r.diagnostics[0]?.message).toContain('hidden_size');
    expect(r.diagnostics[0]?.path).toEqual(['hidden_size']);
  });

  it('names every missing field in one message', () => {
    const cfg = llamaConfig();
    delete cfg['hidden_size'];
    delete cfg['num_hidden_layers'];
    const r = importHfConfig(cfg, { id: 'l', source: 's' });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.message).toMatch(/config\.json lacks hidden_size, num_hidden_layers/);
  });

  it('prefixes text_config for Llama 4 fields', () => {
    const cfg = load('llama-4-scout-17b-16e-instruct') as { text_config: Record<string, unknown> };
    const text = { ...cfg.text_config };
    delete text['num_local_experts'];
    const r = importHfConfig({ ...cfg, text_config: text }, { id: 'l4', source: 's' });
    expect(errorCodes(r)).toEqual(['model.missing-field']);
    expect(r.diagnostics[0]?.message).toContain('text_config.num_local_experts');
    expect(r.diagnostics[0]?.path).toEqual(['text_config', 'num_local_experts']);
  });

  it('rejects ill-typed fields', () => {
    const r = importHfConfig(
      { ...llamaConfig(), hidden_size: '4096', num_hidden_layers: 1.5 },
      { id: 'l', source: 's' },
    );
    expect(errorCodes(r)).toEqual(['model.invalid-field', 'model.invalid-field']);
    expect(r.diagnostics.map((d) => d.path)).toEqual([['hidden_size'], ['num_hidden_layers']]);
  });

  it('rejects a KV head count that does not divide the heads', () => {
    const r = importHfConfig({ ...llamaConfig(), num_key_value_heads: 5 }, { id: 'l', source: 's' });
    expect(errorCodes(r)).toEqual(['model.invalid-spec']);
    expect(r.diagnostics[0]?.path).toEqual(['attention', 'numKvHeads']);
  });

  it('refuses Qwen3-MoE mlp_only_layers', () => {
    const cfg = { ...(load('qwen3-30b-a3b') as Record<string, unknown>), mlp_only_layers: [0, 1] };
    const r = importHfConfig(cfg, { id: 'q', source: 's' });
    expect(errorCodes(r)).toEqual(['model.unsupported-feature']);
    expect(r.diagnostics[0]?.message).toMatch(/not supported/);
  });

  it('refuses other encoders and encoder-decoders', () => {
    expect(errorCodes(importHfConfig({ architectures: ['BertModel'] }, { id: 'b', source: 's' }))).toEqual([
      'model.encoder-unsupported',
    ]);
    expect(errorCodes(importHfConfig({ model_type: 'roberta' }, { id: 'b', source: 's' }))).toEqual([
      'model.encoder-unsupported',
    ]);
    expect(
      errorCodes(importHfConfig({ architectures: ['T5ForConditionalGeneration'] }, { id: 't', source: 's' })),
    ).toEqual(['model.encoder-unsupported']);
  });

  it('falls back to model_type when architectures is absent or unknown', () => {
    const cfg = llamaConfig();
    delete cfg['architectures'];
    expect(value(importHfConfig(cfg, { id: 'l', source: 's' })).family).toBe('llama');
    const other = { ...llamaConfig(), architectures: ['LlamaModel'] };
    expect(value(importHfConfig(other, { id: 'l', source: 's' })).family).toBe('llama');
  });

  it('lists the supported architectures', () => {
    for (const a of [
      'LlamaForCausalLM',
      'Llama4ForConditionalGeneration',
      'Llama4ForCausalLM',
      'MistralForCausalLM',
      'MixtralForCausalLM',
      'Qwen2ForCausalLM',
      'Qwen3ForCausalLM',
      'Qwen3MoeForCausalLM',
      'DeepseekV2ForCausalLM',
      'DeepseekV3ForCausalLM',
      'GptOssForCausalLM',
      'GPTJForCausalLM',
      'FalconForCausalLM',
      'RWForCausalLM',
      'Gemma2ForCausalLM',
      'Gemma3ForCausalLM',
      'Gemma3ForConditionalGeneration',
      'Phi3ForCausalLM',
      'OPTForCausalLM',
    ]) {
      expect(SUPPORTED_HF_ARCHITECTURES).toContain(a);
    }
  });
});

describe('shapes of the saved configs', () => {
  it('llama-3.1-70b', () => {
    const m = imported('llama-3.1-70b');
    expect(m.hiddenSize).toBe(8192);
    expect(m.numLayers).toBe(80);
    expect(m.attention).toEqual({ kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128, qkvBias: false });
    expect(m.ffn).toEqual({ intermediateSize: 28672, gated: true, activation: 'silu' });
    expect(m.vocabSize).toBe(128256);
    expect(m.tiedEmbeddings).toBe(false);
    expect(m.maxPositionEmbeddings).toBe(131072);
    expect(m.layerTypes).toBeUndefined();
    expect(m.moe).toBeUndefined();
  });

  it('llama-3.2-1b: explicit head_dim, tied embeddings', () => {
    const m = imported('llama-3.2-1b');
    expect(m.attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 64 });
    expect(m.tiedEmbeddings).toBe(true);
  });

  it('llama-2-7b: MHA', () => {
    const m = imported('llama-2-7b');
    expect(m.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 128 });
    expect(m.ffn.intermediateSize).toBe(11008);
  });

  it('deepseek-v3: MLA and MoE', () => {
    const m = imported('deepseek-v3');
    expect(m.family).toBe('deepseek-v3');
    expect(m.attention).toEqual({
      kind: 'mla',
      numHeads: 128,
      qLoraRank: 1536,
      kvLoraRank: 512,
      qkNopeHeadDim: 128,
      qkRopeHeadDim: 64,
      vHeadDim: 128,
    });
    expect(m.moe).toEqual({
      numExperts: 256,
      topK: 8,
      expertIntermediateSize: 2048,
      numSharedExperts: 1,
      firstDenseLayers: 3,
      layerStep: 1,
      routingGroups: { groups: 8, topKGroups: 4 },
    });
    expect(m.ffn.intermediateSize).toBe(18432);
    expect(layerGroupsOf(m)).toEqual([
      { count: 3, attention: 'full', moe: false },
      { count: 58, attention: 'full', moe: true },
    ]);
  });

  it('deepseek MLA accepts a null q_lora_rank', () => {
    const cfg = { ...(load('deepseek-v3') as Record<string, unknown>), q_lora_rank: null };
    const m = value(importHfConfig(cfg, { id: 'd', source: 's' }));
    expect(m.attention).toMatchObject({ kind: 'mla', qLoraRank: null });
    const missing: Record<string, unknown> = { ...cfg };
    delete missing['q_lora_rank'];
    expect(errorCodes(importHfConfig(missing, { id: 'd', source: 's' }))).toEqual(['model.missing-field']);
  });

  it('gpt-oss-20b: alternating sliding/full, every layer MoE', () => {
    const m = imported('gpt-oss-20b');
    expect(m.numLayers).toBe(24);
    expect(m.layerTypes).toHaveLength(24);
    m.layerTypes?.forEach((t, i) => {
      expect(t).toBe(i % 2 === 0 ? 'sliding' : 'full');
    });
    expect(m.slidingWindow).toBe(128);
    expect(m.moe).toMatchObject({ numExperts: 32, topK: 4, expertIntermediateSize: 2880, layerStep: 1 });
    expect(m.ffn).toEqual({ intermediateSize: 2880, gated: true, activation: 'swiglu-clamped' });
    expect(m.attention).toEqual({ kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 64, qkvBias: true });
    expect(m.linearBias).toBe(true);
    expect(layerGroupsOf(m)).toEqual([
      { count: 12, attention: 'sliding', moe: true },
      { count: 12, attention: 'full', moe: true },
    ]);
  });

  it('gpt-oss without layer_types alternates from sliding', () => {
    const cfg = { ...(load('gpt-oss-20b') as Record<string, unknown>) };
    delete cfg['layer_types'];
    delete cfg['experts_per_token'];
    const m = value(importHfConfig(cfg, { id: 'g', source: 's' }));
    expect(m.layerTypes?.slice(0, 4)).toEqual(['sliding', 'full', 'sliding', 'full']);
    expect(m.moe?.topK).toBe(4);
  });

  it('mistral-7b: every layer sliding 4096', () => {
    const m = imported('mistral-7b');
    expect(m.slidingWindow).toBe(4096);
    expect(m.layerTypes).toEqual(Array.from({ length: 32 }, () => 'sliding'));
  });

  it('mixtral-8x7b: 8 experts top-2, no window', () => {
    const m = imported('mixtral-8x7b');
    expect(m.moe).toMatchObject({
      numExperts: 8,
      topK: 2,
      expertIntermediateSize: 14336,
      numSharedExperts: 0,
    });
    expect(m.layerTypes).toBeUndefined();
  });

  it('qwen2.5-7b: QKV bias, sliding window ignored', () => {
    const m = imported('qwen2.5-7b');
    expect(m.attention).toMatchObject({ numHeads: 28, numKvHeads: 4, headDim: 128, qkvBias: true });
    expect(m.layerTypes).toBeUndefined();
    expect(m.slidingWindow).toBeUndefined();
  });

  it('qwen2 with use_sliding_window slides the layers from max_window_layers on', () => {
    const cfg = {
      ...(load('qwen2.5-7b') as Record<string, unknown>),
      use_sliding_window: true,
      max_window_layers: 20,
    };
    const m = value(importHfConfig(cfg, { id: 'q', source: 's' }));
    expect(m.layerTypes?.filter((t) => t === 'sliding')).toHaveLength(8);
    expect(m.layerTypes?.[19]).toBe('full');
    expect(m.layerTypes?.[20]).toBe('sliding');
  });

  it('qwen3-8b: explicit head_dim', () => {
    const m = imported('qwen3-8b');
    expect(m.attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 128, qkvBias: false });
  });

  it('qwen3-30b-a3b: 128 experts top-8 of width 768', () => {
    const m = imported('qwen3-30b-a3b');
    expect(m.family).toBe('qwen3-moe');
    expect(m.moe).toMatchObject({ numExperts: 128, topK: 8, expertIntermediateSize: 768, layerStep: 1 });
    expect(m.numLayers).toBe(48);
    expect(m.hiddenSize).toBe(2048);
  });

  it('llama-4-scout instruct: all 48 layers MoE, 36 chunked + 12 full', () => {
    const m = imported('llama-4-scout-17b-16e-instruct');
    expect(m.family).toBe('llama4');
    expect(m.moe).toEqual({
      numExperts: 16,
      topK: 1,
      expertIntermediateSize: 8192,
      numSharedExperts: 1,
      firstDenseLayers: 0,
      layerStep: 1,
    });
    expect(m.ffn.intermediateSize).toBe(16384);
    expect(m.slidingWindow).toBe(8192);
    expect(m.layerTypes?.[3]).toBe('full');
    expect(m.layerTypes?.[0]).toBe('chunked');
    expect(layerGroupsOf(m)).toEqual([
      { count: 36, attention: 'chunked', moe: true },
      { count: 12, attention: 'full', moe: true },
    ]);
    expect(m.vocabSize).toBe(202048);
    expect(m.attention).toMatchObject({ numHeads: 40, numKvHeads: 8, headDim: 128 });
  });

  it('llama 4 honours explicit no_rope_layers flags and interleaved MoE', () => {
    const cfg = load('llama-4-scout-17b-16e-instruct') as { text_config: Record<string, unknown> };
    const flags = Array.from({ length: 48 }, (_, i) => (i < 2 ? 0 : 1));
    const text = { ...cfg.text_config, no_rope_layers: flags, interleave_moe_layer_step: 2 };
    const m = ModelSpecSchema.parse(
      value(importHfConfig({ ...cfg, text_config: text }, { id: 'l4', source: 's' })),
    );
    expect(m.layerTypes?.filter((t) => t === 'full')).toHaveLength(2);
    const groups = layerGroupsOf(m);
    expect(groups.filter((g) => g.moe).reduce((s, g) => s + g.count, 0)).toBe(24);
  });

  it('gpt-j-6b: parallel block, plain GELU FFN of 4x hidden', () => {
    const m = imported('gpt-j-6b');
    expect(m.hiddenSize).toBe(4096);
    expect(m.numLayers).toBe(28);
    expect(m.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 256 });
    expect(m.ffn).toEqual({ intermediateSize: 16384, gated: false, activation: 'gelu' });
    expect(m.parallelBlock).toBe(true);
    expect(m.norm).toBe('layer');
    expect(m.positionEmbedding).toBe('rope');
    expect(m.tiedEmbeddings).toBe(false);
    expect(m.linearBias).toBe(true);
    expect(m.maxPositionEmbeddings).toBe(2048);
  });

  it('opt-1.3b: learned positions, ReLU, biases, tied', () => {
    const m = imported('opt-1.3b');
    expect(m.ffn).toEqual({ intermediateSize: 8192, gated: false, activation: 'relu' });
    expect(m.positionEmbedding).toBe('learned');
    expect(m.norm).toBe('layer');
    expect(m.linearBias).toBe(true);
    expect(m.attention).toMatchObject({ numHeads: 32, numKvHeads: 32, headDim: 64, qkvBias: true });
    expect(m.tiedEmbeddings).toBe(true);
  });

  it('opt with word_embed_proj_dim != hidden imports with a warning', () => {
    const cfg = { ...(load('opt-1.3b') as Record<string, unknown>), word_embed_proj_dim: 512 };
    const r = importHfConfig(cfg, { id: 'o', source: 's' });
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['model.approximated-field', 'warning']]);
  });
});

describe('architectures without a saved config', () => {
  const falcon180 = {
    architectures: ['FalconForCausalLM'],
    model_type: 'falcon',
    hidden_size: 14848,
    num_hidden_layers: 80,
    num_attention_heads: 232,
    num_kv_heads: 8,
    new_decoder_architecture: true,
    parallel_attn: true,
    alibi: false,
    bias: false,
    vocab_size: 65024,
  };

  it('Falcon, new decoder architecture: GQA, parallel, plain GELU', () => {
    const m = ModelSpecSchema.parse(value(importHfConfig(falcon180, { id: 'f', source: 's' })));
    expect(m.attention).toMatchObject({ numHeads: 232, numKvHeads: 8, headDim: 64 });
    expect(m.ffn).toEqual({ intermediateSize: 4 * 14848, gated: false, activation: 'gelu' });
    expect(m.parallelBlock).toBe(true);
    expect(m.norm).toBe('layer');
    expect(m.positionEmbedding).toBe('rope');
    expect(m.tiedEmbeddings).toBe(true);
  });

  it('Falcon (RW), multi-query with ALiBi and old key names', () => {
    const rw = {
      architectures: ['RWForCausalLM'],
      hidden_size: 4544,
      n_layer: 32,
      n_head: 71,
      multi_query: true,
      alibi: true,
      parallel_attn: true,
      vocab_size: 65024,
    };
    const m = value(importHfConfig(rw, { id: 'f', source: 's' }));
    expect(m.numLayers).toBe(32);
    expect(m.attention).toMatchObject({ numHeads: 71, numKvHeads: 1, headDim: 64 });
    expect(m.positionEmbedding).toBe('alibi');
  });

  it('Gemma 2: even layers sliding', () => {
    const cfg = {
      architectures: ['Gemma2ForCausalLM'],
      hidden_size: 3584,
      num_hidden_layers: 42,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      head_dim: 256,
      intermediate_size: 14336,
      vocab_size: 256000,
      sliding_window: 4096,
      hidden_activation: 'gelu_pytorch_tanh',
    };
    const m = value(importHfConfig(cfg, { id: 'g', source: 's' }));
    expect(m.layerTypes?.slice(0, 3)).toEqual(['sliding', 'full', 'sliding']);
    expect(m.ffn).toEqual({ intermediateSize: 14336, gated: true, activation: 'gelu' });
    expect(m.tiedEmbeddings).toBe(true);
  });

  it('Gemma 3 (text_config): five sliding then one full; defaulted vocab warns', () => {
    const cfg = {
      architectures: ['Gemma3ForConditionalGeneration'],
      model_type: 'gemma3',
      text_config: {
        head_dim: 128,
        hidden_size: 5376,
        intermediate_size: 21504,
        model_type: 'gemma3_text',
        num_attention_heads: 32,
        num_hidden_layers: 62,
        num_key_value_heads: 16,
        sliding_window: 1024,
      },
    };
    const r = importHfConfig(cfg, { id: 'g3', source: 's' });
    const m = value(r);
    expect(m.layerTypes?.slice(0, 6)).toEqual([
      'sliding',
      'sliding',
      'sliding',
      'sliding',
      'sliding',
      'full',
    ]);
    expect(m.layerTypes?.filter((t) => t === 'full')).toHaveLength(10);
    expect(m.vocabSize).toBe(262208);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['model.defaulted-field']);
  });

  it('Phi-3: sliding window only when shorter than the context', () => {
    const cfg = {
      architectures: ['Phi3ForCausalLM'],
      hidden_size: 3072,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      intermediate_size: 8192,
      vocab_size: 32064,
      max_position_embeddings: 4096,
      sliding_window: 2047,
    };
    const m = value(importHfConfig(cfg, { id: 'p', source: 's' }));
    expect(m.slidingWindow).toBe(2047);
    expect(m.layerTypes?.every((t) => t === 'sliding')).toBe(true);
    const long = value(importHfConfig({ ...cfg, sliding_window: 262144 }, { id: 'p', source: 's' }));
    expect(long.layerTypes).toBeUndefined();
  });

  it('DeepSeek-V2 architecture name', () => {
    const cfg = {
      ...(load('deepseek-v3') as Record<string, unknown>),
      architectures: ['DeepseekV2ForCausalLM'],
    };
    expect(value(importHfConfig(cfg, { id: 'd', source: 's' })).family).toBe('deepseek-v2');
  });
});
