/**
 * The parallel layouts of one replica that `plan` and `require` search (one enumeration, so that
 * what `require` calls insufficient `plan` does not then meet with a layout `require` never tried):
 *
 * - tensor parallelism: powers of two up to the scale-up domain (and the device budget); for an
 *   MoE model also wide EP: the domain's own size when it is no power of two (GB200 NVL72's 72)
 *   and, over a scale-out network, 2, 4 … whole domains, always as ep = tp with attention DP;
 * - pipeline stages: powers of two, only once tp fills the domain, and beyond the domain only over
 *   a scale-out network;
 * - for an MoE model with tp > 1: without and with attention DP;
 * - expert layouts per engine (`expertLayouts`): ep = tp, with redundant experts (EPLB) where tp
 *   does not divide the experts and the engine holds replicas, and under attention DP also
 *   `redundantExpertSteps` more slots per rank.
 *
 * Data parallelism is not part of a replica's layout: `plan` sizes replicas to the traffic,
 * `require` fills a device count with them.
 */
import type { LaunchEngine } from './launch.js';
import { EPLB_ENGINES } from './launch.js';

/**
 * GPUs of one PCIe host, searched as the group of a device with no scale-up link but a host link
 * (L4, L40S, RTX cards): tensor parallelism runs over PCIe there (peer-to-peer or through the
 * host, docs/modeling.md). The catalog records no host size; 8 is the common PCIe server and a
 * search bound, not a device figure: a scale-up domain the device states always wins.
 */
export const PCIE_HOST_GPUS = 8;

/** The devices one replica's tensor parallelism may span without a scale-out network. */
export function searchDomain(hw: {
  readonly scaleUp?: { readonly domainSize?: unknown } | undefined;
  readonly hostLink?: unknown;
}): number {
  const d = hw.scaleUp?.domainSize;
  if (typeof d === 'number') return d;
  return hw.hostLink !== undefined ? PCIE_HOST_GPUS : 1;
}

/** 1, 2, 4 … up to n. */
export const pow2UpTo = (n: number): number[] => {
  const out: number[] = [];
  for (let k = 1; k <= n; k *= 2) out.push(k);
  return out;
};

/** What the layouts of a replica depend on. */
export interface LayoutSpace {
  /** Devices of the scale-up domain, or of a PCIe host without one (`searchDomain`). */
  readonly domain: number;
  /** Whether a scale-out link is known (the hardware's or the topology's). */
  readonly scaleOut: boolean;
  /** Most devices of one replica. */
  readonly maxGpus: number;
  /** Whether the model is an MoE model. */
  readonly moe: boolean;
  /** Routed experts (1 when dense). */
  readonly experts: number;
  /** Engines searched (an engine without EPLB gets no redundant experts). */
  readonly engines: readonly string[];
  /** Redundant-expert steps beyond the fewest slots that divide ep (under attention DP, EPLB engines). */
  readonly redundantExpertSteps: number;
}

/** One replica's layout on one engine. */
export interface ReplicaLayout {
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  /** Redundant expert replicas (EPLB); 0 when none. */
  readonly redundantExperts: number;
  readonly attentionDp: boolean;
  readonly engine: string;
  /** A wide-EP size (beyond the powers of two in the domain): attention DP, ep = tp, pp = 1. */
  readonly wide: boolean;
}

/** Tensor-parallel sizes searched, each with whether it is a wide-EP size (attention DP only). */
function tpSizes(s: LayoutSpace): { tp: number; wide: boolean }[] {
  const maxTp = Math.min(s.domain, s.maxGpus);
  const out = pow2UpTo(maxTp).map((tp) => ({ tp, wide: false }));
  if (!s.moe) return out;
  // Wide EP: the whole scale-up domain when it is no power of two (NVL72), and whole domains over
  // a scale-out network.
  if (s.domain <= s.maxGpus && !out.some((t) => t.tp === s.domain)) out.push({ tp: s.domain, wide: true });
  if (s.scaleOut)
    for (let n = 2 * s.domain; n <= s.maxGpus && s.domain > 1; n *= 2) out.push({ tp: n, wide: true });
  return out;
}

/**
 * The expert layouts of an MoE configuration of tp devices on an engine: ep = tp with no replicas
 * when tp divides the experts; else, on an engine with EPLB, ep = tp with the fewest replicas that
 * make the slots divide it; else no EP. Under attention DP on an engine with EPLB, also the
 * layouts with `steps` more slots per rank.
 */
export function expertLayouts(
  experts: number,
  tp: number,
  engine: string,
  attentionDp: boolean,
  steps: number,
): { ep: number; redundantExperts: number }[] {
  if (tp <= 1 || experts <= 1) return [{ ep: 1, redundantExperts: 0 }];
  const fill = (tp - (experts % tp)) % tp;
  const eplb = EPLB_ENGINES.has(engine as LaunchEngine);
  if (fill > 0 && !eplb) return [{ ep: 1, redundantExperts: 0 }];
  const out = [{ ep: tp, redundantExperts: fill }];
  if (eplb && attentionDp)
    for (let k = 1; k <= steps; k++) out.push({ ep: tp, redundantExperts: fill + k * tp });
  return out;
}

/**
 * The layouts of one replica (see the file comment), pruned by structure: tp, then pp, attention
 * DP, engine and expert layout, in that order.
 */
export function replicaLayouts(s: LayoutSpace): ReplicaLayout[] {
  const out: ReplicaLayout[] = [];
  const maxTp = Math.min(s.domain, s.maxGpus);
  for (const { tp, wide } of tpSizes(s))
    for (const pp of wide ? [1] : pow2UpTo(Math.floor(s.maxGpus / tp))) {
      if (pp > 1 && tp < maxTp) continue;
      // Beyond the scale-up domain the stages need a scale-out network.
      if (tp * pp > s.domain && !s.scaleOut) continue;
      for (const attentionDp of s.moe && tp > 1 ? (wide ? [true] : [false, true]) : [false])
        for (const engine of s.engines)
          for (const { ep, redundantExperts } of s.moe
            ? expertLayouts(s.experts, tp, engine, attentionDp, s.redundantExpertSteps)
            : [{ ep: 1, redundantExperts: 0 }]) {
            if (wide && ep !== tp) continue;
            out.push({ tp, pp, ep, redundantExperts, attentionDp, engine, wide });
          }
    }
  return out;
}
