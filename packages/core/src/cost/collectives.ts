/**
 * Collectives on a two-level topology: a scale-up domain (NVLink/NVSwitch, Infinity Fabric, ICI)
 * and a scale-out network (NIC bandwidth per device). Ring algorithms: an all-reduce moves
 * 2·(n−1)/n of the message per device, an all-gather (n−1)/n of the gathered result. A group
 * larger than the domain goes hierarchical: reduce-scatter inside the domain, all-reduce of the
 * shard across domains, all-gather inside the domain. An all-to-all (MoE dispatch/combine) sends
 * (n−1)/n of its bytes to peers, the in-domain share over scale-up and the rest over scale-out,
 * both at once. A pipeline send (p2p) crosses the scale-out network when the tp·pp devices of a
 * replica span more than one domain. A node-level all-to-all (DeepEP normal kernels across
 * domains) runs as two pipelined stages, scale-out then a forward inside the domain
 * (`nodeAllToAllStageSeconds`).
 */
import type { HardwareSpec } from '../hardware/schema.js';
import type { Efficiency } from '../scenario/types.js';

/** The efficiencies a collective's time depends on. */
export type CollectiveEfficiency = Pick<
  Efficiency,
  'collectiveBandwidthFraction' | 'collectiveLatencySeconds' | 'scaleOutLatencySeconds'
>;

export type CollectiveKind = 'all-reduce' | 'all-gather' | 'all-to-all' | 'p2p';

function ringSeconds(kind: CollectiveKind, bytes: number, n: number, bytesPerSecond: number): number {
  if (n <= 1) return 0;
  const factor = kind === 'all-reduce' ? (2 * (n - 1)) / n : kind === 'p2p' ? 1 : (n - 1) / n;
  return (factor * bytes) / bytesPerSecond;
}

/** Time of one collective of `bytes` (per device) over `group` devices. */
export function collectiveSeconds(
  kind: CollectiveKind,
  bytes: number,
  group: number,
  hardware: HardwareSpec,
  eff: CollectiveEfficiency,
): number {
  if (group <= 1) return 0;
  const up = hardware.scaleUp;
  const out = hardware.scaleOut;
  const upBw = up !== undefined ? up.bandwidthBytesPerSecond * eff.collectiveBandwidthFraction : undefined;
  const outBw = out !== undefined ? out.bandwidthBytesPerSecond * eff.collectiveBandwidthFraction : undefined;
  const domain = up?.domainSize ?? 1;
  const latency = eff.collectiveLatencySeconds;
  const outLatency = eff.scaleOutLatencySeconds;
  if (kind === 'p2p') {
    const bw = group <= domain ? upBw : outBw;
    return bw === undefined
      ? Number.POSITIVE_INFINITY
      : (group <= domain ? latency : outLatency) + bytes / bw;
  }
  if (kind === 'all-to-all') {
    const inside = Math.min(group, domain);
    const upTime = upBw === undefined ? 0 : (bytes * (inside - 1)) / group / upBw;
    if (group <= domain) return upBw === undefined ? Number.POSITIVE_INFINITY : latency + upTime;
    if (outBw === undefined) return Number.POSITIVE_INFINITY;
    return outLatency + Math.max(upTime, (bytes * (group - inside)) / group / outBw);
  }
  if (upBw !== undefined && (group <= domain || outBw === undefined)) {
    return latency + ringSeconds(kind, bytes, group, upBw);
  }
  if (outBw === undefined) return Number.POSITIVE_INFINITY;
  if (upBw === undefined || domain <= 1) return outLatency + ringSeconds(kind, bytes, group, outBw);
  // Hierarchical: inside the domain (reduce-scatter + all-gather = one all-reduce's traffic), then
  // across the group/domain nodes on the shard.
  const nodes = Math.ceil(group / domain);
  const intra = ringSeconds(kind, bytes, domain, upBw);
  const inter = ringSeconds(kind, bytes / domain, nodes, outBw);
  return latency + outLatency + intra + inter;
}

/**
 * One stage of a node-level all-to-all (DeepEP normal kernels across scale-up domains): the
 * scale-out stage pays the scale-out latency and moves `bytes` over the network; the scale-up
 * forward moves `bytes` inside the domain while the scale-out stage of `pipelinedBytes` runs
 * (DeepEP's RDMA senders, forwarders and NVLink receivers run at once over chunked buffers), so
 * only its excess over that stage is charged: the two stages together take the longer of the two.
 */
export function nodeAllToAllStageSeconds(
  stage: 'scale-out' | 'scale-up-forward',
  bytes: number,
  pipelinedBytes: number,
  hardware: HardwareSpec,
  eff: CollectiveEfficiency,
): number {
  const out = hardware.scaleOut;
  if (out === undefined) return Number.POSITIVE_INFINITY;
  const outBw = out.bandwidthBytesPerSecond * eff.collectiveBandwidthFraction;
  if (stage === 'scale-out') return eff.scaleOutLatencySeconds + bytes / outBw;
  if (bytes <= 0) return 0;
  const up = hardware.scaleUp;
  if (up === undefined) return Number.POSITIVE_INFINITY;
  const upBw = up.bandwidthBytesPerSecond * eff.collectiveBandwidthFraction;
  return Math.max(0, bytes / upBw - pipelinedBytes / outBw);
}
