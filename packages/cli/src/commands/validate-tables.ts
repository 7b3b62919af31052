/** Tables `ridgeline validate` prints for serving and training measurement files alike. */
import type { GroupSummary } from '@ridgeline/core';
import { table } from '../format.js';

/** A percentage error, '-' where there is none. */
export function pct(x: number | null): string {
  return x === null ? '-' : `${x.toFixed(1)}%`;
}

/**
 * The per source and metric table: rows used and skipped, median and p90 absolute error, and
 * with `withBias` the median signed error (training groups carry it).
 */
export function groupTable(
  groups: readonly (GroupSummary & { readonly medianSignedErrorPct?: number | null })[],
  withBias = false,
): string {
  return table(
    [
      { header: 'source' },
      { header: 'metric' },
      { header: 'used', align: 'right' },
      { header: 'skipped', align: 'right' },
      { header: 'median', align: 'right' },
      { header: 'p90', align: 'right' },
      ...(withBias ? [{ header: 'bias', align: 'right' as const }] : []),
    ],
    groups.map((g) => [
      g.source,
      g.metric,
      String(g.used),
      String(g.skipped),
      pct(g.medianErrorPct),
      pct(g.p90ErrorPct),
      ...(withBias ? [pct(g.medianSignedErrorPct ?? null)] : []),
    ]),
  );
}
