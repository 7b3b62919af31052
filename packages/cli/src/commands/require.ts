/**
 * `ridgeline require`: platform requirements. For a model, a use case (or explicit lengths) and
 * targets, the least memory capacity, memory bandwidth, compute, scale-up bandwidth and domain
 * size, and scale-out bandwidth of one device that meet the targets with the rest held at a base
 * device; the binding resource; sensitivities; and the catalog devices and counts that meet them.
 */
import type { Command } from 'commander';
import type { EngineId, Requirement, Requirements, Targets, UseCase } from '@ridgeline/core';
import {
  ENGINE_IDS,
  RESOURCES,
  USE_CASES,
  USE_CASE_IDS,
  findModel,
  isUseCaseId,
  requirements,
} from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { gib, num, percent, rate, table } from '../format.js';
import type { Io } from '../io.js';
import { FlagReader, failWith, flagError, printJson } from './common.js';

/** Request lengths from --use-case and/or --input-tokens/--output-tokens. */
export function lengthsOf(
  flags: FlagReader,
  o: { useCase?: string; inputTokens?: string; outputTokens?: string },
): { inputTokens: number; outputTokens: number; useCase?: UseCase } | undefined {
  const useCase = o.useCase === undefined ? undefined : flags.oneOf('--use-case', o.useCase, USE_CASE_IDS);
  const preset = useCase !== undefined && isUseCaseId(useCase) ? USE_CASES[useCase] : undefined;
  const inputTokens = flags.positiveInt('--input-tokens', o.inputTokens) ?? preset?.inputTokens;
  const outputTokens = flags.positiveInt('--output-tokens', o.outputTokens) ?? preset?.outputTokens;
  if (inputTokens === undefined || outputTokens === undefined) {
    if (o.useCase === undefined)
      flags.errors.push(
        flagError(
          '--use-case',
          `or --input-tokens and --output-tokens are required (use cases: ${USE_CASE_IDS.join(', ')})`,
        ),
      );
    return undefined;
  }
  return { inputTokens, outputTokens, ...(preset !== undefined ? { useCase: preset } : {}) };
}

/** `--usd-per-hour h200-sxm=3.5,b200=6`: price per device-hour by hardware id. */
export function pricesOf(flags: FlagReader, text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [id, value] = part.split('=');
    const v = flags.positiveNumber('--usd-per-hour', value);
    if (id === undefined || id.trim() === '' || value === undefined) {
      flags.errors.push(flagError('--usd-per-hour', `takes ID=USD pairs separated by commas, got '${part}'`));
      continue;
    }
    if (v !== undefined) out[id.trim()] = v;
  }
  return out;
}

export const list = (s: string | undefined): string[] | undefined =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0);

interface RequireOptions {
  model?: string;
  hardware?: string;
  gpus?: string;
  tp?: string;
  pp?: string;
  ep?: string;
  dp?: string;
  attentionDp?: boolean;
  weights?: string;
  kvCache?: string;
  engine?: string;
  useCase?: string;
  inputTokens?: string;
  outputTokens?: string;
  ttftMs?: string;
  tpotMs?: string;
  requestsPerSec?: string;
  outputTokensPerSec?: string;
  scaleOutGbps?: string;
  devices?: string;
  maxGpus?: string;
  usdPerHour?: string;
  requests?: string;
  resources?: string;
  json?: boolean;
}

const LABELS: Record<Requirement['resource'], string> = {
  memoryCapacity: 'memory capacity',
  memoryBandwidth: 'memory bandwidth',
  compute: 'compute',
  scaleUpBandwidth: 'scale-up bandwidth',
  scaleUpDomain: 'scale-up domain',
  scaleOutBandwidth: 'scale-out bandwidth',
};

function valueText(r: Requirement['resource'], v: number | null): string {
  if (v === null) return '–';
  switch (r) {
    case 'memoryCapacity':
      return gib(v);
    case 'compute':
      return `${num(v / 1e12)} TFLOP/s`;
    case 'scaleUpDomain':
      return `${String(v)} devices`;
    case 'memoryBandwidth':
    case 'scaleUpBandwidth':
    case 'scaleOutBandwidth':
      return `${num(v / 1e9)} GB/s`;
  }
}

