/**
 * Collectives on a two-level topology: a scale-up domain (NVLink/NVSwitch, Infinity Fabric, ICI)
 * and a scale-out network (NIC bandwidth per device). Ring algorithms: an all-reduce moves
 * 2·(n−1)/n of the message per device, an all-gather (n−1)/n of the gathered result. A group
 * larger than the domain goes hierarchical: reduce-scatter inside the domain, all-reduce of the
 * shard across domains, all-gather inside the domain.
 */
import type { HardwareSpec } from '../hardware/schema.js';
import type { Efficiency } from '../scenario/normalize.js';

export type CollectiveKind = 'all-reduce' | 'all-gather';

function ringSeconds(kind: CollectiveKind, bytes: number, n: number, bytesPerSecond: number): number {
  if (n <= 1) return 0;
  const factor = kind === 'all-reduce' ? (2 * (n - 1)) / n : (n - 1) / n;
  return (factor * bytes) / bytesPerSecond;
}

/** Time of one collective of `bytes` (per device) over `group` devices. */
export function collectiveSeconds(
  kind: CollectiveKind,
  bytes: number,
  group: number,
  hardware: HardwareSpec,
  eff: Efficiency,
): number {
  if (group <= 1) return 0;
  const up = hardware.scaleUp;
  const out = hardware.scaleOut;
  const upBw = up !== undefined ? up.bandwidthBytesPerSecond * eff.collectiveBandwidthFraction : undefined;
  const outBw = out !== undefined ? out.bandwidthBytesPerSecond * eff.collectiveBandwidthFraction : undefined;
  const domain = up?.domainSize ?? 1;
  const latency = eff.collectiveLatencySeconds;
  if (upBw !== undefined && (group <= domain || outBw === undefined)) {
    return latency + ringSeconds(kind, bytes, group, upBw);
  }
  if (outBw === undefined) return Number.POSITIVE_INFINITY;
  if (upBw === undefined || domain <= 1) return latency + ringSeconds(kind, bytes, group, outBw);
  // Hierarchical: inside the domain (reduce-scatter + all-gather = one all-reduce's traffic), then
  // across the group/domain nodes on the shard.
  const nodes = Math.ceil(group / domain);
  const intra = ringSeconds(kind, bytes, domain, upBw);
  const inter = ringSeconds(kind, bytes / domain, nodes, outBw);
  return 2 * latency + intra + inter;
}
