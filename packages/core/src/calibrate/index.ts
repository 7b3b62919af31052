/** Calibration: reading measurement CSVs and checking Ridgeline's predictions against them. */
export type { MeasurementRow, MeasurementColumn } from './csv.js';
export { MEASUREMENT_COLUMNS, parseMeasurementCsv } from './csv.js';
export type { Prediction, PredictOptions } from './predict.js';
export { predictRow, TRAINING_METRICS, ALL_TO_ALL_METRICS } from './predict.js';
export type { GemmCase } from './kernels.js';
export { gemmShapeFromNotes } from './kernels.js';
export { GPT3_175B, LLMCOMPASS_OPS, VIDUR_OPS } from './layers.js';
export { skipReasons } from './messages.js';
export type { GroupSummary, RowRecord, SkippedRecord, ValidationReport } from './validate.js';
export { validateRows, sourceLabel, percentile } from './validate.js';
