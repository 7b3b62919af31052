/**
 * `ridgeline train [file]`: a training or fine-tuning job from a YAML/JSON file, flags, or both
 * (flags override the file): memory per GPU, step time with its breakdown, tokens/s per GPU,
 * MFU and HFU, time and cost for --tokens. `--search` lists the best layouts for the job's GPUs.
 */
import type { Command } from 'commander';
import type { SearchResult, TrainingReport } from '@ridgeline/core';
import {
  FINETUNE_METHODS,
  FP8_RECIPES,
  LORA_TARGETS,
  MFU_CONVENTIONS,
  OFFLOAD_TARGETS,
  OPTIMIZERS,
  PIPELINE_SCHEDULES,
  RECOMPUTE_MODES,
  TRAINING_PRECISIONS,
  estimateTrainingNormalized,
  normalizeTraining,
  searchLayouts,
  validateTraining,
} from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { fields, gib, num, percent, table } from '../format.js';
import type { Io } from '../io.js';
import { prepareScenario } from '../scenario.js';
import { FlagReader, failWith, printJson, readFileBase, setPath } from './common.js';

interface TrainOptions {
  readonly model?: string;
  readonly hardware?: string;
  readonly gpus?: string;
  readonly seq?: string;
  readonly globalBatch?: string;
  readonly microBatch?: string;
  readonly precision?: string;
  readonly fp8Recipe?: string;
  readonly optimizer?: string;
  readonly tp?: string;
  readonly pp?: string;
  readonly cp?: string;
  readonly ep?: string;
  readonly dp?: string;
  readonly zero?: string;
  readonly shardGroup?: string;
  readonly schedule?: string;
  readonly virtualStages?: string;
  readonly sp?: boolean;
  readonly recompute?: string;
  readonly dpOverlap?: boolean;
  readonly tpOverlap?: boolean;
  readonly offloadOptimizer?: string;
  readonly offloadParams?: string;
  readonly nvmeGbps?: string;
  readonly finetune?: string;
  readonly loraRank?: string;
  readonly loraTargets?: string;
  readonly chunkedLoss?: boolean;
  readonly fusedLoss?: boolean;
  readonly optimizerInBackward?: boolean;
  readonly activationOffload?: boolean;
  readonly tokens?: string;
  readonly usdPerHour?: string;
  readonly scaleOutGbps?: string;
  readonly checkpointGbps?: string;
  readonly mfuConvention?: string;
  readonly search?: boolean;
  readonly top?: string;
  readonly json?: boolean;
}

interface Override {
  readonly path: readonly [string, ...string[]];
  readonly value: unknown;
}

