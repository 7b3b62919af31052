/**
 * Training scenario → normalized job: resolves the model and hardware ids, derives the
 * data-parallel degree and the micro-batch count, adds the scale-out network, and checks that
 * the layout is expressible. Every problem is a diagnostic naming its field.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { messages } from '../diagnostics/messages.js';
import { efficiencyFor } from '../cost/efficiency.js';
import type { HardwareSpec } from '../hardware/schema.js';
import type { ModelSpec } from '../model/schema.js';
import type { Efficiency } from '../scenario/normalize.js';
import { SCALE_OUT_LATENCY_SECONDS, resolveHardware, resolveModel } from '../scenario/normalize.js';
import { trainingMessages as tm } from './messages.js';
import type {
  FinetuneMethod,
  Fp8Recipe,
  MfuConvention,
  OffloadTarget,
  Optimizer,
  PipelineSchedule,
  RecomputeMode,
  TrainingPrecision,
  TrainingScenario,
} from './schema.js';
import { TrainingScenarioSchema } from './schema.js';

/**
 * How much of the inference-measured kernel efficiency (cost/efficiency.ts) a training step
 * reaches, and what overlapped communication costs the compute beside it. Global model
 * parameters, the same for every device and framework; see TRAINING_EFFICIENCY_DEFAULTS.
 */
export interface TrainingEfficiency {
  /** Multiplier on the GEMM peak fraction (training GEMMs: backward layouts, framework kernels). */
  readonly gemmScale: number;
  /** Multiplier on the attention peak fraction (training attention: FlashAttention-2-class backward). */
  readonly attentionScale: number;
  /** Seconds of compute lost per second of communication overlapped with it. */
  readonly overlapSlowdown: number;
  /**
   * Fixed time per local expert per MoE layer and micro-batch, forward and backward together:
   * what a framework that runs the routed experts one expert at a time (Megatron-Core with
   * Transformer Engine's GroupedLinear) spends per expert beyond the GEMMs' work. Fitted to the
   * Megatron-Bridge MoE rows (docs/training.md), not refitted by cross-validation.
   */
  readonly expertOverheadSeconds: number;
}

export interface NormalizedTraining {
  readonly model: ModelSpec;
  /** The device with the scale-out network filled in. */
  readonly hardware: HardwareSpec;
  readonly efficiency: Efficiency;
  readonly gpus: number;
  readonly sequenceLength: number;
  readonly globalBatch: number;
  readonly microBatch: number;
  /** Micro-batches per data-parallel rank per step (gradient accumulation × pipeline fill). */
  readonly microBatches: number;
  readonly tp: number;
  readonly sequenceParallel: boolean;
  readonly pp: number;
  readonly schedule: PipelineSchedule;
  readonly virtualStages: number;
  readonly cp: number;
  readonly ep: number;
  readonly dp: number;
  readonly zero: 0 | 1 | 2 | 3;
  /** Ranks one ZeRO shard spans (dp·cp, or the HSDP shard group). */
  readonly shardGroup: number;
  readonly precision: TrainingPrecision;
  readonly fp8Recipe: Fp8Recipe;
  readonly optimizer: Optimizer;
  readonly masterWeights: boolean;
  readonly gradientBytes: number;
  /** 1 for FP32 optimizer states, 0.5 for BF16 ones. */
  readonly optimizerStateScale: number;
  readonly recompute: RecomputeMode;
  readonly chunkedLoss: boolean;
  readonly fusedLoss: boolean;
  readonly optimizerInBackward: boolean;
  readonly activationOffload: boolean;
  readonly overlapDp: boolean;
  readonly overlapTp: boolean;
  readonly offloadOptimizer: OffloadTarget;
  readonly offloadParameters: OffloadTarget;
  readonly nvmeBytesPerSecond: number | undefined;
  readonly finetune: {
    readonly method: FinetuneMethod;
    readonly rank: number;
    readonly attentionOnly: boolean;
  };
  readonly tokens: number | undefined;
  readonly priceUsdPerGpuHour: number | undefined;
  readonly checkpointWriteBytesPerSecond: number | undefined;
  readonly mfuConvention: MfuConvention;
  readonly trainingEfficiency: TrainingEfficiency;
}

