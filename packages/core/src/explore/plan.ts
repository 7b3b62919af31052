/**
 * The deployment planner. Given a model, candidate devices, a device budget, request lengths,
 * traffic and SLOs, it searches tensor, pipeline, expert and attention-data parallelism, the
 * engine, weight and KV formats, the sequence cap (as the concurrency each replica serves), the
 * token budget, speculative decoding and disaggregated prefill/decode pool sizes, and returns:
 *
 * - the Pareto frontier of output throughput per device against tokens per second per user
 *   (InferenceX's axes), from continuous-batching simulations;
 * - for each SLO, the configuration with the most throughput per device whose p90 TTFT and TPOT
 *   meet it, sized to the traffic (data-parallel replicas), with cost per million output tokens,
 *   energy per token and the engine's launch command. The deployment is estimated as a whole
 *   before it is returned, so it meets its SLO when estimated on its own.
 *
 * The search prunes rather than enumerates: pipeline stages only once tp fills the scale-up
 * domain; a configuration whose weights do not fit is dropped after one memory check; each
 * remaining one is costed as static batches (no simulation, graphs costed once per shape), its
 * concurrency rising until the KV cache is full; only the static points nearest the frontier, and
 * those that could meet an SLO, are simulated. Data parallelism is not searched: replicas are
 * independent, so it follows from the traffic.
 *
 * Expert parallelism: for an MoE model ep = tp. An ep that does not divide the routed experts
 * (EP48 or EP72 for DeepSeek-V3's 256) is searched on the engines that hold redundant expert
 * replicas (EPLB: SGLang, TensorRT-LLM; `EPLB_ENGINES`) with the fewest replicas that make the slots
 * divide it (`parallelism.redundantExperts`), and under attention DP also with one more slot per
 * rank (`redundantExpertSteps`). Each such layout is costed like any other (the replicas' weights
 * in the memory check, their reads and the spread of the picks in the step); a static point of a
 * layout with extra slots that its fewest-slot sibling matches or beats at the same concurrency is
 * dropped as dominated, and a layout whose extra experts' weights do not fit while its sibling's
 * do is listed with the reason.
 * Wide EP: besides the powers of two, an MoE model is searched at the scale-up domain's own size
 * (GB200 NVL72's 72) and, over a scale-out network, at 2, 4 … domains, as ep = tp with attention
 * DP (attention on each rank, the experts over all of them, DeepEP all-to-all between them).
 *
 * Disaggregated candidates are derived from each colocated configuration whose weights fit (both
 * pools share its tp, pp, ep, formats and engine, so each pool fits too): one static batch gives
 * the prefill capacity of a replica, each static point the decode capacity of a replica at its
 * concurrency, and the pool sizes (prefill dp, decode dp) are those whose capacities match best
 * within the device budget, plus the neighbour with one more prefill replica. Their static estimate
 * (the deployment's capacity per device, the decode TPOT) joins the ranking; a share of the
 * simulations is reserved for the best-ranked of them. A disaggregated point is simulated open-loop
 * at 85 % of its estimated capacity (the engine model has no closed loop across two pools).
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { estimate, validateScenario } from '../estimate.js';
import { findHardware } from '../hardware/catalog.js';
import { findModel } from '../model/catalog.js';
import type { EstimateReport } from '../report/assemble.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import { normalizeScenario } from '../scenario/normalize.js';
import { scenarioMessages } from '../scenario/messages.js';
import { ENGINE_PROFILES } from '../serving/engines.js';
import type { PhaseCoster } from '../serving/static-batch.js';
import type { NumericFormat } from '../units/formats.js';
import { rateClassOf } from '../units/formats.js';
import { compactStatic, memoizedCoster } from './evaluate.js';
import type { LaunchCommand, LaunchEngine } from './launch.js';
import { launchCommand } from './launch.js';
import { pow2UpTo, replicaLayouts, searchDomain } from './layouts.js';

export interface Slo {
  readonly name?: string;
  /** p90 time to first token, ms. */
  readonly ttftMs?: number;
  /** p90 time per output token, ms. */
  readonly tpotMs?: number;
}