function readOverrides(o: TrainOptions): { overrides: Override[]; errors: CliDiagnostic[] } {
  const f = new FlagReader();
  const overrides: Override[] = [];
  const set = (path: Override['path'], value: unknown): void => {
    if (value !== undefined) overrides.push({ path, value });
  };
  set(['model'], o.model);
  set(['hardware'], o.hardware);
  set(['gpus'], f.positiveInt('--gpus', o.gpus));
  set(['sequenceLength'], f.positiveInt('--seq', o.seq));
  set(['globalBatch'], f.positiveInt('--global-batch', o.globalBatch));
  set(['microBatch'], f.positiveInt('--micro-batch', o.microBatch));
  set(['precision'], f.oneOf('--precision', o.precision, TRAINING_PRECISIONS));
  set(['fp8Recipe'], f.oneOf('--fp8-recipe', o.fp8Recipe, FP8_RECIPES));
  set(['optimizer'], f.oneOf('--optimizer', o.optimizer, OPTIMIZERS));
  set(['parallelism', 'tp'], f.positiveInt('--tp', o.tp));
  set(['parallelism', 'pp'], f.positiveInt('--pp', o.pp));
  set(['parallelism', 'cp'], f.positiveInt('--cp', o.cp));
  set(['parallelism', 'ep'], f.positiveInt('--ep', o.ep));
  set(['parallelism', 'dp'], f.positiveInt('--dp', o.dp));
  const zero = f.oneOf('--zero', o.zero, ['0', '1', '2', '3'] as const);
  set(['parallelism', 'zero'], zero === undefined ? undefined : Number(zero));
  set(['parallelism', 'shardGroup'], f.positiveInt('--shard-group', o.shardGroup));
  set(['parallelism', 'pipelineSchedule'], f.oneOf('--schedule', o.schedule, PIPELINE_SCHEDULES));
  set(['parallelism', 'virtualStages'], f.positiveInt('--virtual-stages', o.virtualStages));
  if (o.sp === false) set(['parallelism', 'sequenceParallel'], false);
  set(['recompute'], f.oneOf('--recompute', o.recompute, RECOMPUTE_MODES));
  if (o.dpOverlap === false) set(['overlap', 'dp'], false);
  if (o.tpOverlap === true) set(['overlap', 'tp'], true);
  set(['offload', 'optimizer'], f.oneOf('--offload-optimizer', o.offloadOptimizer, OFFLOAD_TARGETS));
  set(['offload', 'parameters'], f.oneOf('--offload-params', o.offloadParams, OFFLOAD_TARGETS));
  set(['offload', 'nvmeGBps'], f.positiveNumber('--nvme-gbps', o.nvmeGbps));
  set(['finetune', 'method'], f.oneOf('--finetune', o.finetune, FINETUNE_METHODS));
  set(['finetune', 'rank'], f.positiveInt('--lora-rank', o.loraRank));
  set(['finetune', 'targets'], f.oneOf('--lora-targets', o.loraTargets, LORA_TARGETS));
  if (o.chunkedLoss === true) set(['chunkedLoss'], true);
  if (o.fusedLoss === true) set(['fusedLoss'], true);
  if (o.optimizerInBackward === true) set(['optimizerInBackward'], true);
  if (o.activationOffload === true) set(['activationOffload'], true);
  set(['tokens'], f.positiveNumber('--tokens', o.tokens));
  set(['priceUsdPerGpuHour'], f.positiveNumber('--usd-per-hour', o.usdPerHour));
  set(['network', 'scaleOutGbpsPerGpu'], f.positiveNumber('--scale-out-gbps', o.scaleOutGbps));
  set(['checkpointWriteGBps'], f.positiveNumber('--checkpoint-gbps', o.checkpointGbps));
  set(['mfuConvention'], f.oneOf('--mfu-convention', o.mfuConvention, MFU_CONVENTIONS));
  return { overrides, errors: f.errors };
}

const secs = (s: number): string => (s < 1 ? `${num(s * 1000)} ms` : `${num(s)} s`);

function duration(s: number): string {
  if (s < 3600) return secs(s);
  if (s < 86400 * 2) return `${num(s / 3600)} h`;
  return `${num(s / 86400)} days`;
}

