/**
 * normalize: a validated scenario becomes plain resolved data — catalog entries looked up,
 * defaults applied, formats chosen, efficiencies resolved — plus diagnostics. Cross-field
 * checks (parallel sizes against the model and the device count) live here.
 */
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { closestMatches } from '../diagnostics/closest.js';
import { messages } from '../diagnostics/messages.js';
import { findHardware, hardwareIds } from '../hardware/catalog.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { HardwareSpecSchema } from '../hardware/schema.js';
import { distinctLayersOf } from '../layers/registry.js';
import { findModel, modelIds } from '../model/catalog.js';
import type { ModelSpec } from '../model/schema.js';
import { efficiencyFor } from '../hardware/families.js';
import type { AppliedProfiles } from '../calibrate/shipped.js';
import { shippedProfilesFor, withProfile } from '../calibrate/shipped.js';
import {
  cudaGraphBatchSizes,
  defaultMemoryFraction,
  engineProfile,
  requestOverheadSeconds,
} from '../serving/engines.js';
import type { NumericFormat } from '../units/formats.js';
import { gemmRateFormat, rateClassOf } from '../units/formats.js';
import type { Scenario } from './schema.js';
import { DATASET_LENGTHS, lengthMax } from './lengths.js';
import type {
  Efficiency,
  EngineProfile,
  Formats,
  NormalizedScenario,
  Offload,
  ServingOptions,
  Speculation,
  WorkloadKind,
} from './types.js';

export type {
  Disaggregation,
  Efficiency,
  Formats,
  NormalizedScenario,
  Offload,
  ServingOptions,
  Speculation,
  WorkloadKind,
} from './types.js';

/** A model id looked up in the catalog (with close matches when unknown), or the model given. */
export function resolveModel(model: Scenario['model']): Result<ModelSpec> {
  if (typeof model !== 'string') return ok(model);
  const found = findModel(model);
  return found !== undefined
    ? ok(found)
    : fail(messages.unknownModel(model, closestMatches(model, modelIds())));
}

/** A hardware id looked up in the catalog (with close matches when unknown), or the device given. */
export function resolveHardware(hardware: Scenario['hardware']): Result<HardwareSpec> {
  if (typeof hardware !== 'string') return ok(HardwareSpecSchema.parse(hardware));
  const found = findHardware(hardware);
  return found !== undefined
    ? ok(found)
    : fail(messages.unknownHardware(hardware, closestMatches(hardware, hardwareIds())));
}

/**
 * The kind of workload a workload object describes (validated or not: the sweep keys its groups
 * by the kind of raw points).
 */
export function workloadKind(w: {
  readonly batch?: unknown;
  readonly concurrency?: unknown;
  readonly requestRate?: unknown;
}): WorkloadKind {
  if (w.batch !== undefined) return 'batch';
  if (w.concurrency !== undefined) return 'concurrency';
  if (w.requestRate !== undefined) return 'requestRate';
  return 'maxThroughput';
}

/** DeepSeek-V3/R1's block (quantization_config.weight_block_size), for 'block' stated on a model without one. */
const DEFAULT_FP8_BLOCK: readonly [number, number] = [128, 128];

function chooseFp8Block(s: Scenario, model: ModelSpec, weights: NumericFormat): Formats['fp8Block'] {
  if (rateClassOf(weights) !== 'fp8') return undefined;
  const stated = s.precision.fp8Scaling;
  const size = model.fp8WeightBlockSize;
  if (stated === 'tensor' || (stated === undefined && size === undefined)) return undefined;
  const [out, input] = size ?? DEFAULT_FP8_BLOCK;
  return { weightBlockElements: out * input, activationGroup: input };
}

function checkFp8Scaling(s: Scenario, formats: Formats): Diagnostic[] {
  if (s.precision.fp8Scaling === undefined || rateClassOf(formats.weights) === 'fp8') return [];
  return [messages.fp8ScalingWithoutFp8(formats.weights)];
}