export interface PlanInput {
  /** Catalog id or inline model object. */
  readonly model: string | Readonly<Record<string, unknown>>;
  /** Candidate devices: catalog ids or inline hardware objects. */
  readonly hardware: readonly (string | Readonly<Record<string, unknown>>)[];
  /** Most devices the deployment may use. */
  readonly maxGpus: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Traffic, requests per second (Poisson). Without it each SLO gets one replica at its best concurrency. */
  readonly requestRate?: number;
  readonly slos: readonly Slo[];
  /** Engines searched. Default vllm, sglang, trtllm. */
  readonly engines?: readonly LaunchEngine[];
  /**
   * Weight formats searched. Default bf16, fp8, fp4. Activations are bf16 with bf16 weights, fp4
   * with fp4 weights on a device with FP4 math (W4A4), else fp8 (fp4 weights elsewhere are W4A8);
   * the KV cache is fp8 with fp8 and fp4 weights, bf16 or fp8 with bf16.
   */
  readonly weightFormats?: readonly NumericFormat[];
  /** Also try an fp8 KV cache under bf16 weights. Default true. */
  readonly fp8KvCache?: boolean;
  /** Per-replica concurrencies (the sequence cap). Default 1, 2, 4 … 512. */
  readonly concurrencies?: readonly number[];
  /** Token budgets searched. Default: the engine's. */
  readonly tokenBudgets?: readonly number[];
  /** MTP speculative decoding, searched on and off when given. */
  readonly speculative?: { readonly tokens: number; readonly acceptanceRate: number };
  /** 'none': the raw model; default 'shipped' (the calibration profiles applied by default). */
  readonly calibration?: 'shipped' | 'none';
  /** Scenario topology (a scale-out network lets tp × pp exceed the scale-up domain). */
  readonly topology?: Readonly<Record<string, unknown>>;
  /** Price per device-hour by hardware id, USD. */
  readonly usdPerHour?: Readonly<Record<string, number>>;
  /** Requests per simulation. Default: 300 closed-loop; open-loop, enough for 2.5 request lifetimes. */
  readonly requests?: number;
  /** Most continuous-batching simulations of candidates. Default 160. */
  readonly maxSimulations?: number;
  /** Also search disaggregated prefill/decode pools. Default true. */
  readonly disaggregation?: boolean;
  /**
   * Redundant-expert steps beyond the fewest slots that divide ep: each adds one slot per ep rank,
   * searched under attention DP on engines with EPLB. Default 1; 0 searches the fewest alone.
   */
  readonly redundantExpertSteps?: number;
}

/** One configuration of one replica. */
export interface PlanConfig {
  readonly hardware: string;
  readonly engine: LaunchEngine;
  /** Devices of one replica (tp × pp). */
  readonly gpus: number;
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  /**
   * Redundant expert replicas (EPLB, `parallelism.redundantExperts`): the ep ranks hold experts +
   * redundantExperts slots. Absent when none.
   */
  readonly redundantExperts?: number;
  readonly attentionDp: boolean;
  readonly weights: NumericFormat;
  /** The activations' format (planActivations): fp4 weights run W4A4 where the device has FP4 math. */
  readonly activations: NumericFormat;
  readonly kvCache: NumericFormat;
  readonly maxBatchedTokens: number;
  readonly speculativeTokens?: number;
  /**
   * Disaggregated serving: replicas of the prefill and decode pools (each of tp × pp devices), and
   * the link the KV cache crosses. `gpus` is then (prefill.dp + decode.dp) × tp × pp.
   */
  readonly disaggregation?: PlanDisaggregation;
}

export interface PlanDisaggregation {
  readonly prefill: { readonly tp: number; readonly dp: number };
  readonly decode: { readonly tp: number; readonly dp: number };
  readonly kvTransferLink: 'scale-up' | 'scale-out';
}

export interface PlanPoint {
  readonly config: PlanConfig;
  /** Clients per replica, and the replica's sequence cap (disaggregated: the cap of each pool replica). */
  readonly concurrency: number;
  /** 1000 / mean TPOT. */
  readonly tokensPerSecPerUser: number;
  readonly outputTokensPerSecPerGpu: number;
  readonly ttftP90Ms: number;
  readonly tpotP90Ms: number;
  /** Requests per second one replica completes (disaggregated: both pools together). */
  readonly requestsPerSec: number;
  readonly joulesPerOutputToken?: number;
  readonly usdPerMillionOutputTokens?: number;
}

export interface PlanChoice {
  readonly slo: Slo;
  readonly found: boolean;
  /** Why nothing was found. */
  readonly reason?: string;
  readonly point?: PlanPoint;
  readonly replicas?: number;
  readonly gpus?: number;
  /** The deployment as a scenario (estimate it to reproduce the numbers below). */
  readonly scenario?: Readonly<Record<string, unknown>>;
  readonly ttftP90Ms?: number;
  readonly tpotP90Ms?: number;
  readonly outputTokensPerSec?: number;
  readonly usdPerMillionOutputTokens?: number;
  readonly joulesPerOutputToken?: number;
  /** The launch command (disaggregated: the decode pool's). */
  readonly launch?: LaunchCommand;
  /** Disaggregated: the prefill pool's launch command. */
  readonly prefillLaunch?: LaunchCommand;
  /** Why this configuration was chosen (the ranking, and its expert layout). */
  readonly why?: string;
}

/** A layout with redundant experts that the search rejected, and why. */
export interface PlanRejection {
  readonly config: PlanConfig;
  readonly reason: string;
}

export interface PlanSearch {
  readonly configurations: number;
  /** Configurations dropped because the weights do not fit (or the scenario is invalid). */
  readonly prunedMemory: number;
  readonly prunedInvalid: number;
  /** Static-batch evaluations. */
  readonly staticPoints: number;
  /** Disaggregated pool layouts estimated (from the static points, without simulation). */
  readonly disaggregatedCandidates: number;
  /** Of the candidate simulations, those of disaggregated layouts. */
  readonly disaggregatedSimulated: number;
  /** Continuous-batching simulations (candidates, then deployments). */
  readonly simulated: number;
  readonly deploymentsChecked: number;
  /** Static points of layouts with extra redundant slots dropped as dominated by the fewest-slot sibling. */
  readonly prunedDominated: number;
  /**
   * Layouts with extra redundant slots rejected because their weights do not fit while their
   * fewest-slot sibling's do, with the reason (at most 20).
   */
  readonly rejectedRedundant: readonly PlanRejection[];
}

