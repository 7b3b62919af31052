/**
 * The built-in model catalog: every saved Hugging Face config.json under data/models/hf
 * (converted by importHfConfig at module load) plus the models reconstructed from the numbers in
 * data/models/SOURCES.md, whose "Missing" table names the source of each.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { importHfConfig } from './hf-import.js';
import type { ModelSpec, ModelSpecInput } from './schema.js';
import { ModelSpecSchema } from './schema.js';
import bertBase from '../../data/models/hf/bert-base.json' with { type: 'json' };
import deepseekR1 from '../../data/models/hf/deepseek-r1.json' with { type: 'json' };
import deepseekV3 from '../../data/models/hf/deepseek-v3.json' with { type: 'json' };
import gptJ6b from '../../data/models/hf/gpt-j-6b.json' with { type: 'json' };
import gptOss120b from '../../data/models/hf/gpt-oss-120b.json' with { type: 'json' };
import gptOss20b from '../../data/models/hf/gpt-oss-20b.json' with { type: 'json' };
import llama2_70b from '../../data/models/hf/llama-2-70b.json' with { type: 'json' };
import llama2_7b from '../../data/models/hf/llama-2-7b.json' with { type: 'json' };
import llama31_405b from '../../data/models/hf/llama-3.1-405b.json' with { type: 'json' };
import llama31_70b from '../../data/models/hf/llama-3.1-70b.json' with { type: 'json' };
import llama31_8b from '../../data/models/hf/llama-3.1-8b.json' with { type: 'json' };
import llama32_1b from '../../data/models/hf/llama-3.2-1b.json' with { type: 'json' };
import llama4ScoutInstruct from '../../data/models/hf/llama-4-scout-17b-16e-instruct.json' with { type: 'json' };
import mistral7b from '../../data/models/hf/mistral-7b.json' with { type: 'json' };
import mixtral8x22b from '../../data/models/hf/mixtral-8x22b.json' with { type: 'json' };
import mixtral8x7b from '../../data/models/hf/mixtral-8x7b.json' with { type: 'json' };
import opt1_3b from '../../data/models/hf/opt-1.3b.json' with { type: 'json' };
import qwen25_7b from '../../data/models/hf/qwen2.5-7b.json' with { type: 'json' };
import qwen3_235bA22b from '../../data/models/hf/qwen3-235b-a22b.json' with { type: 'json' };
import qwen3_30bA3b from '../../data/models/hf/qwen3-30b-a3b.json' with { type: 'json' };
import qwen3_32b from '../../data/models/hf/qwen3-32b.json' with { type: 'json' };
import qwen3_8b from '../../data/models/hf/qwen3-8b.json' with { type: 'json' };

interface HfEntry {
  /** Catalog id = file name without .json. */
  readonly id: string;
  readonly config: unknown;
  readonly hfRepo: string;
  readonly name: string;
  /** Where the file was copied from (SOURCES.md, "copied from"). */
  readonly copiedFrom: string;
  readonly aliases: readonly string[];
}