function chooseFormats(s: Scenario, model: ModelSpec): Formats {
  const weights = s.precision.weights ?? 'bf16';
  const activations = s.precision.activations ?? (rateClassOf(weights) === 'fp8' ? 'fp8' : 'bf16');
  // The engine's own KV default: 16-bit "auto", except that TensorRT-LLM's FP8 quantization sets
  // an FP8 KV cache too. Elsewhere FP8 KV is opt-in.
  const engine = engineProfile(s.engine);
  const kvCache =
    s.precision.kvCache ??
    (rateClassOf(weights) === 'fp8' ? engine.kvCacheFormatWithFp8Weights : engine.kvCacheFormat);
  // Attention multiplies activations (queries) with the cache: FP8 attention needs both in FP8,
  // and an engine with FP8 attention kernels (EngineProfile.fp8Attention); without them an FP8
  // cache is read into 16-bit math.
  const sixteenBit = kvCache === 'int2' || (!engine.fp8Attention && rateClassOf(kvCache) === 'fp8');
  const attentionRate = gemmRateFormat(sixteenBit ? 'bf16' : kvCache, activations);
  return {
    weights,
    activations,
    kvCache,
    gemmRate: gemmRateFormat(weights, activations),
    attentionRate,
    cacheLayerInput: s.precision.cacheLayerInput ?? false,
    fp8Block: chooseFp8Block(s, model, weights),
  };
}

function checkRates(hw: HardwareSpec, formats: Formats): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (hw.peakFlopsPerSecond[formats.gemmRate] === undefined) {
    // Narrow weights on a device with 16-bit math: offer weight-only, as the engines run it.
    const weightOnly =
      rateClassOf(formats.weights) === formats.gemmRate && hw.peakFlopsPerSecond.bf16 !== undefined
        ? 'bf16'
        : undefined;
    out.push(messages.formatUnsupported(formats.gemmRate, hw.id, 'GEMMs', weightOnly));
  } else if (hw.peakFlopsPerSecond[formats.attentionRate] === undefined)
    out.push(messages.formatUnsupported(formats.attentionRate, hw.id, 'attention'));
  else {
    // Narrow weights the device cannot multiply in are dequantized: say so, never a silent speed-up.
    const w = rateClassOf(formats.weights);
    if (w !== formats.gemmRate && hw.peakFlopsPerSecond[w] === undefined)
      out.push(messages.emulatedFormat(formats.weights, hw.id, formats.gemmRate));
  }
  return out;
}