export interface Plan {
  readonly model: string;
  readonly frontier: readonly PlanPoint[];
  readonly choices: readonly PlanChoice[];
  readonly search: PlanSearch;
}

const DEFAULT_CONCURRENCIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const DEFAULT_FORMATS: readonly NumericFormat[] = ['bf16', 'fp8', 'fp4'];
const DEFAULT_ENGINES: readonly LaunchEngine[] = ['vllm', 'sglang', 'trtllm'];

/**
 * Sequence caps searched for a configuration: the input's, else 1, 2, 4 … 512, and under attention
 * DP up to 64 per attention rank (a wide-EP group of 72 ranks serves thousands of sequences).
 */
function concurrenciesOf(input: PlanInput, c: PlanConfig): readonly number[] {
  if (input.concurrencies !== undefined) return input.concurrencies;
  return c.attentionDp ? pow2UpTo(Math.max(512, 64 * c.tp)) : DEFAULT_CONCURRENCIES;
}

interface Hw {
  readonly id: string;
  readonly spec: string | Readonly<Record<string, unknown>>;
  readonly domain: number;
  /** Whether a scale-out bandwidth is known (the hardware's or the topology's). */
  readonly scaleOut: boolean;
  /** Whether the device multiplies FP4 on its tensor units (a dense fp4 peak). */
  readonly fp4Math: boolean;
}

/**
 * The activation format a weight format runs with: bf16 with bf16 weights; FP4 with FP4 weights on
 * a device with FP4 tensor math (W4A4, as TensorRT-LLM, SGLang and vLLM run NVFP4 checkpoints on
 * Blackwell); fp8 otherwise (fp8 weights, and fp4 weights on a device without FP4 math: W4A8).
 */
function planActivations(weights: NumericFormat, hw: { readonly fp4Math: boolean }): NumericFormat {
  if (weights === 'bf16') return 'bf16';
  return hw.fp4Math && rateClassOf(weights) === 'fp4' ? weights : 'fp8';
}

function hasFp4Rate(peaks: unknown): boolean {
  return (
    typeof peaks === 'object' &&
    peaks !== null &&
    typeof (peaks as Record<string, unknown>)['fp4'] === 'number'
  );
}

function resolveHardware(h: string | Readonly<Record<string, unknown>>): Hw | undefined {
  if (typeof h === 'string') {
    const s = findHardware(h);
    return s === undefined
      ? undefined
      : {
          id: s.id,
          spec: s.id,
          domain: searchDomain(s),
          scaleOut: s.scaleOut !== undefined,
          fp4Math: hasFp4Rate(s.peakFlopsPerSecond),
        };
  }
  const id = h['id'];
  const domain = searchDomain({
    scaleUp: h['scaleUp'] as Record<string, unknown> | undefined,
    hostLink: h['hostLink'],
  });
  return typeof id === 'string'
    ? {
        id,
        spec: h,
        domain,
        scaleOut: h['scaleOut'] !== undefined,
        fp4Math: hasFp4Rate(h['peakFlopsPerSecond']),
      }
    : undefined;
}

/**
 * The configurations to try: each replica layout (`replicaLayouts`, shared with `require`) with
 * each weight and KV format, token budget and speculative setting.
 */
function configurations(input: PlanInput, hw: Hw, moe: boolean, experts: number): PlanConfig[] {
  const out: PlanConfig[] = [];
  const formats = input.weightFormats ?? DEFAULT_FORMATS;
  const spec = input.speculative === undefined ? [undefined] : [undefined, input.speculative.tokens];
  const layouts = replicaLayouts({
    domain: hw.domain,
    scaleOut: hasScaleOut(hw, input),
    maxGpus: input.maxGpus,
    moe,
    experts,
    engines: input.engines ?? DEFAULT_ENGINES,
    redundantExpertSteps: input.redundantExpertSteps ?? 1,
  });
  for (const { tp, pp, ep, redundantExperts, attentionDp, engine: e } of layouts) {
    const engine = e as LaunchEngine;
    for (const weights of formats)
      for (const kvCache of weights === 'bf16' && input.fp8KvCache !== false ? ['bf16', 'fp8'] : [weights])
        for (const maxBatchedTokens of input.tokenBudgets ?? [ENGINE_PROFILES[engine].maxBatchedTokens])
          for (const speculativeTokens of spec)
            out.push({
              hardware: hw.id,
              engine,
              gpus: tp * pp,
              tp,
              pp,
              ep,
              ...(redundantExperts > 0 ? { redundantExperts } : {}),
              attentionDp,
              weights,
              activations: planActivations(weights, hw),
              kvCache: kvCache === 'fp4' ? 'fp8' : (kvCache as NumericFormat),
              maxBatchedTokens,
              ...(speculativeTokens !== undefined ? { speculativeTokens } : {}),
            });
  }
  return out;
}

