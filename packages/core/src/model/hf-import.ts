/**
 * Hugging Face `config.json` → Ridgeline ModelSpecInput. Dispatches on `architectures[0]`
 * (falling back to `model_type`), reads the shape fields each architecture uses, and checks the
 * result against ModelSpecSchema. Errors are data (Result), never exceptions.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import type { LayerAttentionType, ModelSpecInput } from './schema.js';
import { ModelSpecSchema } from './schema.js';

export interface HfImportOptions {
  /** Ridgeline model id of the result. */
  readonly id: string;
  /** Where the config came from (file, repository @ commit). */
  readonly source: string;
  /** Hugging Face repo id, when known. */
  readonly hfRepo?: string;
  /** Readable name; defaults to the repo name (after the '/') or the id. */
  readonly name?: string;
}

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];
type Activation = 'silu' | 'gelu' | 'relu' | 'swiglu-clamped';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

/**
 * Reads fields from one config object, collecting missing keys and ill-typed values so one
 * import reports every problem at once. Failed reads return a placeholder (never used: the
 * import fails when anything was collected).
 */
class ConfigReader {
  readonly missing: string[] = [];
  readonly invalid: Diagnostic[] = [];

  constructor(
    private readonly cfg: Json,
    /** Path of cfg inside config.json (['text_config'] for multimodal wrappers). */
    readonly prefix: Path,
  ) {}

  /** The raw value of the first key present (aliases tried in order). */
  raw(key: string, ...aliases: string[]): { key: string; value: unknown } {
    for (const k of [key, ...aliases]) {
      if (this.cfg[k] !== undefined) return { key: k, value: this.cfg[k] };
    }
    return { key, value: undefined };
  }

  has(key: string): boolean {
    const v = this.cfg[key];
    return v !== undefined && v !== null;
  }

  private bad(key: string, value: unknown, expected: string): void {
    this.invalid.push({
      code: 'model.invalid-field',
      severity: 'error',
      message: `config.json field ${this.label(key)} must be ${expected}, got ${describe(value)}`,
      path: [...this.prefix, key],
    });
  }

  label(key: string): string {
    return [...this.prefix.map(String), key].join('.');
  }

  private checkInt(key: string, value: unknown, min: number): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
    this.bad(key, value, min > 0 ? 'a positive integer' : 'a non-negative integer');
    return undefined;
  }

  /** Required positive integer (null counts as missing). */
  int(key: string, ...aliases: string[]): number {
    const { key: k, value } = this.raw(key, ...aliases);
    if (value === undefined || value === null) {
      this.missing.push(key);
      return 1;
    }
    return this.checkInt(k, value, 1) ?? 1;
  }

  /** Optional positive integer: absent or null gives undefined. */
  optInt(key: string, ...aliases: string[]): number | undefined {
    const { key: k, value } = this.raw(key, ...aliases);
    if (value === undefined || value === null) return undefined;
    return this.checkInt(k, value, 1);
  }

  /** Optional non-negative integer with a default for absent or null. */
  count(key: string, fallback: number): number {
    const value = this.cfg[key];
    if (value === undefined || value === null) return fallback;
    return this.checkInt(key, value, 0) ?? fallback;
  }

  /** Key that must be present but may be null (DeepSeek q_lora_rank). */
  nullableInt(key: string): number | null {
    const value = this.cfg[key];
    if (value === undefined) {
      this.missing.push(key);
      return null;
    }
    if (value === null) return null;
    return this.checkInt(key, value, 1) ?? null;
  }

  bool(key: string, fallback: boolean, ...aliases: string[]): boolean {
    const { key: k, value } = this.raw(key, ...aliases);
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    this.bad(k, value, 'true or false');
    return fallback;
  }

  optString(key: string): string | undefined {
    const value = this.cfg[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.bad(key, value, 'a string');
    return undefined;
  }

  optList(key: string): unknown[] | undefined {
    const value = this.cfg[key];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value as unknown[];
    this.bad(key, value, 'a list');
    return undefined;
  }

  /** Records an invalid value found by architecture-specific checks. */
  reject(key: string, value: unknown, expected: string): void {
    this.bad(key, value, expected);
  }

  /** hidden / heads, or an error when it does not divide. */
  headDim(hidden: number, heads: number): number {
    const explicit = this.optInt('head_dim');
    if (explicit !== undefined) return explicit;
    if (hidden % heads === 0) return hidden / heads;
    // hidden or heads may be placeholders of a failed read: that error is reported already.
    if (this.missing.length > 0 || this.invalid.length > 0) return 1;
    this.invalid.push({
      code: 'model.invalid-field',
      severity: 'error',
      message: `config.json has no head_dim and ${this.label('hidden_size')} (${hidden}) is not a multiple of the head count (${heads})`,
      path: [...this.prefix, 'hidden_size'],
    });
    return 1;
  }

  /** hidden_act / activation_function → activation, or an error for an unknown one. */
  activation(fallback: Activation, ...keys: string[]): Activation {
    for (const key of keys) {
      const name = this.optString(key);
      if (name === undefined) continue;
      const n = name.toLowerCase();
      if (n === 'silu' || n === 'swish') return 'silu';
      if (n.includes('gelu')) return 'gelu';
      if (n === 'relu') return 'relu';
      this.bad(key, name, 'a supported activation (silu, swish, gelu*, relu)');
      return fallback;
    }
    return fallback;
  }
}

