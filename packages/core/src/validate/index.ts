/** Validation: predicting measurement rows and tabulating the errors. */
export type { Prediction, PredictOptions } from './predict.js';
export { predictRow, TRAINING_METRICS, ALL_TO_ALL_METRICS } from './predict.js';
export type { GemmCase } from './kernels.js';
export { gemmShapeFromNotes } from './kernels.js';
export { GPT3_175B, LLMCOMPASS_OPS, VIDUR_OPS } from './layers.js';
export { skipReasons } from './messages.js';
export type { GroupSummary, RowRecord, SkippedRecord, ValidationReport } from './validate.js';
export { validateRows, sourceLabel, percentile } from './validate.js';
export type { PredictedItem } from './validate.js';
export { assembleReport } from './validate.js';
export { validateRecords } from './records.js';
