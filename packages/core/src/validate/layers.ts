/**
 * Per-operator latency inside one transformer layer: the core graph of the phase (buildGraph),
 * each operator costed on its own (costOperator + operatorTime), one occurrence.
 *  - LLMCompass (notes "op=Q_K_V"): GPT-3 175B on 4×A100 TP4, batch 8, prefill of 2048 tokens or
 *    a decode step at KV length 3072.
 *  - Vidur (notes "time_stats.attn_pre_proj.mean"): one prefill of num_tokens tokens, TP1.
 */
import { costOperator, operatorTime } from '../cost/roofline.js';
import { buildGraph } from '../graph/build.js';
import type { PhaseKind } from '../graph/operator.js';
import type { ModelSpec, ModelSpecInput } from '../model/schema.js';
import { ModelSpecSchema } from '../model/schema.js';
import { engineProfile } from '../serving/engines.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { skipReasons } from './messages.js';
import type { Prediction, PredictOptions } from './predict-types.js';
import { profileParametersFor } from '../calibrate/profile.js';
import {
  firstError,
  formatOf,
  hardwareForRate,
  intAfter,
  intCell,
  normalizeInput,
  resolveRowHardware,
  resolveRowModel,
} from '../measurements/resolve.js';

/**
 * GPT-3 175B as the LLMCompass rows state it (d_model 12288, 96 heads of 128, FFN 4·d_model with
 * GeLU, LayerNorm, learned positions, 96 layers) with the GPT-3 paper's vocabulary of 50257.
 */
export const GPT3_175B: ModelSpec = ModelSpecSchema.parse({
  id: 'gpt-3-175b',
  name: 'GPT-3 175B',
  family: 'gpt3',
  provenance: {
    kind: 'reconstructed',
    source:
      'LLMCompass test_transformer.py via reference.csv M1112-M1135 (d_model 12288, 96 heads); Brown et al. 2020 (96 layers, head dim 128, vocab 50257)',
  },
  hiddenSize: 12288,
  numLayers: 96,
  vocabSize: 50257,
  attention: { kind: 'gqa', numHeads: 96, numKvHeads: 96, headDim: 128, qkvBias: true },
  ffn: { intermediateSize: 4 * 12288, gated: false, activation: 'gelu' },
  norm: 'layer',
  positionEmbedding: 'learned',
  linearBias: true,
} satisfies ModelSpecInput);

/** LLMCompass op names → Ridgeline operators. */
export const LLMCOMPASS_OPS: Readonly<Record<string, string>> = {
  Q_K_V: 'qkv_proj',
  Wo_proj: 'o_proj',
  W1_proj: 'up_proj',
  W2_proj: 'down_proj',
  LayerNorm_MHA: 'attn_norm',
  LayerNorm_FFN: 'residual_norm',
  GeLU: 'activation',
  AllReduce_MHA: 'attn_all_reduce',
  AllReduce_FFN: 'ffn_all_reduce',
};

/** Attention pieces LLMCompass times separately; Ridgeline costs one fused attention kernel. */
export const UNFUSED_ATTENTION_OPS: ReadonlySet<string> = new Set(['Q_mul_K', 'A_mul_V', 'Softmax']);

/** Vidur time_stats names → Ridgeline operators. */
export const VIDUR_OPS: Readonly<Record<string, string>> = {
  attn_pre_proj: 'qkv_proj',
  attn_post_proj: 'o_proj',
  mlp_up_proj: 'gate_up_proj',
  mlp_down_proj: 'down_proj',
  mlp_act: 'activation',
  input_layernorm: 'attn_norm',
  attn_rope: 'rope',
  add: 'residual_add',
  emb: 'embedding',
};

interface LayerCase {
  readonly model: ModelSpec;
  readonly operator: string;
  readonly phase: PhaseKind;
  readonly sequences: number;
  /** New tokens per sequence (prefill) or 1 (decode). */
  readonly tokensPerSequence: number;
  /** Attended context of the decode step. */
  readonly context: number;
}

