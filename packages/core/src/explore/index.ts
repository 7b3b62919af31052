/** Exploring many scenarios: sweep specs, points by index, the fast evaluator and row text. */
export type { Axis, Range, SampleRange, SweepSpec } from './spec.js';
export { parseSweepSpec } from './spec.js';
export type { Dimension, SweepPoints } from './points.js';
export { getPath, setPath, shardRange, sweepPoints, uniformAt } from './points.js';
export type { CompactResult, SweepEvaluator, SweepOptions, SweepPoint, SweepRow } from './evaluate.js';
export {
  DEFAULT_FIELDS,
  compactStatic,
  memoizedCoster,
  reportBound,
  sweepEvaluator,
  withBound,
} from './evaluate.js';
export type { RowFormat, RowWriter } from './rows.js';
export { rowWriter } from './rows.js';
export type { CompareValue, Comparison, ComparisonRow } from './compare.js';
export { COMPARE_INPUTS, COMPARE_METRICS, compareReports } from './compare.js';
export type { Targets, UseCase, UseCaseId } from './usecases.js';
export {
  USE_CASES,
  USE_CASE_IDS,
  UNSTABLE_TTFT_MS,
  isUseCaseId,
  meetsTargets,
  targetRate,
} from './usecases.js';
export type {
  DeviceFit,
  DeviceLayout,
  Requirement,
  RequirementStatus,
  Requirements,
  RequireInput,
  RequireSample,
  Resource,
  Sensitivity,
} from './require.js';
export { RESOURCES, RESOURCE_UNITS, requirements } from './require.js';
export type { LaunchCommand, LaunchConfig, LaunchEngine } from './launch.js';
export { EPLB_ENGINES, launchCommand } from './launch.js';
export type {
  Plan,
  PlanChoice,
  PlanConfig,
  PlanInput,
  PlanPoint,
  PlanRejection,
  PlanSearch,
  Slo,
} from './plan.js';
export { expertLayoutText, paretoFrontier, plan } from './plan.js';
export type { LayoutSpace, ReplicaLayout } from './layouts.js';
export { expertLayouts, replicaLayouts } from './layouts.js';