/** A replica's scenario (or a deployment's, with dp replicas and a workload). */
function scenarioOf(
  input: PlanInput,
  hw: Hw,
  c: PlanConfig,
  workload: Record<string, unknown>,
  maxSequences: number,
  dp = 1,
): Record<string, unknown> {
  const d = c.disaggregation;
  const s: Record<string, unknown> = {
    model: input.model,
    hardware: hw.spec,
    gpus: c.gpus * dp,
    parallelism: {
      tp: c.tp,
      pp: c.pp,
      ep: c.ep,
      dp: d === undefined ? dp : 1,
      attentionDp: c.attentionDp,
      ...(c.redundantExperts !== undefined ? { redundantExperts: c.redundantExperts } : {}),
    },
    precision: {
      weights: c.weights,
      activations: c.activations,
      kvCache: c.kvCache,
    },
    engine: c.engine,
    ...(input.calibration === 'none' ? { calibration: 'none' } : {}),
    workload,
    serving: {
      maxSequences,
      maxBatchedTokens: c.maxBatchedTokens,
      memoryFraction: ENGINE_PROFILES[c.engine].memoryFraction,
      ...(c.speculativeTokens !== undefined && input.speculative !== undefined
        ? {
            speculative: {
              method: 'mtp',
              tokens: c.speculativeTokens,
              acceptanceRate: input.speculative.acceptanceRate,
            },
          }
        : {}),
      ...(d !== undefined
        ? {
            disaggregation: {
              prefill: { tp: d.prefill.tp, dp: d.prefill.dp * dp },
              decode: { tp: d.decode.tp, dp: d.decode.dp * dp },
              kvTransferLink: kvLink(hw, input, c.gpus * dp),
            },
          }
        : {}),
    },
  };
  if (input.topology !== undefined) s['topology'] = input.topology;
  return s;
}

/** Whether a scale-out link is known (the hardware's or the topology's). */
const hasScaleOut = (hw: Hw, input: PlanInput): boolean =>
  hw.scaleOut || input.topology?.['scaleOutBandwidthBytesPerSecond'] !== undefined;

/** The KV-transfer link of a disaggregated deployment of this many devices. */
const kvLink = (hw: Hw, input: PlanInput, gpus: number): 'scale-up' | 'scale-out' =>
  gpus <= hw.domain || !hasScaleOut(hw, input) ? 'scale-up' : 'scale-out';

interface StaticPoint {
  readonly config: number;
  readonly concurrency: number;
  readonly x: number;
  readonly y: number;
  readonly tpotMs: number;
  /** Disaggregated: the pool layout and the request rate the simulation offers. */
  readonly disaggregation?: PlanDisaggregation;
  readonly requestRate?: number;
}

/** Pareto frontier (maximize x and y) of points, sorted by x descending. */
export function paretoFrontier<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number): T[] {
  const sorted = [...points].sort((a, b) => x(b) - x(a) || y(b) - y(a));
  const out: T[] = [];
  let bestY = -Infinity;
  for (const p of sorted)
    if (y(p) > bestY) {
      out.push(p);
      bestY = y(p);
    }
  return out;
}

const meetsSlo = (r: EstimateReport, s: Slo): boolean =>
  (s.ttftMs === undefined || r.latency.ttft.p90 <= s.ttftMs) &&
  (s.tpotMs === undefined || r.latency.tpot.p90 <= s.tpotMs);

const usdPerMillion = (usdPerHourTotal: number | undefined, tokensPerSec: number): number | undefined =>
  usdPerHourTotal === undefined || tokensPerSec <= 0
    ? undefined
    : (usdPerHourTotal / (tokensPerSec * 3600)) * 1e6;

const modelName = (m: PlanInput['model']): string => {
  if (typeof m === 'string') return findModel(m)?.provenance.hfRepo ?? m;
  const repo = m['hfRepo'];
  const id = m['id'];
  return typeof repo === 'string' ? repo : typeof id === 'string' ? id : 'model';
};

type Entry = { readonly hw: Hw; readonly c: PlanConfig };

/** The routed experts of a model (1 when dense). */
function expertCount(m: PlanInput['model']): number {
  const model = typeof m === 'string' ? findModel(m) : m;
  const moe = (model as Record<string, unknown> | undefined)?.['moe'] as Record<string, unknown> | undefined;
  return typeof moe?.['numExperts'] === 'number' ? moe['numExperts'] : 1;
}

interface Simulated {
  readonly point: PlanPoint;
  readonly hw: Hw;
  readonly report: EstimateReport;
  /** The scenario simulated. */
  readonly scenario: Record<string, unknown>;
}

/** Share of its estimated capacity at which a disaggregated layout is simulated. */
const DISAGG_LOAD = 0.85;

/**
 * The pool sizes of a disaggregated layout of replicas of `unit` devices: those whose capacities
 * (prefill `prefillRate`, decode `decodeRate`, requests per second per replica) match best within
 * the budget, and the neighbour with one more prefill replica. Each with its capacity.
 */
export function poolSizes(
  prefillRate: number,
  decodeRate: number,
  unit: number,
  maxGpus: number,
): { prefill: number; decode: number; capacity: number }[] {
  const replicas = Math.floor(maxGpus / unit);
  if (replicas < 2 || !(prefillRate > 0) || !(decodeRate > 0)) return [];
  const capacity = (p: number, d: number): number => Math.min(p * prefillRate, d * decodeRate);
  let best: { prefill: number; decode: number; capacity: number } | undefined;
  const perReplica = (x: { prefill: number; decode: number; capacity: number }): number =>
    x.capacity / (x.prefill + x.decode);
  for (let p = 1; p < replicas; p++) {
    const ideal = (p * prefillRate) / decodeRate;
    // The decode replicas matching p prefill replicas, or as many as the budget leaves.
    for (const d of new Set([Math.floor(ideal), Math.ceil(ideal)].map((x) => Math.min(replicas - p, x)))) {
      if (d < 1) continue;
      const x = { prefill: p, decode: d, capacity: capacity(p, d) };
      if (best === undefined || perReplica(x) > perReplica(best) * (1 + 1e-9)) best = x;
    }
  }
  if (best === undefined) return [];
  const out = [best];
  if (best.prefill + 1 + best.decode <= replicas)
    out.push({
      prefill: best.prefill + 1,
      decode: best.decode,
      capacity: capacity(best.prefill + 1, best.decode),
    });
  return out;
}

