/** Every user-facing diagnostic, as a function. Wording lives here and nowhere else. */
import type { Extrapolation } from '../uncertainty/band.js';
import type { Diagnostic } from './diagnostic.js';

const err = (code: string, message: string, path?: readonly (string | number)[]): Diagnostic =>
  path === undefined ? { code, severity: 'error', message } : { code, severity: 'error', message, path };
const warn = (code: string, message: string, path?: readonly (string | number)[]): Diagnostic =>
  path === undefined ? { code, severity: 'warning', message } : { code, severity: 'warning', message, path };
const info = (code: string, message: string): Diagnostic => ({ code, severity: 'info', message });

const fmtGiB = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
const suggest = (matches: readonly string[]): string =>
  matches.length > 0 ? ` Did you mean ${matches.map((m) => `'${m}'`).join(', ')}?` : '';

export const messages = {
  unknownModel: (id: string, closest: readonly string[]) =>
    err(
      'model.unknown',
      `Unknown model '${id}'.${suggest(closest)} Run 'ridgeline models' for the list.` +
        // An org/name id looks like a Hugging Face repo: Ridgeline runs offline, it reads the config.
        (id.includes('/')
          ? ` A Hugging Face repo id is not downloaded (Ridgeline works offline): download the repo's config.json and give its path, or the directory holding it.`
          : ''),
      ['model'],
    ),
  unknownHardware: (id: string, closest: readonly string[]) =>
    err(
      'hardware.unknown',
      `Unknown hardware '${id}'.${suggest(closest)} Run 'ridgeline hardware' for the list.`,
      ['hardware'],
    ),
  unknownField: (path: readonly (string | number)[], closest: readonly string[], known: readonly string[]) =>
    err(
      'schema.unknown-field',
      `${path.join('.')}: unknown field.${suggest(closest)}` +
        (known.length > 0 ? ` Fields here: ${known.join(', ')}.` : ''),
      path,
    ),
  schema: (path: readonly (string | number)[], message: string) =>
    err('schema.invalid', `${path.length > 0 ? path.join('.') : '(root)'}: ${message}`, path),
  parallelismInvalid: (field: string, message: string) =>
    err('parallelism.invalid', message, ['parallelism', field]),
  servingInvalid: (path: readonly (string | number)[], message: string) =>
    err('serving.invalid', message, path),
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
  kvCacheTooSmall: (capacityTokens: number, needed: number) =>
    err(
      'memory.kv-too-small',
      `The KV cache holds ${String(capacityTokens)} tokens per replica but one request needs ${String(needed)}: no request can run. Use more devices, a narrower KV or weight format, or shorter requests.`,
      ['workload'],
    ),
  preemptions: (count: number, requests: number) =>
    warn(
      'serving.preemptions',
      `The KV cache ran out ${String(count)} time(s) over ${String(requests)} requests: preempted requests were recomputed. Throughput and tail latency suffer; more KV memory or a lower load avoids it.`,
    ),
  promptOverBudget: (prompt: number, budget: number) =>
    info(
      'serving.prompt-over-budget',
      `Chunked prefill is off and the ${String(prompt)}-token prompt exceeds the ${String(budget)}-token step budget: each prompt runs in a step of its own (the engine must be built with max_num_tokens >= the prompt).`,
    ),
  offloadBound: (share: number, tier: string) =>
    warn(
      'offload.bottleneck',
      share >= 0.99
        ? `Streaming from ${tier} outlasts the device's work in a decode step: the offload link, not the device, sets the pace.`
        : `Streaming from ${tier} needs ${(share * 100).toFixed(0)}% of a decode step (overlapped with compute): the link is close to setting the pace.`,
    ),
  unknownOffloadTier: (name: string, known: readonly string[]) =>
    err(
      'offload.unknown-tier',
      `Offload tier '${name}' is not known for this hardware${known.length > 0 ? ` (it has: ${known.join(', ')})` : ' (its catalog entry lists no offload link)'}. Give an inline tier {name, bandwidthBytesPerSecond, capacityBytes}.`,
      ['offload', 'tier'],
    ),
  offloadCapacity: (needed: number, capacity: number, tier: string) =>
    err(
      'offload.capacity',
      `The offloaded data needs ${fmtGiB(needed)} per device but ${tier} holds ${fmtGiB(capacity)}. Lower the offload fractions or use a larger tier.`,
      ['offload'],
    ),
  saturated: (rate: number, capacity: number) =>
    warn(
      'serving.saturated',
      `Requests arrive at ${rate.toPrecision(3)}/s but the deployment serves about ${capacity.toPrecision(3)}/s while they arrive (requests over the run without the drain after the last arrival): the queue grows for the whole run and latencies depend on how many requests are simulated.`,
      ['workload', 'requestRate'],
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
      `tp=${String(tp)} exceeds the ${String(kvHeads)} KV heads: each KV head is replicated on ${String(tp / kvHeads)} devices, so the KV cache does not shrink past tp=${String(kvHeads)}.`,
    ),
  tpSpansDomain: (tp: number, domain: number) =>
    warn(
      'topology.tp-spans-nodes',
      `tp=${String(tp)} exceeds the scale-up domain of ${String(domain)} devices: all-reduces cross the scale-out network.`,
    ),
  noInterconnect: (hardwareId: string) =>
    err(
      'hardware.no-interconnect',
      `Hardware '${hardwareId}' has no scale-up or scale-out bandwidth in its catalog entry, so tensor parallelism across devices cannot be costed. Use tp=1 or give the hardware a scaleUp section.`,
      ['parallelism', 'tp'],
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
  weightsDoNotFit: (weights: number, capacity: number, devices: number) =>
    err(
      'memory.weights-do-not-fit',
      `The weights need ${fmtGiB(weights)} per device but each device has ${fmtGiB(capacity)} (${String(devices)} device(s)). Use more devices (tp), a narrower weight format, or hardware with more memory.`,
      ['gpus'],
    ),
  batchDoesNotFit: (total: number, capacity: number, maxBatch: number) =>
    warn(
      'memory.batch-does-not-fit',
      `This batch needs ${fmtGiB(total)} per device, over the ${fmtGiB(capacity)} available by ${fmtGiB(total - capacity)}. At most ${String(maxBatch)} sequence(s) of this length fit. Times are estimated as if memory were unlimited.`,
      ['workload', 'batch'],
    ),
  contextExceedsModel: (tokens: number, maxPositions: number) =>
    warn(
      'workload.context-exceeds-model',
      `inputTokens + outputTokens = ${String(tokens)} exceeds the model's max_position_embeddings (${String(maxPositions)}).`,
      ['workload'],
    ),
  energyNoTdp: (hardwareId: string) =>
    info(
      'energy.no-tdp',
      `Hardware '${hardwareId}' has no tdpWatts, so power and energy are omitted. Set power.tdpWatts in the scenario, or tdpWatts in the hardware file.`,
    ),
  idleAboveTdp: (idleWatts: number, tdpWatts: number) =>
    warn(
      'power.idle-above-tdp',
      `power.idleWatts (${String(idleWatts)} W) exceeds the TDP (${String(tdpWatts)} W); idle is capped at the TDP. Lower power.idleWatts or raise power.tdpWatts.`,
      ['power', 'idleWatts'],
    ),
  costNoPrice: (hardwareId: string) =>
    info(
      'cost.no-price',
      `No price is known for hardware '${hardwareId}', so cost is omitted. Set cost.usdPerDeviceHour (price per device-hour), or cost.capitalUsdPerDevice with cost.lifetimeYears (and cost.electricityUsdPerKwh).`,
    ),
  costElectricityNotCounted: () =>
    info(
      'cost.electricity-not-counted',
      'The capital-cost path counts no electricity because cost.electricityUsdPerKwh is not set; set it (and cost.pue) to include power.',
    ),
  costPowerUnknown: (hardwareId: string) =>
    info(
      'cost.power-unknown',
      `Hardware '${hardwareId}' has no tdpWatts, so the capital-cost path leaves the devices' electricity out (host power, if set, is still counted). Set power.tdpWatts to include it.`,
    ),
  uncertaintyExtrapolation: (reasons: readonly Extrapolation[]) => {
    const text = reasons.map(extrapolationText).join('; ');
    const message = `The uncertainty band is extrapolated and widened: ${text}. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).`;
    return reasons.some((r) => r.kind === 'family')
      ? warn('uncertainty.extrapolation', message)
      : info('uncertainty.extrapolation', message);
  },
};

/** A count or size for a message: whole numbers from 10 up, two significant digits below. */
const amount = (x: number): string => (x >= 10 ? String(Math.round(x)) : String(Number(x.toPrecision(2))));

function extrapolationText(r: Extrapolation): string {
  if (r.kind === 'family') {
    return `no serving measurement on ${r.hardware} or its family (${r.family}; measured: ${r.measuredFamilies.join(', ')}), so the band is symmetric and ×${String(r.factor)} wider`;
  }
  const what =
    r.kind === 'batch'
      ? 'batch (sequences in flight per replica)'
      : r.kind === 'context'
        ? 'context (input + output tokens)'
        : 'tp';
  const side = r.value > r.max ? 'above' : 'below';
  return `${what} ${amount(r.value)} is ${side} the measured ${amount(r.min)}–${amount(r.max)}`;
}
