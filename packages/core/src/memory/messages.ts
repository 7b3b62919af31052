/** Messages about memory: weights, KV cache, batches and offload tiers. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';

export type MemoryCode =
  | 'memory.batch-does-not-fit'
  | 'memory.kv-too-small'
  | 'memory.weights-do-not-fit'
  | 'offload.bottleneck'
  | 'offload.capacity'
  | 'offload.unknown-tier';

const err = (code: MemoryCode, message: string, path?: DataPath) => diagnostic('error', code, message, path);
const warn = (code: MemoryCode, message: string, path?: DataPath) =>
  diagnostic('warning', code, message, path);
const fmtGiB = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export const memoryMessages = {
  kvCacheTooSmall: (capacityTokens: number, needed: number) =>
    err(
      'memory.kv-too-small',
      `The KV cache holds ${String(capacityTokens)} tokens per replica but one request needs ${String(needed)}: no request can run. Use more devices, a narrower KV or weight format, or shorter requests.`,
      ['workload'],
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
};
