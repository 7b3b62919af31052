/**
 * The band lookup for a normalized scenario: its hardware family, model class, numeric format,
 * engine, workload kind (load regime), sequences in flight per replica, context and TP (docs/uncertainty.md).
 * A run under calibrated efficiencies gets the bands of the calibrated residuals.
 */
import { efficiencyFor } from '../hardware/families.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { BandConditions, ScenarioBands } from './band.js';
import { defaultBandModel } from './band.js';
import { formatClass, modelClassOf } from './classes.js';
import type { OpenLoopLoad } from './utilization.js';

/**
 * Conditions of a scenario; `batch` is the sequences in flight per replica, `load` the
 * utilization of an open-loop run (openLoopLoad).
 */
export function bandConditions(ns: NormalizedScenario, batch: number, load?: OpenLoopLoad): BandConditions {
  const w = ns.workload;
  return {
    hardware: ns.hardware.id,
    family: ns.efficiency.family,
    modelClass: modelClassOf(ns.model),
    format: formatClass(ns.formats.weights),
    engine: ns.engine.id,
    load: w.kind,
    batch,
    context: w.inputTokens + w.outputTokens,
    tp: ns.tp,
    ...(load !== undefined ? { utilization: load.utilization, batchShare: load.batchShare } : {}),
  };
}

/**
 * Whether the scenario runs under calibrated efficiencies: an efficiency differs from its default
 * (the device family's: the GEMM, memory, attention and collective ones; or the engine's: kernel
 * launch, step and request overheads). A calibration profile reaches the scenario as such
 * overrides (`--calibration`, `calibration:`); a hand-set override is treated alike.
 */
export function isCalibrated(ns: NormalizedScenario): boolean {
  const d = efficiencyFor(ns.hardware);
  const e = ns.efficiency;
  const engine = ns.engine;
  // Written out: a loop over the names reads each through one megamorphic keyed load, and this
  // runs for every estimate.
  return (
    e.gemmPeakFraction !== d.gemmPeakFraction ||
    e.gemmLowPrecisionPeakFraction !== d.gemmLowPrecisionPeakFraction ||
    e.gemmFp4PeakFraction !== d.gemmFp4PeakFraction ||
    e.memoryBandwidthFraction !== d.memoryBandwidthFraction ||
    e.attentionPeakFraction !== d.attentionPeakFraction ||
    e.collectiveLatencySeconds !== d.collectiveLatencySeconds ||
    e.collectiveBandwidthFraction !== d.collectiveBandwidthFraction ||
    e.kernelLaunchSeconds !== engine.kernelLaunchSeconds ||
    e.stepOverheadSeconds !== engine.stepOverheadSeconds ||
    e.stepOverheadPerSequenceSeconds !== engine.stepOverheadPerSequenceSeconds ||
    e.requestOverheadSeconds !== engine.requestOverheadSeconds
  );
}

/** Log bands and extrapolation reasons of a scenario, from the shipped residuals. */
export function scenarioBands(ns: NormalizedScenario, batch: number, load?: OpenLoopLoad): ScenarioBands {
  return defaultBandModel(isCalibrated(ns)).bands(bandConditions(ns, batch, load));
}
