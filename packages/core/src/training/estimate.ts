/**
 * The training report: memory per GPU, step time with its breakdown, throughput, MFU and HFU
 * under stated conventions, time, cost and energy to train N tokens, checkpoint size and save time.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { efficiencyFor } from '../cost/efficiency.js';
import { notFiniteIn } from '../estimate.js';
import { countParams } from '../model/stats.js';
import type { TrainingUncertainty } from './bands.js';
import { trainingUncertainty } from './bands.js';
import type { TrainingMemory } from './memory.js';
import { largestMicroBatch, optimizerStateBytes, trainingMemory } from './memory.js';
import type { NormalizedTraining } from './normalize.js';
import { normalizeTraining, validateTraining } from './normalize.js';
import type { MfuConvention } from './schema.js';
import { layerShapes, loraParams, modelFlopsPerToken, selectiveOpPolicy } from './shapes.js';
import type { OperatorTime, StepBreakdown } from './step.js';
import { stepTime } from './step.js';

export interface MfuFigures {
  /** Model FLOPs per token under the convention (training: forward + backward). */
  readonly modelFlopsPerToken: number;
  /** Achieved model FLOP/s per GPU. */
  readonly modelFlopsPerSecondPerGpu: number;
  readonly mfu: number;
  /** Hardware FLOPs utilization: model FLOPs plus recomputed forward FLOPs (FlashAttention's own recompute excluded, as MosaicML and Megatron count). */
  readonly hfu: number;
}

export interface TrainingReport {
  readonly job: {
    readonly model: string;
    readonly hardware: string;
    readonly gpus: number;
    readonly layout: string;
    readonly sequenceLength: number;
    readonly globalBatch: number;
    readonly microBatch: number;
    readonly microBatches: number;
    readonly precision: string;
    readonly optimizer: string;
    readonly recompute: string;
    readonly finetune: string;
    readonly totalParams: number;
    readonly trainableParams: number;
  };
  readonly memory: TrainingMemory & { readonly largestMicroBatch: number };
  readonly step: StepBreakdown;
  readonly operators: readonly OperatorTime[];
  readonly bottleneck: string;
  readonly tokensPerStep: number;
  readonly tokensPerSecond: number;
  readonly tokensPerSecondPerGpu: number;
  /** Peak dense rate the utilization figures divide by (the GEMM precision's). */
  readonly peakFlopsPerSecond: number;
  readonly mfu: Readonly<Record<MfuConvention, MfuFigures>>;
  readonly headline: { readonly convention: MfuConvention; readonly mfu: number; readonly hfu: number };
  readonly run?: {
    readonly tokens: number;
    readonly steps: number;
    readonly seconds: number;
    readonly gpuHours: number;
    readonly costUsd?: number;
    /** Upper bound: every GPU at its TDP for the whole run (host, network and cooling excluded). */
    readonly energyJoulesAtTdp?: number;
  };
  readonly checkpoint: { readonly bytes: number; readonly saveSeconds?: number };
  /**
   * p10–p90 of tokens/s, step time, headline MFU and memory, from the leave-one-source-out
   * residuals on training.csv (training/bands.ts); absent when not asked for.
   */
  readonly uncertainty?: TrainingUncertainty;
}

function recomputeFlopsPerToken(j: NormalizedTraining, convention: MfuConvention): number {
  const forward = modelFlopsPerToken(j.model, j.sequenceLength, convention) / 3;
  if (j.recompute === 'full') return forward;
  if (j.recompute === 'selective-op') {
    // The forward matmuls whose outputs the per-op policy did not keep, over the whole model.
    let flops = 0;
    for (const s of layerShapes(j.model, { tp: 1, ep: 1 })) {
      const recomputed = selectiveOpPolicy(j.model, s, 1).recomputed;
      for (const l of s.linears)
        flops += s.count * 2 * l.k * l.n * l.groups * l.tokenShare * (recomputed.get(l.name) ?? 0);
    }
    return flops;
  }
  return 0; // selective recomputes elementwise work only (no matmul FLOPs)
}