const HF_FILES: readonly HfEntry[] = [
  {
    id: 'llama-2-7b',
    config: llama2_7b,
    hfRepo: 'meta-llama/Llama-2-7b-hf',
    name: 'Llama 2 7B',
    copiedFrom:
      'inference-sim/inference-sim model_configs/llama-2-7b-hf/config.json @ 77abe3fba0b52f9d477c7d27e20dce921c3a4c11 (older Hub revision, same architecture fields)',
    aliases: ['Llama-2-7B'],
  },
  {
    id: 'llama-2-70b',
    config: llama2_70b,
    hfRepo: 'meta-llama/Llama-2-70b-hf',
    name: 'Llama 2 70B',
    copiedFrom:
      'inference-sim/inference-sim model_configs/llama-2-70b-hf/config.json @ 59649ee4320aa98bbc5607a84df1f09f1e80eedf',
    aliases: ['Llama-2-70B'],
  },
  {
    id: 'llama-3.1-8b',
    config: llama31_8b,
    hfRepo: 'meta-llama/Llama-3.1-8B',
    name: 'Llama 3.1 8B',
    copiedFrom: 'inference-sim/inference-sim model_configs/llama-3.1-8b/config.json @ 59649ee4',
    aliases: [
      'meta-llama/Llama-3.1-8B-Instruct',
      'meta-llama/Meta-Llama-3.1-8B',
      'meta-llama/Meta-Llama-3.1-8B-Instruct',
      'Llama-3.1-8B',
      'LLAMA3_8B',
    ],
  },
  {
    id: 'llama-3.1-70b',
    config: llama31_70b,
    hfRepo: 'meta-llama/Llama-3.1-70B',
    name: 'Llama 3.1 70B',
    copiedFrom:
      'casys-kaist/LLMServingSim configs/model/meta-llama/Llama-3.1-70B.json @ 3012eb1843305512415ac66dfef7743c9f1dea64',
    aliases: [
      'meta-llama/Llama-3.1-70B-Instruct',
      'meta-llama/Meta-Llama-3.1-70B',
      'meta-llama/Meta-Llama-3.1-70B-Instruct',
      'Llama-3.1-70B',
      'LLAMA3_70B',
    ],
  },
  {
    id: 'llama-3.1-405b',
    config: llama31_405b,
    hfRepo: 'meta-llama/Llama-3.1-405B',
    name: 'Llama 3.1 405B',
    copiedFrom:
      'ai-dynamo/aiconfigurator aic-core/src/aiconfigurator_core/model_configs/meta-llama--Meta-Llama-3.1-405B_config.json @ 095f58a51c4ca8e61b66ec108d86f223f8d559ce',
    aliases: [
      'meta-llama/Llama-3.1-405B-Instruct',
      'meta-llama/Meta-Llama-3.1-405B',
      'meta-llama/Meta-Llama-3.1-405B-Instruct',
      'Llama-3.1-405B',
      'Llama-3.1-405B (GQA)',
      'Llama-405B (dense)',
      'LLAMA3.1_405B',
    ],
  },
  {
    id: 'llama-3.2-1b',
    config: llama32_1b,
    hfRepo: 'meta-llama/Llama-3.2-1B',
    name: 'Llama 3.2 1B',
    copiedFrom:
      'MatthewGoldsberry/LLM-Projects Llama-3.2-1B/config.json @ bf1733705e944f312bf5564d13932a9b6de21606 (CRLF→LF normalised)',
    aliases: ['meta-llama/Llama-3.2-1B-Instruct', 'Llama-3.2-1B'],
  },
  {
    id: 'llama-4-scout-17b-16e-instruct',
    config: llama4ScoutInstruct,
    hfRepo: 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
    name: 'Llama 4 Scout 17B-16E Instruct',
    copiedFrom:
      'inference-sim/inference-sim model_configs/llama-4-scout-17b-16e-instruct/config.json @ 59649ee4',
    aliases: ['Llama-4-Scout-17B-16E-Instruct'],
  },
  {
    id: 'mistral-7b',
    config: mistral7b,
    hfRepo: 'mistralai/Mistral-7B-v0.1',
    name: 'Mistral 7B v0.1',
    copiedFrom:
      'inference-sim/inference-sim model_configs/mistral-7b-v0.1/config.json @ 903c3740746a4abe8792256acb28c1417a09bef2',
    aliases: ['Mistral-7B', 'Mistral-7B-v0.1'],
  },
  {
    id: 'mixtral-8x7b',
    config: mixtral8x7b,
    hfRepo: 'mistralai/Mixtral-8x7B-v0.1',
    name: 'Mixtral 8x7B v0.1',
    copiedFrom:
      'inference-sim/inference-sim model_configs/mixtral-8x7b-v0.1/config.json @ 78dc73e7bd7b91403e7bb997ff21e8c9f7ae77fc',
    // SOURCES.md: the Instruct-v0.1 config has the same content.
    aliases: ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'Mixtral-8x7B'],
  },
  {
    id: 'mixtral-8x22b',
    config: mixtral8x22b,
    hfRepo: 'mistralai/Mixtral-8x22B-v0.1',
    name: 'Mixtral 8x22B v0.1',
    copiedFrom: 'inference-sim/inference-sim model_configs/mixtral-8x22b-v0.1/config.json @ 59649ee4',
    // Not the Instruct repo: its vocabulary is 32768 (SOURCES.md).
    aliases: ['Mixtral-8x22B'],
  },
  {
    id: 'qwen2.5-7b',
    config: qwen25_7b,
    hfRepo: 'Qwen/Qwen2.5-7B-Instruct',
    name: 'Qwen2.5 7B Instruct',
    copiedFrom: 'inference-sim/inference-sim model_configs/qwen2.5-7b-instruct/config.json @ 77abe3fba0b5',
    aliases: ['Qwen2.5-7B-Instruct'],
  },
  {
    id: 'qwen3-8b',
    config: qwen3_8b,
    hfRepo: 'Qwen/Qwen3-8B',
    name: 'Qwen3 8B',
    copiedFrom: 'ai-dynamo/aiconfigurator model_configs/Qwen--Qwen3-8B_config.json @ 095f58a5',
    aliases: [],
  },
  {
    id: 'qwen3-32b',
    config: qwen3_32b,
    hfRepo: 'Qwen/Qwen3-32B',
    name: 'Qwen3 32B',
    copiedFrom: 'casys-kaist/LLMServingSim configs/model/Qwen/Qwen3-32B.json @ 3012eb18',
    aliases: [],
  },
  {
    id: 'qwen3-30b-a3b',
    config: qwen3_30bA3b,
    hfRepo: 'Qwen/Qwen3-30B-A3B',
    name: 'Qwen3 30B-A3B',
    copiedFrom: 'inference-sim/inference-sim model_configs/qwen3-30b-a3b/config.json @ 78dc73e7',
    aliases: ['Qwen3_30B_a3B'],
  },
  {
    id: 'qwen3-235b-a22b',
    config: qwen3_235bA22b,
    hfRepo: 'Qwen/Qwen3-235B-A22B',
    name: 'Qwen3 235B-A22B',
    copiedFrom: 'ai-dynamo/aiconfigurator model_configs/Qwen--Qwen3-235B-A22B_config.json @ 095f58a5',
    aliases: ['Qwen3_235B_a22B'],
  },
  {
    id: 'deepseek-v3',
    config: deepseekV3,
    hfRepo: 'deepseek-ai/DeepSeek-V3',
    name: 'DeepSeek-V3',
    copiedFrom: 'ai-dynamo/aiconfigurator model_configs/deepseek-ai--DeepSeek-V3_config.json @ 095f58a5',
    aliases: ['DeepSeek-V3 (MLA)', 'DeepSeek-V3 (671B MoE)', 'DeepSeekV3'],
  },
  {
    id: 'deepseek-r1',
    config: deepseekR1,
    hfRepo: 'deepseek-ai/DeepSeek-R1',
    name: 'DeepSeek-R1',
    copiedFrom: 'ai-dynamo/aiconfigurator model_configs/deepseek-ai--DeepSeek-R1_config.json @ 095f58a5',
    aliases: [],
  },
  {
    id: 'gpt-oss-20b',
    config: gptOss20b,
    hfRepo: 'openai/gpt-oss-20b',
    name: 'gpt-oss-20b',
    copiedFrom: 'ai-dynamo/aiconfigurator model_configs/openai--gpt-oss-20b_config.json @ 095f58a5',
    aliases: ['GPT OSS 20B'],
  },
  {
    id: 'gpt-oss-120b',
    config: gptOss120b,
    hfRepo: 'openai/gpt-oss-120b',
    name: 'gpt-oss-120b',
    copiedFrom: 'ai-dynamo/aiconfigurator model_configs/openai--gpt-oss-120b_config.json @ 095f58a5',
    aliases: ['GPT OSS 120B'],
  },
  {
    id: 'gpt-j-6b',
    config: gptJ6b,
    hfRepo: 'EleutherAI/gpt-j-6b',
    name: 'GPT-J 6B',
    copiedFrom: 'qizhou000/RECIPE models/gpt-j-6b/config.json @ 61cbd27ef55639b1e3ed5f9128f6b929c7ade269',
    aliases: [],
  },
  {
    id: 'opt-1.3b',
    config: opt1_3b,
    hfRepo: 'facebook/opt-1.3b',
    name: 'OPT 1.3B',
    copiedFrom:
      'SqueezeAILab/SqueezeLLM models/opt-1.3b/config.json @ a1734b7fa6803ea044b409ef2af6010df9bc9040',
    aliases: [],
  },
  {
    id: 'bert-base',
    config: bertBase,
    hfRepo: 'google-bert/bert-base-uncased',
    name: 'BERT base (uncased)',
    copiedFrom:
      'cyx576/111 models/bert-base-uncased/config.json @ b4d8c834719d475f82a004db9925b406d81310c0 (CRLF→LF normalised)',
    aliases: [],
  },
];

