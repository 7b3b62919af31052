/**
 * The band lookup for a normalized scenario: its hardware family, model class, engine, workload
 * kind, sequences in flight per replica, context and TP (docs/uncertainty.md).
 */
import type { NormalizedScenario } from '../scenario/normalize.js';
import type { BandConditions, ScenarioBands } from './band.js';
import { defaultBandModel } from './band.js';

/** Conditions of a scenario; `batch` is the sequences in flight per replica. */
export function bandConditions(ns: NormalizedScenario, batch: number): BandConditions {
  const w = ns.workload;
  return {
    hardware: ns.hardware.id,
    family: ns.efficiency.family,
    moe: ns.model.moe !== undefined,
    engine: ns.engine.id,
    kind: w.kind === 'batch' ? 'static' : 'continuous',
    batch,
    context: w.inputTokens + w.outputTokens,
    tp: ns.tp,
  };
}

/** Log bands and extrapolation reasons of a scenario, from the shipped residuals. */
export function scenarioBands(ns: NormalizedScenario, batch: number): ScenarioBands {
  return defaultBandModel().bands(bandConditions(ns, batch));
}
