/**
 * `ridgeline estimate [scenario-file]`: one scenario from a YAML/JSON file, flags, or both
 * (flags override the file), estimated by core and printed as tables or JSON.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ENGINE_IDS, ENGINE_REFS, engineReleaseRefs } from '@ridgeline/core';
import type { CliDiagnostic, Path } from '../files.js';
import { isRecord } from '../files.js';
import { formatEstimate } from '../format.js';
import type { Io } from '../io.js';
import { estimateScenario } from '../scenario.js';
import { applyCalibration, collect, loadProfiles } from './calibrate.js';
import { FlagReader, failWith, printJson, readFileBase, setPath } from './common.js';

interface EstimateOptions {
  readonly model?: string;
  readonly hardware?: string;
  readonly gpus?: string;
  readonly tp?: string;
  readonly pp?: string;
  readonly ep?: string;
  readonly dp?: string;
  readonly weights?: string;
  readonly activations?: string;
  readonly kv?: string;
  readonly engine?: string;
  readonly input?: string;
  readonly output?: string;
  readonly batch?: string;
  readonly concurrency?: string;
  readonly requestRate?: string;
  readonly requests?: string;
  readonly seed?: string;
  readonly maxThroughput?: boolean;
  readonly attentionDp?: boolean;
  readonly microBatches?: string;
  readonly maxBatchedTokens?: string;
  readonly maxSeqs?: string;
  readonly memoryFraction?: string;
  readonly prefixHitRate?: string;
  readonly specMethod?: string;
  readonly specDraft?: string;
  readonly specTokens?: string;
  readonly specAccept?: string;
  readonly xquant?: boolean;
  readonly scaleOutBandwidth?: string;
  readonly scaleOutGbps?: string;
  readonly offloadWeights?: string;
  readonly offloadKv?: string;
  readonly offloadTier?: string;
  readonly usdPerHour?: string;
  readonly calibration?: readonly string[];
  readonly json?: boolean;
}

const WORKLOAD_KINDS = ['batch', 'concurrency', 'requestRate', 'maxThroughput'] as const;

/**
 * The scenario-file field each flag sets (flags keep short names; this is the mapping, shown in
 * `estimate --help` and docs/serving.md). A unit is given where the flag's differs from the field's.
 */
export const FLAG_FIELDS: readonly (readonly [flag: string, field: string, unit?: string])[] = [
  ['--model', 'model'],
  ['--hardware', 'hardware'],
  ['--gpus', 'gpus'],
  ['--tp', 'parallelism.tp'],
  ['--pp', 'parallelism.pp'],
  ['--ep', 'parallelism.ep'],
  ['--dp', 'parallelism.dp'],
  ['--attention-dp', 'parallelism.attentionDp'],
  ['--micro-batches', 'parallelism.microBatches'],
  ['--weights', 'precision.weights'],
  ['--activations', 'precision.activations'],
  ['--kv', 'precision.kvCache'],
  ['--xquant', 'precision.cacheLayerInput'],
  ['--engine', 'engine'],
  ['--input', 'workload.inputTokens'],
  ['--output', 'workload.outputTokens'],
  ['--batch', 'workload.batch'],
  ['--concurrency', 'workload.concurrency'],
  ['--request-rate', 'workload.requestRate'],
  ['--requests', 'workload.requests'],
  ['--seed', 'workload.seed'],
  ['--max-throughput', 'workload.maxThroughput'],
  ['--max-batched-tokens', 'serving.maxBatchedTokens'],
  ['--max-seqs', 'serving.maxSequences'],
  ['--memory-fraction', 'serving.memoryFraction'],
  ['--prefix-hit-rate', 'serving.prefixCacheHitRate'],
  ['--spec-method', 'serving.speculative.method'],
  ['--spec-draft', 'serving.speculative.draftModel'],
  ['--spec-tokens', 'serving.speculative.tokens'],
  ['--spec-accept', 'serving.speculative.acceptanceRate'],
  [
    '--scale-out-bandwidth',
    'topology.scaleOutBandwidthBytesPerSecond',
    'flag in GB/s: 1e9 bytes/s, not bits; a 400 Gb/s NIC is 50',
  ],
  ['--offload-weights', 'offload.weightsFraction'],
  ['--offload-kv', 'offload.kvCacheFraction'],
  ['--offload-tier', 'offload.tier'],
  ['--usd-per-hour', 'cost.usdPerDeviceHour'],
];

