/**
 * `ridgeline plan`: the deployment planner. Searches parallelism, engine, formats, sequence cap,
 * token budget and speculative decoding for a model on candidate devices under a device budget,
 * prints the Pareto frontier (throughput per device against tokens per second per user) and, for
 * each SLO, the best configuration with its cost, energy and launch command.
 */
import type { Command } from 'commander';
import type { LaunchEngine, NumericFormat, Plan, PlanConfig, PlanPoint, Slo } from '@ridgeline/core';
import { USE_CASE_IDS, plan } from '@ridgeline/core';
import type { CliDiagnostic } from '../files.js';
import { num, rate, table } from '../format.js';
import type { Io } from '../io.js';
import { FlagReader, failWith, flagError, printJson } from './common.js';
import { lengthsOf, list, pricesOf } from './require.js';

const LAUNCH_ENGINES: readonly LaunchEngine[] = ['vllm', 'sglang', 'trtllm'];

/** `--slo NAME:ttft=MS,tpot=MS` (the name is optional). */
export function parseSlo(flags: FlagReader, text: string): Slo | undefined {
  const colon = text.indexOf(':');
  const name = colon >= 0 ? text.slice(0, colon).trim() : undefined;
  const body = colon >= 0 ? text.slice(colon + 1) : text;
  const slo: { name?: string; ttftMs?: number; tpotMs?: number } = name ? { name } : {};
  for (const part of body.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const n = k === 'ttft' || k === 'tpot' ? flags.positiveNumber(`--slo ${k}`, v) : undefined;
    if (k === 'ttft' && n !== undefined) slo.ttftMs = n;
    else if (k === 'tpot' && n !== undefined) slo.tpotMs = n;
    else if (k !== 'ttft' && k !== 'tpot') {
      flags.errors.push(flagError('--slo', `takes [NAME:]ttft=MS,tpot=MS; got '${text}'`));
      return undefined;
    }
  }
  return slo;
}

interface PlanOptions {
  calibration?: string;
  model?: string;
  hardware?: string;
  maxGpus?: string;
  useCase?: string;
  inputTokens?: string;
  outputTokens?: string;
  requestRate?: string;
  slo: string[];
  engines?: string;
  formats?: string;
  tokenBudgets?: string;
  mtpTokens?: string;
  mtpAcceptance?: string;
  scaleOutGbps?: string;
  usdPerHour?: string;
  requests?: string;
  maxSimulations?: string;
  disaggregation?: boolean;
  json?: boolean;
}

export function layoutText(c: PlanConfig): string {
  const d = c.disaggregation;
  return (
    (d === undefined
      ? `tp${String(c.tp)}`
      : `P ${String(d.prefill.dp)}×tp${String(d.prefill.tp)} + D ${String(d.decode.dp)}×tp${String(d.decode.tp)}`) +
    (c.pp > 1 ? ` pp${String(c.pp)}` : '') +
    (c.ep > 1 ? ` ep${String(c.ep)}` : '') +
    (c.redundantExperts !== undefined ? `+${String(c.redundantExperts)}r` : '') +
    (c.attentionDp ? ' adp' : '') +
    (c.speculativeTokens !== undefined ? ` mtp${String(c.speculativeTokens)}` : '')
  );
}

const sloText = (s: Slo): string =>
  [
    s.ttftMs !== undefined ? `p90 TTFT ≤ ${num(s.ttftMs)} ms` : '',
    s.tpotMs !== undefined ? `p90 TPOT ≤ ${num(s.tpotMs)} ms` : '',
  ]
    .filter((x) => x !== '')
    .join(', ') || 'no latency bound';

function frontierTable(points: readonly PlanPoint[]): string {
  return table(
    [
      { header: 'tok/s/user', align: 'right' },
      { header: 'tok/s/gpu', align: 'right' },
      { header: 'device' },
      { header: 'engine' },
      { header: 'layout' },
      { header: 'weights' },
      { header: 'kv' },
      { header: 'conc', align: 'right' },
      { header: 'p90 TTFT', align: 'right' },
      { header: 'p90 TPOT', align: 'right' },
    ],
    points.map((p) => [
      num(p.tokensPerSecPerUser),
      rate(p.outputTokensPerSecPerGpu),
      p.config.hardware,
      p.config.engine,
      layoutText(p.config),
      p.config.weights,
      p.config.kvCache,
      String(p.concurrency),
      `${num(p.ttftP90Ms)} ms`,
      `${num(p.tpotP90Ms)} ms`,
    ]),
  );
}