/**
 * Default scale-out bandwidth per GPU when neither the catalog nor the input gives one: one
 * compute NIC per GPU as in NVIDIA DGX systems (DGX A100: 8× 200 Gb/s HDR; DGX H100/B200: 8×
 * 400 Gb/s ConnectX-7). An assumption about the cluster, overridable with network.scaleOutGbpsPerGpu.
 */
export function defaultScaleOutGbps(hw: HardwareSpec): number {
  return /^a100|^a800/.test(hw.id.toLowerCase()) ? 200 : 400;
}

/**
 * Defaults of the training efficiency parameters: the values `ridgeline validate
 * training.csv --cross-validate` fits on all sources (coordinate search on a grid, every source
 * weighing the same). Held out one source at a time, the refitted values are the same except
 * overlapSlowdown 0.1 without torchtitan's docs/performance.md (docs/training.md).
 */
export const TRAINING_EFFICIENCY_DEFAULTS: TrainingEfficiency = {
  gemmScale: 0.75,
  attentionScale: 0.6,
  overlapSlowdown: 0,
  expertOverheadSeconds: 2.5e-4,
};

/** Validates loose input; every schema issue names its field. */
export function validateTraining(input: unknown): Result<TrainingScenario> {
  const parsed = TrainingScenarioSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return fail(
    ...parsed.error.issues.map((i) =>
      messages.schema(
        i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        i.message,
      ),
    ),
  );
}

/** Devices that run microscaled (MX) formats in their tensor cores list an FP4 rate (Blackwell, CDNA4). */
function hasMicroscaling(hw: HardwareSpec): boolean {
  return hw.peakFlopsPerSecond.fp4 !== undefined;
}

/** The device with the job's scale-out bandwidth per GPU (given, catalogued, or the default). */
function withScaleOut(s: TrainingScenario, base: HardwareSpec): HardwareSpec {
  return {
    ...base,
    scaleOut: {
      bandwidthBytesPerSecond:
        s.network.scaleOutGbpsPerGpu !== undefined
          ? (s.network.scaleOutGbpsPerGpu * 1e9) / 8
          : (base.scaleOut?.bandwidthBytesPerSecond ?? (defaultScaleOutGbps(base) * 1e9) / 8),
    },
  };
}

/** Parallel sizes against the model: heads, layers, sequence, experts. */
function checkLayout(s: TrainingScenario, m: ModelSpec, dp: number): Diagnostic[] {
  const p = s.parallelism;
  const d: Diagnostic[] = [];
  const heads = m.attention.numHeads;
  if (heads % p.tp !== 0)
    d.push(
      tm.invalid(
        ['parallelism', 'tp'],
        `tp (${String(p.tp)}) must divide the ${String(heads)} attention heads.`,
      ),
    );
  if (p.pp * p.virtualStages > m.numLayers)
    d.push(
      tm.invalid(
        ['parallelism', 'pp'],
        `pp·virtualStages (${String(p.pp * p.virtualStages)}) exceeds the ${String(m.numLayers)} layers.`,
      ),
    );
  if (p.virtualStages > 1 && p.pipelineSchedule !== 'interleaved')
    d.push(
      tm.invalid(
        ['parallelism', 'virtualStages'],
        `virtualStages > 1 needs pipelineSchedule 'interleaved' (got '${p.pipelineSchedule}').`,
      ),
    );
  if (s.sequenceLength % p.cp !== 0)
    d.push(
      tm.invalid(
        ['parallelism', 'cp'],
        `cp (${String(p.cp)}) must divide sequenceLength (${String(s.sequenceLength)}).`,
      ),
    );
  if (p.ep > 1) {
    if (m.moe === undefined)
      d.push(tm.invalid(['parallelism', 'ep'], `ep (${String(p.ep)}) needs a mixture-of-experts model.`));
    else if (m.moe.numExperts % p.ep !== 0)
      d.push(
        tm.invalid(
          ['parallelism', 'ep'],
          `ep (${String(p.ep)}) must divide the ${String(m.moe.numExperts)} experts.`,
        ),
      );
    if (dp >= 1 && (p.tp * dp * p.cp) % p.ep !== 0)
      d.push(
        tm.invalid(
          ['parallelism', 'ep'],
          `ep (${String(p.ep)}) must divide tp·dp·cp (${String(p.tp * dp * p.cp)}): MoE layers regroup those ranks into expert-parallel groups.`,
        ),
      );
  }
  return d;
}