interface ReconstructedEntry {
  readonly spec: ModelSpecInput;
  readonly aliases: readonly string[];
}

const reconstructed = (source: string, hfRepo: string) =>
  ({ kind: 'reconstructed', source, hfRepo }) as const;

/** Models with no verbatim config.json: numbers from SOURCES.md's "Missing" table. */
const RECONSTRUCTED: readonly ReconstructedEntry[] = [
  {
    spec: {
      id: 'llama-2-13b',
      name: 'Llama 2 13B',
      family: 'llama',
      provenance: reconstructed(
        'HPMLL/llm-benchmark models/Llama-2-13b-hf/config.json @ 0347b4f3 (re-saved copy: float32, pad_token_id 0, transformers 4.31.0); architecture fields agree with GenZ llama_13b (SOURCES.md)',
        'meta-llama/Llama-2-13b-hf',
      ),
      hiddenSize: 5120,
      numLayers: 40,
      vocabSize: 32000,
      tiedEmbeddings: false,
      maxPositionEmbeddings: 4096,
      attention: { kind: 'gqa', numHeads: 40, numKvHeads: 40, headDim: 128 },
      ffn: { intermediateSize: 13824, gated: true, activation: 'silu' },
    },
    aliases: ['Llama-2-13B'],
  },
  {
    spec: {
      id: 'llama-3.2-3b',
      name: 'Llama 3.2 3B',
      family: 'llama',
      provenance: reconstructed(
        'DannyMeb/iShrink-LLM-Compression-Framework models/Llama-3.2-3B/config.json @ 1c4ca364 (re-saved copy: float16, transformers 4.47.1); agrees with GenZ llama3_2_3b and meta-llama/llama-models sku_list (SOURCES.md); max_position_embeddings not given there, left unset',
        'meta-llama/Llama-3.2-3B',
      ),
      hiddenSize: 3072,
      numLayers: 28,
      vocabSize: 128256,
      tiedEmbeddings: true,
      attention: { kind: 'gqa', numHeads: 24, numKvHeads: 8, headDim: 128 },
      ffn: { intermediateSize: 8192, gated: true, activation: 'silu' },
    },
    aliases: ['meta-llama/Llama-3.2-3B-Instruct', 'Llama-3.2-3B'],
  },
  {
    spec: {
      id: 'llama-3.3-70b',
      name: 'Llama 3.3 70B Instruct',
      family: 'llama',
      provenance: reconstructed(
        'meta-llama/llama-models models/sku_list.py (commit c4d86445^): Llama-3.3-70B-Instruct arch_args dim 8192, n_layers 80, n_heads 64, n_kv_heads 8, ffn_dim_multiplier 1.3, multiple_of 4096, rope_theta 500000, use_scaled_rope True, identical to Llama-3.1-70B; remaining fields (vocab, FFN width, max positions) from data/models/hf/llama-3.1-70b.json',
        'meta-llama/Llama-3.3-70B-Instruct',
      ),
      hiddenSize: 8192,
      numLayers: 80,
      vocabSize: 128256,
      tiedEmbeddings: false,
      maxPositionEmbeddings: 131072,
      attention: { kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128 },
      ffn: { intermediateSize: 28672, gated: true, activation: 'silu' },
    },
    aliases: ['Llama-3.3-70B', 'Llama-3.3-70B-Instruct'],
  },
  {
    spec: {
      id: 'llama-4-scout-17b-16e',
      name: 'Llama 4 Scout 17B-16E',
      family: 'llama4',
      provenance: reconstructed(
        'base config not found (SOURCES.md); architecture taken from the Instruct config data/models/hf/llama-4-scout-17b-16e-instruct.json (inference-sim/inference-sim @ 59649ee4), assumed equal for shapes; max_position_embeddings left unset: the Instruct value is 10485760, a code comment mirroring the unsloth base text_config says 262144',
        'meta-llama/Llama-4-Scout-17B-16E',
      ),
      hiddenSize: 5120,
      numLayers: 48,
      vocabSize: 202048,
      tiedEmbeddings: false,
      attention: { kind: 'gqa', numHeads: 40, numKvHeads: 8, headDim: 128 },
      slidingWindow: 8192,
      layerTypes: llama4LayerTypes(48),
      ffn: { intermediateSize: 16384, gated: true, activation: 'silu' },
      moe: { numExperts: 16, topK: 1, expertIntermediateSize: 8192, numSharedExperts: 1, layerStep: 1 },
    },
    aliases: ['Llama-4-Scout-17B-16E', 'Llama-4-Scout'],
  },
  {
    spec: {
      id: 'llama-4-maverick-17b-128e',
      name: 'Llama 4 Maverick 17B-128E',
      family: 'llama4',
      provenance: reconstructed(
        'ai-dynamo/aiconfigurator meta-llama--Llama-4-Maverick-17B-128E-Instruct_config.json (trimmed text_config subset): hidden 5120, 48 layers, 40 heads, kv 8, head_dim 128, 128 experts top-1, interleave_moe_layer_step 2, intermediate 8192, intermediate_size_mlp 16384, max_pos 1048576, vocab 202048; agrees with GenZ llama4_maverick (SOURCES.md). attention_chunk_size and no_rope_layers are not in that copy: Scout’s chunk size 8192 and every-4th-layer-global pattern assumed',
        'meta-llama/Llama-4-Maverick-17B-128E-Instruct',
      ),
      hiddenSize: 5120,
      numLayers: 48,
      vocabSize: 202048,
      tiedEmbeddings: false,
      maxPositionEmbeddings: 1048576,
      attention: { kind: 'gqa', numHeads: 40, numKvHeads: 8, headDim: 128 },
      slidingWindow: 8192,
      layerTypes: llama4LayerTypes(48),
      ffn: { intermediateSize: 16384, gated: true, activation: 'silu' },
      moe: { numExperts: 128, topK: 1, expertIntermediateSize: 8192, numSharedExperts: 1, layerStep: 2 },
    },
    aliases: [
      'meta-llama/Llama-4-Maverick-17B-128E',
      'Llama-4-Maverick-17B-128E',
      'Llama-4-Maverick-17B-128E-Instruct',
      'Llama-4-Maverick',
    ],
  },
  {
    spec: {
      id: 'qwen2.5-72b',
      name: 'Qwen2.5 72B',
      family: 'qwen2',
      provenance: reconstructed(
        'HF-hosted derivative configs (mergekit-community/mergekit-slerp-oucyivs with _name_or_path Qwen/Qwen2.5-72B; BitStack-Qwen2.5-72B): hidden 8192, layers 80, heads 64, kv 8, inter 29568, vocab 152064, max_pos 131072, max_window_layers 80; GenZ qwen2_72b agrees on the shapes (SOURCES.md). Untied embeddings and QKV bias as in every Qwen2 model of this size (not stated there)',
        'Qwen/Qwen2.5-72B',
      ),
      hiddenSize: 8192,
      numLayers: 80,
      vocabSize: 152064,
      tiedEmbeddings: false,
      maxPositionEmbeddings: 131072,
      attention: { kind: 'gqa', numHeads: 64, numKvHeads: 8, headDim: 128, qkvBias: true },
      ffn: { intermediateSize: 29568, gated: true, activation: 'silu' },
    },
    aliases: ['Qwen2.5-72B', 'Qwen-2.5-72B (GQA)', 'Qwen-72B (dense)'],
  },
  {
    spec: {
      id: 'deepseek-v2',
      name: 'DeepSeek-V2',
      family: 'deepseek-v2',
      provenance: reconstructed(
        'deepseek-ai/DeepSeek-V3 GitHub inference/configs/config_236B.json @ 9b4e9788 (SOURCES.md); route_scale 16.0 and 8 groups / 3 limited only affect routing, not shapes; max_position_embeddings not given, left unset',
        'deepseek-ai/DeepSeek-V2',
      ),
      hiddenSize: 5120,
      numLayers: 60,
      vocabSize: 102400,
      tiedEmbeddings: false,
      attention: {
        kind: 'mla',
        numHeads: 128,
        qLoraRank: 1536,
        kvLoraRank: 512,
        qkNopeHeadDim: 128,
        qkRopeHeadDim: 64,
        vHeadDim: 128,
      },
      ffn: { intermediateSize: 12288, gated: true, activation: 'silu' },
      moe: {
        numExperts: 160,
        topK: 6,
        expertIntermediateSize: 1536,
        numSharedExperts: 2,
        firstDenseLayers: 1,
        layerStep: 1,
      },
    },
    aliases: ['DeepSeek-V2 (236B MoE)'],
  },
  {
    spec: {
      id: 'gemma-2-9b',
      name: 'Gemma 2 9B',
      family: 'gemma2',
      provenance: reconstructed(
        'doggy8088/GemmaTokenizerExtractor gemma-2-9b-it/config.json @ a2757335 (older Hub revision of google/gemma-2-9b-it: query_pre_attn_scalar 224 instead of 256, which does not change any shape); = GenZ gemma2_9b (SOURCES.md); max_position_embeddings not given, left unset',
        'google/gemma-2-9b-it',
      ),
      hiddenSize: 3584,
      numLayers: 42,
      vocabSize: 256000,
      tiedEmbeddings: true,
      attention: { kind: 'gqa', numHeads: 16, numKvHeads: 8, headDim: 256 },
      slidingWindow: 4096,
      layerTypes: Array.from({ length: 42 }, (_, i) => (i % 2 === 0 ? 'sliding' : 'full')),
      ffn: { intermediateSize: 14336, gated: true, activation: 'gelu' },
    },
    aliases: ['google/gemma-2-9b', 'Gemma-2-9B', 'gemma-2-9b-it'],
  },
  {
    spec: {
      id: 'gemma-3-27b',
      name: 'Gemma 3 27B',
      family: 'gemma3',
      provenance: reconstructed(
        'abhibambhaniya/GenZ-LLM-Analyzer @ 091bdd0a2777 GenZ/Models/Model_sets/google.py gemma3_27b: hidden 5376, layers 62, heads 32, kv 16, head_dim 128, inter 21504, vocab 262144, sliding_window 1024 (SOURCES.md; no HF config found). The 5 sliding : 1 full layer pattern is the Gemma 3 default (sliding_window_pattern 6), not stated in that source; max_position_embeddings left unset',
        'google/gemma-3-27b-it',
      ),
      hiddenSize: 5376,
      numLayers: 62,
      vocabSize: 262144,
      tiedEmbeddings: true,
      attention: { kind: 'gqa', numHeads: 32, numKvHeads: 16, headDim: 128 },
      slidingWindow: 1024,
      layerTypes: Array.from({ length: 62 }, (_, i) => ((i + 1) % 6 === 0 ? 'full' : 'sliding')),
      ffn: { intermediateSize: 21504, gated: true, activation: 'gelu' },
    },
    aliases: ['Gemma-3-27B', 'gemma-3-27b-it'],
  },
];