/** The plan as text. */
export function formatPlan(p: Plan, header: string): string {
  let out = header;
  const s = p.search;
  out += `Searched ${String(s.configurations)} configurations: ${String(s.prunedMemory)} dropped (weights do not fit), ${String(s.prunedInvalid)} invalid; ${String(s.staticPoints)} static-batch points, ${String(s.disaggregatedCandidates)} disaggregated pool layouts; ${String(s.simulated)} simulations (${String(s.disaggregatedSimulated)} disaggregated).\n\n`;
  for (const c of p.choices) {
    out += `SLO ${c.slo.name ?? ''}${c.slo.name ? ' ' : ''}(${sloText(c.slo)}): `;
    if (!c.found || c.point === undefined || c.launch === undefined) {
      out += `none: ${c.reason ?? ''}\n\n`;
      continue;
    }
    const cfg = c.point.config;
    out += `${String(c.gpus)}× ${cfg.hardware} = ${String(c.replicas)} × (${layoutText(cfg)}), ${cfg.engine}, ${cfg.weights} weights, ${cfg.activations} activations, ${cfg.kvCache} KV, ${String(c.point.concurrency)} sequences, ${String(cfg.maxBatchedTokens)}-token budget\n`;
    const extras = [
      c.usdPerMillionOutputTokens !== undefined
        ? `$${num(c.usdPerMillionOutputTokens)} per M output tokens`
        : 'no price given',
      c.joulesPerOutputToken !== undefined ? `${num(c.joulesPerOutputToken)} J/token` : '',
    ].filter((x) => x !== '');
    if (c.why !== undefined) out += `  why: ${c.why}\n`;
    out += `  p90 TTFT ${num(c.ttftP90Ms ?? NaN)} ms, p90 TPOT ${num(c.tpotP90Ms ?? NaN)} ms, ${rate(c.outputTokensPerSec ?? NaN)} output tok/s; ${extras.join(', ')}\n`;
    const d = cfg.disaggregation;
    const launches =
      d === undefined || c.prefillLaunch === undefined
        ? [{ label: '', launch: c.launch }]
        : [
            {
              label: `prefill pool, ${String(d.prefill.dp * (c.replicas ?? 1))} instance(s):`,
              launch: c.prefillLaunch,
            },
            {
              label: `decode pool, ${String(d.decode.dp * (c.replicas ?? 1))} instance(s):`,
              launch: c.launch,
            },
          ];
    for (const { label, launch } of launches) {
      if (label !== '') out += `  ${label}\n`;
      out += `  $ ${launch.command}\n`;
      if (launch.extraOptions !== undefined)
        out += `  extra-llm-api-options.yaml: ${Object.entries(launch.extraOptions)
          .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
          .join('; ')}\n`;
    }
    if (d !== undefined)
      out += `  (disaggregated: KV over the ${d.kvTransferLink} link; a P/D router in front, not written: see launch-flags.md)\n`;
    else if ((c.replicas ?? 1) > 1)
      out += `  (one command per replica; ${String(c.replicas)} replicas behind a router)\n`;
    out += '\n';
  }
  const rej = s.rejectedRedundant;
  if (s.prunedDominated > 0 || rej.length > 0)
    out += `Redundant experts (EPLB): ${String(s.prunedDominated)} static points with extra slots dropped as dominated by fewer slots; ${String(rej.length)} layout(s) rejected${rej.length > 0 ? `, e.g. ${rej[0]?.reason ?? ''}` : ''}.\n\n`;
  out += 'Pareto frontier, output throughput per device against tokens per second per user (simulated):\n';
  out += frontierTable(p.frontier);
  return out;
}