const STATUS: Record<Requirement['status'], string> = {
  found: '',
  'not-binding': 'not binding (1/64 of the base still meets)',
  unreachable: 'unreachable (64× the base does not meet)',
  absent: 'base device has none',
};

function targetsText(t: Targets): string {
  const parts: string[] = [];
  if (t.ttftMs !== undefined) parts.push(`p90 TTFT ≤ ${num(t.ttftMs)} ms`);
  if (t.tpotMs !== undefined) parts.push(`p90 TPOT ≤ ${num(t.tpotMs)} ms`);
  if (t.requestsPerSec !== undefined) parts.push(`${num(t.requestsPerSec)} req/s`);
  if (t.outputTokensPerSec !== undefined) parts.push(`${rate(t.outputTokensPerSec)} output tok/s`);
  return parts.join(', ');
}

const ms = (v: number | null): string => (v === null ? '–' : `${num(v)} ms`);

/** The requirements as text. */
export function formatRequirements(r: Requirements, header: string): string {
  let out = header;
  out += `Base device ${r.baseHardware}: ${r.base.meets ? 'meets' : 'does not meet'} the targets (p90 TTFT ${ms(r.base.ttftP90Ms)}, p90 TPOT ${ms(r.base.tpotP90Ms)})\n\n`;
  if (r.requirements.length > 0) {
    out += 'Least value of each resource meeting the targets, the others at the base device:\n';
    out += table(
      [
        { header: 'resource' },
        { header: 'base', align: 'right' },
        { header: 'minimum', align: 'right' },
        { header: '×base', align: 'right' },
        { header: 'note' },
      ],
      r.requirements.map((q) => [
        LABELS[q.resource] + (q.resource === r.binding ? ' *' : ''),
        valueText(q.resource, q.baseValue),
        q.status === 'unreachable'
          ? '–'
          : (q.status === 'not-binding' ? '≤ ' : '') + valueText(q.resource, q.minimum),
        q.ratio === null ? '–' : num(q.ratio),
        STATUS[q.status],
      ]),
    );
    const compute = r.requirements.find((q) => q.resource === 'compute');
    if (compute?.perFormat !== undefined)
      out +=
        '  compute per format: ' +
        Object.entries(compute.perFormat)
          .map(([f, v]) => `${f} ${num(v / 1e12)}`)
          .join(', ') +
        ' TFLOP/s\n';
    out += `  * binding: ${r.binding === null ? 'none' : LABELS[r.binding]} (base meets: the minimum nearest the base; base fails: the least increase that meets)\n\n`;
  }
  if (r.sensitivities.length > 0) {
    out += 'Sensitivity: change of p90 latency when one resource doubles\n';
    out += table(
      [{ header: 'resource' }, { header: 'TPOT', align: 'right' }, { header: 'TTFT', align: 'right' }],
      r.sensitivities.map((s) => [
        LABELS[s.resource],
        s.tpotChange === null ? '–' : percent(s.tpotChange),
        s.ttftChange === null ? '–' : percent(s.ttftChange),
      ]),
    );
    out += '\n';
  }
  if (r.devices.length > 0 || r.devicesNotMeeting.length > 0) {
    out +=
      r.devicesSortedBy === 'price'
        ? 'Catalog devices meeting the targets, cheapest first:\n'
        : 'Catalog devices meeting the targets, fewest devices first (no prices given: --usd-per-hour ID=USD,…):\n';
    out += table(
      [
        { header: 'device' },
        { header: 'gpus', align: 'right' },
        { header: 'layout' },
        { header: 'p90 TTFT', align: 'right' },
        { header: 'p90 TPOT', align: 'right' },
        { header: 'out tok/s', align: 'right' },
        { header: 'USD/h', align: 'right' },
      ],
      r.devices.map((d) => [
        d.hardware,
        String(d.gpus),
        `tp${String(d.parallelism.tp)}` +
          (d.parallelism.pp > 1 ? ` pp${String(d.parallelism.pp)}` : '') +
          (d.parallelism.ep > 1 ? ` ep${String(d.parallelism.ep)}` : '') +
          (d.parallelism.redundantExperts > 0 ? `+${String(d.parallelism.redundantExperts)}r` : '') +
          (d.parallelism.attentionDp ? ' adp' : '') +
          (d.parallelism.dp > 1 ? ` dp${String(d.parallelism.dp)}` : ''),
        ms(d.ttftP90Ms),
        ms(d.tpotP90Ms),
        rate(d.outputTokensPerSec),
        d.usdPerHour === undefined ? '–' : num(d.usdPerHour),
      ]),
    );
    if (r.devicesNotMeeting.length > 0)
      out += `  not meeting at any count tried: ${r.devicesNotMeeting.join(', ')}\n`;
  }
  return out;
}