export function layoutLabel(j: NormalizedTraining): string {
  const parts = [`tp${String(j.tp)}${j.sequenceParallel && j.tp > 1 ? '+sp' : ''}`];
  parts.push(
    `pp${String(j.pp)}${j.pp > 1 ? `(${j.schedule}${j.virtualStages > 1 ? ` v${String(j.virtualStages)}` : ''})` : ''}`,
  );
  if (j.cp > 1) parts.push(`cp${String(j.cp)}`);
  if (j.ep > 1) parts.push(`ep${String(j.ep)}`);
  parts.push(`dp${String(j.dp)}`);
  parts.push(
    j.zero === 3 && j.shardGroup < j.dp * j.cp ? `hsdp${String(j.shardGroup)}` : `zero${String(j.zero)}`,
  );
  return parts.join(' ');
}

/** The peak dense rate utilization divides by: the GEMM precision's. */
function peakFor(j: NormalizedTraining): number {
  const r = j.hardware.peakFlopsPerSecond;
  if (isLowPrecision(j)) return r.fp8 ?? 1;
  return (j.precision === 'fp16' ? (r.fp16 ?? r.bf16) : (r.bf16 ?? r.fp16)) ?? 1;
}

const isLowPrecision = (j: NormalizedTraining): boolean => j.precision === 'fp8' || j.precision === 'mxfp8';

function mfuFigures(
  j: NormalizedTraining,
  convention: MfuConvention,
  tokensPerSecondPerGpu: number,
  peak: number,
): MfuFigures {
  // LoRA/QLoRA: frozen base weights get no weight gradient, so the model does forward + input
  // gradient = 2/3 of the full-training FLOPs (NeMo/Megatron-Bridge count LoRA the same way).
  const f =
    modelFlopsPerToken(j.model, j.sequenceLength, convention) * (j.finetune.method === 'full' ? 1 : 2 / 3);
  const achieved = f * tokensPerSecondPerGpu;
  return {
    modelFlopsPerToken: f,
    modelFlopsPerSecondPerGpu: achieved,
    mfu: achieved / peak,
    hfu: ((f + recomputeFlopsPerToken(j, convention)) * tokensPerSecondPerGpu) / peak,
  };
}

function checkpointOf(
  j: NormalizedTraining,
  totalParams: number,
  trainable: number,
): TrainingReport['checkpoint'] {
  // Checkpoint: BF16 weights plus the FP32 master copy and optimizer states of the trainable ones.
  const bytes =
    totalParams * 2 +
    trainable * ((j.masterWeights ? 4 : 0) + optimizerStateBytes(j.optimizer, j.optimizerStateScale));
  return j.checkpointWriteBytesPerSecond === undefined
    ? { bytes }
    : { bytes, saveSeconds: bytes / (j.checkpointWriteBytesPerSecond * j.gpus) };
}

function runOf(j: NormalizedTraining, tokensPerStep: number, stepSeconds: number): TrainingReport['run'] {
  if (j.tokens === undefined) return undefined;
  const steps = Math.ceil(j.tokens / tokensPerStep);
  const seconds = steps * stepSeconds;
  const gpuHours = (seconds * j.gpus) / 3600;
  return {
    tokens: j.tokens,
    steps,
    seconds,
    gpuHours,
    ...(j.priceUsdPerGpuHour === undefined ? {} : { costUsd: gpuHours * j.priceUsdPerGpuHour }),
    ...(j.hardware.tdpWatts === undefined
      ? {}
      : { energyJoulesAtTdp: seconds * j.gpus * j.hardware.tdpWatts }),
  };
}