function checkParallelism(s: Scenario, model: ModelSpec, hw: HardwareSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { tp, pp, ep, dp, attentionDp, redundantExperts } = s.parallelism;
  const d = s.serving?.disaggregation;
  const product =
    d === undefined ? tp * pp * dp : (d.prefill.tp * d.prefill.dp + d.decode.tp * d.decode.dp) * pp;
  if (s.gpus !== undefined && s.gpus !== product)
    out.push(
      messages.gpusMismatch(
        s.gpus,
        product,
        d === undefined
          ? `tp ${tp} × pp ${pp} × dp ${dp}`
          : `(prefill tp ${d.prefill.tp} × dp ${d.prefill.dp} + decode tp ${d.decode.tp} × dp ${d.decode.dp}) × pp ${pp}`,
      ),
    );
  const tps = d === undefined ? [tp] : [d.prefill.tp, d.decode.tp];
  // Each pool of a disaggregated layout may run its own ep and attention DP.
  const groups =
    d === undefined
      ? [{ tp, ep, attentionDp, redundant: redundantExperts }]
      : [d.prefill, d.decode].map((p) => ({
          tp: p.tp,
          ep: p.ep ?? ep,
          attentionDp: p.attentionDp ?? attentionDp,
          redundant: p.redundantExperts ?? redundantExperts,
        }));
  for (const g of groups)
    out.push(...checkTp(model, g.attentionDp ? 1 : g.tp, g.tp, g.tp % g.ep === 0 ? g.ep : 1));
  if (pp > model.numLayers)
    out.push(
      messages.parallelismInvalid(
        'pp',
        `pp=${String(pp)} exceeds the model's ${String(model.numLayers)} layers: every stage needs at least one layer.`,
      ),
    );
  else if (model.numLayers % pp !== 0) out.push(messages.unevenStages(model.numLayers, pp));
  const micro = s.parallelism.microBatches;
  if (micro !== undefined && pp === 1 && micro > 1)
    out.push(
      messages.parallelismInvalid(
        'microBatches',
        'microBatches needs pp > 1 (there is no pipeline to fill).',
      ),
    );
  // Expert-parallel checks, once per distinct (ep, redundant) pair; none without expert parallelism.
  if (groups.some((g) => g.ep > 1 || g.redundant > 0)) {
    const tpsByEp = new Map<string, { ep: number; redundant: number; tps: number[] }>();
    for (const g of groups) {
      const key = `${String(g.ep)}+${String(g.redundant)}`;
      const seen = tpsByEp.get(key) ?? { ep: g.ep, redundant: g.redundant, tps: [] };
      tpsByEp.set(key, { ...seen, tps: [...seen.tps, g.tp] });
    }
    for (const g of tpsByEp.values())
      if (g.ep > 1 || g.redundant > 0) out.push(...checkExpertParallelism(model, g.ep, g.redundant, g.tps));
  }
  if (attentionDp && tp === 1 && d === undefined)
    out.push(
      messages.parallelismInvalid(
        'attentionDp',
        'attentionDp needs tp > 1: it splits sequences over the tp group.',
      ),
    );
  const maxTp = Math.max(...tps);
  const groupSpan = maxTp * pp;
  const domain = s.topology?.scaleUpDomainSize ?? hw.scaleUp?.domainSize ?? 1;
  const hasUp = hw.scaleUp !== undefined || s.topology?.scaleUpBandwidthBytesPerSecond !== undefined;
  const hasOut = hw.scaleOut !== undefined || s.topology?.scaleOutBandwidthBytesPerSecond !== undefined;
  if (groupSpan > 1 && !hasUp && !hasOut && hw.hostLink !== undefined)
    out.push(messages.pcieTensorParallel(hw.id, hw.hostLink.link, hw.hostLink.peerToPeer ?? true, groupSpan));
  else if (groupSpan > 1 && !hasUp && !hasOut) out.push(messages.noInterconnect(hw.id));
  else if (groupSpan > domain && !hasOut)
    out.push(messages.needsScaleOut(`tp × pp = ${String(groupSpan)}`, groupSpan, domain));
  else if (maxTp > domain) out.push(messages.tpSpansDomain(maxTp, domain));
  return out;
}

/**
 * Expert parallelism needs an MoE model whose expert slots (experts plus redundant replicas) it
 * divides, inside each tp group.
 */