/** What an architecture converter produces besides the common fields. */
type Converted = Omit<ModelSpecInput, 'id' | 'name' | 'provenance'>;

interface Architecture {
  readonly family: string;
  /** HF `model_type` values that select this architecture when `architectures` is absent. */
  readonly modelTypes: readonly string[];
  /** Reads the text config out of a multimodal wrapper (text_config). */
  readonly textConfig?: boolean;
  convert(r: ConfigReader, warnings: Diagnostic[]): Converted;
}

const LAYER_TYPE_NAMES: Readonly<Record<string, LayerAttentionType>> = {
  full_attention: 'full',
  sliding_attention: 'sliding',
  chunked_attention: 'chunked',
};

/** Newer transformers write `layer_types` for every architecture; honour it when present. */
function explicitLayerTypes(r: ConfigReader): LayerAttentionType[] | undefined {
  const list = r.optList('layer_types');
  if (list === undefined) return undefined;
  const out: LayerAttentionType[] = [];
  for (const entry of list) {
    const t = typeof entry === 'string' ? LAYER_TYPE_NAMES[entry] : undefined;
    if (t === undefined) {
      r.reject(
        'layer_types',
        entry,
        "a list of 'full_attention', 'sliding_attention' or 'chunked_attention'",
      );
      return undefined;
    }
    out.push(t);
  }
  return out;
}

/** Common decoder fields (hidden, layers, vocab, ties, max positions). */
function base(r: ConfigReader, tiedDefault: boolean, vocabDefault?: number) {
  const out = {
    hiddenSize: r.int('hidden_size'),
    numLayers: r.int('num_hidden_layers'),
    vocabSize: vocabDefault !== undefined && !r.has('vocab_size') ? vocabDefault : r.int('vocab_size'),
    tiedEmbeddings: r.bool('tie_word_embeddings', tiedDefault),
  };
  const maxPos = r.optInt('max_position_embeddings');
  return maxPos === undefined ? out : { ...out, maxPositionEmbeddings: maxPos };
}

function gqa(r: ConfigReader, hidden: number, qkvBias: boolean) {
  const numHeads = r.int('num_attention_heads');
  const numKvHeads = r.optInt('num_key_value_heads') ?? numHeads;
  return { kind: 'gqa' as const, numHeads, numKvHeads, headDim: r.headDim(hidden, numHeads), qkvBias };
}

/** Adds slidingWindow + layerTypes when some layer is not full attention. */
function withWindow(
  spec: Converted,
  window: number | undefined,
  layerTypes: LayerAttentionType[] | undefined,
): Converted {
  if (layerTypes === undefined || layerTypes.every((t) => t === 'full')) return spec;
  return window === undefined ? { ...spec, layerTypes } : { ...spec, layerTypes, slidingWindow: window };
}