/**
 * The disaggregated layouts of one colocated configuration (see the file comment), from its static
 * points `own` and one more static batch for the prefill capacity.
 */
function disaggregatedPoints(
  input: PlanInput,
  k: number,
  hw: Hw,
  c: PlanConfig,
  ns: NormalizedScenario,
  coster: PhaseCoster,
  own: readonly StaticPoint[],
): { points: StaticPoint[]; costed: number } {
  const unit = c.gpus;
  // Without a scale-out link both pools sit in one scale-up domain.
  const budget = hasScaleOut(hw, input) ? input.maxGpus : Math.min(input.maxGpus, hw.domain);
  if (2 * unit > budget) return { points: [], costed: 0 };
  // Prefill capacity of one replica: a static batch filling one step's token budget.
  const fill = Math.max(1, Math.ceil(c.maxBatchedTokens / input.inputTokens));
  const pr = compactStatic({ ...ns, workload: { ...ns.workload, batch: fill, requests: fill } }, coster);
  const fits = pr?.ok === true && pr.value.memory.fits;
  const p1 = fits ? pr : compactStatic(ns, coster);
  const costed = fits ? 1 : 2;
  if (p1 === undefined || !p1.ok || !(p1.value.ttftMs > 0)) return { points: [], costed };
  const prefillRate = (fits ? fill : 1) / (p1.value.ttftMs / 1000);
  const out: StaticPoint[] = [];
  for (const sp of own) {
    const decodeRate = sp.concurrency / ((input.outputTokens * sp.tpotMs) / 1000);
    for (const pools of poolSizes(prefillRate, decodeRate, unit, budget)) {
      const gpus = unit * (pools.prefill + pools.decode);
      out.push({
        config: k,
        concurrency: sp.concurrency,
        x: sp.x,
        y: (pools.capacity * input.outputTokens) / gpus,
        tpotMs: sp.tpotMs,
        disaggregation: {
          prefill: { tp: c.tp, dp: pools.prefill },
          decode: { tp: c.tp, dp: pools.decode },
          kvTransferLink: kvLink(hw, input, gpus),
        },
        requestRate: DISAGG_LOAD * pools.capacity,
      });
    }
  }
  return { points: out, costed };
}

/** Rejected redundant-expert layouts listed in the search summary. */
const MAX_REJECTED = 20;

/** Stage 1: one memory check per configuration, then static batches over rising concurrency. */
function staticStage(
  input: PlanInput,
  configs: readonly Entry[],
): {
  points: StaticPoint[];
  prunedMemory: number;
  prunedInvalid: number;
  staticPoints: number;
  disaggregated: number;
  prunedDominated: number;
  rejected: PlanRejection[];
} {
  let prunedMemory = 0;
  let prunedDominated = 0;
  const rejected: PlanRejection[] = [];
  // The fewest-slot sibling of each layout with redundant experts (the same layout otherwise).
  const siblingKey = (e: Entry): string => {
    return `${e.hw.id}|${JSON.stringify({ ...e.c, redundantExperts: undefined })}`;
  };
  const fewest = new Map<string, { slots: number; points: StaticPoint[] | undefined }>();
  let prunedInvalid = 0;
  let staticPoints = 0;
  let disaggregated = 0;
  const points: StaticPoint[] = [];
  const batchWorkload = { inputTokens: input.inputTokens, outputTokens: input.outputTokens, batch: 1 };
  for (let k = 0; k < configs.length; k++) {
    const { hw, c } = configs[k] as Entry;
    const key = siblingKey(configs[k] as Entry);
    const redundant = c.redundantExperts ?? 0;
    const sibling = fewest.get(key);
    if (sibling === undefined) fewest.set(key, { slots: redundant, points: undefined });
    const v = validateScenario(scenarioOf(input, hw, c, batchWorkload, 1));
    const n = v.ok ? normalizeScenario(v.value) : v;
    if (!n.ok) {
      prunedInvalid++;
      continue;
    }
    const coster = memoizedCoster();
    let first = true;
    const own: StaticPoint[] = [];
    for (const cc of concurrenciesOf(input, c)) {
      const ns = { ...n.value, workload: { ...n.value.workload, batch: cc, requests: cc } };
      const r = compactStatic(ns, coster);
      staticPoints++;
      if (r === undefined || !r.ok) {
        if (first) prunedMemory++;
        // Listed when the fewest-slot sibling fits: the extra experts' weights are the cause.
        const siblingFits = (sibling?.points?.length ?? 0) > 0;
        if (first && siblingFits && r !== undefined && rejected.length < MAX_REJECTED)
          rejected.push({
            config: c,
            reason: `${c.hardware} tp${String(c.tp)} ep${String(c.ep)} with ${String(redundant)} redundant experts (${String((redundant - (sibling?.slots ?? 0)) / c.ep)} more per rank than ${String(sibling?.slots ?? 0)}): ${r.diagnostics[0]?.message ?? 'does not fit'}`,
          });
        break;
      }
      first = false;
      if (!r.value.memory.fits) break;
      if (!(r.value.tpotMs > 0)) continue;
      const y = r.value.outputTokensPerSec / c.gpus;
      own.push({ config: k, concurrency: cc, x: 1000 / r.value.tpotMs, y, tpotMs: r.value.tpotMs });
    }
    if (sibling === undefined) (fewest.get(key) as { points: StaticPoint[] | undefined }).points = own;
    else {
      // Extra slots: drop the points that the fewest-slot sibling matches or beats at the same
      // concurrency (more weights, more expert reads; the modelled imbalance does not fall).
      const base = sibling.points ?? [];
      const kept = own.filter(
        (p) => !base.some((b) => b.concurrency === p.concurrency && b.x >= p.x && b.y >= p.y),
      );
      prunedDominated += own.length - kept.length;
      own.length = 0;
      own.push(...kept);
    }
    points.push(...own);
    // Disaggregated layouts: the pools share this configuration, so its memory check holds for both.
    if (input.disaggregation === false || own.length === 0) continue;
    const d = disaggregatedPoints(input, k, hw, c, n.value, coster, own);
    staticPoints += d.costed;
    disaggregated += d.points.length;
    points.push(...d.points);
  }
  return { points, prunedMemory, prunedInvalid, staticPoints, disaggregated, prunedDominated, rejected };
}

