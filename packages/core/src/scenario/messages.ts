/** Messages about a scenario: schema, parallelism, topology, precision, engine and workload checks. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/closest.js';

export type ScenarioCode =
  | 'engine.window-ignored'
  | 'parallelism.gpus-mismatch'
  | 'parallelism.invalid'
  | 'parallelism.kv-replicated'
  | 'parallelism.tp-indivisible'
  | 'parallelism.uneven-stages'
  | 'precision.emulated'
  | 'precision.fp8-scaling-without-fp8'
  | 'precision.unsupported-on-hardware'
  | 'precision.xquant-larger'
  | 'result.not-finite'
  | 'schema.invalid'
  | 'schema.unknown-field'
  | 'topology.no-scale-out'
  | 'topology.tp-spans-nodes'
  | 'workload.context-exceeds-model';

const err = (code: ScenarioCode, message: string, path?: DataPath) =>
  diagnostic('error', code, message, path);
const warn = (code: ScenarioCode, message: string, path?: DataPath) =>
  diagnostic('warning', code, message, path);
const info = (code: ScenarioCode, message: string) => diagnostic('info', code, message);

export const scenarioMessages = {
  unknownField: (path: readonly (string | number)[], closest: readonly string[], known: readonly string[]) =>
    err(
      'schema.unknown-field',
      `${path.join('.')}: unknown field.${didYouMean(closest)}` +
        (known.length > 0 ? ` Fields here: ${known.join(', ')}.` : ''),
      path,
    ),
  schema: (path: readonly (string | number)[], message: string) =>
    err('schema.invalid', `${path.length > 0 ? path.join('.') : '(root)'}: ${message}`, path),
  parallelismInvalid: (field: string, message: string) =>
    err('parallelism.invalid', message, ['parallelism', field]),
  needsScaleOut: (what: string, span: number, domain: number) =>
    err(
      'topology.no-scale-out',
      `${what} spans ${String(span)} devices but one scale-up domain holds ${String(domain)}, and no scale-out bandwidth is known for this hardware (the catalog has none). Set topology.scaleOutBandwidthBytesPerSecond (e.g. 50e9 for one 400 Gb/s NIC per device) or keep the group inside a domain.`,
      ['topology', 'scaleOutBandwidthBytesPerSecond'],
    ),
  unevenStages: (layers: number, pp: number) =>
    info(
      'parallelism.uneven-stages',
      `pp=${String(pp)} does not divide the ${String(layers)} layers: the largest stage holds ${String(Math.ceil(layers / pp))} layers and sets the pace.`,
    ),
  fp8ScalingWithoutFp8: (weights: string) =>
    err(
      'precision.fp8-scaling-without-fp8',
      `precision.fp8Scaling applies to FP8 weights, but precision.weights is ${weights}: drop fp8Scaling or set weights to fp8.`,
      ['precision', 'fp8Scaling'],
    ),
  xquantLarger: (ratio: number) =>
    warn(
      'precision.xquant-larger',
      `Caching the layer input holds ${ratio.toFixed(1)}x the bytes of K and V per device for this model (few KV heads, or K/V split by tensor parallelism while X is replicated): XQuant saves memory only when X is narrower than K+V.`,
      ['precision', 'cacheLayerInput'],
    ),
  windowIgnored: (engine: string) =>
    info(
      'engine.window-ignored',
      `${engine} keeps the full context for sliding-window layers unless its attention window is set: KV and attention are costed as full attention.`,
    ),
  emulatedFormat: (format: string, hardwareId: string, rate: string) =>
    info(
      'precision.emulated',
      `${hardwareId} has no ${format.toUpperCase()} tensor rate: ${format} data is dequantized and multiplied at the ${rate.toUpperCase()} rate (storage and bandwidth savings only).`,
    ),
  gpusMismatch: (gpus: number, product: number, detail: string) =>
    err(
      'parallelism.gpus-mismatch',
      `gpus is ${String(gpus)} but the parallelism uses ${String(product)} (${detail}). Set gpus to ${String(product)} or change the parallelism sizes.`,
      ['gpus'],
    ),
  tpDoesNotDivide: (what: string, count: number, tp: number) =>
    err(
      'parallelism.tp-indivisible',
      `tp=${String(tp)} does not divide the model's ${String(count)} ${what}. Choose a tp that divides ${String(count)}.`,
      ['parallelism', 'tp'],
    ),
  kvHeadsReplicated: (kvHeads: number, tp: number) =>
    info(
      'parallelism.kv-replicated',
      `tp=${String(tp)} exceeds the ${String(kvHeads)} KV heads: each KV head is replicated on ${String(tp / kvHeads)} devices (as vLLM and TensorRT-LLM do), so the KV cache does not shrink past tp=${String(kvHeads)}: the group holds ${String(tp / kvHeads)}× the KV memory of an even split.`,
    ),
  tpSpansDomain: (tp: number, domain: number) =>
    warn(
      'topology.tp-spans-nodes',
      `tp=${String(tp)} exceeds the scale-up domain of ${String(domain)} devices: all-reduces cross the scale-out network.`,
    ),
  formatUnsupported: (format: string, hardwareId: string, what: string, weightOnly?: string) =>
    err(
      'precision.unsupported-on-hardware',
      `Hardware '${hardwareId}' has no ${format.toUpperCase()} rate in its catalog entry, so ${what} in ${format} cannot run there. ` +
        (weightOnly === undefined
          ? ''
          : `To keep ${format} weights with ${weightOnly.toUpperCase()} math (weight-only ${format.toUpperCase()}, as engines run ${format} checkpoints on such devices: half the weight bytes, no ${format} speed-up), set precision.activations: ${weightOnly} (--activations ${weightOnly}). Otherwise pick`) +
        (weightOnly === undefined ? 'Pick' : '') +
        ` a format it lists, or give the hardware a peakFlopsPerSecond.${format} entry.`,
      ['precision'],
    ),
  notFinite: (
    fields: readonly string[],
    extreme: readonly { readonly path: readonly (string | number)[]; readonly value: number }[],
  ) =>
    err(
      'result.not-finite',
      `The estimate is out of the range of double-precision numbers: ${fields.slice(0, 3).join(', ')}${fields.length > 3 ? ` and ${String(fields.length - 3)} more` : ''} would not be finite. ` +
        (extreme.length > 0
          ? `Extreme input: ${extreme
              .slice(0, 3)
              .map((e) => `${e.path.join('.')} = ${String(e.value)}`)
              .join(', ')}; give values within the range of real devices and workloads.`
          : 'Some input number is too large or too small; give values within the range of real devices and workloads.'),
      extreme[0]?.path,
    ),
  contextExceedsModel: (tokens: number, maxPositions: number) =>
    warn(
      'workload.context-exceeds-model',
      `inputTokens + outputTokens = ${String(tokens)} exceeds the model's max_position_embeddings (${String(maxPositions)}).`,
      ['workload'],
    ),
};