function fill(n: number, f: (i: number) => LayerAttentionType): LayerAttentionType[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** Llama 2/3.x, Mistral, Mixtral, Phi-3: gated SiLU decoder, optionally with sliding-window attention. */
function llamaLike(
  r: ConfigReader,
  family: string,
  windowRule: (window: number, maxPos: number | undefined) => boolean,
): Converted {
  const b = base(r, false);
  const attentionBias = r.bool('attention_bias', false);
  const spec: Converted = {
    family,
    ...b,
    attention: gqa(r, b.hiddenSize, attentionBias),
    ffn: {
      intermediateSize: r.int('intermediate_size'),
      gated: true,
      activation: r.activation('silu', 'hidden_act'),
    },
    linearBias: attentionBias || r.bool('mlp_bias', false),
  };
  const window = r.optInt('sliding_window');
  const explicit = explicitLayerTypes(r);
  if (explicit !== undefined) return withWindow(spec, window, explicit);
  if (window === undefined || !windowRule(window, spec.maxPositionEmbeddings)) return spec;
  return withWindow(
    spec,
    window,
    fill(b.numLayers, () => 'sliding'),
  );
}

/** Qwen2/Qwen3 sliding window: only when use_sliding_window, for layers >= max_window_layers. */
function qwenWindow(r: ConfigReader, spec: Converted): Converted {
  const window = r.optInt('sliding_window');
  const explicit = explicitLayerTypes(r);
  if (explicit !== undefined) return withWindow(spec, window, explicit);
  if (!r.bool('use_sliding_window', false) || window === undefined) return spec;
  const from = r.count('max_window_layers', 0);
  return withWindow(
    spec,
    window,
    fill(spec.numLayers, (i) => (i >= from ? 'sliding' : 'full')),
  );
}

function qwen(r: ConfigReader, family: string, defaultBias: boolean): Converted {
  const b = base(r, false);
  const bias = r.bool('attention_bias', defaultBias);
  return qwenWindow(r, {
    family,
    ...b,
    attention: gqa(r, b.hiddenSize, bias),
    ffn: {
      intermediateSize: r.int('intermediate_size'),
      gated: true,
      activation: r.activation('silu', 'hidden_act'),
    },
  });
}

function deepseek(family: string): Architecture['convert'] {
  return (r, warnings) => {
    const b = base(r, false);
    const spec: Converted = {
      family,
      ...b,
      attention: {
        kind: 'mla',
        numHeads: r.int('num_attention_heads'),
        qLoraRank: r.nullableInt('q_lora_rank'),
        kvLoraRank: r.int('kv_lora_rank'),
        qkNopeHeadDim: r.int('qk_nope_head_dim'),
        qkRopeHeadDim: r.int('qk_rope_head_dim'),
        vHeadDim: r.int('v_head_dim'),
      },
      ffn: {
        intermediateSize: r.int('intermediate_size'),
        gated: true,
        activation: r.activation('silu', 'hidden_act'),
      },
    };
    // n_routed_experts null: a dense DeepSeek model.
    if (r.raw('n_routed_experts').value === null) return spec;
    const freq = r.optInt('moe_layer_freq') ?? 1;
    if (freq > 1) {
      warnings.push({
        code: 'model.approximated-field',
        severity: 'warning',
        message: `moe_layer_freq ${freq}: DeepSeek makes layer i MoE when i % ${freq} == 0, Ridgeline when (i + 1) % ${freq} == 0; the MoE layer count may differ by one`,
        path: [...r.prefix, 'moe_layer_freq'],
      });
    }
    return {
      ...spec,
      moe: {
        numExperts: r.int('n_routed_experts'),
        topK: r.int('num_experts_per_tok'),
        expertIntermediateSize: r.int('moe_intermediate_size'),
        numSharedExperts: r.count('n_shared_experts', 0),
        firstDenseLayers: r.count('first_k_dense_replace', 0),
        layerStep: freq,
        ...routingGroupsOf(r),
      },
    };
  };
}

/** DeepSeek's group-limited routing (n_group, topk_group), when the config has a real limit. */
function routingGroupsOf(r: ConfigReader): { routingGroups?: { groups: number; topKGroups: number } } {
  const groups = r.optInt('n_group');
  const topKGroups = r.optInt('topk_group');
  if (groups === undefined || topKGroups === undefined || groups <= 1 || topKGroups >= groups) return {};
  return { routingGroups: { groups, topKGroups } };
}

/** Gemma3TextConfig's vocab_size default in transformers. */
const GEMMA3_DEFAULT_VOCAB = 262208;

/** Gemma 2/3: explicit head_dim, GeGLU, tied embeddings, alternating sliding layers. */
function gemma(
  family: string,
  slidingAt: (r: ConfigReader) => (i: number) => boolean,
): Architecture['convert'] {
  return (r, warnings) => {
    // Gemma 3 multimodal configs omit vocab_size from text_config; transformers uses its default.
    const vocabDefault = family === 'gemma3' ? GEMMA3_DEFAULT_VOCAB : undefined;
    if (vocabDefault !== undefined && !r.has('vocab_size')) {
      warnings.push({
        code: 'model.defaulted-field',
        severity: 'warning',
        message: `config.json lacks ${r.label('vocab_size')}; using the Gemma 3 default ${GEMMA3_DEFAULT_VOCAB}`,
        path: [...r.prefix, 'vocab_size'],
      });
    }
    const b = base(r, true, vocabDefault);
    const spec: Converted = {
      family,
      ...b,
      attention: gqa(r, b.hiddenSize, r.bool('attention_bias', false)),
      ffn: {
        intermediateSize: r.int('intermediate_size'),
        gated: true,
        activation: r.activation('gelu', 'hidden_activation', 'hidden_act'),
      },
    };
    const window = r.optInt('sliding_window');
    const explicit = explicitLayerTypes(r);
    if (explicit !== undefined) return withWindow(spec, window, explicit);
    if (window === undefined) return spec;
    const sliding = slidingAt(r);
    return withWindow(
      spec,
      window,
      fill(b.numLayers, (i) => (sliding(i) ? 'sliding' : 'full')),
    );
  };
}

function llama4(r: ConfigReader): Converted {
  const b = base(r, false);
  const chunk = r.optInt('attention_chunk_size');
  const spec: Converted = {
    family: 'llama4',
    ...b,
    attention: gqa(r, b.hiddenSize, r.bool('attention_bias', false)),
    ffn: {
      intermediateSize: r.int('intermediate_size_mlp'),
      gated: true,
      activation: r.activation('silu', 'hidden_act'),
    },
    moe: {
      numExperts: r.int('num_local_experts'),
      topK: r.int('num_experts_per_tok'),
      expertIntermediateSize: r.int('intermediate_size'),
      numSharedExperts: 1,
      layerStep: r.optInt('interleave_moe_layer_step') ?? 1,
    },
  };
  const explicit = explicitLayerTypes(r);
  if (explicit !== undefined) return withWindow(spec, chunk, explicit);
  if (chunk === undefined) return spec;
  // no_rope_layers: one flag per layer, 1 = the layer uses RoPE (and chunked local attention),
  // 0 = NoPE global layer. Empty: every 4th layer is global (transformers' default).
  const flags = r.optList('no_rope_layers') ?? [];
  if (flags.length === 0) {
    return withWindow(
      spec,
      chunk,
      fill(b.numLayers, (i) => ((i + 1) % 4 === 0 ? 'full' : 'chunked')),
    );
  }
  if (flags.length !== b.numLayers || flags.some((f) => f !== 0 && f !== 1 && f !== true && f !== false)) {
    r.reject('no_rope_layers', flags, `a list of ${b.numLayers} flags (1: RoPE + chunked, 0: global)`);
    return spec;
  }
  return withWindow(
    spec,
    chunk,
    flags.map((f) => (f === 1 || f === true ? 'chunked' : 'full')),
  );
}

function gptOss(r: ConfigReader): Converted {
  const b = base(r, false);
  const intermediate = r.int('intermediate_size');
  const window = r.int('sliding_window');
  const topK = r.has('experts_per_token') ? r.int('experts_per_token') : r.int('num_experts_per_tok');
  const spec: Converted = {
    family: 'gpt-oss',
    ...b,
    attention: { ...gqa(r, b.hiddenSize, true), headDim: r.int('head_dim') },
    ffn: { intermediateSize: intermediate, gated: true, activation: 'swiglu-clamped' },
    moe: { numExperts: r.int('num_local_experts'), topK, expertIntermediateSize: intermediate },
    linearBias: true,
  };
  const layerTypes =
    explicitLayerTypes(r) ?? fill(b.numLayers, (i) => ((i + 1) % 2 === 1 ? 'sliding' : 'full'));
  return withWindow(spec, window, layerTypes);
}

function gptj(r: ConfigReader): Converted {
  const hidden = r.int('n_embd', 'hidden_size');
  const heads = r.int('n_head', 'num_attention_heads');
  const maxPos = r.optInt('n_positions', 'max_position_embeddings');
  const spec: Converted = {
    family: 'gpt-j',
    hiddenSize: hidden,
    numLayers: r.int('n_layer', 'num_hidden_layers'),
    vocabSize: r.int('vocab_size'),
    tiedEmbeddings: r.bool('tie_word_embeddings', false),
    attention: { kind: 'gqa', numHeads: heads, numKvHeads: heads, headDim: r.headDim(hidden, heads) },
    ffn: {
      intermediateSize: r.optInt('n_inner') ?? 4 * hidden,
      gated: false,
      activation: r.activation('gelu', 'activation_function'),
    },
    norm: 'layer',
    parallelBlock: true,
    positionEmbedding: 'rope',
    // fc_in/fc_out and the untied lm_head carry biases; q/k/v/out do not.
    linearBias: true,
  };
  return maxPos === undefined ? spec : { ...spec, maxPositionEmbeddings: maxPos };
}

function falcon(r: ConfigReader): Converted {
  const hidden = r.int('hidden_size', 'n_embed');
  const heads = r.int('num_attention_heads', 'n_head');
  let kvHeads: number;
  if (r.bool('new_decoder_architecture', false)) {
    kvHeads = r.optInt('num_kv_heads', 'n_head_kv') ?? heads;
  } else {
    kvHeads = r.bool('multi_query', true) ? 1 : heads;
  }
  const bias = r.bool('bias', false);
  const maxPos = r.optInt('max_position_embeddings');
  const spec: Converted = {
    family: 'falcon',
    hiddenSize: hidden,
    numLayers: r.int('num_hidden_layers', 'n_layer'),
    vocabSize: r.int('vocab_size'),
    tiedEmbeddings: r.bool('tie_word_embeddings', true),
    attention: {
      kind: 'gqa',
      numHeads: heads,
      numKvHeads: kvHeads,
      headDim: r.headDim(hidden, heads),
      qkvBias: bias,
    },
    ffn: {
      intermediateSize: r.optInt('ffn_hidden_size') ?? 4 * hidden,
      gated: false,
      activation: r.activation('gelu', 'activation'),
    },
    norm: 'layer',
    parallelBlock: r.bool('parallel_attn', true),
    positionEmbedding: r.bool('alibi', false) ? 'alibi' : 'rope',
    linearBias: bias,
  };
  return maxPos === undefined ? spec : { ...spec, maxPositionEmbeddings: maxPos };
}

function opt(r: ConfigReader, warnings: Diagnostic[]): Converted {
  const b = base(r, true);
  const heads = r.int('num_attention_heads');
  const projDim = r.optInt('word_embed_proj_dim');
  if (projDim !== undefined && projDim !== b.hiddenSize) {
    warnings.push({
      code: 'model.approximated-field',
      severity: 'warning',
      message: `word_embed_proj_dim (${projDim}) differs from hidden_size (${b.hiddenSize}): the embedding projections are not modelled and the embeddings are sized with hidden_size`,
      path: [...r.prefix, 'word_embed_proj_dim'],
    });
  }
  return {
    family: 'opt',
    ...b,
    attention: {
      kind: 'gqa',
      numHeads: heads,
      numKvHeads: heads,
      headDim: r.headDim(b.hiddenSize, heads),
      qkvBias: true,
    },
    ffn: {
      intermediateSize: r.int('ffn_dim'),
      gated: false,
      activation: r.activation('relu', 'activation_function'),
    },
    norm: 'layer',
    positionEmbedding: 'learned',
    linearBias: true,
  };
}

const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  LlamaForCausalLM: {
    family: 'llama',
    modelTypes: ['llama'],
    convert: (r) => llamaLike(r, 'llama', () => false),
  },
  Llama4ForConditionalGeneration: {
    family: 'llama4',
    modelTypes: ['llama4'],
    textConfig: true,
    convert: llama4,
  },
  Llama4ForCausalLM: { family: 'llama4', modelTypes: ['llama4_text'], textConfig: true, convert: llama4 },
  MistralForCausalLM: {
    family: 'mistral',
    modelTypes: ['mistral'],
    convert: (r) => llamaLike(r, 'mistral', () => true),
  },
  MixtralForCausalLM: {
    family: 'mixtral',
    modelTypes: ['mixtral'],
    convert: (r) => {
      const spec = llamaLike(r, 'mixtral', () => true);
      return {
        ...spec,
        moe: {
          numExperts: r.int('num_local_experts'),
          topK: r.int('num_experts_per_tok'),
          expertIntermediateSize: spec.ffn.intermediateSize,
        },
      };
    },
  },
  Qwen2ForCausalLM: { family: 'qwen2', modelTypes: ['qwen2'], convert: (r) => qwen(r, 'qwen2', true) },
  Qwen3ForCausalLM: { family: 'qwen3', modelTypes: ['qwen3'], convert: (r) => qwen(r, 'qwen3', false) },
  Qwen3MoeForCausalLM: {
    family: 'qwen3-moe',
    modelTypes: ['qwen3_moe'],
    convert: (r) => {
      const spec = qwen(r, 'qwen3-moe', false);
      const mlpOnly = r.optList('mlp_only_layers') ?? [];
      if (mlpOnly.length > 0) {
        r.invalid.push({
          code: 'model.unsupported-feature',
          severity: 'error',
          message: `mlp_only_layers (${mlpOnly.map((x) => describe(x)).join(', ')}) is not supported: Ridgeline places MoE layers by decoder_sparse_step only`,
          path: [...r.prefix, 'mlp_only_layers'],
        });
      }
      return {
        ...spec,
        moe: {
          numExperts: r.int('num_experts'),
          topK: r.int('num_experts_per_tok'),
          expertIntermediateSize: r.int('moe_intermediate_size'),
          layerStep: r.optInt('decoder_sparse_step') ?? 1,
        },
      };
    },
  },
  DeepseekV2ForCausalLM: {
    family: 'deepseek-v2',
    modelTypes: ['deepseek_v2'],
    convert: deepseek('deepseek-v2'),
  },
  DeepseekV3ForCausalLM: {
    family: 'deepseek-v3',
    modelTypes: ['deepseek_v3'],
    convert: deepseek('deepseek-v3'),
  },
  GptOssForCausalLM: { family: 'gpt-oss', modelTypes: ['gpt_oss'], convert: gptOss },
  GPTJForCausalLM: { family: 'gpt-j', modelTypes: ['gptj'], convert: gptj },
  FalconForCausalLM: { family: 'falcon', modelTypes: ['falcon'], convert: falcon },
  RWForCausalLM: { family: 'falcon', modelTypes: ['RefinedWeb', 'RefinedWebModel'], convert: falcon },
  Gemma2ForCausalLM: {
    family: 'gemma2',
    modelTypes: ['gemma2'],
    convert: gemma('gemma2', () => (i) => i % 2 === 0),
  },
  Gemma3ForCausalLM: {
    family: 'gemma3',
    modelTypes: ['gemma3_text'],
    textConfig: true,
    convert: gemma('gemma3', gemma3Pattern),
  },
  Gemma3ForConditionalGeneration: {
    family: 'gemma3',
    modelTypes: ['gemma3'],
    textConfig: true,
    convert: gemma('gemma3', gemma3Pattern),
  },
  Phi3ForCausalLM: {
    family: 'phi3',
    modelTypes: ['phi3'],
    convert: (r) => llamaLike(r, 'phi3', (w, maxPos) => maxPos === undefined || w < maxPos),
  },
  OPTForCausalLM: { family: 'opt', modelTypes: ['opt'], convert: opt },
};