function checkExpertParallelism(
  model: ModelSpec,
  ep: number,
  redundant: number,
  tps: readonly number[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (model.moe === undefined)
    out.push(
      messages.parallelismInvalid(
        ep > 1 ? 'ep' : 'redundantExperts',
        `${ep > 1 ? `ep=${String(ep)}` : `redundantExperts=${String(redundant)}`} needs a mixture-of-experts model; ${model.id} is dense.`,
      ),
    );
  else if (redundant > 0 && ep === 1)
    out.push(
      messages.parallelismInvalid(
        'redundantExperts',
        `redundantExperts=${String(redundant)} needs ep > 1: redundant replicas spread hot experts over expert-parallel ranks.`,
      ),
    );
  else if ((model.moe.numExperts + redundant) % ep !== 0) {
    const experts = model.moe.numExperts;
    const fill = (ep - (experts % ep)) % ep;
    out.push(
      messages.parallelismInvalid(
        redundant > 0 ? 'redundantExperts' : 'ep',
        redundant > 0
          ? `ep=${String(ep)} does not divide the ${String(experts + redundant)} expert slots (${String(experts)} experts + redundantExperts=${String(redundant)}). Choose redundantExperts so that ep divides the sum (${String(fill)}, ${String(fill + ep)}, ...).`
          : `ep=${String(ep)} does not divide the ${String(experts)} experts. Choose an ep that divides ${String(experts)}${fill > 0 ? `, or set parallelism.redundantExperts to ${String(fill)} (${String(experts + fill)} slots, as SGLang --ep-num-redundant-experts and TensorRT-LLM wide-EP slots allow)` : ''}.`,
      ),
    );
  }
  for (const t of tps)
    if (t % ep !== 0)
      out.push(
        messages.parallelismInvalid(
          'ep',
          `ep=${String(ep)} must divide tp=${String(t)}: the expert-parallel group lives inside the tensor-parallel group (experts are split over ep devices, each expert over tp/ep). For vLLM's --data-parallel-size N --enable-expert-parallel write tp: N, attentionDp: true, ep: N.`,
        ),
      );
  return out;
}

/** What splitting each layer kind over attnTp (heads) and tp/ep (expert columns) leaves uneven. */
function checkTp(model: ModelSpec, attnTp: number, tp: number, ep: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const split = { attnTp, tp, ep };
  for (const layer of distinctLayersOf(model)) out.push(...layer.checkSplit(model, split));
  return out;
}

function resolveServing(s: Scenario, model: ModelSpec): Result<ServingOptions> {
  const sv = s.serving;
  const spec = sv?.speculative;
  let speculative: Speculation | undefined;
  if (spec !== undefined) {
    if (spec.method === 'mtp' && model.mtpLayers === 0)
      return fail(
        messages.servingInvalid(
          ['serving', 'speculative', 'method'],
          `speculative.method 'mtp' needs multi-token-prediction modules, and ${model.id} has none (mtpLayers 0: its config has no num_nextn_predict_layers). Use method 'draft' with a draftModel.`,
        ),
      );
    let draft: ModelSpec | undefined;
    if (spec.method === 'draft') {
      if (spec.draftModel === undefined)
        return fail(
          messages.servingInvalid(
            ['serving', 'speculative', 'draftModel'],
            "speculative.method 'draft' needs a draftModel (a catalog id or an inline model).",
          ),
        );
      const m = resolveModel(spec.draftModel);
      if (!m.ok)
        return fail(...m.diagnostics.map((x) => ({ ...x, path: ['serving', 'speculative', 'draftModel'] })));
      draft = m.value;
    }
    speculative = { method: spec.method, draft, tokens: spec.tokens, acceptanceRate: spec.acceptanceRate };
  }
  return ok({
    prefixCacheHitRate: sv?.prefixCacheHitRate ?? 0,
    speculative,
    disaggregation: sv?.disaggregation,
  });
}

/** Offload tiers a device can reach: its catalog tiers, and 'host' when one link is known. */
export function offloadTiersOf(hw: HardwareSpec): readonly Offload['tier'][] {
  const tiers: Offload['tier'][] = [...hw.offloadTiers];
  if (!tiers.some((t) => t.name === 'host') && hw.hostLink !== undefined)
    tiers.push({ name: 'host', bandwidthBytesPerSecond: hw.hostLink.bandwidthBytesPerSecond });
  return tiers;
}

function resolveOffload(s: Scenario, hw: HardwareSpec): Result<Offload | undefined> {
  const o = s.offload;
  if (o === undefined || (o.weightsFraction === 0 && o.kvCacheFraction === 0)) return ok(undefined);
  if (typeof o.tier !== 'string') return ok({ ...o, tier: o.tier });
  const tiers = offloadTiersOf(hw);
  const tier = tiers.find((t) => t.name === o.tier);
  if (tier === undefined)
    return fail(
      messages.unknownOffloadTier(
        o.tier,
        tiers.map((t) => t.name),
      ),
    );
  return ok({ weightsFraction: o.weightsFraction, kvCacheFraction: o.kvCacheFraction, tier });
}

/**
 * A device without a scale-up link runs its tp × pp group over its host link (PCIe), all in one
 * host: peer-to-peer at the link's bandwidth, or through host memory at half of it where the
 * device cannot (hostLink.peerToPeer false).
 */
function withPcieGroup(hw: HardwareSpec, s: Scenario): HardwareSpec {
  const host = hw.hostLink;
  if (hw.scaleUp !== undefined || hw.scaleOut !== undefined || host === undefined) return hw;
  const { tp, pp } = s.parallelism;
  const d = s.serving?.disaggregation;
  const span = Math.max(tp, d?.prefill.tp ?? 1, d?.decode.tp ?? 1) * pp;
  if (span <= 1) return hw;
  const p2p = host.peerToPeer ?? true;
  return {
    ...hw,
    scaleUp: {
      link: `${host.link} (${p2p ? 'peer-to-peer' : 'through host memory'})`,
      domainSize: span,
      bandwidthBytesPerSecond: p2p ? host.bandwidthBytesPerSecond : host.bandwidthBytesPerSecond / 2,
    },
  };
}

/** The hardware as the scenario's topology sees it. */
function withTopology(hw: HardwareSpec, t: Scenario['topology']): HardwareSpec {
  if (t === undefined) return hw;
  const up =
    hw.scaleUp !== undefined || t.scaleUpBandwidthBytesPerSecond !== undefined
      ? {
          link: hw.scaleUp?.link ?? '',
          domainSize: t.scaleUpDomainSize ?? hw.scaleUp?.domainSize ?? 1,
          bandwidthBytesPerSecond:
            t.scaleUpBandwidthBytesPerSecond ?? hw.scaleUp?.bandwidthBytesPerSecond ?? 1,
        }
      : undefined;
  const outBw = t.scaleOutBandwidthBytesPerSecond ?? hw.scaleOut?.bandwidthBytesPerSecond;
  const out: HardwareSpec = { ...hw };
  delete out.scaleUp;
  delete out.scaleOut;
  if (up !== undefined) out.scaleUp = up;
  if (outBw !== undefined) out.scaleOut = { bandwidthBytesPerSecond: outBw };
  return out;
}

const fullAttentionCopies = new WeakMap<ModelSpec, ModelSpec>();

/** The model as an engine that ignores sliding windows runs it: every layer attends to everything. */
function withoutWindows(model: ModelSpec): ModelSpec {
  const hit = fullAttentionCopies.get(model);
  if (hit !== undefined) return hit;
  const copy: ModelSpec = { ...model };
  delete copy.layerTypes;
  fullAttentionCopies.set(model, copy);
  return copy;
}

/** Devices a scenario uses: tp·pp·dp, or both pools' devices when disaggregated. */
function devicesOf(s: Scenario): number {
  const { tp, pp, dp } = s.parallelism;
  const d = s.serving?.disaggregation;
  return d === undefined ? tp * pp * dp : (d.prefill.tp * d.prefill.dp + d.decode.tp * d.decode.dp) * pp;
}

/** Default number of requests a serving simulation runs (vLLM benchmark_serving's num_prompts). */
export const DEFAULT_REQUESTS = 1000;

/** Cross-field checks of the workload and cache options against the resolved model. */
function checkWorkload(s: Scenario, model: ModelSpec, formats: Formats, kind: WorkloadKind): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const maxPos = model.maxPositionEmbeddings;
  const w = s.workload;
  const preset = w.dataset === undefined ? undefined : DATASET_LENGTHS[w.dataset];
  const inputDist = w.inputLengths ?? preset?.input;
  const outputDist = w.outputLengths ?? preset?.output;
  const tokens =
    kind === 'batch'
      ? w.inputTokens + w.outputTokens
      : Math.max(w.inputTokens, inputDist === undefined ? 0 : lengthMax(inputDist)) +
        Math.max(w.outputTokens, outputDist === undefined ? 0 : lengthMax(outputDist));
  if (maxPos !== undefined && tokens > maxPos) diagnostics.push(messages.contextExceedsModel(tokens, maxPos));
  if (formats.cacheLayerInput) {
    const attnTp = s.parallelism.attentionDp ? 1 : s.parallelism.tp;
    for (const layer of distinctLayersOf(model))
      diagnostics.push(...layer.checkCacheLayerInput(model, attnTp));
  }
  if (kind === 'batch' && s.serving?.disaggregation !== undefined)
    diagnostics.push(
      messages.servingInvalid(
        ['serving', 'disaggregation'],
        'Disaggregated serving needs a serving workload (concurrency, requestRate or maxThroughput), not a static batch.',
      ),
    );
  return diagnostics;
}

