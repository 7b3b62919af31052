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
import { findModel, modelIds } from '../model/catalog.js';
import type { ModelSpec } from '../model/schema.js';
import type { EfficiencyProfile } from '../cost/efficiency.js';
import { efficiencyFor } from '../cost/efficiency.js';
import type { EngineProfile } from '../serving/engines.js';
import { engineProfile } from '../serving/engines.js';
import type { NumericFormat, RateFormat } from '../units/formats.js';
import { gemmRateFormat, rateClassOf } from '../units/formats.js';
import type { Scenario } from './schema.js';

export interface Formats {
  readonly weights: NumericFormat;
  readonly activations: NumericFormat;
  readonly kvCache: NumericFormat;
  /** Rate class of the projection GEMMs. */
  readonly gemmRate: RateFormat;
  /** Rate class of attention (activations against the cache). */
  readonly attentionRate: RateFormat;
}

export interface Efficiency extends EfficiencyProfile {
  readonly kernelLaunchSeconds: number;
  readonly graphKernelLaunchSeconds: number;
  readonly stepOverheadSeconds: number;
}

export type WorkloadKind = 'batch' | 'concurrency' | 'requestRate' | 'maxThroughput';

export interface NormalizedScenario {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly engine: EngineProfile;
  readonly efficiency: Efficiency;
  readonly gpus: number;
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  readonly dp: number;
  readonly attentionDp: boolean;
  readonly formats: Formats;
  readonly workload: {
    readonly kind: WorkloadKind;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly batch: number;
  };
}

function resolveModel(model: Scenario['model']): Result<ModelSpec> {
  if (typeof model !== 'string') return ok(model);
  const found = findModel(model);
  return found !== undefined
    ? ok(found)
    : fail(messages.unknownModel(model, closestMatches(model, modelIds())));
}

function resolveHardware(hardware: Scenario['hardware']): Result<HardwareSpec> {
  if (typeof hardware !== 'string') return ok(HardwareSpecSchema.parse(hardware));
  const found = findHardware(hardware);
  return found !== undefined
    ? ok(found)
    : fail(messages.unknownHardware(hardware, closestMatches(hardware, hardwareIds())));
}

function workloadKind(w: Scenario['workload']): WorkloadKind {
  if (w.batch !== undefined) return 'batch';
  if (w.concurrency !== undefined) return 'concurrency';
  if (w.requestRate !== undefined) return 'requestRate';
  return 'maxThroughput';
}

function chooseFormats(s: Scenario): Formats {
  const weights = s.precision.weights ?? 'bf16';
  const activations = s.precision.activations ?? (rateClassOf(weights) === 'fp8' ? 'fp8' : 'bf16');
  const kvCache = s.precision.kvCache ?? (rateClassOf(activations) === 'fp8' ? 'fp8' : 'bf16');
  // Attention multiplies activations (queries) with the cache: FP8 attention needs both in FP8.
  const attentionRate = gemmRateFormat(kvCache === 'int2' ? 'bf16' : kvCache, activations);
  return { weights, activations, kvCache, gemmRate: gemmRateFormat(weights, activations), attentionRate };
}

function checkRates(hw: HardwareSpec, formats: Formats): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (hw.peakFlopsPerSecond[formats.gemmRate] === undefined)
    out.push(messages.formatUnsupported(formats.gemmRate, hw.id, 'GEMMs'));
  else if (hw.peakFlopsPerSecond[formats.attentionRate] === undefined)
    out.push(messages.formatUnsupported(formats.attentionRate, hw.id, 'attention'));
  return out;
}

