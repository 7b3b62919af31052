/** Diagnostics and reasons of the calibration (fit and cross-validation). Wording lives here. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { closestMatches } from '../diagnostics/closest.js';
import { hardwareMessages } from '../hardware/messages.js';
import { hardwareIds } from '../hardware/catalog.js';

export type CalibrateCode = 'calibrate.too-few-rows';

/** Why a measurement is not used for calibration, and what calibrate reports. */
export const calibrateMessages = {
  notPositive: (predicted: number, measured: number) =>
    measured > 0
      ? `prediction is not a positive number (${String(predicted)})`
      : 'measured value is not positive',
  noMetric: 'no throughput or latency Ridgeline predicts',
  estimateFailed: (message: string) => `estimate failed: ${message}`,
};

export const fitMessages = {
  unknownHardware: (name: string): Diagnostic =>
    hardwareMessages.unknownHardware(name, closestMatches(name, hardwareIds())),
  tooFewRows: (found: number, needed: number, hardware: string, engine: string | undefined): Diagnostic => ({
    code: 'calibrate.too-few-rows',
    severity: 'error',
    message: `${String(found)} usable measurement(s) on ${hardware}${engine === undefined ? '' : ` with engine ${engine}`}; calibration needs at least ${String(needed)}`,
  }),
};