/** shardGroup's constraints (ZeRO-3, divides dp·cp). */
function checkShardGroup(s: TrainingScenario, dp: number): Diagnostic[] {
  const p = s.parallelism;
  const d: Diagnostic[] = [];
  if (p.shardGroup !== undefined && (p.zero !== 3 || (dp * p.cp) % p.shardGroup !== 0))
    d.push(
      tm.invalid(
        ['parallelism', 'shardGroup'],
        `shardGroup (${String(p.shardGroup)}) needs zero 3 and must divide dp·cp (${String(dp * p.cp)}).`,
      ),
    );
  return d;
}

/** Precision against the device's rates; offload, optimizer-in-backward and tokens. */
function checkPrecisionAndOffload(s: TrainingScenario, hw: HardwareSpec, dp: number): Diagnostic[] {
  const p = s.parallelism;
  const d: Diagnostic[] = [];
  if ((s.precision === 'fp8' || s.precision === 'mxfp8') && hw.peakFlopsPerSecond.fp8 === undefined)
    d.push(tm.invalid(['precision'], `${hw.name} has no FP8 tensor rate; use bf16.`));
  if (s.precision === 'mxfp8' && !hasMicroscaling(hw))
    d.push(
      tm.invalid(
        ['precision'],
        `MXFP8 needs microscaling tensor cores (Blackwell, CDNA4); ${hw.name} has none. Use fp8.`,
      ),
    );
  const rate16 = s.precision === 'fp16' ? hw.peakFlopsPerSecond.fp16 : hw.peakFlopsPerSecond.bf16;
  if (rate16 === undefined)
    d.push(tm.invalid(['hardware'], `${hw.name} lists no ${s.precision === 'fp16' ? 'FP16' : 'BF16'} rate.`));
  const nvme = s.offload.nvmeGBps;
  if ((s.offload.optimizer === 'nvme' || s.offload.parameters === 'nvme') && nvme === undefined)
    d.push(
      tm.invalid(
        ['offload', 'nvmeGBps'],
        'offload to NVMe needs offload.nvmeGBps (NVMe bandwidth per GPU, GB/s).',
      ),
    );
  if (s.offload.parameters !== 'none' && p.zero !== 3)
    d.push(tm.invalid(['offload', 'parameters'], 'parameter offload (ZeRO-Infinity) needs zero 3.'));
  if (s.offload.optimizer !== 'none' || s.offload.parameters !== 'none') {
    if (hw.hostLink === undefined && s.offload.optimizer === 'cpu')
      d.push(tm.invalid(['offload'], `${hw.name} has no host link in the catalog to offload over.`));
  }
  if (s.optimizerInBackward && s.globalBatch !== dp * s.microBatch)
    d.push(
      tm.invalid(
        ['optimizerInBackward'],
        'optimizerInBackward cannot accumulate gradients: globalBatch must equal dp·microBatch.',
      ),
    );
  if (s.activationOffload && hw.hostLink === undefined)
    d.push(tm.invalid(['activationOffload'], `${hw.name} has no host link in the catalog to offload over.`));
  if (s.tokens !== undefined && !Number.isFinite(s.tokens))
    d.push(tm.invalid(['tokens'], 'tokens must be finite.'));
  return d;
}