/** The static points to simulate: the best under each SLO's TPOT, then those nearest the frontier. */
function candidates(input: PlanInput, points: readonly StaticPoint[]): Set<StaticPoint> {
  const front = paretoFrontier(
    points,
    (p) => p.x,
    (p) => p.y,
  );
  // How far the frontier beats a point on both axes at once (≤ 1 on the frontier).
  const beat = (p: StaticPoint): number => {
    let d = 0;
    for (const q of front) d = Math.max(d, Math.min(q.x / p.x, q.y / p.y));
    return d;
  };
  const ranked = points.map((p) => ({ p, d: beat(p) })).sort((a, b) => a.d - b.d);
  const maxSim = input.maxSimulations ?? 160;
  const chosen = new Set<StaticPoint>();
  const perSlo = Math.ceil(maxSim / (2 * Math.max(1, input.slos.length)));
  for (const s of input.slos) {
    const under = points
      .filter((p) => s.tpotMs === undefined || p.tpotMs <= s.tpotMs)
      .sort((a, b) => b.y - a.y);
    // Colocated and disaggregated layouts each get their share.
    for (const p of under.filter((q) => q.disaggregation === undefined).slice(0, perSlo)) chosen.add(p);
    for (const p of under.filter((q) => q.disaggregation !== undefined).slice(0, Math.ceil(perSlo / 4)))
      chosen.add(p);
  }
  // A share reserved for the disaggregated layouts nearest the frontier.
  let reserved = Math.ceil(maxSim / 8);
  for (const { p } of ranked) {
    if (reserved <= 0 || chosen.size >= maxSim) break;
    if (p.disaggregation === undefined || chosen.has(p)) continue;
    chosen.add(p);
    reserved--;
  }
  for (const { p } of ranked) {
    if (chosen.size >= maxSim) break;
    chosen.add(p);
  }
  return chosen;
}

/** An open-loop workload at a request rate (requests for about 2.5 lifetimes of lifetimeMs). */
const openLoop = (input: PlanInput, rate: number, lifetimeMs: number): Record<string, unknown> => ({
  inputTokens: input.inputTokens,
  outputTokens: input.outputTokens,
  requestRate: rate,
  requests: input.requests ?? openLoopRequests(rate, lifetimeMs),
});

const closedLoop = (input: PlanInput, concurrency: number): Record<string, unknown> => ({
  inputTokens: input.inputTokens,
  outputTokens: input.outputTokens,
  concurrency,
  requests: Math.max(input.requests ?? 300, 2 * concurrency),
});

/** Stage 2: a continuous-batching simulation of each candidate at its concurrency. */
function simulate(input: PlanInput, configs: readonly Entry[], chosen: Iterable<StaticPoint>): Simulated[] {
  const out: Simulated[] = [];
  for (const sp of chosen) {
    const entry = configs[sp.config] as Entry;
    const hw = entry.hw;
    const c: PlanConfig =
      sp.disaggregation === undefined
        ? entry.c
        : {
            ...entry.c,
            gpus: entry.c.gpus * (sp.disaggregation.prefill.dp + sp.disaggregation.decode.dp),
            disaggregation: sp.disaggregation,
          };
    const workload =
      sp.disaggregation === undefined || sp.requestRate === undefined
        ? closedLoop(input, sp.concurrency)
        : openLoop(input, sp.requestRate, input.outputTokens * sp.tpotMs);
    const scenario = scenarioOf(input, hw, c, workload, sp.concurrency);
    const r = estimate(scenario);
    if (!r.ok) continue;
    const rep = r.value;
    const price = input.usdPerHour?.[hw.id];
    const usd = usdPerMillion(price === undefined ? undefined : price * c.gpus, rep.outputTokensPerSec);
    const j = rep.energy?.joulesPerOutputToken;
    out.push({
      hw,
      scenario,
      report: rep,
      point: {
        config: c,
        concurrency: sp.concurrency,
        tokensPerSecPerUser: rep.latency.tpot.mean > 0 ? 1000 / rep.latency.tpot.mean : 0,
        outputTokensPerSecPerGpu: rep.outputTokensPerSec / c.gpus,
        ttftP90Ms: rep.latency.ttft.p90,
        tpotP90Ms: rep.latency.tpot.p90,
        requestsPerSec: rep.requestsPerSec,
        ...(j !== undefined ? { joulesPerOutputToken: j } : {}),
        ...(usd !== undefined ? { usdPerMillionOutputTokens: usd } : {}),
      },
    });
  }
  return out;
}