export function formatTraining(r: TrainingReport): string {
  const out: string[] = [];
  const j = r.job;
  out.push(`Training ${j.model} on ${String(j.gpus)} × ${j.hardware}: ${j.layout}\n`);
  out.push(
    fields([
      ['sequence', String(j.sequenceLength)],
      [
        'batch',
        `${String(j.globalBatch)} sequences (micro-batch ${String(j.microBatch)}, ${String(j.microBatches)} per rank per step)`,
      ],
      ['precision', j.precision],
      ['optimizer', j.optimizer],
      ['recompute', j.recompute],
      ['fine-tuning', j.finetune],
      ['parameters', `${num(j.totalParams / 1e9)} B (trainable ${num(j.trainableParams / 1e9)} B)`],
    ]),
  );
  const m = r.memory;
  const u = r.uncertainty;
  out.push('\nMemory per GPU\n');
  out.push(
    fields([
      ['weights', gib(m.weightsBytes)],
      ['gradients', gib(m.gradientsBytes)],
      ['optimizer states', gib(m.optimizerBytes)],
      ['activations', `${gib(m.activationsBytes)} (${num(m.microBatchesInFlight)} micro-batches in flight)`],
      ['comm buffers', gib(m.communicationBytes)],
      ['reserve', gib(m.reserveBytes)],
      [
        'total',
        `${gib(m.totalBytes)} of ${gib(m.capacityBytes)} (${percent(m.totalBytes / m.capacityBytes)})`,
      ],
      ...(u === undefined
        ? []
        : [['total p10–p90', `${gib(u.memoryBytes.p10)} – ${gib(u.memoryBytes.p90)}`] as [string, string]]),
      ['fits', m.fits ? 'yes' : `no: short by ${gib(-m.headroomBytes)}`],
      ['largest micro-batch', String(m.largestMicroBatch)],
    ]),
  );
  const s = r.step;
  const pct = (x: number) => `${secs(x)} (${percent(x / s.stepSeconds)})`;
  out.push('\nStep time\n');
  out.push(
    fields([
      ['forward', pct(s.forwardSeconds)],
      ['backward', pct(s.backwardSeconds)],
      ['recompute', pct(s.recomputeSeconds)],
      ['fp8 casts / dequant', pct(s.quantizationSeconds)],
      ['TP communication', pct(s.tpCommSeconds)],
      ['CP communication', pct(s.cpCommSeconds)],
      ['EP all-to-all', pct(s.epCommSeconds)],
      ['pipeline bubble', pct(s.bubbleSeconds)],
      ['pipeline sends', pct(s.ppCommSeconds)],
      ['DP communication', `${pct(s.dpExposedSeconds)} exposed of ${secs(s.dpTotalSeconds)}`],
      ['overlap contention', pct(s.contentionSeconds)],
      ['optimizer step', pct(s.optimizerSeconds)],
      ['offload traffic', pct(s.offloadSeconds)],
      ['step', secs(s.stepSeconds)],
      ...(u === undefined
        ? []
        : [['step p10–p90', `${secs(u.stepSeconds.p10)} – ${secs(u.stepSeconds.p90)}`] as [string, string]]),
      ['bottleneck', r.bottleneck],
    ]),
  );
  out.push('\nThroughput\n');
  const h = r.mfu[r.headline.convention];
  out.push(
    fields([
      ['tokens/s per GPU', num(r.tokensPerSecondPerGpu)],
      ...(u === undefined
        ? []
        : [
            [
              'tokens/s per GPU p10–p90',
              `${num(u.tokensPerSecondPerGpu.p10)} – ${num(u.tokensPerSecondPerGpu.p90)}`,
            ] as [string, string],
          ]),
      ['tokens/s', num(r.tokensPerSecond)],
      [
        `MFU (${r.headline.convention})`,
        `${percent(h.mfu)} (${num(h.modelFlopsPerSecondPerGpu / 1e12)} TFLOP/s of ${num(r.peakFlopsPerSecond / 1e12)})`,
      ],
      ...(u === undefined
        ? []
        : [
            [`MFU (${r.headline.convention}) p10–p90`, `${percent(u.mfu.p10)} – ${percent(u.mfu.p90)}`] as [
              string,
              string,
            ],
          ]),
      [`HFU (${r.headline.convention})`, percent(h.hfu)],
      [
        'MFU megatron / mosaicml / causal',
        `${percent(r.mfu.megatron.mfu)} / ${percent(r.mfu.mosaicml.mfu)} / ${percent(r.mfu.causal.mfu)}`,
      ],
    ]),
  );
  const run = r.run;
  const rows: [string, string][] = [['checkpoint', gib(r.checkpoint.bytes)]];
  if (r.checkpoint.saveSeconds !== undefined) rows.push(['checkpoint save', secs(r.checkpoint.saveSeconds)]);
  if (run !== undefined) {
    rows.unshift(
      ['tokens', num(run.tokens)],
      ['steps', num(run.steps)],
      ['time', duration(run.seconds)],
      ['GPU-hours', num(run.gpuHours)],
    );
    if (run.costUsd !== undefined) rows.push(['cost', `$${num(run.costUsd)}`]);
    if (run.energyJoulesAtTdp !== undefined)
      rows.push(['energy (all GPUs at TDP)', `${num(run.energyJoulesAtTdp / 3.6e9)} MWh`]);
  }
  out.push('\nRun\n');
  out.push(fields(rows));
  if (u !== undefined)
    out.push(
      `\nnote: p10–p90 bands from the leave-one-source-out errors on training.csv, every source weighing the same (throughput: ${String(u.basis.throughput.rows)} rows from ${String(u.basis.throughput.sources)} sources, pool: ${u.basis.throughput.pool}; memory: ${String(u.basis.memory.rows)} rows from ${String(u.basis.memory.sources)} sources, pool: ${u.basis.memory.pool}).`,
    );
  out.push(
    '\nnote: MFU megatron = (6·matmul weights + 12·L·heads·headDim·S) FLOPs/token; mosaicml = 6·all parameters + the same attention term; causal = 3 × Ridgeline forward FLOPs (mean causal context). HFU adds recomputed forward FLOPs.\n',
  );
  return out.join('');
}

