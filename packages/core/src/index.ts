/** @ridgeline/core: the public API. Pure functions over plain data; no I/O. */
export type { Diagnostic, DiagnosticCode, FrontEndCode, Result, Severity } from './diagnostics/diagnostic.js';
export { ok, fail, isError, diagnostic } from './diagnostics/diagnostic.js';
export { closestMatches } from './diagnostics/closest.js';
export { messages } from './diagnostics/messages.js';
export type { ModelCode } from './model/messages.js';
export type { HardwareCode } from './hardware/messages.js';
export type { ScenarioCode } from './scenario/messages.js';
export type { MemoryCode } from './memory/messages.js';
export type { ServingCode } from './serving/messages.js';
export type { EnergyCode } from './energy/messages.js';
export type { UncertaintyCode } from './uncertainty/messages.js';
export type { InputCode } from './input/messages.js';
export type { MeasurementCode } from './measurements/messages.js';
export type { CalibrateCode } from './calibrate/messages.js';

export type {
  DataPath,
  DocumentKind,
  Location,
  ParsedDocument,
  Position,
  ReadIssue,
  ReadOptions,
} from './input/read.js';
export { documentKindOf, parseDocument } from './input/read.js';

export type { NumericFormat, RateFormat } from './units/formats.js';
export {
  NUMERIC_FORMATS,
  bytesPerElement,
  bitsPerElement,
  gemmRateFormat,
  isNumericFormat,
} from './units/formats.js';

export type { ModelSpec, ModelSpecInput, LayerGroup, Attention } from './model/schema.js';
export { ModelSpecSchema, layerGroupsOf } from './model/schema.js';
export type { ModelStats, ParamCounts, FlopCounts } from './model/stats.js';
export { modelStats, countParams, kvCacheBytesPerToken, flopsPerToken } from './model/stats.js';
export { importHfConfig } from './model/hf-import.js';
export { MODEL_CATALOG, findModel, modelIds, REFUSED_MODELS, MISSING_MODELS } from './model/catalog.js';

export type { HardwareSpec, HardwareSpecInput, HardwareFamily } from './hardware/schema.js';
export { HardwareSpecSchema, HARDWARE_FAMILIES } from './hardware/schema.js';
export type { FamilyTraits } from './hardware/families.js';
export { FAMILY_TRAITS, familyTraits } from './hardware/families.js';
export { HARDWARE_CATALOG, findHardware, hardwareIds, normalizeHardwareName } from './hardware/catalog.js';
export { EXCLUDED_HARDWARE } from './hardware/catalog-data.js';

export type { Scenario, ScenarioInput, EngineId } from './scenario/schema.js';
export {
  ScenarioSchema,
  ENGINE_IDS,
  ENGINE_REFS,
  DEFAULT_ENGINE,
  MAX_REQUESTS,
  engineIdOf,
} from './scenario/schema.js';
export type { EngineRef } from './scenario/schema.js';
export { ENGINE_RELEASES, engineReleaseRefs } from './scenario/engine-releases.js';
export { scenarioJsonSchema, staleScenarioDescriptions } from './scenario/json-schema.js';
export type { NormalizedScenario, Formats, Efficiency } from './scenario/normalize.js';
export type {
  GraphContext,
  DeviceContext,
  CostContext,
  MemoryContext,
  ParallelSizes,
} from './scenario/types.js';
export type { Layer, LayerKind, LayerParams, LayerRole, CacheShard } from './layers/types.js';
export type { LayerStackGroup } from './layers/registry.js';
export { registerLayerKind, layerKinds, layerStackOf } from './layers/registry.js';
export { normalizeScenario } from './scenario/normalize.js';

export type { Operator, OperatorKind, PhaseGraph, PhaseKind } from './graph/operator.js';
export { buildGraph, expectedExpertsTouched } from './graph/build.js';
export type { EfficiencyProfile } from './cost/efficiency.js';
export { efficiencyFor, gemmEfficiency } from './cost/efficiency.js';
export { costPhase, costOperator, stepSeconds, operatorTime } from './cost/roofline.js';
export { collectiveSeconds } from './cost/collectives.js';
export type { MemoryFootprint } from './memory/footprint.js';
export { memoryFootprint } from './memory/footprint.js';
export type { EngineProfile } from './serving/engines.js';
export { ENGINE_PROFILES, engineProfile } from './serving/engines.js';
export { simulateStaticBatch } from './serving/static-batch.js';
export type { EstimateReport, OperatorReport, PhaseReport } from './report/assemble.js';
export { assembleReport } from './report/assemble.js';
export { estimate, estimateNormalized, validateScenario } from './estimate.js';

