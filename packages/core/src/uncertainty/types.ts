/**
 * Calibration residuals as the uncertainty bands read them: one record per measured row that
 * `validate` predicts, with the conditions it was measured under (scripts/residuals.mjs).
 */

/** What a residual measures; latency classes mirror throughput (latency ∝ 1 / throughput). */
export type MetricClass = 'throughput' | 'latency-ttft' | 'latency-tpot' | 'latency-e2e';

/** A whole-run serving row (static batch or continuous batching). */
export interface ServingResidual {
  readonly id: string;
  /** Catalog hardware id. */
  readonly hardware: string;
  /** Efficiency family (efficiencyFor(hardware).family). */
  readonly family: string;
  readonly metricClass: MetricClass;
  readonly model: string;
  /** Mixture-of-experts model. */
  readonly moe: boolean;
  readonly engine: string;
  /** 'static': all requests start together; 'continuous': continuous batching. */
  readonly kind: 'static' | 'continuous';
  readonly tp: number;
  /** ln of the sequences in flight per replica (static batch, or the simulated mean). */
  readonly logBatch: number;
  /** ln(input + output tokens). */
  readonly logContext: number;
  /** ln(measured / predicted). */
  readonly residual: number;
}

/** A kernel or operator row (GEMM ceilings, per-operator latencies). */
export interface KernelResidual {
  readonly id: string;
  readonly hardware: string;
  readonly family: string;
  readonly metricClass: 'kernel';
  readonly metric: string;
  readonly residual: number;
}
