/** What predictRow returns, and its options. */
import type { ProfileSet } from '../calibrate/profile.js';
import type { MeasurementRow } from '../measurements/csv.js';
import type { DatasetPreset, LengthDistribution } from '../scenario/lengths.js';

/** A predicted value in the row's metric and unit, or the reason the row is not predicted. */
export type Prediction = { readonly predicted: number; readonly note?: string } | { readonly skip: string };

export interface PredictOptions {
  /**
   * Launch cost added to each kernel of a per-operator latency row: 'eager' = the vLLM profile's
   * eager-mode launch (these rows were timed one PyTorch op at a time), 'none' = 0. Default 'eager'.
   */
  readonly opLaunch?: 'eager' | 'none';
  /**
   * Calibration profiles applied to the rows on their devices (and engines): their parameters
   * become the efficiency overrides of each prediction. Default none: the family defaults.
   */
  readonly profiles?: ProfileSet;
  /**
   * The other rows of the file, for facts a row leaves to its siblings: an MLPerf run whose KV
   * format is unstated takes the one its submission's other scenarios state. validateRows sets it.
   */
  readonly rows?: readonly MeasurementRow[];
  /**
   * Prompt-length distributions that replace a dataset preset's for the MLPerf rows
   * (scripts/fit-dataset-lengths.mjs sweeps the unpublished input means with it). Default: the
   * presets of scenario/lengths.ts.
   */
  readonly datasetInputs?: Partial<Record<DatasetPreset, LengthDistribution>>;
}
