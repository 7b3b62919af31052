/**
 * Reading data/measurements/training.csv: the columns, the row parser, and the resolution of a
 * row to a training scenario (hardware and model names resolved to catalog ids, or an
 * architecture built from the row's stated dimensions; the ZeRO stage, precision and MFU
 * convention read from the row's text). Rows that cannot be expressed get a reason. Predicting
 * the rows is validate/training-rows.ts; fitting the training efficiencies is
 * calibrate/training-fit.ts.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import type { ModelSpec, ModelSpecInput } from '../model/schema.js';
import { ModelSpecSchema } from '../model/schema.js';
import type { MfuConvention, TrainingScenarioInput } from '../training/schema.js';
import { splitCsvRecords } from './csv.js';

export const TRAINING_COLUMNS = [
  'id',
  'source',
  'hardware',
  'num_gpus',
  'model',
  'precision',
  'framework',
  'seq_len',
  'global_batch',
  'micro_batch',
  'tp',
  'pp',
  'dp',
  'cp',
  'ep',
  'vp',
  'zero_or_fsdp',
  'recompute',
  'metric',
  'value',
  'notes',
] as const;

export type TrainingRow = Readonly<Record<(typeof TRAINING_COLUMNS)[number], string>> & {
  readonly line: number;
};

/** True when a CSV header names the training columns (what `validate` uses to pick the kind). */
export function isTrainingHeader(header: readonly string[]): boolean {
  return ['global_batch', 'zero_or_fsdp', 'recompute', 'seq_len'].every((c) => header.includes(c));
}

/**
 * True when a file's first line names the training columns: the one rule by which `ridgeline
 * validate` and the web app's benchmark-file panel read a file as a training CSV.
 */
export function readsAsTrainingCsv(text: string): boolean {
  const first = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r?\n/, 1)[0] ?? '';
  return isTrainingHeader(first.split(',').map((c) => c.trim()));
}

export function parseTrainingCsv(text: string): Result<TrainingRow[]> {
  const { records, diagnostics } = splitCsvRecords(text);
  if (diagnostics.length > 0) return fail(...diagnostics);
  const [head, ...rest] = records;
  if (head === undefined) return fail(csvError(1, 'the file is empty'));
  const header = head.fields.map((f) => f.trim());
  const missing = TRAINING_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) return fail(csvError(1, `missing column(s): ${missing.join(', ')}`));
  const rows: TrainingRow[] = [];
  const errors: Diagnostic[] = [];
  for (const r of rest) {
    const row: Record<string, string | number> = { line: r.line };
    for (const c of TRAINING_COLUMNS) row[c] = (r.fields[header.indexOf(c)] ?? '').trim();
    if (!Number.isFinite(Number(row.value)) || row.value === '')
      errors.push(csvError(r.line, `value '${String(row.value)}' is not a number`));
    rows.push(row as unknown as TrainingRow);
  }
  return errors.length > 0 ? fail(...errors) : ok(rows);
}

function csvError(line: number, message: string): Diagnostic {
  return {
    code: 'training.csv',
    severity: 'error',
    message: `line ${String(line)}: ${message}`,
    path: [line],
  };
}

/** Source label: repository and file, without the commit and table. */
export function trainingSourceLabel(source: string): string {
  return source.split(' @')[0] ?? source;
}