/** The engine profile with the scenario's serving overrides. */
function resolveEngine(s: Scenario, hardware: HardwareSpec): EngineProfile {
  const { tp, pp } = s.parallelism;
  const base = engineProfile(s.engine);
  const sv = s.serving ?? {};
  const maxBatchedTokens = sv.maxBatchedTokens ?? base.maxBatchedTokens;
  return {
    ...base,
    memoryFraction: sv.memoryFraction ?? defaultMemoryFraction(base, hardware, tp, pp, maxBatchedTokens),
    maxBatchedTokens,
    maxSequences: sv.maxSequences ?? base.maxSequences,
    kvPageTokens: sv.kvPageTokens ?? base.kvPageTokens,
    // A maxSequences the scenario sets is the instance's; the engine default may be per rank.
    maxSequencesPerAttentionDpRank: sv.maxSequences === undefined && base.attentionDpRankProcesses,
    cudaGraphBatchSizes: cudaGraphBatchSizes(
      base,
      hardware,
      tp,
      sv.maxSequences ?? base.maxSequences,
      maxBatchedTokens,
    ),
    chunkedPrefill: sv.chunkedPrefill ?? base.chunkedPrefill,
    mixedBatches: sv.mixedBatches ?? base.mixedBatches,
    // vLLM turns async scheduling off with pipeline parallelism and with speculative decoding
    // that is not EAGLE/MTP-type (a separate draft model; defaults.md §1a).
    overlapScheduler:
      sv.overlapScheduler ??
      (base.overlapScheduler && !(base.id === 'vllm' && (pp > 1 || sv.speculative?.method === 'draft'))),
  };
}

