/**
 * Percentile of sorted values by linear interpolation between closest ranks (numpy's default),
 * q in [0, 1]; undefined for no values. One definition for validation, measurement import and
 * the serving simulation's latency percentiles.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}
