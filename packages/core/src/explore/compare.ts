/**
 * Scenarios side by side: their inputs and headline metrics, each row marked when the scenarios
 * differ on it, numbers with their ratio to the first scenario.
 */
import type { EstimateReport } from '../report/assemble.js';
import { reportBound } from './evaluate.js';
import { getPath } from './points.js';

export type CompareValue = string | number | boolean | null;

export interface ComparisonRow {
  /** Dot path into the report (plus bound). */
  readonly field: string;
  /** One value per scenario (null where a scenario has none). */
  readonly values: readonly CompareValue[];
  /** Whether the scenarios differ on this field (numbers: by more than one part in 10⁹). */
  readonly differs: boolean;
  /** Numbers: value / first scenario's value (null where undefined). */
  readonly ratios?: readonly (number | null)[];
}

export interface Comparison {
  readonly names: readonly string[];
  readonly inputs: readonly ComparisonRow[];
  readonly metrics: readonly ComparisonRow[];
}

export const COMPARE_INPUTS: readonly string[] = [
  'scenario.model',
  'scenario.hardware',
  'scenario.gpus',
  'scenario.parallelism.tp',
  'scenario.parallelism.pp',
  'scenario.parallelism.ep',
  'scenario.parallelism.dp',
  'scenario.precision.weights',
  'scenario.precision.activations',
  'scenario.precision.kvCache',
  'scenario.engine',
  'scenario.workload.kind',
  'scenario.workload.inputTokens',
  'scenario.workload.outputTokens',
  'scenario.workload.batch',
];

export const COMPARE_METRICS: readonly string[] = [
  'ttftMs',
  'tpotMs',
  'e2eLatencyMs',
  'outputTokensPerSec',
  'totalTokensPerSec',
  'requestsPerSec',
  'memory.totalBytes',
  'memory.capacityBytes',
  'memory.fits',
  'memory.maxBatch',
  'bound',
  'energy.joulesPerOutputToken',
  'cost.usdPerMillionOutputTokens',
];

function scalar(v: unknown): CompareValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

function same(a: CompareValue, b: CompareValue): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

function row(field: string, values: CompareValue[], ratios: boolean): ComparisonRow {
  const first = values[0] ?? null;
  const differs = values.some((v) => !same(v, first));
  if (!ratios || !values.some((v) => typeof v === 'number')) return { field, values, differs };
  return {
    field,
    values,
    differs,
    ratios: values.map((v) =>
      typeof v === 'number' && typeof first === 'number' && first !== 0 ? v / first : null,
    ),
  };
}

/**
 * Compares reports (same order as `names`). Metric rows absent from every report (energy or cost
 * without prices) are left out; `metrics` overrides the default metric paths.
 */
export function compareReports(
  names: readonly string[],
  reports: readonly EstimateReport[],
  metrics: readonly string[] = COMPARE_METRICS,
): Comparison {
  const withBound = reports.map((r) => ({ ...r, ...reportBound(r.phases) }));
  const column = (f: string): CompareValue[] => withBound.map((r) => scalar(getPath(r, f)));
  return {
    names,
    inputs: COMPARE_INPUTS.map((f) => row(f.replace(/^scenario\./, ''), column(f), false)),
    metrics: metrics.map((f) => row(f, column(f), true)).filter((r) => r.values.some((v) => v !== null)),
  };
}
