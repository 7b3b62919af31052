/**
 * assembleReport: timings and footprint become the plain-data result of the scenario contract
 * (docs/scenario.md): milliseconds, tokens per second, bytes per device, a per-phase and
 * per-operator breakdown with each operator's bound, and diagnostics.
 */
import type { Bound, CostedPhase } from '../cost/roofline.js';
import { boundOf } from '../cost/roofline.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { OperatorKind, PhaseKind } from '../graph/operator.js';
import type { MemoryFootprint } from '../memory/footprint.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { StaticBatchTiming } from '../serving/static-batch.js';
import { staticHostSeconds } from '../serving/static-batch.js';
import type { LatencyStats, ServingTiming } from '../serving/serve.js';
import type { CostReport, EnergyReport } from '../energy/model.js';
import { energyAndCost } from '../energy/model.js';
import type { LogBands, Uncertainty } from '../uncertainty/band.js';
import { applyBands } from '../uncertainty/band.js';
import { scenarioBands } from '../uncertainty/scenario-bands.js';

export interface OperatorReport {
  readonly phase: PhaseKind;
  readonly name: string;
  readonly kind: OperatorKind;
  /** Occurrences per step (layers). */
  readonly count: number;
  /** Time per step over all occurrences, ms (decode: mean over the decode steps). */
  readonly timeMs: number;
  /** Share of the phase's step time. */
  readonly share: number;
  /** FLOPs and bytes per step over all occurrences, per device (decode: at the mean context). */
  readonly flops: number;
  readonly bytes: number;
  readonly bound: Bound;
  readonly shape:
    { readonly m: number; readonly n: number; readonly k: number; readonly groups: number } | undefined;
  /**
   * Of `bytes`, the block scales read with a block-scaled GEMM's weights and inputs (NVFP4: one
   * E4M3 per 16 elements; MXFP4: one E8M0 per 32); present only where there are some.
   */
  readonly scaleBytes?: number;
  /**
   * GEMMs: the fraction of the format's peak the kernel is modelled to reach (family fraction for
   * the format, block-scaled FP8 and grouped-GEMM factors, tile padding, waves, K ramp), and the M
   * tile its rows are padded to (the family's tiles, cost/efficiency.ts gemmTileRows).
   */
  readonly computeFraction?: number;
  readonly tileRows?: number;
}

export interface PhaseReport {
  readonly phase: PhaseKind;
  /** Time of one step, ms (decode: mean step). */
  readonly stepMs: number;
  readonly steps: number;
  readonly totalMs: number;
  readonly tokensPerStep: number;
  readonly flopsPerStep: number;
  readonly bytesPerStep: number;
  /** Host time per step outside the operators (scheduling, sampling), ms. */
  readonly overheadMs: number;
  /** Share of the step spent in compute-, memory-, communication- and overhead-bound work. */
  readonly boundShares: Readonly<Record<Bound, number>>;
}

