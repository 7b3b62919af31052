/**
 * The request-length distribution a benchmark file states, as a scenario's length distribution
 * (scenario/schema.ts LengthDistribution): per-request lengths become an empirical histogram, a
 * random dataset's range a uniform, a synthetic mean and standard deviation a normal. Each
 * builder returns the distribution and the words a record's note uses for it.
 */
import type { LengthDistribution } from '../scenario/schema.js';

/** Bins an empirical histogram holds at most (docs/measurements.md, "Request lengths"). */
export const MAX_HISTOGRAM_BINS = 64;

/**
 * The histogram of observed lengths (whole tokens ≥ 1; others are left out). Up to
 * MAX_HISTOGRAM_BINS distinct lengths: one bin per length, weighted by its count (the exact
 * distribution). More: the sorted lengths are cut into MAX_HISTOGRAM_BINS/2 groups of equal count
 * (quantile groups), and each group's mean m becomes two bins, ⌊m⌋ and ⌈m⌉, whose weights split
 * the group's count so that their mean is m: every group's mean, hence the overall mean, is kept
 * exactly, with at most MAX_HISTOGRAM_BINS bins. Undefined when no length is valid.
 */
export function empiricalLengths(values: readonly number[]): LengthDistribution | undefined {
  const lengths = values.filter((v) => Number.isFinite(v) && v >= 1).map((v) => Math.round(v));
  if (lengths.length === 0) return undefined;
  lengths.sort((a, b) => a - b);
  const counts = new Map<number, number>();
  for (const v of lengths) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (counts.size === 1) return { kind: 'fixed', tokens: lengths[0] ?? 1 };
  if (counts.size <= MAX_HISTOGRAM_BINS)
    return { kind: 'histogram', bins: [...counts].map(([tokens, weight]) => ({ tokens, weight })) };
  const groups = MAX_HISTOGRAM_BINS / 2;
  const weights = new Map<number, number>();
  const add = (tokens: number, weight: number) => {
    if (weight > 0) weights.set(tokens, (weights.get(tokens) ?? 0) + weight);
  };
  for (let g = 0; g < groups; g++) {
    const from = Math.floor((g * lengths.length) / groups);
    const to = Math.floor(((g + 1) * lengths.length) / groups);
    if (to <= from) continue;
    let sum = 0;
    for (let i = from; i < to; i++) sum += lengths[i] ?? 0;
    const n = to - from;
    const m = sum / n;
    const lo = Math.floor(m);
    const up = m - lo;
    add(lo, n * (1 - up));
    add(lo + 1, n * up);
  }
  return {
    kind: 'histogram',
    bins: [...weights].sort((a, b) => a[0] - b[0]).map(([tokens, weight]) => ({ tokens, weight })),
  };
}

/** A note's words for a histogram built by empiricalLengths from `n` lengths. */
export function empiricalNote(d: LengthDistribution, n: number): string {
  if (d.kind === 'fixed') return `all ${String(n)} equal to ${String(d.tokens)}`;
  if (d.kind !== 'histogram') return d.kind;
  const exact = n > 0 && d.bins.every((b) => Number.isInteger(b.weight));
  const lo = Math.min(...d.bins.map((b) => b.tokens));
  const hi = Math.max(...d.bins.map((b) => b.tokens));
  return exact
    ? `an empirical histogram of the ${String(n)} lengths (${String(d.bins.length)} distinct, ${String(lo)}–${String(hi)})`
    : `an empirical histogram of the ${String(n)} lengths in ${String(MAX_HISTOGRAM_BINS / 2)} equal-count groups (${String(d.bins.length)} bins, ${String(lo)}–${String(hi)}; each group's mean kept)`;
}

/** Integers uniform over [min, max] (min ≥ 1), or fixed when the range is one length. */
export function uniformLengths(min: number, max: number): LengthDistribution {
  const lo = Math.max(1, Math.floor(min));
  const hi = Math.max(lo, Math.floor(max));
  return lo === hi ? { kind: 'fixed', tokens: lo } : { kind: 'uniform', min: lo, max: hi };
}

