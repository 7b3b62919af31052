/** Calibration: reading measurement CSVs and checking Ridgeline's predictions against them. */
export type { MeasurementRow, MeasurementColumn } from './csv.js';
export { MAX_CSV_DIAGNOSTICS, MEASUREMENT_COLUMNS, parseMeasurementCsv } from './csv.js';
export type { Prediction, PredictOptions } from './predict.js';
export { predictRow, TRAINING_METRICS, ALL_TO_ALL_METRICS } from './predict.js';
export type { GemmCase } from './kernels.js';
export { gemmShapeFromNotes } from './kernels.js';
export { GPT3_175B, LLMCOMPASS_OPS, VIDUR_OPS } from './layers.js';
export { skipReasons } from './messages.js';
export type { GroupSummary, RowRecord, SkippedRecord, ValidationReport } from './validate.js';
export { validateRows, sourceLabel, percentile } from './validate.js';
export type {
  CalibrationParameter,
  CalibrationProfile,
  FitRecord,
  ProfileLike,
  ProfileParameters,
  ProfileSet,
} from './profile.js';
export {
  CALIBRATION_PARAMETERS,
  ENGINE_PARAMETERS,
  HARDWARE_PARAMETERS,
  CalibrationProfileSchema,
  ProfileParametersSchema,
  defaultParameters,
  isCalibrationParameter,
  profileParametersFor,
  withProfile,
} from './profile.js';
export type { FitOptions, FitParameter, FitProblem, FitResult, Loss } from './fit.js';
export { fitParameters, jacobianAt, lossValue } from './fit.js';
export type { Observation, RecordDefaults, SkippedObservation } from './observations.js';
export { observationsFromRecords, observationsFromRows, recordScenario } from './observations.js';
export type { ProfileFit, ProfileFitOptions, Weighting } from './fit-profile.js';
export {
  MIN_CALIBRATION_ROWS,
  PARAMETER_SPECS,
  defaultFitParameters,
  fitProfile,
  observationsFor,
} from './fit-profile.js';
export type {
  CrossValidationGroup,
  CrossValidationOptions,
  CrossValidationReport,
  CrossValidationRow,
  ErrorStats,
  FewShotResult,
} from './cross-validate.js';
export { crossValidate, errorStats, fewShotValidate } from './cross-validate.js';
export { SHIPPED_PROFILES } from './profiles-data.js';