/** The fields resolveEfficiency sets over the family profile (overrides, topology, engine). */
const RESOLVED_EFFICIENCY_KEYS = [
  'gemmPeakFraction',
  'gemmLowPrecisionPeakFraction',
  'gemmFp4PeakFraction',
  'gemmBlockFp8PeakFraction',
  'memoryBandwidthFraction',
  'attentionPeakFraction',
  'collectiveLatencySeconds',
  'collectiveBandwidthFraction',
  'kernelFixedSeconds',
  'scaleOutLatencySeconds',
  'kernelLaunchSeconds',
  'graphKernelLaunchSeconds',
  'stepOverheadSeconds',
  'stepOverheadPerSequenceSeconds',
  'requestOverheadSeconds',
] as const;
type ResolvedEfficiencyFields = Pick<Efficiency, (typeof RESOLVED_EFFICIENCY_KEYS)[number]>;

/**
 * Resolved efficiencies already built, per family profile object (efficiencyFor returns one
 * immutable object per hardware entry). A resolved efficiency is `{ ...profile, ...fields }`, a
 * function of the profile object and the RESOLVED_EFFICIENCY_KEYS values alone, so a kept one is
 * reused when every such value is equal (===). Building it again costs more than the rest of
 * normalization: V8 leaves its fast clone path for a spread followed by new keys. At most
 * KEPT_PER_PROFILE are kept per profile (a sweep over efficiency overrides keeps the latest).
 */
