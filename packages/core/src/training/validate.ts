/**
 * Validation against data/measurements/training.csv: each row is mapped to a training scenario
 * (hardware and model names resolved to catalog ids, or an architecture built from the row's
 * stated dimensions), predicted, and compared per source and metric. Nothing is fitted: every
 * row is predicted from the catalog, the efficiency defaults and the mechanisms of step.ts and
 * memory.ts, so a leave-one-source-out figure equals the plain per-source figure.
 * Rows that cannot be expressed are kept with a skip reason.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { splitCsvRecords } from '../measurements/csv.js';
import { percentile } from '../util/percentile.js';
import type { ModelSpec, ModelSpecInput } from '../model/schema.js';
import { ModelSpecSchema } from '../model/schema.js';
import { estimateTrainingNormalized } from './estimate.js';
import type { NormalizedTraining, TrainingEfficiency } from './normalize.js';
import { TRAINING_EFFICIENCY_DEFAULTS, normalizeTraining, validateTraining } from './normalize.js';
import type { MfuConvention, TrainingScenarioInput } from './schema.js';

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

type Mapped =
  { ok: true; input: TrainingScenarioInput; convention: MfuConvention } | { ok: false; reason: string };

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
  const precision = precisionText.includes('mxfp8')
    ? 'mxfp8'
    : fp8
      ? 'fp8'
      : precisionText.includes('fp16')
        ? 'fp16'
        : 'bf16';
  const fp8Recipe = precisionText.includes('rowwise')
    ? 'rowwise'
    : precisionText.includes('torchao') || precisionText.includes('float8')
      ? 'tensorwise'
      : 'delayed';
  return { precision, fp8Recipe };
}

/**
 * Counting conventions as each source's own figures show: llm-foundry's README formula;
 * NeMo 24.07 and Megatron-LM the full-S Megatron formula; Megatron-Bridge the causal count
 * (their TFLOP/s ÷ tokens/s matches Ridgeline's causal FLOPs per token within 1 %).
 */
function conventionOf(source: string): MfuConvention {
  if (source.includes('llm-foundry')) return 'mosaicml';
  return source.includes('Megatron-Bridge') ? 'causal' : 'megatron';
}

/** Maps one row to a training scenario; a reason when it cannot be expressed. */
export function trainingScenarioOf(row: TrainingRow): Mapped {
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
  const rc = row.recompute.toLowerCase();
  const recompute = rc.startsWith('full') ? 'full' : rc.startsWith('selective') ? 'selective' : 'none';
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
    // torchtune's cumulative techniques (LoRA/QLoRA rows inherit them all but the optimizer ones).
    chunkedLoss: tag.includes('chunked') || (torchtune && method !== 'full'),
    optimizerInBackward: tag.includes('optimizer step into backward'),
    activationOffload: tag.includes('activation offloading') || (torchtune && method !== 'full'),
    optimizer: tag.includes('8-bit adamw') ? 'adam8bit' : 'adamw',
    overlap: {
      dp: true,
      tp: /async/.test(framework + row.notes.toLowerCase()) && !/vanilla/.test(row.notes.toLowerCase()),
    },
    offload: { optimizer: /cpu offload/.test(z) ? 'cpu' : 'none', parameters: 'none' },
    finetune: { method, rank: 8, targets: 'all-linear' },
    network: scaleOutGbpsPerGpu === undefined ? {} : { scaleOutGbpsPerGpu },
  };
  return { ok: true, input, convention: conventionOf(source) };
}

export interface TrainingRowRecord {
  readonly id: string;
  readonly source: string;
  readonly metric: string;
  readonly measured: number;
  readonly predicted: number;
  /** |predicted − measured| / measured, %. */
  readonly errorPct: number;
  /** predicted / measured − 1, % (sign shows the direction). */
  readonly signedErrorPct: number;
}

export interface TrainingSkip {
  readonly id: string;
  readonly source: string;
  readonly metric: string;
  readonly reason: string;
}

export interface TrainingGroup {
  readonly source: string;
  readonly metric: string;
  readonly used: number;
  readonly skipped: number;
  readonly skippedByReason: Readonly<Record<string, number>>;
  readonly medianErrorPct: number | null;
  readonly p90ErrorPct: number | null;
  readonly medianSignedErrorPct: number | null;
}