/** Distribution of a latency over requests, ms. */
export interface LatencyReport {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface ServingReport {
  /** Requests simulated over all replicas. */
  readonly requests: number;
  readonly durationSeconds: number;
  /** Engine steps of one replica (decode pool when disaggregated). */
  readonly steps: number;
  readonly maxBatch: number;
  readonly preemptions: number;
  /** KV-cache capacity of one replica, tokens. */
  readonly kvCapacityTokens: number;
  /** Prefill pool KV capacity and the KV transfer per request, when disaggregated. */
  readonly prefillPoolKvCapacityTokens?: number;
  readonly kvTransferMs?: number;
  /** Expected tokens accepted per verify step, with speculative decoding. */
  readonly acceptedTokensPerStep?: number;
  /** Offload: share of a decode step spent streaming from the offload tier. */
  readonly offloadShare?: number;
  /**
   * Mean TTFT split, ms: the API server's per-request time (tokenization, hand-off, first-token
   * streaming), the wait in the engine's queue, the wait for the step an overlap scheduler had
   * already built when the request arrived, and the prompt's steps up to its first token.
   * Disaggregated: the prefill pool's, the queue part with the wait for a decode slot, and the KV
   * transfer (kvTransferMs) besides.
   */
  readonly ttftParts: {
    readonly requestOverheadMs: number;
    readonly queueMs: number;
    readonly overlapWaitMs: number;
    readonly prefillMs: number;
  };
  /** Share of the run in which running decodes stalled for prompt-only steps (prefill-first engines). */
  readonly decodeStallShare: number;
  /**
   * Present when Poisson arrivals outrun the deployment (warning `serving.saturated`): the queue
   * grows for the whole run, so TTFT and end-to-end latency depend on how many requests are
   * simulated and describe no steady state. Requests per second over all replicas: the arrival
   * rate, and the rate served while requests arrive (the capacity the arrivals exceed).
   */
  readonly overloaded?: { readonly requestsPerSecond: number; readonly servedRequestsPerSecond: number };
}

export interface EstimateReport {
  readonly scenario: {
    readonly model: string;
    readonly hardware: string;
    readonly gpus: number;
    readonly parallelism: {
      readonly tp: number;
      readonly pp: number;
      readonly ep: number;
      readonly dp: number;
      /** Redundant expert replicas (EPLB), when set. */
      readonly redundantExperts?: number;
    };
    /** Disaggregated serving only: each pool's tensor parallelism and replicas (pp and ep above apply to both). */
    readonly disaggregation?: {
      readonly prefill: { readonly tp: number; readonly dp: number };
      readonly decode: { readonly tp: number; readonly dp: number };
    };
    readonly precision: { readonly weights: string; readonly activations: string; readonly kvCache: string };
    readonly engine: string;
    /**
     * Calibration profiles applied, e.g. 'shipped h100-sxm, shipped h100-sxm/trtllm', or 'none' (the
     * raw model, or no shipped profile holds for this device and engine).
     */
    readonly calibration: string;
    readonly workload: {
      readonly kind: string;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly batch: number;
    };
  };
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly e2eLatencyMs: number;
  readonly outputTokensPerSec: number;
  readonly totalTokensPerSec: number;
  readonly requestsPerSec: number;
  /** Mean sequences in flight. */
  readonly batch: number;
  /** Per-request distributions (identical requests of a static batch have one value). */
  readonly latency: {
    readonly ttft: LatencyReport;
    readonly tpot: LatencyReport;
    readonly e2e: LatencyReport;
  };
  /**
   * p10–p90 band of each headline metric from the calibration residuals of the nearest measured
   * conditions, widened outside them (docs/uncertainty.md).
   */
  readonly uncertainty: Uncertainty;
  /** Continuous-batching simulation facts (serving workloads only). */
  readonly serving?: ServingReport;
  readonly memory: MemoryFootprint;
  readonly phases: readonly PhaseReport[];
  /** Per operator; for serving workloads, one static step at the mean batch. */
  readonly breakdown: readonly OperatorReport[];
  readonly energy?: EnergyReport;
  readonly cost?: CostReport;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * One breakdown row. The optional fields (present only where defined) are written in the literal
 * for the common combinations — none (elementwise, attention, collectives), a GEMM's fraction and
 * tile, and those with block scales — rather than assigned after it: each assignment past a
 * literal's own keys grows the row's property store, and rows are built for every operator of
 * every evaluation. Same keys, same order in every case.
 */
function operatorRow(
  phase: PhaseKind,
  op: CostedPhase['operators'][number]['op'],
  timeMs: number,
  share: number,
  flops: number,
  bytes: number,
  bound: Bound,
  scaleBytes: number | undefined,
  computeFraction: number | undefined,
  tileRows: number | undefined,
): OperatorReport {
  const name = op.name;
  const kind = op.kind;
  const count = op.count;
  const shape = op.shape;
  if (scaleBytes === undefined && computeFraction === undefined && tileRows === undefined)
    return { phase, name, kind, count, timeMs, share, flops, bytes, bound, shape };
  if (computeFraction !== undefined && tileRows !== undefined) {
    if (scaleBytes === undefined)
      return {
        phase,
        name,
        kind,
        count,
        timeMs,
        share,
        flops,
        bytes,
        bound,
        shape,
        computeFraction,
        tileRows,
      };
    return {
      phase,
      name,
      kind,
      count,
      timeMs,
      share,
      flops,
      bytes,
      bound,
      shape,
      scaleBytes,
      computeFraction,
      tileRows,
    };
  }
  const row: { -readonly [K in keyof OperatorReport]: OperatorReport[K] } = {
    phase,
    name,
    kind,
    count,
    timeMs,
    share,
    flops,
    bytes,
    bound,
    shape,
  };
  if (scaleBytes !== undefined) row.scaleBytes = scaleBytes;
  if (computeFraction !== undefined) row.computeFraction = computeFraction;
  if (tileRows !== undefined) row.tileRows = tileRows;
  return row;
}

function phaseBreakdown(
  phase: CostedPhase,
  perOpSeconds: readonly number[],
  steps: number,
  context: number,
  overheadSeconds: number,
): { ops: OperatorReport[]; report: PhaseReport } {
  const stepSeconds = perOpSeconds.reduce((a, b) => a + b, 0) / Math.max(1, steps) + overheadSeconds;
  let compute = 0;
  let memory = 0;
  let communication = 0;
  let overhead = stepSeconds > 0 ? overheadSeconds / stepSeconds : 0;
  let flops = 0;
  let bytes = 0;
  const stepsDivisor = Math.max(1, steps);
  const ops: OperatorReport[] = [];
  for (let i = 0; i < phase.operators.length; i++) {
    const c = phase.operators[i];
    if (c === undefined) continue;
    const op = c.op;
    const ctx = context < op.contextCap ? context : op.contextCap;
    const opFlops = op.flops + op.flopsPerContext * ctx;
    const opBytes = op.bytes + op.bytesPerContext * ctx;
    const computeSeconds = opFlops / c.flopsPerSecond;
    const memorySeconds = opBytes / c.bytesPerSecond;
    const bound = boundOf(c, computeSeconds, memorySeconds);
    const seconds = (perOpSeconds[i] ?? 0) / stepsDivisor;
    const share = stepSeconds > 0 ? seconds / stepSeconds : 0;
    if (bound === 'compute') compute += share;
    else if (bound === 'memory') memory += share;
    else if (bound === 'communication') communication += share;
    else overhead += share;
    flops += op.count * opFlops;
    bytes += op.count * opBytes;
    const scaleBytes =
      op.scaleBytes !== undefined && op.scaleBytes > 0 ? op.count * op.scaleBytes : undefined;
    ops.push(
      operatorRow(
        phase.graph.phase,
        op,
        seconds * 1e3,
        share,
        op.count * opFlops,
        op.count * opBytes,
        bound,
        scaleBytes,
        c.computeFraction,
        c.tileRows,
      ),
    );
  }
  return {
    ops,
    report: {
      phase: phase.graph.phase,
      stepMs: stepSeconds * 1e3,
      steps,
      totalMs: stepSeconds * steps * 1e3,
      overheadMs: overheadSeconds * 1e3,
      tokensPerStep: phase.graph.tokens,
      flopsPerStep: flops,
      bytesPerStep: bytes,
      boundShares: { compute, memory, communication, overhead },
    },
  };
}

function scenarioOf(ns: NormalizedScenario, batch: number): EstimateReport['scenario'] {
  const w = ns.workload;
  const d = ns.serving.disaggregation;
  return {
    model: ns.model.id,
    hardware: ns.hardware.id,
    gpus: ns.gpus,
    parallelism: {
      tp: ns.tp,
      pp: ns.pp,
      ep: ns.ep,
      dp: ns.dp,
      ...(ns.redundantExperts > 0 ? { redundantExperts: ns.redundantExperts } : {}),
    },
    ...(d === undefined
      ? {}
      : {
          disaggregation: {
            prefill: { tp: d.prefill.tp, dp: d.prefill.dp },
            decode: { tp: d.decode.tp, dp: d.decode.dp },
          },
        }),
    precision: {
      weights: ns.formats.weights,
      activations: ns.formats.activations,
      kvCache: ns.formats.kvCache,
    },
    engine: ns.engine.id,
    calibration: ns.calibration.length === 0 ? 'none' : ns.calibration.join(', '),
    workload: { kind: w.kind, inputTokens: w.inputTokens, outputTokens: w.outputTokens, batch },
  };
}

const single = (ms: number): LatencyReport => ({ mean: ms, p50: ms, p90: ms, p99: ms });
const toMs = (s: LatencyStats): LatencyReport => ({
  mean: s.mean * 1e3,
  p50: s.p50 * 1e3,
  p90: s.p90 * 1e3,
  p99: s.p99 * 1e3,
});

interface StaticParts {
  readonly prefill: ReturnType<typeof phaseBreakdown>;
  readonly decode: ReturnType<typeof phaseBreakdown>;
  readonly hasDecode: boolean;
}

function staticParts(ns: NormalizedScenario, timing: StaticBatchTiming): StaticParts {
  const w = ns.workload;
  const { overhead } = staticHostSeconds(ns, timing.sequences);
  const prefill = phaseBreakdown(timing.prefill, timing.prefillOperatorSeconds, 1, w.inputTokens, overhead);
  const meanContext = w.inputTokens + w.outputTokens / 2;
  const decode = phaseBreakdown(
    timing.decode,
    timing.decodeOperatorSeconds,
    timing.decodeSteps,
    meanContext,
    overhead,
  );
  return { prefill, decode, hasDecode: timing.decodeSteps > 0 };
}

/**
 * Time-averaged utilizations of one device over a static run: FLOPs over peak·time at the
 * GEMM rate, bytes over bandwidth·time.
 */
function utilizations(
  ns: NormalizedScenario,
  parts: StaticParts,
  seconds: number,
): { compute: number; memory: number } {
  const peak =
    ns.hardware.peakFlopsPerSecond[ns.formats.gemmRate] ?? ns.hardware.peakFlopsPerSecond.bf16 ?? 1;
  const p = parts.prefill.report;
  const d = parts.decode.report;
  const flops = p.flopsPerStep + (parts.hasDecode ? d.flopsPerStep * d.steps : 0);
  const bytes = p.bytesPerStep + (parts.hasDecode ? d.bytesPerStep * d.steps : 0);
  if (seconds <= 0) return { compute: 0, memory: 0 };
  return {
    compute: Math.min(1, flops / (peak * seconds)),
    memory: Math.min(1, bytes / (ns.hardware.memory.bandwidthBytesPerSecond * seconds)),
  };
}

function energyParts(
  ns: NormalizedScenario,
  run: {
    wallSeconds: number;
    util: { compute: number; memory: number };
    /** Share of wallSeconds the devices run steps (1 for a static batch). */
    busyShare: number;
    inputTokens: number;
    outputTokens: number;
    requests: number;
    prefillSeconds: number;
    decodeSeconds: number;
  },
): { energy: EnergyReport | undefined; cost: CostReport | undefined; diagnostics: readonly Diagnostic[] } {
  const r = energyAndCost({
    hardware: ns.hardware,
    devices: ns.gpus,
    wallSeconds: run.wallSeconds,
    computeUtilization: run.util.compute,
    memoryUtilization: run.util.memory,
    busyShare: run.busyShare,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    requests: run.requests,
    prefillSeconds: run.prefillSeconds,
    decodeSeconds: run.decodeSeconds,
    power: ns.power,
    cost: ns.cost,
  });
  return { energy: r.energy, cost: r.cost, diagnostics: r.diagnostics };
}

/**
 * A static-batch report. `bands` are the log bands of the scenario (estimate computes them with
 * its extrapolation diagnostic); by default they are looked up here.
 */
export function assembleReport(
  ns: NormalizedScenario,
  timing: StaticBatchTiming,
  memory: MemoryFootprint,
  diagnostics: readonly Diagnostic[],
  bands: LogBands = scenarioBands(ns, timing.sequences).bands,
): EstimateReport {
  const w = ns.workload;
  const totalSequences = timing.sequences * ns.dp;
  const e2e = timing.e2eSeconds;
  const parts = staticParts(ns, timing);
  const tpotMs = timing.decodeSteps > 0 ? (timing.decodeSeconds / (w.outputTokens - 1)) * 1e3 : 0;
  const ec = energyParts(ns, {
    wallSeconds: e2e,
    util: utilizations(ns, parts, e2e),
    busyShare: 1,
    inputTokens: totalSequences * w.inputTokens,
    outputTokens: totalSequences * w.outputTokens,
    requests: totalSequences,
    prefillSeconds: timing.ttftSeconds,
    decodeSeconds: timing.decodeSeconds,
  });
  const headline = {
    ttftMs: timing.ttftSeconds * 1e3,
    tpotMs,
    e2eLatencyMs: e2e * 1e3,
    outputTokensPerSec: (totalSequences * w.outputTokens) / e2e,
    totalTokensPerSec: (totalSequences * (w.inputTokens + w.outputTokens)) / e2e,
    requestsPerSec: totalSequences / e2e,
  };
  const report: ReportDraft = {
    scenario: scenarioOf(ns, w.batch),
    ttftMs: headline.ttftMs,
    tpotMs: headline.tpotMs,
    e2eLatencyMs: headline.e2eLatencyMs,
    outputTokensPerSec: headline.outputTokensPerSec,
    totalTokensPerSec: headline.totalTokensPerSec,
    requestsPerSec: headline.requestsPerSec,
    batch: totalSequences,
    latency: { ttft: single(timing.ttftSeconds * 1e3), tpot: single(tpotMs), e2e: single(e2e * 1e3) },
    uncertainty: applyBands(headline, bands),
    memory,
    phases: parts.hasDecode ? [parts.prefill.report, parts.decode.report] : [parts.prefill.report],
    breakdown: parts.hasDecode ? parts.prefill.ops.concat(parts.decode.ops) : parts.prefill.ops,
  };
  return withEnergyAndDiagnostics(report, ec, diagnostics);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A report before withEnergyAndDiagnostics appends its last fields. */
type ReportDraft = Omit<Mutable<EstimateReport>, 'diagnostics'> & { diagnostics?: readonly Diagnostic[] };

/**
 * Appends energy and cost (where known) and the diagnostics to a report: assigned, not spread in
 * (sweeps assemble one report per evaluation), keeping the key order of EstimateReport.
 */
function withEnergyAndDiagnostics(
  report: ReportDraft,
  ec: ReturnType<typeof energyParts>,
  diagnostics: readonly Diagnostic[],
): EstimateReport {
  if (ec.energy !== undefined) report.energy = ec.energy;
  if (ec.cost !== undefined) report.cost = ec.cost;
  report.diagnostics = [...diagnostics, ...ec.diagnostics];
  return report as EstimateReport;
}

/**
 * A serving report: headline figures and percentiles from the simulation; phases and the
 * operator breakdown from one static step at the simulated mean batch (`representative`).
 */
export function assembleServingReport(
  ns: NormalizedScenario,
  timing: ServingTiming,
  representative: StaticBatchTiming,
  memory: MemoryFootprint,
  extra: Pick<ServingReport, 'acceptedTokensPerStep' | 'offloadShare'>,
  diagnostics: readonly Diagnostic[],
  bands: LogBands = scenarioBands(ns, timing.meanBatch / Math.max(1, timing.main.ns.dp)).bands,
): EstimateReport {
  const parts = staticParts(ns, representative);
  const run = timing.main.result;
  const busyShare = Math.min(1, run.busySeconds / Math.max(timing.durationSeconds, 1e-12));
  const u = utilizations(ns, parts, representative.e2eSeconds);
  const ec = energyParts(ns, {
    wallSeconds: timing.durationSeconds,
    util: { compute: u.compute * busyShare, memory: u.memory * busyShare },
    busyShare,
    // The tokens the simulated requests drew (lengths from a distribution differ from the mean).
    inputTokens: timing.inputTokensPerSecond * timing.durationSeconds,
    outputTokens: timing.outputTokensPerSecond * timing.durationSeconds,
    requests: timing.requests,
    prefillSeconds: run.prefillSeconds + (timing.prefillPool?.result.busySeconds ?? 0),
    decodeSeconds: run.decodeSeconds,
  });
  const serving: ServingReport = {
    requests: timing.requests,
    durationSeconds: timing.durationSeconds,
    steps: timing.steps,
    maxBatch: timing.maxBatch,
    preemptions: timing.preemptions,
    kvCapacityTokens: timing.main.kvCapacityTokens,
    ttftParts: {
      requestOverheadMs: timing.ttftParts.requestOverheadSeconds * 1e3,
      queueMs: timing.ttftParts.queueSeconds * 1e3,
      overlapWaitMs: timing.ttftParts.overlapWaitSeconds * 1e3,
      prefillMs: timing.ttftParts.prefillSeconds * 1e3,
    },
    decodeStallShare: timing.decodeStallShare,
    ...(timing.prefillPool !== undefined
      ? {
          prefillPoolKvCapacityTokens: timing.prefillPool.kvCapacityTokens,
          kvTransferMs: timing.kvTransferSeconds * 1e3,
        }
      : {}),
    ...(timing.overloaded !== undefined ? { overloaded: timing.overloaded } : {}),
    ...extra,
  };
  const headline = {
    ttftMs: timing.ttftSeconds.mean * 1e3,
    tpotMs: timing.tpotSeconds.mean * 1e3,
    e2eLatencyMs: timing.e2eSeconds.mean * 1e3,
    outputTokensPerSec: timing.outputTokensPerSecond,
    totalTokensPerSec: timing.outputTokensPerSecond + timing.inputTokensPerSecond,
    requestsPerSec: timing.requestsPerSecond,
  };
  const report: ReportDraft = {
    scenario: scenarioOf(ns, Math.round(timing.meanBatch)),
    ttftMs: headline.ttftMs,
    tpotMs: headline.tpotMs,
    e2eLatencyMs: headline.e2eLatencyMs,
    outputTokensPerSec: headline.outputTokensPerSec,
    totalTokensPerSec: headline.totalTokensPerSec,
    requestsPerSec: headline.requestsPerSec,
    batch: timing.meanBatch,
    latency: { ttft: toMs(timing.ttftSeconds), tpot: toMs(timing.tpotSeconds), e2e: toMs(timing.e2eSeconds) },
    uncertainty: applyBands(headline, bands),
    serving,
    memory,
    phases: parts.hasDecode ? [parts.prefill.report, parts.decode.report] : [parts.prefill.report],
    breakdown: parts.hasDecode ? parts.prefill.ops.concat(parts.decode.ops) : parts.prefill.ops,
  };
  return withEnergyAndDiagnostics(report, ec, diagnostics);
}