function gemma3Pattern(r: ConfigReader): (i: number) => boolean {
  const pattern = r.optInt('sliding_window_pattern') ?? 6;
  return (i) => (i + 1) % pattern !== 0;
}

/** Architectures the importer converts, in a stable order (for messages and docs). */
export const SUPPORTED_HF_ARCHITECTURES: readonly string[] = Object.keys(ARCHITECTURES);

const ENCODER_ONLY =
  /^(Bert|Roberta|XLMRoberta|DistilBert|Albert|Electra|Deberta|DebertaV2|MPNet|Camembert|Ernie|ModernBert|Nomic)/;
const ENCODER_ONLY_TYPES = new Set([
  'bert',
  'roberta',
  'xlm-roberta',
  'distilbert',
  'albert',
  'electra',
  'deberta',
  'deberta-v2',
  'mpnet',
  'camembert',
  'ernie',
  'modernbert',
]);
const ENCODER_DECODER = /^(T5|MT5|UMT5|Bart|MBart|Pegasus|Marian|Whisper|LongT5)/;
const ENCODER_DECODER_TYPES = new Set([
  't5',
  'mt5',
  'umt5',
  'bart',
  'mbart',
  'pegasus',
  'marian',
  'whisper',
  'longt5',
]);

function findArchitecture(
  name: string | undefined,
  modelType: string | undefined,
): [string, Architecture] | undefined {
  if (name !== undefined) {
    const direct = ARCHITECTURES[name];
    if (direct !== undefined) return [name, direct];
  }
  if (modelType === undefined) return undefined;
  for (const [archName, arch] of Object.entries(ARCHITECTURES)) {
    if (arch.modelTypes.includes(modelType)) return [archName, arch];
  }
  return undefined;
}