export interface TrainingValidationReport {
  readonly totals: {
    readonly rows: number;
    readonly used: number;
    readonly skipped: number;
    /** Median over sources of each source's median error (sources weigh equally). */
    readonly medianOfSourceMediansPct: number | null;
  };
  readonly groups: readonly TrainingGroup[];
  readonly rows: readonly TrainingRowRecord[];
  readonly skipped: readonly TrainingSkip[];
}

const METRICS = [
  'train_tok_s_per_gpu',
  'mfu_pct',
  'hfu_pct',
  'model_tflops_per_gpu',
  'memory_gib',
  'step_time_s',
];

function median(xs: number[]): number | null {
  return (
    percentile(
      [...xs].sort((a, b) => a - b),
      0.5,
    ) ?? null
  );
}

interface PreparedRow {
  readonly row: TrainingRow;
  readonly source: string;
  readonly measured: number;
  readonly job?: NormalizedTraining;
  readonly convention: MfuConvention;
  readonly reason?: string;
}

function prepare(row: TrainingRow): PreparedRow {
  const source = trainingSourceLabel(row.source);
  const measured = Number(row.value);
  const base = { row, source, measured, convention: 'megatron' as const };
  if (!METRICS.includes(row.metric)) return { ...base, reason: `metric '${row.metric}' not predicted` };
  const mapped = trainingScenarioOf(row);
  if (!mapped.ok) return { ...base, reason: mapped.reason };
  const v = validateTraining(mapped.input);
  if (!v.ok) return { ...base, reason: `not expressible: ${v.diagnostics[0]?.message ?? ''}` };
  const n = normalizeTraining(v.value);
  if (!n.ok) return { ...base, reason: `not expressible: ${n.diagnostics[0]?.message ?? ''}` };
  return { row, source, measured, job: n.value, convention: mapped.convention };
}

function predictPrepared(p: PreparedRow, efficiency?: TrainingEfficiency): number {
  if (p.job === undefined) return Number.NaN;
  const job = efficiency === undefined ? p.job : { ...p.job, trainingEfficiency: efficiency };
  const r = estimateTrainingNormalized(job, { largestMicroBatch: false });
  const f = r.mfu[p.convention];
  switch (p.row.metric) {
    case 'train_tok_s_per_gpu':
      return r.tokensPerSecondPerGpu;
    case 'mfu_pct':
      return 100 * f.mfu;
    case 'hfu_pct':
      return 100 * f.hfu;
    case 'model_tflops_per_gpu':
      return f.modelFlopsPerSecondPerGpu / 1e12;
    case 'memory_gib':
      return r.memory.totalBytes / 2 ** 30;
    default:
      return r.step.stepSeconds;
  }
}

/** Prediction of one row with the default efficiency, or why it cannot be predicted. */
export function predictTrainingRow(row: TrainingRow): { value: number } | { reason: string } {
  const p = prepare(row);
  return p.reason !== undefined ? { reason: p.reason } : { value: predictPrepared(p) };
}

export function validateTrainingRows(
  rows: readonly TrainingRow[],
  efficiency?: TrainingEfficiency,
): TrainingValidationReport {
  return report(rows.map(prepare), efficiency);
}

function report(
  prepared: readonly PreparedRow[],
  efficiency?: TrainingEfficiency,
  heldOut?: ReadonlyMap<string, TrainingEfficiency>,
): TrainingValidationReport {
  const records: TrainingRowRecord[] = [];
  const skipped: TrainingSkip[] = [];
  for (const p of prepared) {
    const { row, source, measured } = p;
    const value =
      p.reason === undefined ? predictPrepared(p, heldOut?.get(source) ?? efficiency) : Number.NaN;
    if (p.reason !== undefined || !Number.isFinite(value) || measured <= 0) {
      skipped.push({ id: row.id, source, metric: row.metric, reason: p.reason ?? 'prediction not finite' });
      continue;
    }
    const signed = (value / measured - 1) * 100;
    records.push({
      id: row.id,
      source,
      metric: row.metric,
      measured,
      predicted: value,
      errorPct: Math.abs(signed),
      signedErrorPct: signed,
    });
  }
  const keys = new Map<string, { source: string; metric: string }>();
  for (const p of prepared)
    keys.set(`${p.source}\u0000${p.row.metric}`, { source: p.source, metric: p.row.metric });
  const groups: TrainingGroup[] = [...keys.values()].map(({ source, metric }) => {
    const used = records.filter((r) => r.source === source && r.metric === metric);
    const skips = skipped.filter((r) => r.source === source && r.metric === metric);
    const byReason: Record<string, number> = {};
    for (const s of skips) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1;
    const errs = used.map((r) => r.errorPct).sort((a, b) => a - b);
    return {
      source,
      metric,
      used: used.length,
      skipped: skips.length,
      skippedByReason: byReason,
      medianErrorPct: median(errs),
      p90ErrorPct: percentile(errs, 0.9) ?? null,
      medianSignedErrorPct: median(used.map((r) => r.signedErrorPct)),
    };
  });
  const sources = [...new Set(records.map((r) => r.source))];
  const perSource = sources.flatMap((s) => {
    const m = median(records.filter((r) => r.source === s).map((r) => r.errorPct));
    return m === null ? [] : [m];
  });
  return {
    totals: {
      rows: prepared.length,
      used: records.length,
      skipped: skipped.length,
      medianOfSourceMediansPct: median(perSource),
    },
    groups,
    rows: records,
    skipped,
  };
}