export function normalizeTraining(s: TrainingScenario): Result<NormalizedTraining> {
  const model = resolveModel(s.model);
  const base = resolveHardware(s.hardware);
  if (!model.ok || !base.ok) return fail(...model.diagnostics, ...base.diagnostics);
  const m = model.value;
  const hw = withScaleOut(s, base.value);
  const p = s.parallelism;
  const d: Diagnostic[] = [];
  const dp = p.dp ?? Math.floor(s.gpus / (p.tp * p.pp * p.cp));
  if (dp < 1 || p.tp * p.pp * p.cp * dp !== s.gpus) d.push(tm.gpusMismatch(s.gpus, p.tp, p.pp, p.cp, dp));
  else if (s.globalBatch % (dp * s.microBatch) !== 0)
    d.push(tm.batchNotDivisible(s.globalBatch, dp, s.microBatch));
  d.push(...checkLayout(s, m, dp), ...checkShardGroup(s, dp), ...checkPrecisionAndOffload(s, hw, dp));
  if (d.some((x) => x.severity === 'error')) return fail(...d);
  // ZeRO shards over dp·cp: context-parallel ranks hold the same weights (Megatron, torchtitan).
  const shardGroup = p.shardGroup ?? dp * p.cp;
  return ok(normalizedOf(s, m, hw, dp, shardGroup), d);
}

function normalizedOf(
  s: TrainingScenario,
  m: ModelSpec,
  hw: HardwareSpec,
  dp: number,
  shardGroup: number,
): NormalizedTraining {
  const p = s.parallelism;
  const nvme = s.offload.nvmeGBps;
  const eff = efficiencyFor(hw);
  const efficiency: Efficiency = {
    ...eff,
    scaleOutLatencySeconds: SCALE_OUT_LATENCY_SECONDS,
    kernelLaunchSeconds: 0,
    graphKernelLaunchSeconds: 0,
    stepOverheadSeconds: 0,
    stepOverheadPerSequenceSeconds: 0,
    requestOverheadSeconds: 0,
  };
  return {
    model: m,
    hardware: hw,
    efficiency,
    gpus: s.gpus,
    sequenceLength: s.sequenceLength,
    globalBatch: s.globalBatch,
    microBatch: s.microBatch,
    microBatches: s.globalBatch / (dp * s.microBatch),
    tp: p.tp,
    sequenceParallel: p.sequenceParallel ?? p.tp > 1,
    pp: p.pp,
    schedule: p.pipelineSchedule,
    virtualStages: p.virtualStages,
    cp: p.cp,
    ep: p.ep,
    dp,
    zero: p.zero,
    shardGroup,
    precision: s.precision,
    fp8Recipe: s.fp8Recipe,
    optimizer: s.optimizer,
    masterWeights: s.masterWeights,
    gradientBytes: s.gradientFormat === 'fp32' ? 4 : 2,
    optimizerStateScale: s.optimizerStateFormat === 'fp32' ? 1 : 0.5,
    recompute: s.recompute,
    chunkedLoss: s.chunkedLoss,
    fusedLoss: s.fusedLoss,
    optimizerInBackward: s.optimizerInBackward,
    activationOffload: s.activationOffload,
    overlapDp: s.overlap.dp,
    overlapTp: s.overlap.tp,
    offloadOptimizer: s.offload.optimizer,
    offloadParameters: s.offload.parameters,
    nvmeBytesPerSecond: nvme === undefined ? undefined : nvme * 1e9,
    finetune: {
      method: s.finetune.method,
      rank: s.finetune.rank,
      attentionOnly: s.finetune.targets === 'attention',
    },
    tokens: s.tokens,
    priceUsdPerGpuHour: s.priceUsdPerGpuHour ?? hw.priceUsdPerHour,
    checkpointWriteBytesPerSecond:
      s.checkpointWriteGBps === undefined ? undefined : s.checkpointWriteGBps * 1e9,
    mfuConvention: s.mfuConvention,
    trainingEfficiency: {
      gemmScale: s.efficiency.gemmScale ?? TRAINING_EFFICIENCY_DEFAULTS.gemmScale,
      attentionScale: s.efficiency.attentionScale ?? TRAINING_EFFICIENCY_DEFAULTS.attentionScale,
      overlapSlowdown: s.efficiency.overlapSlowdown ?? TRAINING_EFFICIENCY_DEFAULTS.overlapSlowdown,
      expertOverheadSeconds:
        s.efficiency.expertOverheadSeconds ?? TRAINING_EFFICIENCY_DEFAULTS.expertOverheadSeconds,
    },
  };
}