/** The scenario path a flag sets (FLAG_FIELDS). */
function fieldOf(flag: string): Override['path'] {
  const row = FLAG_FIELDS.find(([f]) => f === flag);
  if (row === undefined) throw new Error(`no scenario field for ${flag}`);
  const [head, ...rest] = row[1].split('.');
  return [head ?? '', ...rest];
}

function flagTable(): string {
  const width = Math.max(...FLAG_FIELDS.map(([f]) => f.length));
  const rows = FLAG_FIELDS.map(
    ([flag, field, unit]) => `  ${flag.padEnd(width)}  ${field}${unit === undefined ? '' : `  (${unit})`}`,
  );
  return `\nScenario-file field of each flag (flags override the file):\n${rows.join('\n')}\n`;
}

/** A scenario field set from a flag. */
interface Override {
  readonly path: readonly [string, ...string[]];
  readonly value: unknown;
}

function readOverrides(o: EstimateOptions): { overrides: Override[]; errors: CliDiagnostic[] } {
  const f = new FlagReader();
  const overrides: Override[] = [];
  const set = (path: Override['path'], value: unknown): void => {
    if (value !== undefined) overrides.push({ path, value });
  };
  set(fieldOf('--model'), o.model);
  set(fieldOf('--hardware'), o.hardware);
  set(fieldOf('--gpus'), f.positiveInt('--gpus', o.gpus));
  set(fieldOf('--tp'), f.positiveInt('--tp', o.tp));
  set(fieldOf('--pp'), f.positiveInt('--pp', o.pp));
  set(fieldOf('--ep'), f.positiveInt('--ep', o.ep));
  set(fieldOf('--dp'), f.positiveInt('--dp', o.dp));
  set(fieldOf('--weights'), f.format('--weights', o.weights));
  set(fieldOf('--activations'), f.format('--activations', o.activations));
  set(fieldOf('--kv'), f.format('--kv', o.kv));
  set(fieldOf('--engine'), f.oneOf('--engine', o.engine, ENGINE_REFS));
  set(fieldOf('--input'), f.positiveInt('--input', o.input));
  set(fieldOf('--output'), f.positiveInt('--output', o.output));
  set(fieldOf('--batch'), f.positiveInt('--batch', o.batch));
  set(fieldOf('--concurrency'), f.positiveInt('--concurrency', o.concurrency));
  set(fieldOf('--request-rate'), f.positiveNumber('--request-rate', o.requestRate));
  set(fieldOf('--requests'), f.positiveInt('--requests', o.requests));
  set(fieldOf('--seed'), f.int('--seed', o.seed));
  if (o.maxThroughput === true) set(fieldOf('--max-throughput'), true);
  if (o.attentionDp === true) set(fieldOf('--attention-dp'), true);
  set(fieldOf('--micro-batches'), f.positiveInt('--micro-batches', o.microBatches));
  set(fieldOf('--max-batched-tokens'), f.positiveInt('--max-batched-tokens', o.maxBatchedTokens));
  set(fieldOf('--max-seqs'), f.positiveInt('--max-seqs', o.maxSeqs));
  set(fieldOf('--memory-fraction'), f.fraction('--memory-fraction', o.memoryFraction));
  set(fieldOf('--prefix-hit-rate'), f.fraction('--prefix-hit-rate', o.prefixHitRate));
  set(fieldOf('--spec-method'), f.oneOf('--spec-method', o.specMethod, ['draft', 'mtp'] as const));
  set(fieldOf('--spec-draft'), o.specDraft);
  set(fieldOf('--spec-tokens'), f.positiveInt('--spec-tokens', o.specTokens));
  set(fieldOf('--spec-accept'), f.fraction('--spec-accept', o.specAccept));
  if (o.xquant === true) set(fieldOf('--xquant'), true);
  // GB/s (bytes); --scale-out-gbps is the former name, kept as an alias.
  const gbPerSecond =
    o.scaleOutBandwidth !== undefined
      ? f.positiveNumber('--scale-out-bandwidth', o.scaleOutBandwidth)
      : f.positiveNumber('--scale-out-gbps', o.scaleOutGbps);
  set(fieldOf('--scale-out-bandwidth'), gbPerSecond === undefined ? undefined : gbPerSecond * 1e9);
  set(fieldOf('--offload-weights'), f.fraction('--offload-weights', o.offloadWeights));
  set(fieldOf('--offload-kv'), f.fraction('--offload-kv', o.offloadKv));
  set(fieldOf('--offload-tier'), o.offloadTier);
  set(fieldOf('--usd-per-hour'), f.positiveNumber('--usd-per-hour', o.usdPerHour));
  return { overrides, errors: f.errors };
}