function runRequire(io: Io, o: RequireOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const errors: CliDiagnostic[] = flags.errors;
  if (o.model === undefined) errors.push(flagError('--model', 'is required (a catalog id)'));
  if (o.hardware === undefined)
    errors.push(flagError('--hardware', 'is required (the base device, a catalog id)'));
  const lengths = lengthsOf(flags, o);
  const targets: { -readonly [K in keyof Targets]: number } = {};
  const setTarget = (k: keyof Targets, flag: string, v: string | undefined): void => {
    const n = flags.positiveNumber(flag, v);
    if (n !== undefined) targets[k] = n;
  };
  setTarget('ttftMs', '--ttft-ms', o.ttftMs);
  setTarget('tpotMs', '--tpot-ms', o.tpotMs);
  setTarget('requestsPerSec', '--requests-per-sec', o.requestsPerSec);
  setTarget('outputTokensPerSec', '--output-tokens-per-sec', o.outputTokensPerSec);
  if ([o.ttftMs, o.tpotMs, o.requestsPerSec, o.outputTokensPerSec].every((v) => v === undefined))
    errors.push(
      flagError(
        '--tpot-ms',
        'or another target is required (--ttft-ms, --requests-per-sec, --output-tokens-per-sec)',
      ),
    );
  const tp = flags.positiveInt('--tp', o.tp) ?? 1;
  const pp = flags.positiveInt('--pp', o.pp) ?? 1;
  const dp = flags.positiveInt('--dp', o.dp) ?? 1;
  const moe = o.model !== undefined && findModel(o.model)?.moe !== undefined;
  const ep = flags.positiveInt('--ep', o.ep) ?? (moe ? tp : 1);
  const gpus = flags.positiveInt('--gpus', o.gpus) ?? tp * pp * dp;
  const engine: EngineId = flags.oneOf('--engine', o.engine, ENGINE_IDS) ?? 'vllm';
  const weights = flags.format('--weights', o.weights);
  const kvCache = flags.format('--kv-cache', o.kvCache);
  const scaleOut = flags.positiveNumber('--scale-out-gbps', o.scaleOutGbps);
  const maxGpus = flags.positiveInt('--max-gpus', o.maxGpus);
  const requests = flags.positiveInt('--requests', o.requests);
  const usdPerHour = pricesOf(flags, o.usdPerHour);
  const devices = o.devices === 'none' ? [] : list(o.devices);
  const resources =
    o.resources === 'none'
      ? []
      : list(o.resources)?.map((r) => flags.oneOf('--resources', r, RESOURCES) ?? 'compute');
  if (errors.length > 0 || lengths === undefined) failWith(io, errors, json);
  const base: Record<string, unknown> = {
    model: o.model,
    hardware: o.hardware,
    gpus,
    parallelism: { tp, pp, ep, dp, attentionDp: o.attentionDp === true },
    precision: {
      ...(weights !== undefined ? { weights } : {}),
      ...(kvCache !== undefined ? { kvCache } : {}),
    },
    engine,
    ...(scaleOut !== undefined ? { topology: { scaleOutBandwidthBytesPerSecond: scaleOut * 1e9 } } : {}),
  };
  const r = requirements({
    base,
    inputTokens: lengths.inputTokens,
    outputTokens: lengths.outputTokens,
    targets,
    ...(requests !== undefined ? { requests } : {}),
    ...(devices !== undefined ? { devices } : {}),
    ...(resources !== undefined ? { resources } : {}),
    ...(maxGpus !== undefined ? { maxGpus } : {}),
    ...(usdPerHour !== undefined ? { usdPerHour } : {}),
  });
  if (!r.ok) failWith(io, r.diagnostics, json);
  if (json) {
    printJson(io, { ...r.value, ...(lengths.useCase !== undefined ? { useCase: lengths.useCase } : {}) });
    return;
  }
  const p = base['parallelism'] as Record<string, unknown>;
  const layout = ['tp', 'pp', 'ep', 'dp']
    .filter((k) => (p[k] as number) > 1)
    .map((k) => `${k}${String(p[k])}`);
  let header = `Requirements for ${String(o.model)} on ${String(gpus)}× ${String(o.hardware)}${layout.length > 0 ? ` (${layout.join(' ')})` : ''}, ${engine}${weights !== undefined ? `, ${weights} weights` : ''}\n`;
  header += `Requests: ${String(lengths.inputTokens)} in / ${String(lengths.outputTokens)} out`;
  header +=
    lengths.useCase !== undefined ? ` (use case ${lengths.useCase.id}: ${lengths.useCase.basis})\n` : '\n';
  header += `Targets: ${targetsText(targets)}\n`;
  io.stdout(formatRequirements(r.value, header));
}