function launchOf(input: PlanInput, m: Simulated, role?: 'prefill' | 'decode'): LaunchCommand {
  const c = m.point.config;
  const d = c.disaggregation;
  return launchCommand({
    engine: c.engine,
    model: modelName(input.model),
    tp: d === undefined ? c.tp : role === 'prefill' ? d.prefill.tp : d.decode.tp,
    pp: c.pp,
    ep: c.ep,
    ...(c.redundantExperts !== undefined
      ? { redundantExperts: c.redundantExperts, experts: expertCount(input.model) }
      : {}),
    attentionDp: c.attentionDp,
    maxSequences: m.point.concurrency,
    maxBatchedTokens: c.maxBatchedTokens,
    memoryFraction: ENGINE_PROFILES[c.engine].memoryFraction,
    kvCache: c.kvCache,
    ...(c.speculativeTokens !== undefined ? { speculativeTokens: c.speculativeTokens } : {}),
    ...(role !== undefined ? { disaggregation: role } : {}),
  });
}

/** The expert layout of a configuration in words ('' without EP). */
export function expertLayoutText(c: PlanConfig, experts: number): string {
  if (c.ep <= 1) return '';
  const r = c.redundantExperts ?? 0;
  const fill = (c.ep - (experts % c.ep)) % c.ep;
  const slots = experts + r;
  if (r === 0)
    return `ep${String(c.ep)}: ${String(experts / c.ep)} of the ${String(experts)} experts per rank`;
  const extra = (r - fill) / c.ep;
  return (
    `ep${String(c.ep)} with ${String(r)} redundant experts (EPLB): ${String(experts)} + ${String(r)} = ${String(slots)} slots, ${String(slots / c.ep)} per rank; ` +
    (extra === 0
      ? `the fewest that let ep${String(c.ep)} divide the experts`
      : `${String(extra)} more per rank than the fewest (${String(fill)})`)
  );
}

/**
 * Why a configuration was chosen: its rank among those meeting the SLO, its expert layout and the
 * best meeting configuration with another expert layout.
 */
function whyChosen(input: PlanInput, m: Simulated, meeting: readonly Simulated[], replicas: number): string {
  const c = m.point.config;
  const rate = input.requestRate;
  const perGpu = (x: Simulated): string => `${x.point.outputTokensPerSecPerGpu.toFixed(1)} tok/s/gpu`;
  const parts = [
    rate === undefined
      ? `the most output throughput per device (${perGpu(m)}) of the ${String(meeting.length)} simulated configurations meeting the SLO`
      : `the fewest devices (${String(replicas * c.gpus)}) serving ${String(rate)} req/s of the ${String(meeting.length)} simulated configurations meeting the SLO (${perGpu(m)})`,
  ];
  const experts = expertCount(input.model);
  const layout = expertLayoutText(c, experts);
  if (layout !== '') parts.push(layout);
  const key = (x: PlanConfig): string => `${String(x.ep)}+${String(x.redundantExperts ?? 0)}`;
  const other = meeting.find((x) => key(x.point.config) !== key(c));
  if (other !== undefined && experts > 1) {
    const o = other.point.config;
    const r = o.redundantExperts ?? 0;
    parts.push(
      `best with another expert layout: ${o.ep > 1 ? `ep${String(o.ep)}` : 'no EP'}${r > 0 ? ` +${String(r)} redundant` : ''} on tp${String(o.tp)} at ${perGpu(other)}`,
    );
  }
  return parts.join('; ');
}

function choice(
  input: PlanInput,
  slo: Slo,
  m: Simulated,
  replicas: number,
  scenario: Record<string, unknown>,
  r: EstimateReport,
  why: string,
): PlanChoice {
  const c = m.point.config;
  const price = input.usdPerHour?.[m.hw.id];
  const usd = usdPerMillion(
    price === undefined ? undefined : price * c.gpus * replicas,
    r.outputTokensPerSec,
  );
  const j = r.energy?.joulesPerOutputToken;
  return {
    slo,
    found: true,
    point: m.point,
    replicas,
    gpus: c.gpus * replicas,
    scenario,
    ttftP90Ms: r.latency.ttft.p90,
    tpotP90Ms: r.latency.tpot.p90,
    outputTokensPerSec: r.outputTokensPerSec,
    ...(usd !== undefined ? { usdPerMillionOutputTokens: usd } : {}),
    ...(j !== undefined ? { joulesPerOutputToken: j } : {}),
    ...(c.disaggregation === undefined
      ? { launch: launchOf(input, m) }
      : { launch: launchOf(input, m, 'decode'), prefillLaunch: launchOf(input, m, 'prefill') }),
    why,
  };
}