function llmCompassCase(row: MeasurementRow, opName: string): LayerCase | { skip: string } {
  if (UNFUSED_ATTENTION_OPS.has(opName)) return { skip: skipReasons.unfusedAttention };
  const operator = LLMCOMPASS_OPS[opName];
  if (operator === undefined) return { skip: skipReasons.unknownOp(opName) };
  const model = /GPT-3 175B/i.test(row.model) ? GPT3_175B : resolveRowModel(row.model);
  if (model === undefined) return { skip: skipReasons.modelNotInCatalog };
  const sequences = intCell(row.batchOrConcurrency);
  if (sequences === undefined) return { skip: skipReasons.unparsed('the batch size') };
  const decode = /decode|auto-regress/i.test(row.notes);
  if (decode) {
    const context = intAfter(row.inputLen, 'KV len') ?? intCell(row.inputLen);
    if (context === undefined) return { skip: skipReasons.unparsed('the KV length') };
    return { model, operator, phase: 'decode', sequences, tokensPerSequence: 1, context };
  }
  const seq = intCell(row.inputLen);
  if (seq === undefined) return { skip: skipReasons.unparsed('the sequence length') };
  return { model, operator, phase: 'prefill', sequences, tokensPerSequence: seq, context: seq };
}

function vidurCase(row: MeasurementRow, opName: string): LayerCase | { skip: string } {
  const operator = VIDUR_OPS[opName];
  if (operator === undefined) return { skip: skipReasons.unknownOp(opName) };
  const model = resolveRowModel(row.model);
  if (model === undefined) return { skip: skipReasons.modelNotInCatalog };
  const tokens = intAfter(row.batchOrConcurrency, 'num_tokens');
  if (tokens === undefined) return { skip: skipReasons.unparsed('num_tokens') };
  return { model, operator, phase: 'prefill', sequences: 1, tokensPerSequence: tokens, context: tokens };
}

export function predictLayerOpRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  const llmCompassOp = /\bop=(\w+)/.exec(row.notes)?.[1];
  const vidurOp = /time_stats\.(\w+)\.mean/.exec(row.notes)?.[1];
  const c =
    llmCompassOp !== undefined
      ? llmCompassCase(row, llmCompassOp)
      : vidurOp !== undefined
        ? vidurCase(row, vidurOp)
        : { skip: skipReasons.unparsed('the operator name') };
  if ('skip' in c) return c;
  const format = formatOf(row.precisionWeights);
  if (format === undefined) return { skip: skipReasons.unsupportedPrecision(row.precisionWeights) };
  const found = resolveRowHardware(row.hardware);
  if (found === undefined) return { skip: skipReasons.hardwareNotInCatalog(row.hardware) };
  const hw = hardwareForRate(found, format);
  const tp = intCell(row.tp) ?? 1;
  const ns = normalizeInput({
    model: c.model,
    hardware: hw.spec,
    gpus: tp,
    parallelism: { tp },
    precision: { weights: format, activations: format, kvCache: format },
    engine: 'ideal',
    workload: { batch: c.sequences, inputTokens: c.context, outputTokens: 1 },
    efficiency: profileParametersFor(options.profiles, hw.spec.id, 'ideal'),
    calibration: 'none',
  });
  if (!ns.ok) return { skip: skipReasons.estimateFailed(firstError(ns)) };
  const graph = buildGraph(ns.value, {
    phase: c.phase,
    sequences: c.sequences,
    tokensPerSequence: c.tokensPerSequence,
  });
  const op = graph.operators.find((o) => o.name === c.operator);
  if (op === undefined) return { skip: skipReasons.unknownOp(c.operator) };
  const launch = (options.opLaunch ?? 'eager') === 'eager' ? engineProfile('vllm').kernelLaunchSeconds : 0;
  // operatorTime is the time of one occurrence (one layer).
  const seconds = operatorTime(costOperator(ns.value, op, launch), c.context).seconds;
  const predicted = seconds * 1e3;
  return hw.note === undefined ? { predicted } : { predicted, note: hw.note };
}
