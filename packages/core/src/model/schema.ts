/**
 * The model schema: a decoder-only transformer described by the shapes that cost time and
 * memory. It is Ridgeline's own format (YAML/JSON files may use it directly); Hugging Face
 * config.json files are converted into it by hf-import.ts.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/**
 * Most layers a model may have: the layer stack is built layer by layer (layers/registry.ts), so
 * a count such as 1e15 would never finish. The deepest catalog model has a few hundred at most.
 */
export const MAX_LAYERS = 100_000;

/** Multi-head attention with grouped KV heads: MHA (kv = heads), GQA, MQA (kv = 1). */
export const GqaAttentionSchema = z.object({
  kind: z.literal('gqa'),
  /** Query heads. */
  numHeads: positiveInt,
  /** Key/value heads; must divide numHeads. */
  numKvHeads: positiveInt,
  /** Per-head dimension (explicit, since some models use hidden/heads != headDim). */
  headDim: positiveInt,
  /** Bias on the Q, K, V projections (Qwen2, gpt-oss). Default false. */
  qkvBias: z.boolean().default(false),
});

/** Multi-head latent attention (DeepSeek-V2/V3): the cache holds a compressed latent. */
export const MlaAttentionSchema = z.object({
  kind: z.literal('mla'),
  numHeads: positiveInt,
  /** Rank of the query down-projection; null when queries are projected directly. */
  qLoraRank: positiveInt.nullable(),
  kvLoraRank: positiveInt,
  qkNopeHeadDim: positiveInt,
  qkRopeHeadDim: positiveInt,
  vHeadDim: positiveInt,
});

export const AttentionSchema = z.discriminatedUnion('kind', [GqaAttentionSchema, MlaAttentionSchema]);

export const LayerAttentionTypeSchema = z.enum(['full', 'sliding', 'chunked']);

export const FfnSchema = z.object({
  /** Width of the dense FFN (per matrix, not the packed gate+up width). */
  intermediateSize: positiveInt,
  /** Gated (SwiGLU/GeGLU: three matrices) or plain (two matrices). */
  gated: z.boolean(),
  activation: z.enum(['silu', 'gelu', 'relu', 'swiglu-clamped']).default('silu'),
});

export const MoeSchema = z.object({
  /** Routed experts. */
  numExperts: positiveInt,
  /** Routed experts per token. */
  topK: positiveInt,
  /** Width of one routed expert's FFN. */
  expertIntermediateSize: positiveInt,
  /** Always-active shared experts. */
  numSharedExperts: nonNegativeInt.default(0),
  /** Width of one shared expert's FFN (defaults to expertIntermediateSize). */
  sharedExpertIntermediateSize: positiveInt.optional(),
  /** Leading layers that use the dense FFN instead (DeepSeek first_k_dense_replace). */
  firstDenseLayers: nonNegativeInt.default(0),
  /** After the leading dense layers, layer i is MoE when (i + 1) % layerStep === 0. */
  layerStep: positiveInt.default(1),
  /**
   * Group-limited routing (Hugging Face n_group / topk_group; DeepSeek-V3/R1: 8 / 4): the experts
   * form `groups` contiguous groups and a token picks its top-k among the `topKGroups` best
   * groups' experts. Absent: any k of all experts.
   */
  routingGroups: z.object({ groups: positiveInt, topKGroups: positiveInt }).optional(),
});

export const ModelProvenanceSchema = z.object({
  kind: z.enum(['hf-config', 'reconstructed', 'user']),
  /** Where the numbers come from (file, repository, paper). */
  source: z.string(),
  /** Hugging Face repo id, when known. */
  hfRepo: z.string().optional(),
});