export function formatSearch(r: SearchResult): string {
  return (
    `${String(r.evaluated)} layouts evaluated, ${String(r.feasible)} fit in memory\n` +
    table(
      [
        { header: 'layout' },
        { header: 'fits' },
        { header: 'memory', align: 'right' },
        { header: 'step', align: 'right' },
        { header: 'tokens/s/GPU', align: 'right' },
        { header: 'bottleneck' },
      ],
      r.layouts.map((l) => [
        l.layout,
        l.fits ? 'yes' : 'no',
        gib(l.memoryBytes),
        secs(l.stepSeconds),
        num(l.tokensPerSecondPerGpu),
        l.bottleneck,
      ]),
    )
  );
}

function runTrain(io: Io, file: string | undefined, o: TrainOptions): void {
  const json = o.json === true;
  const { overrides, errors } = readOverrides(o);
  const flags = new FlagReader();
  const top = flags.positiveInt('--top', o.top) ?? 10;
  if (errors.length > 0 || flags.errors.length > 0) failWith(io, [...errors, ...flags.errors], json);
  const { base, ctx, locate } = readFileBase(
    io,
    file,
    json,
    overrides.map((x) => x.path),
    {
      missing: () =>
        [
          ['--model', o.model],
          ['--hardware', o.hardware],
          ['--gpus', o.gpus],
          ['--seq', o.seq],
          ['--global-batch', o.globalBatch],
        ].flatMap(([flag, v]) => (v === undefined ? [flag ?? ''] : [])),
      noFile: 'without a job file, train needs',
      notAnObject:
        'a training job file must hold a mapping with model, hardware, gpus, sequenceLength and globalBatch',
    },
  );
  const raw: Record<string, unknown> = { ...base };
  for (const { path, value } of overrides) setPath(raw, path, value);
  const prepared = prepareScenario(raw, ctx, locate);
  if (!prepared.ok) failWith(io, prepared.diagnostics, json);
  const v = validateTraining(prepared.value);
  if (!v.ok) failWith(io, v.diagnostics.map(locate), json);
  const n = normalizeTraining(v.value);
  if (!n.ok) failWith(io, n.diagnostics.map(locate), json);
  const warnings = [...prepared.diagnostics, ...n.diagnostics.map(locate)];
  if (o.search === true) {
    const result = searchLayouts(n.value, { top });
    if (json) printJson(io, result);
    else io.stdout(formatSearch(result));
    return;
  }
  const report = estimateTrainingNormalized(n.value);
  if (json) printJson(io, { ...report, diagnostics: warnings });
  else {
    io.stdout(formatTraining(report));
    if (!report.memory.fits)
      io.stderr(
        `warning: does not fit: ${gib(report.memory.totalBytes)} per GPU needed, ${gib(report.memory.capacityBytes)} available; largest micro-batch that fits: ${String(report.memory.largestMicroBatch)}\n`,
      );
  }
}

