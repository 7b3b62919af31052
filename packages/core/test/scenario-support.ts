// Helpers shared by the core tests that build scenarios by hand: validate and normalize (throwing
// with the diagnostics' messages), estimate, one operator of a report's breakdown, and a
// decode-only step load for the step coster.
import type { EstimateReport } from '@ridgeline/core';
import { estimate, normalizeScenario, validateScenario } from '@ridgeline/core';
import type { NormalizedScenario } from '../src/scenario/normalize.js';
import { emptyLoad } from '../src/serving/step-cost.js';

export function normalized(s: unknown): NormalizedScenario {
  const v = validateScenario(s);
  if (!v.ok) throw new Error(v.diagnostics.map((d) => d.message).join('\n'));
  const n = normalizeScenario(v.value);
  if (!n.ok) throw new Error(n.diagnostics.map((d) => d.message).join('\n'));
  return n.value;
}

export function run(s: unknown): EstimateReport {
  const r = estimate(s);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
}

/** The breakdown entry of one phase's operator, by name (throws when the report has none). */
export function breakdownOp(
  r: EstimateReport,
  phase: string,
  name: string,
): EstimateReport['breakdown'][number] {
  const o = r.breakdown.find((x) => x.phase === phase && x.name === name);
  if (o === undefined) throw new Error(`no ${phase} ${name}`);
  return o;
}

/** `sequences` decoding at `context` tokens each (no sliding window shortens it). */
export function decodeLoad(sequences: number, context: number) {
  const l = emptyLoad();
  l.decodeSequences = sequences;
  l.decodeContext = sequences * context;
  l.decodeContextWindowed = sequences * context;
  l.emitting = sequences;
  return l;
}