/**
 * Standard deviations above the mean a normal's upper bound lies at: a draw beyond it has
 * probability 3·10⁻⁷, so the bound only gives the distribution the finite maximum the schema and
 * the context check need, not a shape.
 */
export const NORMAL_UPPER_SIGMAS = 5;

/** Normal of this mean and standard deviation, bounded below at 1 token (fixed when stddev is 0). */
export function normalLengths(mean: number, stddev: number): LengthDistribution | undefined {
  if (!Number.isFinite(mean) || mean <= 0 || !Number.isFinite(stddev) || stddev < 0) return undefined;
  if (stddev === 0) return { kind: 'fixed', tokens: Math.max(1, Math.round(mean)) };
  return {
    kind: 'normal',
    mean,
    stddev,
    min: 1,
    max: Math.max(1, Math.ceil(mean + NORMAL_UPPER_SIGMAS * stddev)),
  };
}

/** A short text of a distribution, for notes: `uniform [1, 1024]`, `normal 200 ± 20 in [1, 300]`. */
export function lengthsText(d: LengthDistribution): string {
  switch (d.kind) {
    case 'fixed':
      return `fixed ${String(d.tokens)}`;
    case 'uniform':
      return `uniform [${String(d.min)}, ${String(d.max)}]`;
    case 'normal':
    case 'lognormal':
      return `${d.kind} ${String(d.mean)} ± ${String(d.stddev)} in [${String(d.min)}, ${String(d.max)}]`;
    case 'histogram':
      return `histogram of ${String(d.bins.length)} bins`;
  }
}

/** A stated quantile of the lengths: the fraction p of requests at or below `tokens`. */
export interface LengthQuantile {
  readonly p: number;
  readonly tokens: number;
}

/**
 * The lengths a summary states as quantiles (minimum at p = 0, percentiles, maximum at p = 1)
 * and a mean: a histogram whose mass between consecutive quantiles sits at the two ends of that
 * interval, the same proportion f at the upper end in every interval, f chosen so that the mean
 * is the stated one. It keeps the minimum, the maximum, every stated percentile's interval and
 * the mean; the shape inside an interval is unknown. Fixed when the minimum is the maximum;
 * undefined when the quantiles are out of order or the mean lies outside what they allow.
 */
export function quantileLengths(
  quantiles: readonly LengthQuantile[],
  mean: number,
): LengthDistribution | undefined {
  const q = [...quantiles].sort((a, b) => a.p - b.p);
  const first = q[0];
  const last = q[q.length - 1];
  if (first === undefined || last === undefined || first.p !== 0 || last.p !== 1) return undefined;
  if (q.some((x, i) => x.tokens < 1 || (i > 0 && x.tokens < (q[i - 1]?.tokens ?? 0)))) return undefined;
  if (first.tokens === last.tokens) return { kind: 'fixed', tokens: Math.round(first.tokens) };
  let lowMean = 0;
  let highMean = 0;
  for (let i = 1; i < q.length; i++) {
    const mass = (q[i]?.p ?? 0) - (q[i - 1]?.p ?? 0);
    lowMean += mass * (q[i - 1]?.tokens ?? 0);
    highMean += mass * (q[i]?.tokens ?? 0);
  }
  if (!(mean >= lowMean && mean <= highMean) || highMean <= lowMean) return undefined;
  const f = (mean - lowMean) / (highMean - lowMean);
  const weights = new Map<number, number>();
  const add = (tokens: number, weight: number) => {
    if (weight > 0) weights.set(tokens, (weights.get(tokens) ?? 0) + weight);
  };
  for (let i = 1; i < q.length; i++) {
    const mass = (q[i]?.p ?? 0) - (q[i - 1]?.p ?? 0);
    add(q[i - 1]?.tokens ?? 1, mass * (1 - f));
    add(q[i]?.tokens ?? 1, mass * f);
  }
  // The stated lengths are whole tokens (trtllm-bench prints them with four decimals of zeros).
  return {
    kind: 'histogram',
    bins: [...weights]
      .sort((a, b) => a[0] - b[0])
      .map(([tokens, weight]) => ({ tokens: Math.round(tokens), weight })),
  };
}