const resolvedEfficiencies = new WeakMap<object, Efficiency[]>();
const KEPT_PER_PROFILE = 8;

function sameResolvedFields(a: ResolvedEfficiencyFields, b: ResolvedEfficiencyFields): boolean {
  for (const k of RESOLVED_EFFICIENCY_KEYS) if (a[k] !== b[k]) return false;
  return true;
}

/** The device family's efficiencies (hardware/families.ts) under the scenario's overrides, with the engine's overheads. */
function resolveEfficiency(
  s: Scenario,
  hardware: HardwareSpec,
  engine: EngineProfile,
  shipped: AppliedProfiles | undefined,
  weights: NumericFormat,
): Efficiency {
  const o: NonNullable<Scenario['efficiency']> = withProfile(s.efficiency, shipped?.parameters) ?? {};
  const eff = efficiencyFor(hardware);
  const fields: ResolvedEfficiencyFields = {
    gemmPeakFraction: o.gemmPeakFraction ?? eff.gemmPeakFraction,
    gemmLowPrecisionPeakFraction:
      o.gemmLowPrecisionPeakFraction ?? o.gemmPeakFraction ?? eff.gemmLowPrecisionPeakFraction,
    gemmFp4PeakFraction: o.gemmFp4PeakFraction ?? eff.gemmFp4PeakFraction,
    gemmBlockFp8PeakFraction: o.gemmBlockFp8PeakFraction ?? eff.gemmBlockFp8PeakFraction,
    memoryBandwidthFraction: o.memoryBandwidthFraction ?? eff.memoryBandwidthFraction,
    attentionPeakFraction: o.attentionPeakFraction ?? eff.attentionPeakFraction,
    collectiveLatencySeconds: o.collectiveLatencySeconds ?? eff.collectiveLatencySeconds,
    collectiveBandwidthFraction: o.collectiveBandwidthFraction ?? eff.collectiveBandwidthFraction,
    kernelFixedSeconds: o.kernelFixedSeconds ?? eff.kernelFixedSeconds,
    scaleOutLatencySeconds: s.topology?.scaleOutLatencySeconds ?? SCALE_OUT_LATENCY_SECONDS,
    kernelLaunchSeconds: o.kernelLaunchSeconds ?? engine.kernelLaunchSeconds,
    graphKernelLaunchSeconds: o.kernelLaunchSeconds ?? engine.graphKernelLaunchSeconds,
    stepOverheadSeconds: o.stepOverheadSeconds ?? engine.stepOverheadSeconds,
    stepOverheadPerSequenceSeconds: o.stepOverheadPerSequenceSeconds ?? engine.stepOverheadPerSequenceSeconds,
    requestOverheadSeconds:
      o.requestOverheadSeconds ??
      (s.serving?.apiServer === false ? 0 : requestOverheadSeconds(engine, hardware, rateClassOf(weights))),
  };
  let kept = resolvedEfficiencies.get(eff);
  if (kept === undefined) {
    kept = [];
    resolvedEfficiencies.set(eff, kept);
  }
  for (const e of kept) if (sameResolvedFields(e, fields)) return e;
  const resolved: Efficiency = { ...eff, ...fields };
  if (kept.length >= KEPT_PER_PROFILE) kept.shift();
  kept.push(resolved);
  return resolved;
}

