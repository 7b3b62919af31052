/**
 * Residuals as the uncertainty bands read them: one record per measured row that `validate`
 * predicts, with the conditions it was measured under and the source it came from
 * (scripts/residuals.mjs).
 */

/** What a residual measures; latency classes mirror throughput (latency ∝ 1 / throughput). */
export type MetricClass = 'throughput' | 'latency-ttft' | 'latency-tpot' | 'latency-e2e';

/**
 * The load regime: the scenario's workload kind (WorkloadKind in scenario/types.ts, restated here
 * because the band data sits below the scenario layer).
 */
export type LoadKind = 'batch' | 'concurrency' | 'requestRate' | 'maxThroughput';

/** Model class: dense, mixture-of-experts, or multi-head latent attention (DeepSeek: MLA and MoE). */
export type ModelClass = 'dense' | 'moe' | 'mla';

/** A whole-run serving row (static batch or continuous batching). */
export interface ServingResidual {
  readonly id: string;
  /**
   * The source the row is held out with (bandSource): one publication or harness. Rows of one
   * source share its conventions, so a row's band never draws on its own source when coverage is
   * measured.
   */
  readonly source: string;
  /** Catalog hardware id. */
  readonly hardware: string;
  /** Efficiency family (efficiencyFor(hardware).family). */
  readonly family: string;
  readonly metricClass: MetricClass;
  readonly model: string;
  readonly modelClass: ModelClass;
  /** Rate class of the weights format (formatClass): 16-bit, fp8, fp4, int8, int4. */
  readonly format: string;
  readonly engine: string;
  /**
   * The workload kind the row was measured under (the load regime): a static batch, a closed loop
   * at fixed concurrency, open-loop Poisson arrivals at a request rate, or offline max throughput.
   */
  readonly load: LoadKind;
  readonly tp: number;
  /** ln of the sequences in flight per replica (static batch, or the simulated mean). */
  readonly logBatch: number;
  /** ln(input + output tokens). */
  readonly logContext: number;
  /**
   * Utilization ρ of an open-loop row's predicted run (openLoopUtilization): the arrival rate over
   * the predicted capacity. Absent for a closed loop.
   */
  readonly utilization?: number;
  /** φ of the open-loop row's run (OpenLoopLoad.batchShare): TPOT is amplified by φ·ρ. */
  readonly batchShare?: number;
  /** ln(measured / predicted), default efficiencies (no calibration). */
  readonly residual: number;
  /**
   * ln(measured / predicted) with calibration profiles fitted without the row's source (the
   * row's device keeps its defaults where no profile was fitted).
   */
  readonly calibrated: number;
}

/** The categorical factors whose absence from the data widens a band (learned). */
export const WIDENING_FACTORS = ['family', 'modelClass', 'format', 'engine'] as const;
export type WideningFactor = (typeof WIDENING_FACTORS)[number];

/**
 * How requests arrive: 'open' (Poisson arrivals at a request rate, whose latency near capacity
 * amplifies any error in the service rate) or 'closed' (a static batch, a fixed concurrency, or
 * offline max throughput: a new request enters only when one leaves, so latency ∝ 1 / throughput
 * by Little's law).
 */
export type Arrival = 'closed' | 'open';

/** The arrival regime of a workload kind. */
export const arrivalOf = (load: LoadKind): Arrival => (load === 'requestRate' ? 'open' : 'closed');

/**
 * Learned band widening, ln added to each side (learnWidening): `source` widens every band of an
 * arrival regime and metric class (a scenario is always a new source: its bias is not in the
 * data); each factor adds its term when the scenario's value of that factor is unseen in the
 * data. Every term is at least 0: an unseen factor never narrows a band.
 */
export type Widening = Readonly<Record<WideningFactor, number>> & {
  readonly source: Readonly<Record<Arrival, Readonly<Record<MetricClass, number>>>>;
  /** Per e-fold by which batch, context and TP together lie outside the range of the rows drawn on. */
  readonly range: number;
};