/** Llama 4 attention: RoPE layers use chunked local attention, every 4th (NoPE) layer is global. */
function llama4LayerTypes(numLayers: number): ('chunked' | 'full')[] {
  return Array.from({ length: numLayers }, (_, i) => ((i + 1) % 4 === 0 ? 'full' : 'chunked'));
}

export interface RefusedModel {
  readonly id: string;
  readonly hfRepo: string;
  /** The importer's diagnostics (why it was refused). */
  readonly diagnostics: readonly Diagnostic[];
  /** The importer's message(s), joined. */
  readonly reason: string;
}

export interface MissingModel {
  readonly id: string;
  readonly hfRepo: string;
  readonly reason: string;
}

/** Models whose numbers SOURCES.md does not give completely: not in the catalog. */
export const MISSING_MODELS: readonly MissingModel[] = [
  {
    id: 'falcon-180b',
    hfRepo: 'tiiuae/falcon-180B',
    reason: 'no config.json or architecture numbers were found in the public sources searched (SOURCES.md)',
  },
  {
    id: 'phi-3-mini',
    hfRepo: 'microsoft/Phi-3-mini-4k-instruct',
    reason:
      'only GenZ phi3mini numbers are known (hidden 3072, layers 32, heads 32, inter 8192, vocab 32064; based on the 128k variant): SOURCES.md gives no num_key_value_heads, head_dim, sliding_window or max_position_embeddings',
  },
];