const int = (s: string): number | undefined => {
  const m = /^\s*(\d+)/.exec(s);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

function hardwareId(name: string): string | undefined {
  const n = name.toLowerCase();
  if (n.includes('gb200')) return 'gb200';
  if (n.includes('b200')) return 'b200';
  if (n.includes('h200')) return 'h200-sxm';
  if (n.includes('h100')) return 'h100-sxm';
  if (n.includes('a100 40gb')) return 'a100-sxm-40gb';
  if (n.includes('a100')) return 'a100-sxm-80gb';
  if (n.includes('4090')) return 'rtx-4090';
  return undefined;
}

/**
 * Devices whose name matches a catalog family but not a catalog part: torchtitan's H100s are
 * HBM2e SXM parts (Grand Teton 96 GB at a 500 W power limit; 94/95 GB parts at a lower TDP in
 * docs/performance.md). The catalog h100-sxm is the 80 GB HBM3 700 W part, and no datasheet row
 * gives these parts' bandwidth, sustained tensor throughput under the power limit, or capacity
 * (which bounds the allocator's reserved peak that the memory rows report). Predicting them as
 * h100-sxm would put the device difference into the model's error, so they are skipped.
 */
function uncataloguedVariant(name: string): string | undefined {
  if (/h100/i.test(name) && /sxm/i.test(name) && /hbm2e/i.test(name))
    return `hardware variant not in the catalog (${name}); closest catalog id h100-sxm`;
  return undefined;
}

function dims(text: string, key: string): number | undefined {
  const m = new RegExp(`${key}=(\\d+)`).exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** GPT-style block (MPT, Megatron GPT): MHA, plain 4× FFN, LayerNorm, tied embeddings. */
function gptSpec(
  id: string,
  layers: number,
  hidden: number,
  heads: number,
  ffn: number,
  vocab: number,
  seq: number,
  bias: boolean,
): ModelSpec {
  const input: ModelSpecInput = {
    id,
    name: id,
    family: 'gpt',
    provenance: { kind: 'reconstructed', source: 'dimensions stated in training.csv' },
    hiddenSize: hidden,
    numLayers: layers,
    vocabSize: vocab,
    tiedEmbeddings: true,
    maxPositionEmbeddings: seq,
    attention: { kind: 'gqa', numHeads: heads, numKvHeads: heads, headDim: hidden / heads, qkvBias: bias },
    ffn: { intermediateSize: ffn, gated: false, activation: 'gelu' },
    norm: 'layer',
    positionEmbedding: 'learned',
    linearBias: bias,
  };
  return ModelSpecSchema.parse(input);
}

/** Megatron GPT vocabulary: GPT-2's 50,257 padded to 51,200 (Korthikanti et al. 2022, Table 3 setup). */
const MEGATRON_GPT_VOCAB = 51200;

const CATALOG_MODELS: readonly [RegExp, string][] = [
  [/llama[-_ ]?3(\.1)?[-_ ]8b/i, 'llama-3.1-8b'],
  [/llama[-_ ]?3(\.1)?[-_ ]70b/i, 'llama-3.1-70b'],
  [/llama[-_ ]?3\.1[-_ ]405b/i, 'llama-3.1-405b'],
  [/llama[-_ ]?2[-_ ]7b/i, 'llama-2-7b'],
  [/llama[-_ ]?2[-_ ]13b/i, 'llama-2-13b'],
  [/llama[-_ ]?2[-_ ]70b/i, 'llama-2-70b'],
  [/llama[-_ ]3\.2[-_ ]3b/i, 'llama-3.2-3b'],
  [/deepseek[-_ ]?v3/i, 'deepseek-v3'],
  [/gpt[-_ ]?oss[-_ ]?120b/i, 'gpt-oss-120b'],
  [/qwen3[-_ ]30b/i, 'qwen3-30b-a3b'],
  [/qwen3[-_ ]235b/i, 'qwen3-235b-a22b'],
];

/** A row as a training scenario with its MFU convention, or why it cannot be expressed. */
export type TrainingRowScenario =
  { ok: true; input: TrainingScenarioInput; convention: RowConvention } | { ok: false; reason: string };

function modelOf(row: TrainingRow, seq: number): ModelSpec | string | { skip: string } {
  const t = row.model;
  if (/^MPT-/i.test(t)) {
    const l = dims(t, 'layers');
    const d = dims(t, 'd_model');
    const h = dims(t, 'heads');
    const v = dims(t, 'vocab');
    if (l === undefined || d === undefined || h === undefined || v === undefined)
      return { skip: 'MPT dimensions missing' };
    return gptSpec(t.split(' ')[0] ?? 'mpt', l, d, h, 4 * d, v, seq, false);
  }
  if (/Korthikanti/.test(t)) {
    const l = dims(t, 'layers');
    const d = dims(t, 'hidden');
    const h = dims(t, 'heads');
    const f = dims(t, 'ffn');
    if (l === undefined || d === undefined || h === undefined || f === undefined)
      return { skip: 'GPT dimensions missing' };
    return gptSpec(t.split(' (')[0] ?? 'gpt', l, d, h, f, MEGATRON_GPT_VOCAB, seq, true);
  }
  if (/^GPT3-175B/i.test(t))
    return gptSpec('gpt3-175b', 96, 12288, 96, 4 * 12288, MEGATRON_GPT_VOCAB, seq, true);
  for (const [re, id] of CATALOG_MODELS) if (re.test(t)) return id;
  return { skip: 'model architecture not in the catalog or the row' };
}

/** The row's sequence length, or the default its notes state. */
function sequenceLengthOf(row: TrainingRow): number | undefined {
  const seq = int(row.seq_len);
  if (seq !== undefined) return seq;
  const m = /default (?:seq_len=)?(\d+)|\((\d+), selective/.exec(row.notes);
  return m === null ? undefined : Number(m[1] ?? m[2]);
}

/** The ZeRO stage a row's zero_or_fsdp column (lower-cased: z) describes. */
function zeroStageOf(row: TrainingRow, z: string): 0 | 1 | 2 | 3 {
  // Megatron's "FSDP=0" runs DDP with its distributed optimizer (ZeRO-1), the Megatron-Bridge
  // recipe default; "not stated" on NVIDIA rows is read the same way.
  const megatron = /megatron|nemo/i.test(row.framework + row.source);
  if (z.includes('shard_grad_op')) return 2;
  if (z.includes('fsdp=0') || z.includes('not stated')) return megatron ? 1 : 0;
  if (z.includes('fsdp') || z.includes('full_shard')) return 3;
  if (z.startsWith('none')) return megatron && !z.includes('optimizer_sharding=false') ? 1 : 0;
  return 1;
}

/** GEMM precision and FP8 scaling recipe from the row's precision text (lower-cased). */
function precisionOf(precisionText: string): {
  precision: 'mxfp8' | 'fp8' | 'fp16' | 'bf16';
  fp8Recipe: 'rowwise' | 'tensorwise' | 'delayed';
} {
  const fp8 = precisionText.includes('fp8') || precisionText.includes('float8');
  // Megatron-Bridge writes MXFP8 as FP8-MX and per-tensor current scaling as FP8-CS.
  const precision =
    precisionText.includes('mxfp8') || precisionText.includes('fp8-mx')
      ? 'mxfp8'
      : fp8
        ? 'fp8'
        : precisionText.includes('fp16')
          ? 'fp16'
          : 'bf16';
  const fp8Recipe = precisionText.includes('rowwise')
    ? 'rowwise'
    : precisionText.includes('torchao') ||
        precisionText.includes('float8') ||
        precisionText.includes('fp8-cs')
      ? 'tensorwise'
      : 'delayed';
  return { precision, fp8Recipe };
}

/** An MFU convention of the report, or Megatron-Core's own formula (training/shapes.ts). */
export type RowConvention = MfuConvention | 'megatron-core';

/**
 * Counting conventions as each source's own figures show: llm-foundry's README formula;
 * NeMo 24.07 and Megatron-LM the full-S Megatron formula; Megatron-Bridge the causal count
 * (their TFLOP/s ÷ tokens/s matches Ridgeline's causal FLOPs per token within 1–4 %), except
 * the 26.04.01 tables, whose figures are Megatron-Core's `num_floating_point_operations`: for
 * GPT-OSS 120B they imply 27.2 GFLOP per token (the causal count with its sliding windows and
 * gated experts is 32.7; the 26.06 table's 32.6), which Megatron-Core's formula gives to 0.1 %
 * (no window, experts counted as two matrices because GPT-OSS's gate is not SiLU). For the other
 * 26.04.01 models (SiLU-gated, no window) the two counts agree; MLA (DeepSeek-V3) keeps the causal
 * count, Megatron-Core's MLA branch not being reproduced.
 */
function conventionOf(source: string): RowConvention {
  if (source.includes('llm-foundry')) return 'mosaicml';
  if (!source.includes('Megatron-Bridge')) return 'megatron';
  return source.includes('26.04.01 NeMo Container') ? 'megatron-core' : 'causal';
}

/**
 * NeMo's and Megatron-Bridge's performance recipes turn on Megatron-Core's TP communication
 * overlap (Transformer Engine userbuffers: the TP all-gather and reduce-scatter pipelined with
 * the GEMMs they feed) whenever tp > 1 (NeMo 2.0 `llm/recipes/*` `pretrain_performance_optimizations`:
 * `MegatronCommOverlapCallback(tp_comm_overlap=True, …)`; Megatron-Bridge `CommOverlapConfig(
 * tp_comm_overlap=True)`). The long-sequence page predates those recipes and does not state it.
 */
function nvidiaRecipeTpOverlap(source: string, tp: number): boolean {
  if (tp <= 1) return false;
  return source.includes('Megatron-Bridge') || source.includes('performance_summary.md');
}

/** torchtitan's "selective op" (its llama3 default) is its per-op policy, not Megatron's selective. */
function recomputeOf(row: TrainingRow): 'none' | 'selective' | 'selective-op' | 'full' {
  const rc = row.recompute.toLowerCase();
  if (rc.startsWith('full')) return 'full';
  if (!rc.startsWith('selective')) return 'none';
  const perOp = row.source.includes('torchtitan') && /selective op/.test(`${rc} ${row.notes}`);
  return perOp ? 'selective-op' : 'selective';
}

/**
 * The loss kernels a row states: chunked cross-entropy (torchtune's LoRA/QLoRA rows inherit it);
 * fused, when torch.compile compiles the loss too (torchtitan's build_cross_entropy_loss,
 * torchtune's compile flag). A chunked loss keeps its own accounting.
 */
function lossOf(
  row: TrainingRow,
  tag: string,
  inherited: boolean,
): { chunkedLoss: boolean; fusedLoss: boolean } {
  const chunkedLoss = tag.includes('chunked') || inherited;
  return {
    chunkedLoss,
    fusedLoss: !chunkedLoss && (/torch\.compile/.test(row.framework) || tag.includes('compile')),
  };
}

/** Maps one row to a training scenario; a reason when it cannot be expressed. */
export function trainingScenarioOf(row: TrainingRow): TrainingRowScenario {
  const variant = uncataloguedVariant(row.hardware);
  if (variant !== undefined) return { ok: false, reason: variant };
  const hw = hardwareId(row.hardware);
  if (hw === undefined) return { ok: false, reason: `hardware '${row.hardware}' not in the catalog` };
  const precisionText = row.precision.toLowerCase();
  if (precisionText.includes('nvfp4')) return { ok: false, reason: 'NVFP4 training not modeled' };
  if (precisionText.includes('not stated')) return { ok: false, reason: 'precision not stated' };
  const seq = sequenceLengthOf(row);
  if (seq === undefined) return { ok: false, reason: 'sequence length not stated' };
  const model = modelOf(row, seq);
  if (typeof model === 'object' && 'skip' in model) return { ok: false, reason: model.skip };
  const gpus = int(row.num_gpus);
  const global = int(row.global_batch);
  if (gpus === undefined || global === undefined)
    return { ok: false, reason: 'GPU count or global batch not stated' };
  const tp = int(row.tp) ?? 1;
  const pp = int(row.pp) ?? 1;
  const cp = int(row.cp) ?? 1;
  const ep = int(row.ep) ?? 1;
  const vp = int(row.vp) ?? 1;
  const dp = gpus / (tp * pp * cp);
  let micro = int(row.micro_batch) ?? 1;
  const framework = row.framework.toLowerCase();
  // torchtitan's "local batch" is split into pp micro-batches by its pipeline schedules.
  if (row.source.includes('torchtitan') && pp > 1 && micro % pp === 0) micro = micro / pp;
  if (!Number.isInteger(dp) || global % (dp * micro) !== 0)
    return { ok: false, reason: 'global batch not a multiple of dp × micro-batch' };
  const z = row.zero_or_fsdp.toLowerCase();
  if (z.includes('deepspeed')) return { ok: false, reason: 'DeepSpeed ZeRO stage not stated' };
  const zero = zeroStageOf(row, z);
  const recompute = recomputeOf(row);
  const { precision, fp8Recipe } = precisionOf(precisionText);
  const tag = /\[([^\]]*)\]/.exec(row.model)?.[1]?.toLowerCase() ?? '';
  if (tag.includes('baseline') && !tag.includes('packed'))
    return { ok: false, reason: 'unpacked data: sequence lengths vary' };
  const torchtune = row.source.includes('torchtune');
  if (torchtune && row.source.includes('Memory and training speed'))
    return { ok: false, reason: 'torchtune recipe flags (optimizer, checkpointing, offload) not stated' };
  const method = tag.includes('qlora') ? 'qlora' : tag.includes('lora') ? 'lora' : 'full';
  const source = row.source;
  const scaleOutGbpsPerGpu = /RoCE/.test(source) ? 1600 / 8 : /400Gb\/s/.test(row.hardware) ? 400 : undefined;
  const input: TrainingScenarioInput = {
    model,
    hardware: hw,
    gpus,
    sequenceLength: seq,
    globalBatch: global,
    microBatch: micro,
    precision,
    fp8Recipe,
    // torchtune trains in pure BF16: no FP32 master copy, BF16 gradients and optimizer states.
    gradientFormat: /pure/.test(precisionText) || torchtune ? 'bf16' : 'fp32',
    masterWeights: !torchtune,
    optimizerStateFormat: torchtune ? 'bf16' : 'fp32',
    parallelism: {
      tp,
      pp,
      cp,
      ep,
      zero,
      pipelineSchedule: vp > 1 ? 'interleaved' : '1f1b',
      virtualStages: vp,
    },
    recompute,
    ...lossOf(row, tag, torchtune && method !== 'full'),
    optimizerInBackward: tag.includes('optimizer step into backward'),
    activationOffload: tag.includes('activation offloading') || (torchtune && method !== 'full'),
    optimizer: tag.includes('8-bit adamw') ? 'adam8bit' : 'adamw',
    overlap: {
      dp: true,
      tp:
        (/async/.test(framework + row.notes.toLowerCase()) && !/vanilla/.test(row.notes.toLowerCase())) ||
        nvidiaRecipeTpOverlap(source, tp),
    },
    offload: { optimizer: /cpu offload/.test(z) ? 'cpu' : 'none', parameters: 'none' },
    finetune: { method, rank: 8, targets: 'all-linear' },
    network: scaleOutGbpsPerGpu === undefined ? {} : { scaleOutGbpsPerGpu },
  };
  return { ok: true, input, convention: conventionOf(source) };
}