/** What a flag-only run lacks: model, hardware, token counts and a workload kind. */
function missingFlags(o: EstimateOptions): string[] {
  const missing: string[] = [];
  if (o.model === undefined) missing.push('--model');
  if (o.hardware === undefined) missing.push('--hardware');
  if (o.input === undefined) missing.push('--input');
  if (o.output === undefined) missing.push('--output');
  const kinds = [o.batch, o.concurrency, o.requestRate, o.maxThroughput === true ? 'yes' : undefined];
  if (kinds.every((k) => k === undefined))
    missing.push('one of --batch, --concurrency, --request-rate, --max-throughput');
  return missing;
}

/** The file's scenario with the flag values written over it. */
function applyOverrides(
  base: Record<string, unknown>,
  overrides: readonly Override[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const newKind = overrides.some(
    (o) => o.path[0] === 'workload' && (WORKLOAD_KINDS as readonly string[]).includes(o.path[1] ?? ''),
  );
  const workload = out['workload'];
  if (newKind && isRecord(workload)) {
    // A workload kind given on the command line replaces the file's kind.
    out['workload'] = Object.fromEntries(
      Object.entries(workload).filter(([k]) => !(WORKLOAD_KINDS as readonly string[]).includes(k)),
    );
  }
  for (const { path, value } of overrides) setPath(out, path, value);
  return out;
}

function runEstimate(io: Io, file: string | undefined, o: EstimateOptions): void {
  const json = o.json === true;
  const { overrides, errors } = readOverrides(o);
  if (errors.length > 0) failWith(io, errors, json);

  const { base, ctx, locate } = readFileBase(
    io,
    file,
    json,
    overrides.map((ov): Path => ov.path),
    {
      missing: () => missingFlags(o),
      noFile: 'without a scenario file, estimate needs',
      notAnObject: 'a scenario file must hold a mapping with model, hardware and workload fields',
    },
  );

  const profiles = loadProfiles(io, o.calibration ?? []);
  if (!profiles.ok) failWith(io, profiles.diagnostics, json);
  const calibrated = applyCalibration(
    applyOverrides(base, overrides),
    profiles.value,
    ctx,
    true,
    o.calibration ?? [],
  );
  if (!calibrated.ok)
    failWith(
      io,
      calibrated.diagnostics.map((d) => (d.file === undefined ? locate(d) : d)),
      json,
    );
  const result = estimateScenario(calibrated.value, ctx, locate);
  if (!result.ok) failWith(io, result.diagnostics, json);
  if (json) printJson(io, result.value);
  else io.stdout(formatEstimate(result.value, o.calibration));
}

export function registerEstimate(program: Command, io: Io): void {
  program
    .command('estimate')
    .description('estimate latency, throughput and memory of one scenario (a YAML/JSON file and/or flags)')
    .argument('[scenario-file]', 'scenario file (YAML or JSON); flags override its values')
    .option(
      '--model <id|path>',
      'catalog id, Hugging Face repo alias, or a model file (HF config.json or model spec)',
    )
    .option('--hardware <id|path>', 'catalog id or alias, or a hardware file (YAML/JSON)')
    .option('--gpus <n>', 'devices used (default tp·pp·dp)')
    .option('--tp <n>', 'tensor parallelism')
    .option('--pp <n>', 'pipeline parallelism')
    .option('--ep <n>', 'expert parallelism')
    .option('--dp <n>', 'data parallelism')
    .option('--weights <format>', 'weight format (bf16, fp8, int4, ...)')
    .option('--activations <format>', 'activation format')
    .option('--kv <format>', "KV-cache format (default: the engine's, the model's 16-bit dtype)")
    .option(
      '--engine <id>',
      `serving engine profile (${ENGINE_IDS.join(', ')}, or a release with a profile: ${ENGINE_IDS.flatMap((id) => engineReleaseRefs(id)).join(', ')}; default vllm; ideal is an optimistic bound: kernels only, no engine overheads)`,
    )
    .option('--input <tokens>', 'prompt tokens per request')
    .option('--output <tokens>', 'generated tokens per request')
    .option('--batch <n>', 'static batch size')
    .option('--concurrency <n>', 'closed loop: concurrent clients')
    .option('--request-rate <rps>', 'open loop: Poisson arrivals per second')
    .option('--requests <n>', 'requests to simulate')
    .option('--seed <n>', 'random seed for arrivals')
    .option('--max-throughput', 'offline: every request queued at once')
    .option('--attention-dp', 'attention data-parallel over the tp group (MoE experts stay expert-parallel)')
    .option('--micro-batches <n>', 'pipeline micro-batches in flight (default pp)')
    .option('--max-batched-tokens <n>', "per-step token budget (overrides the engine's)")
    .option('--max-seqs <n>', "maximum sequences in flight (overrides the engine's)")
    .option('--memory-fraction <f>', "engine memory fraction (overrides the engine's)")
    .option('--prefix-hit-rate <f>', 'fraction of prompt tokens served from the prefix cache')
    .option('--spec-method <m>', 'speculative decoding: draft or mtp')
    .option('--spec-draft <model>', 'draft model (catalog id) for --spec-method draft')
    .option('--spec-tokens <k>', 'tokens proposed per step')
    .option('--spec-accept <a>', 'per-token acceptance rate, 0..1')
    .option('--xquant', 'cache layer inputs instead of K and V (XQuant), recompute K and V each step')
    .option(
      '--scale-out-bandwidth <GB/s>',
      'scale-out (NIC) bandwidth per device, one direction, in gigabytes per second (bytes, not bits: a 400 Gb/s NIC is 50)',
    )
    .addOption(new Option('--scale-out-gbps <GB/s>').hideHelp())
    .option('--offload-weights <f>', 'share of the weights held off-device')
    .option('--offload-kv <f>', 'share of the KV cache held off-device')
    .option('--offload-tier <name>', "offload tier (e.g. 'host': PCIe or NVLink-C2C host memory)")
    .option('--usd-per-hour <usd>', 'price per device-hour, for the cost per million tokens')
    .option(
      '--calibration <profile>',
      "calibration profile (YAML/JSON from 'ridgeline calibrate'); 'shipped' (the default: the profiles fitted to the shipped measurements) or 'none' (the raw model); repeatable",
      collect,
    )
    .option('--json', 'print the report as JSON')
    .addHelpText('after', flagTable())
    .action((file: string | undefined, options: EstimateOptions) => {
      runEstimate(io, file, options);
    });
}