const catalog = new Map<string, ModelSpec>();
const aliases = new Map<string, string>();
const refused: RefusedModel[] = [];

function addAlias(alias: string, id: string): void {
  const key = alias.toLowerCase();
  const prev = aliases.get(key);
  // First registration wins; the catalog test checks that no alias is claimed twice.
  if (prev === undefined) aliases.set(key, id);
}

const aliasTable: [string, string][] = [];

for (const entry of HF_FILES) {
  const result = importHfConfig(entry.config, {
    id: entry.id,
    name: entry.name,
    hfRepo: entry.hfRepo,
    source: `data/models/hf/${entry.id}.json, config.json of ${entry.hfRepo} copied from ${entry.copiedFrom}`,
  });
  if (!result.ok) {
    refused.push({
      id: entry.id,
      hfRepo: entry.hfRepo,
      diagnostics: result.diagnostics,
      reason: result.diagnostics.map((d) => d.message).join('; '),
    });
    continue;
  }
  catalog.set(entry.id, ModelSpecSchema.parse(result.value));
  for (const a of [entry.id, entry.hfRepo, ...entry.aliases]) aliasTable.push([a, entry.id]);
}

for (const entry of RECONSTRUCTED) {
  catalog.set(entry.spec.id, ModelSpecSchema.parse(entry.spec));
  const repo = entry.spec.provenance?.hfRepo;
  for (const a of [entry.spec.id, ...(repo === undefined ? [] : [repo]), ...entry.aliases]) {
    aliasTable.push([a, entry.spec.id]);
  }
}

for (const [alias, id] of aliasTable) addAlias(alias, id);

/** Every built-in model by id. */
export const MODEL_CATALOG: ReadonlyMap<string, ModelSpec> = catalog;

/** Alias (HF repo id, name used in measurement tables, catalog id) → catalog id; keys lower-case. */
export const MODEL_ALIASES: ReadonlyMap<string, string> = aliases;

/** Every alias as written (original case) with its catalog id, for listings and tests. */
export const MODEL_ALIAS_TABLE: readonly (readonly [alias: string, id: string])[] = aliasTable;

/** Saved configs the importer refuses (bert-base: encoder-only), with the importer's message. */
export const REFUSED_MODELS: readonly RefusedModel[] = refused;

/** Looks a model up by catalog id, HF repo id or alias; case-insensitive. */
export function findModel(idOrAlias: string): ModelSpec | undefined {
  const key = idOrAlias.trim().toLowerCase();
  const id = aliases.get(key);
  return id === undefined ? undefined : catalog.get(id);
}

/** Catalog ids, sorted. */
export function modelIds(): string[] {
  return [...catalog.keys()].sort();
}