function runPlan(io: Io, o: PlanOptions): void {
  const json = o.json === true;
  const flags = new FlagReader();
  const errors: CliDiagnostic[] = flags.errors;
  if (o.model === undefined) errors.push(flagError('--model', 'is required (a catalog id)'));
  const hardware = list(o.hardware);
  if (hardware === undefined || hardware.length === 0)
    errors.push(flagError('--hardware', 'is required (candidate devices, comma-separated catalog ids)'));
  const maxGpus = flags.positiveInt('--max-gpus', o.maxGpus);
  if (o.maxGpus === undefined) errors.push(flagError('--max-gpus', 'is required (the device budget)'));
  const lengths = lengthsOf(flags, o);
  const requestRate = flags.positiveNumber('--request-rate', o.requestRate);
  const slos = o.slo.map((t) => parseSlo(flags, t)).filter((s): s is Slo => s !== undefined);
  if (o.slo.length === 0)
    errors.push(flagError('--slo', 'is required at least once ([NAME:]ttft=MS,tpot=MS)'));
  const engines = list(o.engines)?.map((e) => flags.oneOf('--engines', e, LAUNCH_ENGINES));
  const formats = list(o.formats)?.map((f) => flags.format('--formats', f));
  const budgets = list(o.tokenBudgets)?.map((b) => flags.positiveInt('--token-budgets', b));
  const mtpTokens = flags.positiveInt('--mtp-tokens', o.mtpTokens);
  const mtpAcceptance = flags.fraction('--mtp-acceptance', o.mtpAcceptance);
  if (
    (mtpTokens === undefined) !== (mtpAcceptance === undefined) &&
    (o.mtpTokens !== undefined || o.mtpAcceptance !== undefined)
  )
    errors.push(flagError('--mtp-tokens', 'and --mtp-acceptance go together'));
  const scaleOut = flags.positiveNumber('--scale-out-gbps', o.scaleOutGbps);
  const usdPerHour = pricesOf(flags, o.usdPerHour);
  const requests = flags.positiveInt('--requests', o.requests);
  const maxSimulations = flags.positiveInt('--max-simulations', o.maxSimulations);
  const calibration = flags.oneOf('--calibration', o.calibration, ['shipped', 'none'] as const);
  if (errors.length > 0 || lengths === undefined || maxGpus === undefined || hardware === undefined)
    failWith(io, errors, json);
  const r = plan({
    model: o.model ?? '',
    hardware,
    maxGpus,
    inputTokens: lengths.inputTokens,
    outputTokens: lengths.outputTokens,
    slos,
    ...(requestRate !== undefined ? { requestRate } : {}),
    ...(engines !== undefined ? { engines: engines.filter((e): e is LaunchEngine => e !== undefined) } : {}),
    ...(formats !== undefined
      ? { weightFormats: formats.filter((f): f is NumericFormat => f !== undefined) }
      : {}),
    ...(budgets !== undefined ? { tokenBudgets: budgets.filter((b): b is number => b !== undefined) } : {}),
    ...(mtpTokens !== undefined && mtpAcceptance !== undefined
      ? { speculative: { tokens: mtpTokens, acceptanceRate: mtpAcceptance } }
      : {}),
    ...(scaleOut !== undefined ? { topology: { scaleOutBandwidthBytesPerSecond: scaleOut * 1e9 } } : {}),
    ...(usdPerHour !== undefined ? { usdPerHour } : {}),
    ...(requests !== undefined ? { requests } : {}),
    ...(maxSimulations !== undefined ? { maxSimulations } : {}),
    ...(o.disaggregation === false ? { disaggregation: false } : {}),
    ...(calibration !== undefined ? { calibration } : {}),
  });
  if (!r.ok) failWith(io, r.diagnostics, json);
  if (json) {
    printJson(io, { ...r.value, ...(lengths.useCase !== undefined ? { useCase: lengths.useCase } : {}) });
    return;
  }
  let header = `Plan for ${String(o.model)} on ${hardware.join(', ')}, at most ${String(maxGpus)} devices\n`;
  header += `Requests: ${String(lengths.inputTokens)} in / ${String(lengths.outputTokens)} out`;
  header +=
    lengths.useCase !== undefined ? ` (use case ${lengths.useCase.id}: ${lengths.useCase.basis})` : '';
  header +=
    requestRate !== undefined
      ? `; traffic ${num(requestRate)} req/s (Poisson)\n`
      : '; no traffic given: one replica per SLO\n';
  io.stdout(formatPlan(r.value, header));
}

export function registerPlan(program: Command, io: Io): void {
  program
    .command('plan')
    .description(
      'deployment planner: Pareto frontier and the best configuration per SLO, with launch commands',
    )
    .option('--model <id>', 'model (catalog id)')
    .option('--hardware <ids>', 'candidate devices (comma-separated catalog ids)')
    .option('--max-gpus <n>', 'device budget')
    .option('--use-case <id>', `request lengths preset: ${USE_CASE_IDS.join(', ')}`)
    .option('--input-tokens <n>', 'prompt tokens (overrides the use case)')
    .option('--output-tokens <n>', 'output tokens (overrides the use case)')
    .option('--request-rate <r>', 'traffic, requests per second (sizes the replicas)')
    .option(
      '--slo <spec>',
      'an SLO, [NAME:]ttft=MS,tpot=MS (p90); repeat for several',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--engines <ids>', 'engines searched (default vllm,sglang,trtllm)')
    .option('--formats <list>', 'weight formats searched (default bf16,fp8,fp4)')
    .option('--token-budgets <list>', "per-step token budgets searched (default: the engine's)")
    .option('--mtp-tokens <n>', 'also search MTP speculative decoding with n draft tokens')
    .option('--mtp-acceptance <p>', 'acceptance rate of each draft token, 0..1 (with --mtp-tokens)')
    .option(
      '--scale-out-gbps <GB/s>',
      'scale-out bandwidth per device, GB/s (lets tp·pp exceed the scale-up domain)',
    )
    .option('--usd-per-hour <prices>', 'prices per device-hour, ID=USD,… (cost per million tokens)')
    .option('--requests <n>', 'requests per simulation (default 300; open loop: 2.5 request lifetimes)')
    .option('--max-simulations <n>', 'most candidate simulations (default 160)')
    .option('--no-disaggregation', 'do not search disaggregated prefill/decode pools')
    .option(
      '--calibration <mode>',
      "'shipped' (default: the calibration profiles fitted to the shipped measurements) or 'none' (the raw model)",
    )
    .option('--json', 'the plan as JSON (frontier points, choices with scenarios and launch commands)')
    .action((options: PlanOptions) => {
      runPlan(io, options);
    });
}
