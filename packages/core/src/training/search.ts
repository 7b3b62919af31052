/**
 * Layout search (as Calculon's exhaustive search): every tp × pp × cp × ep × dp split of the GPUs,
 * with ZeRO stage, micro-batch, recomputation and pipeline schedule, each costed by the same
 * memory and step-time model; layouts that do not fit are kept with their shortfall. Sorted by
 * throughput, feasible first.
 */
import type { NormalizedTraining } from './normalize.js';
import { trainingMemory } from './memory.js';
import { stepTime } from './step.js';
import { layoutLabel } from './estimate.js';
import type { RecomputeMode } from './schema.js';

export interface LayoutResult {
  readonly layout: string;
  readonly tp: number;
  readonly pp: number;
  readonly cp: number;
  readonly ep: number;
  readonly dp: number;
  readonly zero: 0 | 1 | 2 | 3;
  readonly microBatch: number;
  readonly recompute: RecomputeMode;
  readonly virtualStages: number;
  readonly fits: boolean;
  readonly memoryBytes: number;
  readonly headroomBytes: number;
  readonly stepSeconds: number;
  readonly tokensPerSecondPerGpu: number;
  readonly bottleneck: string;
}

export interface SearchOptions {
  /** Layouts returned (default 10). */
  readonly top?: number;
  /** Stop after evaluating this many layouts (default 100 000). */
  readonly maxLayouts?: number;
}

export interface SearchResult {
  readonly evaluated: number;
  readonly feasible: number;
  readonly layouts: readonly LayoutResult[];
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Searches layouts for the job's model, hardware, GPU count, sequence length and global batch. */
export function searchLayouts(base: NormalizedTraining, options: SearchOptions = {}): SearchResult {
  const top = options.top ?? 10;
  const max = options.maxLayouts ?? 100_000;
  const m = base.model;
  const n = base.gpus;
  const domain = base.hardware.scaleUp?.domainSize ?? 1;
  const heads = m.attention.numHeads;
  const experts = m.moe?.numExperts;
  const results: LayoutResult[] = [];
  let evaluated = 0;
  const tps = divisors(n).filter((t) => t <= Math.max(1, domain) && heads % t === 0);
  outer: for (const tp of tps) {
    for (const pp of divisors(n / tp).filter((p) => p <= m.numLayers)) {
      for (const cp of divisors(n / tp / pp).filter((c) => base.sequenceLength % c === 0 && c <= 16)) {
        const dp = n / (tp * pp * cp);
        const eps = experts === undefined ? [1] : divisors(dp * cp).filter((e) => experts % e === 0);
        for (const ep of eps) {
          for (const zero of [1, 3] as const) {
            for (const microBatch of [1, 2, 4, 8]) {
              if (base.globalBatch % (dp * microBatch) !== 0) continue;
              for (const recompute of ['none', 'selective', 'full'] as const) {
                const vs = pp > 1 ? [1, 2].filter((v) => pp * v <= m.numLayers) : [1];
                for (const v of vs) {
                  if (evaluated >= max) break outer;
                  evaluated++;
                  const j: NormalizedTraining = {
                    ...base,
                    tp,
                    pp,
                    cp,
                    ep,
                    dp,
                    zero,
                    shardGroup: dp * cp,
                    microBatch,
                    microBatches: base.globalBatch / (dp * microBatch),
                    recompute,
                    sequenceParallel: tp > 1,
                    schedule: v > 1 ? 'interleaved' : '1f1b',
                    virtualStages: v,
                  };
                  const mem = trainingMemory(j);
                  const st = stepTime(j);
                  const step = st.breakdown.stepSeconds;
                  results.push({
                    layout: `${layoutLabel(j)} mb${String(microBatch)} rc-${recompute}`,
                    tp,
                    pp,
                    cp,
                    ep,
                    dp,
                    zero,
                    microBatch,
                    recompute,
                    virtualStages: v,
                    fits: mem.fits,
                    memoryBytes: mem.totalBytes,
                    headroomBytes: mem.headroomBytes,
                    stepSeconds: step,
                    tokensPerSecondPerGpu: (base.globalBatch * base.sequenceLength) / step / n,
                    bottleneck: st.bottleneck,
                  });
                }
              }
            }
          }
        }
      }
    }
  }
  results.sort((a, b) =>
    a.fits !== b.fits ? (a.fits ? -1 : 1) : b.tokensPerSecondPerGpu - a.tokensPerSecondPerGpu,
  );
  return { evaluated, feasible: results.filter((r) => r.fits).length, layouts: results.slice(0, top) };
}