/** A validated workload with its defaults applied (the one builder: the sweep's fast path uses it too). */
export function normalizeWorkload(
  w: Scenario['workload'],
  kind: WorkloadKind = workloadKind(w),
): NormalizedScenario['workload'] {
  const preset = w.dataset === undefined ? undefined : DATASET_LENGTHS[w.dataset];
  return {
    kind,
    inputTokens: w.inputTokens,
    outputTokens: w.outputTokens,
    batch: w.batch ?? 1,
    concurrency: w.concurrency ?? 1,
    requestRate: w.requestRate ?? 0,
    requests: w.requests ?? (kind === 'batch' ? (w.batch ?? 1) : DEFAULT_REQUESTS),
    seed: w.seed ?? 0,
    inputLengths: kind === 'batch' ? undefined : (w.inputLengths ?? preset?.input),
    outputLengths: kind === 'batch' ? undefined : (w.outputLengths ?? preset?.output),
    maxOutputTokens: kind === 'batch' ? undefined : (w.maxOutputTokens ?? preset?.maxOutputTokens),
  };
}

export function normalizeScenario(s: Scenario): Result<NormalizedScenario> {
  const model = resolveModel(s.model);
  const baseHardware = resolveHardware(s.hardware);
  if (!model.ok || !baseHardware.ok) return fail(...model.diagnostics, ...baseHardware.diagnostics);
  const linked = withTopology(baseHardware.value, s.topology);
  const hardware = withPcieGroup(linked, s);
  const kind = workloadKind(s.workload);
  const formats = chooseFormats(s, model.value);
  const serving = resolveServing(s, model.value);
  const offload = resolveOffload(s, hardware);
  const diagnostics = [
    ...checkParallelism(s, model.value, linked),
    ...checkRates(hardware, formats),
    ...checkFp8Scaling(s, formats),
    ...serving.diagnostics,
    ...offload.diagnostics,
    ...checkWorkload(s, model.value, formats, kind),
  ];
  if (!serving.ok || !offload.ok || diagnostics.some((d) => d.severity === 'error'))
    return fail(...diagnostics);

  const { tp, pp, ep, dp, attentionDp } = s.parallelism;
  const engine = resolveEngine(s, hardware);
  // Shipped profiles hold for the catalog devices they were fitted on (by id).
  const shipped =
    (s.calibration ?? 'shipped') !== 'shipped' ? undefined : shippedProfilesFor(hardware.id, engine.id);
  const calibration =
    typeof s.calibration === 'object'
      ? [s.calibration.applied]
      : (shipped?.labels.map((l) => `shipped ${l}`) ?? []);
  const layers = model.value.numLayers;
  let spec = model.value;
  if (!engine.slidingWindow && (spec.layerTypes?.some((t) => t !== 'full') ?? false)) {
    spec = withoutWindows(spec);
    diagnostics.push(messages.windowIgnored(engine.name));
  }
  const attnTp = attentionDp ? 1 : tp;
  return ok(
    {
      model: spec,
      hardware,
      engine,
      efficiency: resolveEfficiency(s, hardware, engine, shipped, formats.weights),
      calibration,
      gpus: s.gpus ?? devicesOf(s),
      tp,
      pp,
      ep,
      dp,
      attentionDp,
      attnTp,
      attnDp: tp / attnTp,
      moeTp: tp / ep,
      redundantExperts: s.parallelism.redundantExperts,
      layerScale: Math.ceil(layers / pp) / layers,
      decodeKvReadsPerQueryHead: engine.decodeKvReadsPerQueryHead,
      microBatches: s.parallelism.microBatches ?? pp,
      formats,
      serving: serving.value,
      offload: offload.value,
      power: s.power,
      cost: s.cost,
      workload: normalizeWorkload(s.workload, kind),
    },
    diagnostics,
  );
}

/**
 * Fixed time of one message across the scale-out network (NIC, switch hops, RDMA setup).
 * DeepEP's low-latency dispatch of 128 tokens over 8 H800s takes 77 µs [M1059] including the
 * data; 10 µs is an assumption for the fixed part. Override with topology.scaleOutLatencySeconds.
 */
export const SCALE_OUT_LATENCY_SECONDS = 10e-6;