function jobOf(j: NormalizedTraining, totalParams: number, trainableParams: number): TrainingReport['job'] {
  const method = j.finetune.method;
  return {
    model: j.model.id,
    hardware: j.hardware.id,
    gpus: j.gpus,
    layout: layoutLabel(j),
    sequenceLength: j.sequenceLength,
    globalBatch: j.globalBatch,
    microBatch: j.microBatch,
    microBatches: j.microBatches,
    precision: j.precision + (isLowPrecision(j) ? ` (${j.fp8Recipe})` : ''),
    optimizer: j.optimizer + (j.masterWeights ? ' + fp32 master' : ''),
    recompute: j.recompute,
    finetune:
      method === 'full'
        ? 'full'
        : `${method} rank ${String(j.finetune.rank)} (${j.finetune.attentionOnly ? 'attention' : 'all linear'})`,
    totalParams,
    trainableParams,
  };
}

export function estimateTrainingNormalized(
  j: NormalizedTraining,
  options: { readonly largestMicroBatch?: boolean; readonly uncertainty?: boolean } = {},
): TrainingReport {
  const memory = trainingMemory(j);
  const st = stepTime(j);
  const tokensPerStep = j.globalBatch * j.sequenceLength;
  const stepSeconds = st.breakdown.stepSeconds;
  const tokensPerSecond = tokensPerStep / stepSeconds;
  const tokensPerSecondPerGpu = tokensPerSecond / j.gpus;
  const peak = peakFor(j);
  const figures = (convention: MfuConvention): MfuFigures =>
    mfuFigures(j, convention, tokensPerSecondPerGpu, peak);
  const mfu = { megatron: figures('megatron'), mosaicml: figures('mosaicml'), causal: figures('causal') };
  const c = countParams(j.model);
  const trainable =
    j.finetune.method === 'full' ? c.total : loraParams(j.model, j.finetune.rank, j.finetune.attentionOnly);
  const run = runOf(j, tokensPerStep, stepSeconds);
  const uncertainty =
    options.uncertainty === false
      ? undefined
      : trainingUncertainty(
          {
            tokensPerSecondPerGpu,
            stepSeconds,
            mfu: mfu[j.mfuConvention].mfu,
            memoryBytes: memory.totalBytes,
          },
          { moe: j.model.moe !== undefined, family: efficiencyFor(j.hardware).family },
        );
  return {
    job: jobOf(j, c.total, trainable),
    memory: { ...memory, largestMicroBatch: options.largestMicroBatch === false ? 0 : largestMicroBatch(j) },
    step: st.breakdown,
    operators: st.operators,
    bottleneck: st.bottleneck,
    tokensPerStep,
    tokensPerSecond,
    tokensPerSecondPerGpu,
    peakFlopsPerSecond: peak,
    mfu,
    headline: { convention: j.mfuConvention, mfu: mfu[j.mfuConvention].mfu, hfu: mfu[j.mfuConvention].hfu },
    ...(run === undefined ? {} : { run }),
    checkpoint: checkpointOf(j, c.total, trainable),
    ...(uncertainty === undefined ? {} : { uncertainty }),
  };
}

/** validate → normalize → estimate, from loose input (YAML/JSON object). */
export function estimateTraining(input: unknown): Result<TrainingReport> {
  const v = validateTraining(input);
  if (!v.ok) return fail(...v.diagnostics);
  const n = normalizeTraining(v.value);
  if (!n.ok) return fail(...n.diagnostics);
  const diagnostics: Diagnostic[] = [...n.diagnostics];
  const report = estimateTrainingNormalized(n.value);
  // Extreme but valid numbers (1.8e308 tokens) can overflow: an error naming them, never Infinity.
  const overflow = notFiniteIn(report, v.value);
  if (overflow !== undefined) return fail(overflow, ...diagnostics);
  if (!report.memory.fits)
    diagnostics.push({
      code: 'training.memory',
      severity: 'warning',
      message: `Does not fit: needs ${(report.memory.totalBytes / 2 ** 30).toFixed(1)} GiB per GPU, ${(report.memory.capacityBytes / 2 ** 30).toFixed(1)} GiB available (largest micro-batch that fits: ${String(report.memory.largestMicroBatch)}).`,
      path: ['microBatch'],
    });
  return ok(report, diagnostics);
}
