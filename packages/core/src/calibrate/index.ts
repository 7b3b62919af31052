/** Calibration: fitting efficiency profiles to measurements, and cross-validating the fit. */
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
  profileLabel,
  withProfile,
} from './profile.js';
export type { FitOptions, FitParameter, FitProblem, FitResult, Loss } from './fit.js';
export { fitParameters, jacobianAt, lossValue } from './fit.js';
export type { Observation, SkippedObservation } from './observations.js';
export { observationsFromRecords, observationsFromRows } from './observations.js';
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
export type {
  GuardedCrossValidation,
  ShippingCandidate,
  ShippingDecision,
  ShippingEvidence,
  ShippingRule,
} from './guard.js';
export { SHIPPING_RULE, guardedCrossValidate, shippedSet, shippingDecisions } from './guard.js';
export { SHIPPED_PROFILES } from './profiles-data.js';