export const ModelSpecSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    family: z.string().default('custom'),
    provenance: ModelProvenanceSchema.default({ kind: 'user', source: 'user file' }),
    hiddenSize: positiveInt,
    numLayers: positiveInt.max(MAX_LAYERS, {
      message: `at most ${MAX_LAYERS.toLocaleString('en-US')} layers (the layer stack is built layer by layer)`,
    }),
    vocabSize: positiveInt,
    tiedEmbeddings: z.boolean().default(false),
    maxPositionEmbeddings: positiveInt.optional(),
    attention: AttentionSchema,
    /** Window (tokens) of sliding-window layers; chunk size of chunked-attention layers. */
    slidingWindow: positiveInt.optional(),
    /** Attention type per layer (length numLayers). Absent: every layer is full attention. */
    layerTypes: z.array(LayerAttentionTypeSchema).optional(),
    ffn: FfnSchema,
    moe: MoeSchema.optional(),
    norm: z.enum(['rms', 'layer']).default('rms'),
    /** Attention and FFN read the same input (GPT-J, Falcon): one norm per layer. */
    parallelBlock: z.boolean().default(false),
    positionEmbedding: z.enum(['rope', 'learned', 'alibi', 'none']).default('rope'),
    /** Bias vectors on the linear layers other than QKV (OPT, gpt-oss). */
    linearBias: z.boolean().default(false),
    /**
     * Multi-token-prediction modules shipped with the weights (HF num_nextn_predict_layers;
     * DeepSeek-V3/R1: 1). MTP speculative decoding needs at least one. Default 0.
     */
    mtpLayers: nonNegativeInt.default(0),
    /**
     * The FP8 checkpoint's weight block, [output, input] elements (Hugging Face
     * quantization_config.weight_block_size; DeepSeek-V3/R1: [128, 128]): each block has its own
     * FP32 scale and activations are quantized per 1 × input-block group. Run with FP8 weights, the
     * GEMMs are block-scaled (scenario precision.fp8Scaling). Absent: per-tensor FP8.
     */
    fp8WeightBlockSize: z.tuple([positiveInt, positiveInt]).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.attention.kind === 'gqa' && m.attention.numHeads % m.attention.numKvHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['attention', 'numKvHeads'],
        message: `numKvHeads (${String(m.attention.numKvHeads)}) must divide numHeads (${String(m.attention.numHeads)})`,
      });
    }
    if (m.layerTypes !== undefined) {
      if (m.layerTypes.length !== m.numLayers) {
        ctx.addIssue({
          code: 'custom',
          path: ['layerTypes'],
          message: `layerTypes has ${String(m.layerTypes.length)} entries but numLayers is ${String(m.numLayers)}`,
        });
      }
      if (m.layerTypes.some((t) => t !== 'full') && m.slidingWindow === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['slidingWindow'],
          message: 'sliding or chunked layers need slidingWindow (the window or chunk size in tokens)',
        });
      }
    }
    if (m.moe !== undefined && m.moe.topK > m.moe.numExperts) {
      ctx.addIssue({
        code: 'custom',
        path: ['moe', 'topK'],
        message: `topK (${String(m.moe.topK)}) exceeds numExperts (${String(m.moe.numExperts)})`,
      });
    }
  });

export type ModelSpecInput = z.input<typeof ModelSpecSchema>;
export type ModelSpec = z.output<typeof ModelSpecSchema>;
export type Attention = z.output<typeof AttentionSchema>;
export type LayerAttentionType = z.output<typeof LayerAttentionTypeSchema>;

/** Layers that share attention type and FFN kind, so the graph costs them once. */
export interface LayerGroup {
  readonly count: number;
  readonly attention: LayerAttentionType;
  readonly moe: boolean;
}

export function isMoeLayer(model: ModelSpec, index: number): boolean {
  const moe = model.moe;
  if (moe === undefined) return false;
  return index >= moe.firstDenseLayers && (index + 1) % moe.layerStep === 0;
}

const groupCache = new WeakMap<ModelSpec, readonly LayerGroup[]>();

/** Groups the layers by (attention type, MoE or dense); cached per model object. */
export function layerGroupsOf(model: ModelSpec): readonly LayerGroup[] {
  const cached = groupCache.get(model);
  if (cached !== undefined) return cached;
  const groups = computeLayerGroups(model);
  groupCache.set(model, groups);
  return groups;
}

function computeLayerGroups(model: ModelSpec): LayerGroup[] {
  const counts = new Map<string, LayerGroup>();
  for (let i = 0; i < model.numLayers; i++) {
    const attention = model.layerTypes?.[i] ?? 'full';
    const moe = isMoeLayer(model, i);
    const key = `${attention}/${String(moe)}`;
    const prev = counts.get(key);
    counts.set(key, { count: (prev?.count ?? 0) + 1, attention, moe });
  }
  return [...counts.values()];
}