/**
 * Requests of an open-loop deployment run: arrivals span 2.5 mean request lifetimes (so that a
 * rate the replicas cannot sustain shows as a growing queue), from 300 to 4000.
 */
function openLoopRequests(rate: number, lifetimeMs: number): number {
  return Math.max(300, Math.min(4000, Math.ceil((2.5 * rate * lifetimeMs) / 1000)));
}

/** Candidates meeting an SLO tried per SLO before giving up. */
const TRIES_PER_SLO = 8;

/** The most throughput per device meeting the SLO, sized to the traffic and estimated whole. */
function choose(input: PlanInput, slo: Slo, sims: readonly Simulated[], count: { n: number }): PlanChoice {
  const meeting = sims
    .filter((s) => meetsSlo(s.report, slo))
    .sort((a, b) => b.point.outputTokensPerSecPerGpu - a.point.outputTokensPerSecPerGpu);
  if (meeting.length === 0) return { slo, found: false, reason: 'no simulated configuration meets this SLO' };
  const rate = input.requestRate;
  // Under traffic, fewest devices first (replicas come in whole units, which a disaggregated
  // layout makes large), then the most throughput per device.
  if (rate !== undefined) {
    const devices = (m: Simulated): number =>
      Math.ceil(rate / Math.max(1e-9, m.point.requestsPerSec)) * m.point.config.gpus;
    meeting.sort((a, b) => devices(a) - devices(b));
  }
  for (const m of meeting.slice(0, TRIES_PER_SLO)) {
    const c = m.point.config;
    if (rate === undefined) {
      // The simulated scenario (closed loop; disaggregated: open loop at its simulated rate).
      const scenario =
        c.disaggregation === undefined
          ? scenarioOf(input, m.hw, c, closedLoop(input, m.point.concurrency), m.point.concurrency)
          : m.scenario;
      return choice(input, slo, m, 1, scenario, m.report, whyChosen(input, m, meeting, 1));
    }
    const need = Math.max(1, Math.ceil(rate / Math.max(1e-9, m.point.requestsPerSec)));
    for (let replicas = need; replicas <= need + 2 && replicas * c.gpus <= input.maxGpus; replicas++) {
      if (c.disaggregation !== undefined && replicas * c.gpus > m.hw.domain && !hasScaleOut(m.hw, input))
        break;
      const workload = {
        inputTokens: input.inputTokens,
        outputTokens: input.outputTokens,
        requestRate: rate,
        requests: input.requests ?? openLoopRequests(rate, m.report.latency.e2e.mean),
      };
      const scenario = scenarioOf(input, m.hw, c, workload, m.point.concurrency, replicas);
      const r = estimate(scenario);
      count.n++;
      if (r.ok && meetsSlo(r.value, slo))
        return choice(input, slo, m, replicas, scenario, r.value, whyChosen(input, m, meeting, replicas));
    }
  }
  return {
    slo,
    found: false,
    reason: `no configuration meeting this SLO serves ${String(rate)} req/s within ${String(input.maxGpus)} devices`,
  };
}

/** Plans a deployment (see the file comment). */
export function plan(input: PlanInput): Result<Plan> {
  const model = typeof input.model === 'string' ? findModel(input.model) : input.model;
  if (model === undefined)
    return fail(scenarioMessages.schema(['model'], `unknown model '${modelName(input.model)}'`));
  const moeBlock = (model as Record<string, unknown>)['moe'] as Record<string, unknown> | undefined;
  const mtp = (model as Record<string, unknown>)['mtpLayers'];
  if (input.speculative !== undefined && !(typeof mtp === 'number' && mtp > 0))
    return fail(
      scenarioMessages.schema(
        ['speculative'],
        `MTP speculative decoding needs multi-token-prediction modules, and ${modelName(input.model)} has none (no num_nextn_predict_layers in its config); plan without it`,
      ),
    );
  const experts = expertCount(input.model);
  const configs: Entry[] = [];
  for (const h of input.hardware) {
    const hw = resolveHardware(h);
    if (hw === undefined)
      return fail(
        scenarioMessages.schema(['hardware'], `unknown hardware '${typeof h === 'string' ? h : '(object)'}'`),
      );
    for (const c of configurations(input, hw, moeBlock !== undefined, experts)) configs.push({ hw, c });
  }
  const stage1 = staticStage(input, configs);
  const chosen = candidates(input, stage1.points);
  const sims = simulate(input, configs, chosen);
  const frontier = paretoFrontier(
    sims.map((s) => s.point),
    (p) => p.tokensPerSecPerUser,
    (p) => p.outputTokensPerSecPerGpu,
  );
  const count = { n: 0 };
  const choices = input.slos.map((slo) => choose(input, slo, sims, count));
  return ok({
    model: typeof input.model === 'string' ? input.model : modelName(input.model),
    frontier,
    choices,
    search: {
      configurations: configs.length,
      prunedMemory: stage1.prunedMemory,
      prunedInvalid: stage1.prunedInvalid,
      staticPoints: stage1.staticPoints,
      disaggregatedCandidates: stage1.disaggregated,
      disaggregatedSimulated: [...chosen].filter((p) => p.disaggregation !== undefined).length,
      simulated: chosen.size + count.n,
      deploymentsChecked: count.n,
      prunedDominated: stage1.prunedDominated,
      rejectedRedundant: stage1.rejected,
    },
  });
}