function firstArchitecture(config: Json): string | undefined {
  const list = config['architectures'];
  if (Array.isArray(list) && typeof list[0] === 'string') return list[0];
  return undefined;
}

/** Encoder-only and encoder-decoder models are refused with what they are. */
function unsupportedKind(
  archName: string | undefined,
  modelType: string | undefined,
  shown: string | undefined,
): Diagnostic | undefined {
  const encoderDecoder =
    (archName !== undefined && ENCODER_DECODER.test(archName)) ||
    (modelType !== undefined && ENCODER_DECODER_TYPES.has(modelType));
  const encoderOnly =
    (archName !== undefined && ENCODER_ONLY.test(archName)) ||
    (modelType !== undefined && ENCODER_ONLY_TYPES.has(modelType));
  if (!encoderDecoder && !encoderOnly) return undefined;
  return {
    code: 'model.encoder-unsupported',
    severity: 'error',
    message: encoderDecoder
      ? `${shown ?? 'this model'} is an encoder-decoder model: encoder-decoder models (T5, BART) are not supported yet, only decoder-only transformers`
      : `${shown ?? 'this model'} is an encoder-only model: encoder-only models (BERT) are not supported yet, only decoder-only transformers`,
    path: archName !== undefined ? ['architectures', 0] : ['model_type'],
  };
}