export type { MeasurementRow, MeasurementColumn } from './measurements/csv.js';
export { MAX_CSV_DIAGNOSTICS, MEASUREMENT_COLUMNS, parseMeasurementCsv } from './measurements/csv.js';
export type {
  Prediction,
  PredictOptions,
  GemmCase,
  GroupSummary,
  RowRecord,
  SkippedRecord,
  ValidationReport,
} from './validate/index.js';
export { predictRow, validateRows, gemmShapeFromNotes, GPT3_175B } from './validate/index.js';
export { validateRecords } from './validate/index.js';
// The issue-9 targets and the (hardware family × model class) table of docs/fidelity.md.
export type {
  ClassGroup,
  CoverageFigures,
  GateBaseline,
  TargetCheck,
  TargetLimit,
  TargetRow,
} from './validate/targets.js';
export {
  ISSUE9_TARGETS,
  bandTargets,
  classGroups,
  errorTargets,
  familyLabel,
  gateTargets,
  latencyTargets,
  predictedTarget,
  rowClasses,
  servingModernGateSample,
  signedSpeedErrorPct,
  speedRatio,
  targetLines,
} from './validate/targets.js';

export type { PowerOptions, PowerOptionsInput, CostOptions, CostOptionsInput } from './energy/schema.js';
export { PowerSchema, CostSchema, POWER_DEFAULTS, COST_DEFAULTS } from './energy/schema.js';
export type { DevicePrice, PriceTable } from './energy/prices.js';
export { DEFAULT_PRICES } from './energy/prices.js';
export type {
  EnergyInput,
  EnergyReport,
  CostReport,
  CostBasis,
  CostSplit,
  CapitalBreakdown,
  DeviceHourPrice,
  DevicePower,
  EnergyCostResult,
} from './energy/model.js';
export { energyAndCost, devicePower, deviceHourPrice, HOURS_PER_YEAR } from './energy/model.js';

export type {
  ImportOptions,
  LatencyStats,
  MeasuredEngine,
  MeasuredMetrics,
  MeasurementDiagnostic,
  MeasurementLayout,
  MeasurementRecord,
  MeasurementTool,
  ScenarioFragment,
} from './measurements/index.js';
export {
  MEASUREMENT_TOOLS,
  detectMeasurementLayout,
  importMeasurements,
  isMeasurementTool,
  readsAsBenchmarkOutput,
  toolOfLayout,
} from './measurements/index.js';

export type {
  Band,
  BandConditions,
  BandModel,
  BandOptions,
  Extrapolation,
  HeadlineMetric,
  LogBand,
  LogBands,
  ScenarioBands,
  Uncertainty,
} from './uncertainty/band.js';
export {
  BAND_OPTIONS,
  HEADLINE_METRICS,
  NO_WIDENING,
  applyBand,
  applyBands,
  calibratedRows,
  createBandModel,
  defaultBandModel,
} from './uncertainty/band.js';
export { bandConditions, isCalibrated, scenarioBands } from './uncertainty/scenario-bands.js';
export type {
  Arrival,
  LoadKind,
  MetricClass,
  ModelClass,
  ServingResidual,
  Widening,
  WideningFactor,
} from './uncertainty/types.js';
export { WIDENING_FACTORS } from './uncertainty/types.js';
export { SERVING_RESIDUALS, WIDENING } from './uncertainty/residuals-data.js';
export type { CoverageReport, SourceCoverage } from './uncertainty/learn.js';
export { bandCoverage, bandSource, learnWidening } from './uncertainty/learn.js';
export { formatClass, modelClassOf } from './uncertainty/classes.js';

export * from './calibrate/index.js';
export type { RecordDefaults } from './measurements/scenario.js';
export { recordScenario } from './measurements/scenario.js';

export * from './explore/index.js';
export * from './training/index.js';