export function registerRequire(program: Command, io: Io): void {
  program
    .command('require')
    .description(
      'platform requirements: the least of each device resource that meets latency and throughput targets',
    )
    .option('--model <id>', 'model (catalog id)')
    .option(
      '--hardware <id>',
      'base device (catalog id): every resource but the one searched is held at its value',
    )
    .option('--gpus <n>', 'devices (default tp·pp·dp)')
    .option('--tp <n>', 'tensor parallelism (default 1)')
    .option('--pp <n>', 'pipeline parallelism (default 1)')
    .option('--ep <n>', 'expert parallelism (default tp for MoE models)')
    .option('--dp <n>', 'data-parallel replicas (default 1)')
    .option('--attention-dp', 'attention data parallelism over the tp group')
    .option('--weights <format>', 'weight format (default bf16)')
    .option('--kv-cache <format>', 'KV-cache format')
    .option('--engine <id>', `serving engine: ${ENGINE_IDS.join(', ')} (default vllm)`)
    .option('--use-case <id>', `request lengths preset: ${USE_CASE_IDS.join(', ')}`)
    .option('--input-tokens <n>', 'prompt tokens (overrides the use case)')
    .option('--output-tokens <n>', 'output tokens (overrides the use case)')
    .option('--ttft-ms <ms>', 'target p90 time to first token')
    .option('--tpot-ms <ms>', 'target p90 time per output token')
    .option('--requests-per-sec <r>', 'target sustained request rate (simulated as Poisson arrivals)')
    .option('--output-tokens-per-sec <r>', 'target sustained output tokens per second')
    .option('--scale-out-gbps <GB/s>', 'scale-out bandwidth per device, GB/s (the catalog has none)')
    .option(
      '--devices <ids>',
      "catalog devices to list (comma-separated; 'none' skips the listing; default all)",
    )
    .option('--max-gpus <n>', 'most devices tried per catalog device (default 64)')
    .option(
      '--usd-per-hour <prices>',
      'prices per device-hour, ID=USD,… (the listing is then cheapest first)',
    )
    .option(
      '--resources <list>',
      `resources searched: ${RESOURCES.join(', ')} (default all; 'none': devices only)`,
    )
    .option(
      '--requests <n>',
      'requests per simulation (default: 2.5 request lifetimes of arrivals, 300 to 4000)',
    )
    .option('--json', 'the requirements, search samples (for plots) and devices as JSON')
    .addHelpText(
      'after',
      `
Each resource is searched as a factor from 1/64 to 64 on the base device (bisection); with a
rate target each evaluation simulates continuous batching, otherwise one request alone.
Each catalog device is tried at rising counts with the replica layouts \`plan\` searches (tp,
pp, attention DP, ep and redundant experts for the engine, wide EP), the rest as dp; the
least count that meets the targets is listed. Layout text: ep72+32r = 32 redundant experts,
adp = attention DP.
`,
    )
    .action((options: RequireOptions) => {
      runRequire(io, options);
    });
}