/** DeepSeek-V3/R1 ship num_nextn_predict_layers MTP modules (speculative decoding's drafter). */
function mtpLayersOf(config: Json, text: Json): { mtpLayers?: number } {
  const nextn = config['num_nextn_predict_layers'] ?? text['num_nextn_predict_layers'];
  return typeof nextn === 'number' && Number.isInteger(nextn) && nextn > 0 ? { mtpLayers: nextn } : {};
}

/**
 * FP8 checkpoints with fine-grained scales (DeepSeek-V3/R1, Qwen3 FP8) state their weight block
 * in quantization_config: quant_method "fp8" and weight_block_size [output, input].
 */
function fp8BlockOf(config: Json, invalid: Diagnostic[]): { fp8WeightBlockSize?: [number, number] } {
  const q = config['quantization_config'];
  if (!isObject(q) || q['quant_method'] !== 'fp8' || q['weight_block_size'] === undefined) return {};
  const size = q['weight_block_size'];
  if (
    Array.isArray(size) &&
    size.length === 2 &&
    size.every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0)
  )
    return { fp8WeightBlockSize: [size[0] as number, size[1] as number] };
  invalid.push({
    code: 'model.invalid-field',
    severity: 'error',
    message: `config.json field quantization_config.weight_block_size must be two positive integers [output, input], got ${describe(size)}`,
    path: ['quantization_config', 'weight_block_size'],
  });
  return {};
}