/** Metrics that depend on the efficiency parameters (memory does not). */
const TIME_METRICS = new Set([
  'train_tok_s_per_gpu',
  'mfu_pct',
  'hfu_pct',
  'model_tflops_per_gpu',
  'step_time_s',
]);

/**
 * Loss of a parameter set on some rows: the median over sources of each source's median
 * |log(predicted / measured)| on time metrics, so every source weighs the same however many
 * rows it has (training-SOURCES.md weighting warning).
 */
function loss(rows: readonly PreparedRow[], e: TrainingEfficiency): number {
  const bySource = new Map<string, number[]>();
  for (const p of rows) {
    const v = predictPrepared(p, e);
    if (!Number.isFinite(v) || v <= 0) continue;
    const list = bySource.get(p.source) ?? [];
    list.push(Math.abs(Math.log(v / p.measured)));
    bySource.set(p.source, list);
  }
  const medians = [...bySource.values()].map((l) => median(l) ?? 0);
  return median(medians) ?? Number.POSITIVE_INFINITY;
}

const GRID: Readonly<Record<keyof TrainingEfficiency, readonly number[]>> = {
  gemmScale: [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1],
  attentionScale: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  overlapSlowdown: [0, 0.1, 0.2, 0.3, 0.5],
};

/** Coordinate search over the grid, three sweeps from the defaults. */
export function fitTrainingEfficiency(
  rows: readonly PreparedRow[],
  start: TrainingEfficiency = TRAINING_EFFICIENCY_DEFAULTS,
): TrainingEfficiency {
  let best = start;
  let bestLoss = loss(rows, best);
  for (let sweep = 0; sweep < 3; sweep++) {
    let moved = false;
    for (const key of Object.keys(GRID) as (keyof TrainingEfficiency)[]) {
      for (const v of GRID[key]) {
        const candidate = { ...best, [key]: v };
        const l = loss(rows, candidate);
        if (l < bestLoss - 1e-9) {
          best = candidate;
          bestLoss = l;
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  return best;
}

export interface TrainingCrossValidation {
  /** Parameters fitted on every source. */
  readonly fitted: TrainingEfficiency;
  /** Parameters fitted without each source. */
  readonly heldOutParameters: Readonly<Record<string, TrainingEfficiency>>;
  /** Defaults (as shipped), in-sample refit, and leave-one-source-out reports. */
  readonly defaults: TrainingValidationReport;
  readonly inSample: TrainingValidationReport;
  readonly heldOut: TrainingValidationReport;
}

/** Leave-one-source-out: refit the efficiency parameters without each source and predict it. */
export function crossValidateTraining(rows: readonly TrainingRow[]): TrainingCrossValidation {
  const prepared = rows.map(prepare);
  const usable = prepared.filter(
    (p) => p.reason === undefined && TIME_METRICS.has(p.row.metric) && p.measured > 0,
  );
  const fitted = fitTrainingEfficiency(usable);
  const held = new Map<string, TrainingEfficiency>();
  for (const source of new Set(usable.map((p) => p.source)))
    held.set(
      source,
      fitTrainingEfficiency(
        usable.filter((p) => p.source !== source),
        fitted,
      ),
    );
  return {
    fitted,
    heldOutParameters: Object.fromEntries(held),
    defaults: report(prepared),
    inSample: report(prepared, fitted),
    heldOut: report(prepared, fitted, held),
  };
}
