/**
 * Helpers of the regression gates (src/validate/baseline.test.ts, src/training/baseline.test.ts):
 * the measurement files, and the per source and metric check against a recorded baseline.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The text of a file in packages/core/data/measurements. */
export const measurementFile = (name: string): string =>
  readFileSync(new URL(`../data/measurements/${name}`, import.meta.url), 'utf8');

/** A source and metric as the baseline records it and a validation report summarizes it. */
interface Group {
  readonly source: string;
  readonly metric: string;
  readonly used: number;
  readonly medianErrorPct: number | null;
}

/**
 * No source and metric of `baseline` gets worse in `groups` by more than `tolerancePoints`, nor is
 * predicted on fewer rows.
 */
export function expectGroupsWithin(
  baseline: readonly (Group & { readonly medianErrorPct: number })[],
  groups: readonly Group[],
  tolerancePoints: number,
): void {
  for (const b of baseline) {
    const g = groups.find((x) => x.source === b.source && x.metric === b.metric);
    const label = `${b.source} ${b.metric}`;
    expect(g?.used ?? 0, label).toBeGreaterThanOrEqual(b.used);
    expect(g?.medianErrorPct ?? Infinity, label).toBeLessThanOrEqual(b.medianErrorPct + tolerancePoints);
  }
}
