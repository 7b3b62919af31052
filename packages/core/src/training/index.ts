/** Training and fine-tuning (issue 11): schema, normalization, memory, step time, report, search, validation. */
export * from './schema.js';
export type { NormalizedTraining } from './normalize.js';
export { normalizeTraining, validateTraining, defaultScaleOutGbps } from './normalize.js';
export type { TrainingMemory } from './memory.js';
export { trainingMemory, largestMicroBatch } from './memory.js';
export type { StepBreakdown, OperatorTime, StepResult } from './step.js';
export { stepTime } from './step.js';
export { modelFlopsPerToken, loraParams } from './shapes.js';
export type { TrainingReport, MfuFigures } from './estimate.js';
export { estimateTraining, estimateTrainingNormalized, layoutLabel } from './estimate.js';
// Reading, predicting and fitting training.csv live with the other measurements (issue 8).
export type { TrainingRow, TrainingRowScenario } from '../measurements/training-csv.js';
export {
  TRAINING_COLUMNS,
  isTrainingHeader,
  parseTrainingCsv,
  readsAsTrainingCsv,
  trainingScenarioOf,
  trainingSourceLabel,
} from '../measurements/training-csv.js';
export type {
  TrainingRowRecord,
  TrainingSkip,
  TrainingGroup,
  TrainingValidationReport,
} from '../validate/training-rows.js';
export { predictTrainingRow, validateTrainingRows } from '../validate/training-rows.js';
export type { LayoutResult, SearchOptions, SearchResult } from './search.js';
export { searchLayouts } from './search.js';
export type { TrainingBandCoverage, TrainingCrossValidation } from '../calibrate/training-fit.js';
export { crossValidateTraining, trainingBandCoverage, trainingResiduals } from '../calibrate/training-fit.js';
export type {
  TrainingBand,
  TrainingLogBand,
  TrainingResidual,
  TrainingResidualClass,
  TrainingUncertainty,
} from './bands.js';
export { trainingLogBand, trainingUncertainty } from './bands.js';
export { TRAINING_RESIDUALS } from './residuals-data.js';
export type { TrainingEfficiency } from './normalize.js';
export { TRAINING_EFFICIENCY_DEFAULTS } from './normalize.js';