export function registerTrain(program: Command, io: Io): void {
  program
    .command('train')
    .description(
      'estimate a training or fine-tuning job: memory, step time, MFU, time and cost; --search for layouts',
    )
    .argument('[file]', 'training job (YAML/JSON); flags override its fields')
    .option('--model <id>', 'model id or model file')
    .option('--hardware <id>', 'hardware id or hardware file')
    .option('--gpus <n>', 'GPUs')
    .option('--seq <n>', 'sequence length (tokens)')
    .option('--global-batch <n>', 'global batch (sequences per optimizer step)')
    .option('--micro-batch <n>', 'micro-batch (sequences per data-parallel rank per pass; default 1)')
    .option('--precision <p>', `compute precision (${TRAINING_PRECISIONS.join(', ')})`)
    .option('--fp8-recipe <r>', `FP8 scaling (${FP8_RECIPES.join(', ')})`)
    .option('--optimizer <o>', `optimizer (${OPTIMIZERS.join(', ')})`)
    .option('--tp <n>', 'tensor parallelism')
    .option('--pp <n>', 'pipeline stages')
    .option('--cp <n>', 'context parallelism')
    .option('--ep <n>', 'expert parallelism')
    .option('--dp <n>', 'data parallelism (default gpus/(tp·pp·cp))')
    .option('--zero <stage>', 'ZeRO stage 0-3 (3 = FSDP FULL_SHARD; default 1)')
    .option('--shard-group <n>', 'HSDP: shard over groups of n data-parallel ranks (zero 3)')
    .option('--schedule <s>', `pipeline schedule (${PIPELINE_SCHEDULES.join(', ')})`)
    .option('--virtual-stages <n>', 'model chunks per pipeline rank (interleaved)')
    .option('--no-sp', 'no sequence parallelism with TP')
    .option('--recompute <mode>', `activation recomputation (${RECOMPUTE_MODES.join(', ')})`)
    .option('--no-dp-overlap', 'do not overlap data-parallel communication with compute')
    .option('--tp-overlap', 'overlap TP communication with GEMMs (async TP)')
    .option('--offload-optimizer <t>', `optimizer states to ${OFFLOAD_TARGETS.join(', ')}`)
    .option('--offload-params <t>', `parameters to ${OFFLOAD_TARGETS.join(', ')} (zero 3)`)
    .option('--nvme-gbps <x>', 'NVMe bandwidth per GPU, GB/s')
    .option('--finetune <m>', `fine-tuning method (${FINETUNE_METHODS.join(', ')})`)
    .option('--lora-rank <n>', 'LoRA rank (default 16)')
    .option('--lora-targets <t>', `LoRA targets (${LORA_TARGETS.join(', ')})`)
    .option('--chunked-loss', 'cross-entropy in chunks (no full FP32 logits)')
    .option('--fused-loss', 'cross-entropy as one fused kernel (BF16 logits and gradient only)')
    .option('--optimizer-in-backward', 'apply and free each gradient during backward (no accumulation)')
    .option('--activation-offload', 'offload stored activations to host memory')
    .option('--tokens <n>', 'tokens to train, for time, cost and energy (e.g. 1e12)')
    .option('--usd-per-hour <x>', 'price per GPU-hour, USD')
    .option('--scale-out-gbps <x>', 'scale-out bandwidth per GPU, Gb/s')
    .option('--checkpoint-gbps <x>', 'checkpoint write bandwidth per GPU, GB/s')
    .option('--mfu-convention <c>', `headline MFU convention (${MFU_CONVENTIONS.join(', ')})`)
    .option('--search', 'search parallel layouts for the job on its GPUs')
    .option('--top <n>', 'layouts listed by --search (default 10)')
    .option('--json', 'print as JSON')
    .action((file: string | undefined, options: TrainOptions) => {
      runTrain(io, file, options);
    });
}