function checkParallelism(s: Scenario, model: ModelSpec, hw: HardwareSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { tp, pp, ep, dp } = s.parallelism;
  if (pp > 1) out.push(messages.parallelismUnsupported('Pipeline parallelism (pp > 1)'));
  if (ep > 1) out.push(messages.parallelismUnsupported('Expert parallelism (ep > 1)'));
  if (s.parallelism.attentionDp) out.push(messages.parallelismUnsupported('Attention data parallelism'));
  const product = tp * pp * dp;
  if (s.gpus !== undefined && s.gpus !== product)
    out.push(messages.gpusMismatch(s.gpus, product, `tp ${tp} × pp ${pp} × dp ${dp}`));
  const heads = model.attention.numHeads;
  if (heads % tp !== 0) out.push(messages.tpDoesNotDivide('attention heads', heads, tp));
  if (model.attention.kind === 'gqa') {
    const kv = model.attention.numKvHeads;
    if (tp <= kv ? kv % tp !== 0 : tp % kv !== 0) out.push(messages.tpDoesNotDivide('KV heads', kv, tp));
    else if (tp > kv) out.push(messages.kvHeadsReplicated(kv, tp));
  }
  if (tp > 1 && hw.scaleUp === undefined && hw.scaleOut === undefined)
    out.push(messages.noInterconnect(hw.id));
  else if (hw.scaleUp !== undefined && tp > hw.scaleUp.domainSize)
    out.push(messages.tpSpansDomain(tp, hw.scaleUp.domainSize));
  return out;
}

export function normalizeScenario(s: Scenario): Result<NormalizedScenario> {
  const model = resolveModel(s.model);
  const hardware = resolveHardware(s.hardware);
  if (!model.ok || !hardware.ok) return fail(...model.diagnostics, ...hardware.diagnostics);
  const kind = workloadKind(s.workload);
  const formats = chooseFormats(s);
  const diagnostics = [
    ...(kind === 'batch' ? [] : [messages.workloadUnsupported(kind)]),
    ...checkParallelism(s, model.value, hardware.value),
    ...checkRates(hardware.value, formats),
  ];
  const maxPos = model.value.maxPositionEmbeddings;
  const tokens = s.workload.inputTokens + s.workload.outputTokens;
  if (maxPos !== undefined && tokens > maxPos) diagnostics.push(messages.contextExceedsModel(tokens, maxPos));
  if (diagnostics.some((d) => d.severity === 'error')) return fail(...diagnostics);

  const engine = engineProfile(s.engine);
  const o = s.efficiency ?? {};
  const base = efficiencyFor(hardware.value);
  const efficiency: Efficiency = {
    ...base,
    gemmPeakFraction: o.gemmPeakFraction ?? base.gemmPeakFraction,
    gemmLowPrecisionPeakFraction: o.gemmPeakFraction ?? base.gemmLowPrecisionPeakFraction,
    memoryBandwidthFraction: o.memoryBandwidthFraction ?? base.memoryBandwidthFraction,
    attentionPeakFraction: o.attentionPeakFraction ?? base.attentionPeakFraction,
    collectiveLatencySeconds: o.collectiveLatencySeconds ?? base.collectiveLatencySeconds,
    collectiveBandwidthFraction: o.collectiveBandwidthFraction ?? base.collectiveBandwidthFraction,
    kernelLaunchSeconds: o.kernelLaunchSeconds ?? engine.kernelLaunchSeconds,
    graphKernelLaunchSeconds: o.kernelLaunchSeconds ?? engine.graphKernelLaunchSeconds,
    stepOverheadSeconds: o.stepOverheadSeconds ?? engine.stepOverheadSeconds,
  };
  const { tp, pp, ep, dp, attentionDp } = s.parallelism;
  return ok(
    {
      model: model.value,
      hardware: hardware.value,
      engine,
      efficiency,
      gpus: tp * pp * dp,
      tp,
      pp,
      ep,
      dp,
      attentionDp,
      formats,
      workload: {
        kind,
        inputTokens: s.workload.inputTokens,
        outputTokens: s.workload.outputTokens,
        batch: s.workload.batch ?? 1,
      },
    },
    diagnostics,
  );
}
