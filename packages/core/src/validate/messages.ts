/** Reasons a measurement row is not predicted (validation). Wording lives here. */

/** Reasons a row is not predicted. Rows are grouped by these exact strings. */
export const skipReasons = {
  maxThroughput: 'a serving run at a concurrency or request rate whose lengths or setup are not published',
  training: 'training not modeled yet',
  allToAll: 'expert-parallel all-to-all not modeled yet',
  noShape: 'best case, shape not given',
  unfusedAttention: 'unfused attention sub-kernel (Ridgeline models fused attention)',
  modelNotInCatalog: 'model not in catalog (no verified config)',
  hardwareNotInCatalog: (name: string) => `hardware '${name}' not in catalog`,
  unknownOp: (op: string) => `no Ridgeline operator maps to '${op}'`,
  noRule: (metric: string) => `no prediction rule for metric '${metric}'`,
  unparsed: (what: string) => `cannot read ${what} from the row`,
  overloaded:
    "overloaded: the predicted capacity is below the target request rate, so the queue and TTFT grow for the whole run (a capacity miss, shown by the run's throughput rows; LoadGen marks such a run INVALID)",
  estimateFailed: (message: string) => `estimate failed: ${message}`,
  unsupportedPrecision: (text: string) => `precision '${text}' not recognized`,
};
