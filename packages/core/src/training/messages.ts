/** Wording of training diagnostics (kept beside the training model to stay in one place). */
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/** Codes of training diagnostics. */
export type TrainingCode =
  | 'training.invalid'
  | 'training.warning'
  | 'training.gpus'
  | 'training.batch'
  | 'training.memory'
  | 'training.csv';

function err(code: TrainingCode, message: string, path: readonly (string | number)[]): Diagnostic {
  return { code, severity: 'error', message, path };
}

function warn(code: TrainingCode, message: string, path: readonly (string | number)[]): Diagnostic {
  return { code, severity: 'warning', message, path };
}

export const trainingMessages = {
  invalid: (path: readonly (string | number)[], message: string) => err('training.invalid', message, path),
  warning: (path: readonly (string | number)[], message: string) => warn('training.warning', message, path),
  gpusMismatch: (gpus: number, tp: number, pp: number, cp: number, dp: number) =>
    err(
      'training.gpus',
      `gpus (${String(gpus)}) must equal tp·pp·cp·dp = ${String(tp)}·${String(pp)}·${String(cp)}·${String(dp)} = ${String(tp * pp * cp * dp)}.`,
      ['gpus'],
    ),
  batchNotDivisible: (globalBatch: number, dp: number, microBatch: number) =>
    err(
      'training.batch',
      `globalBatch (${String(globalBatch)}) must be a multiple of dp·microBatch = ${String(dp)}·${String(microBatch)} = ${String(dp * microBatch)}.`,
      ['globalBatch'],
    ),
};