/** Converts a Hugging Face config.json object into a ModelSpecInput. */
export function importHfConfig(config: unknown, opts: HfImportOptions): Result<ModelSpecInput> {
  if (!isObject(config)) {
    return fail({
      code: 'model.invalid-config',
      severity: 'error',
      message: `config.json must be a JSON object, got ${describe(config)}`,
    });
  }
  const archName = firstArchitecture(config);
  const modelType = typeof config['model_type'] === 'string' ? config['model_type'] : undefined;
  const shown = archName ?? (modelType === undefined ? undefined : `model_type ${modelType}`);
  const unsupported = unsupportedKind(archName, modelType, shown);
  if (unsupported !== undefined) return fail(unsupported);

  const found = findArchitecture(archName, modelType);
  if (found === undefined) {
    return fail({
      code: 'model.unknown-architecture',
      severity: 'error',
      message:
        shown === undefined
          ? `config.json names no architecture (no architectures or model_type); supported: ${SUPPORTED_HF_ARCHITECTURES.join(', ')}`
          : `unknown architecture ${shown}; supported: ${SUPPORTED_HF_ARCHITECTURES.join(', ')}`,
      path: archName !== undefined ? ['architectures', 0] : ['model_type'],
    });
  }
  const [resolvedName, arch] = found;

  let cfg: Json = config;
  let prefix: Path = [];
  if (arch.textConfig === true && config['text_config'] !== undefined) {
    const text = config['text_config'];
    if (!isObject(text)) {
      return fail({
        code: 'model.invalid-field',
        severity: 'error',
        message: `config.json field text_config must be an object, got ${describe(text)}`,
        path: ['text_config'],
      });
    }
    cfg = text;
    prefix = ['text_config'];
  }

  const reader = new ConfigReader(cfg, prefix);
  const warnings: Diagnostic[] = [];
  const converted = { ...arch.convert(reader, warnings), ...fp8BlockOf(config, reader.invalid) };

  if (reader.missing.length > 0) {
    const keys = [...new Set(reader.missing)];
    const first = keys[0] ?? '';
    return fail({
      code: 'model.missing-field',
      severity: 'error',
      message: `config.json lacks ${keys.map((k) => reader.label(k)).join(', ')} (needed to import ${resolvedName})`,
      path: [...prefix, first],
    });
  }
  if (reader.invalid.length > 0) return fail(...reader.invalid);

  const hfRepo = opts.hfRepo;
  const name = opts.name ?? (hfRepo === undefined ? opts.id : (hfRepo.split('/').pop() ?? hfRepo));
  const spec: ModelSpecInput = {
    id: opts.id,
    name,
    ...converted,
    ...mtpLayersOf(config, cfg),
    provenance:
      hfRepo === undefined
        ? { kind: 'hf-config', source: opts.source }
        : { kind: 'hf-config', source: opts.source, hfRepo },
  };

  const parsed = ModelSpecSchema.safeParse(spec);
  if (!parsed.success) {
    return fail(
      ...parsed.error.issues.map((issue): Diagnostic => ({
        code: 'model.invalid-spec',
        severity: 'error',
        message: `${resolvedName} config converts to an invalid model: ${issue.path.map(String).join('.')}: ${issue.message}`,
        path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
      })),
    );
  }
  return ok(spec, warnings);
}
