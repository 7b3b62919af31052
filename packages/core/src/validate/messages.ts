/** Reasons a measurement row is not predicted (validation). Wording lives here. */
import { MISSING_MODELS } from '../model/catalog.js';
import { closestModelIds } from '../measurements/resolve.js';

/** Reasons a row is not predicted. Rows are grouped by these exact strings. */
export const skipReasons = {
  maxThroughput: 'a serving run at a concurrency or request rate whose lengths or setup are not published',
  trainingSetupNotStated: (missing: readonly string[]) =>
    `training run whose setup is not stated: no ${missing.join(', ')} in the row`,
  trainingNotExpressible: (reason: string) => `training row not expressible: ${reason}`,
  allToAllNotStated: (what: string) => `all-to-all kernel row without ${what}`,
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

/**
 * A row's model that the catalog lacks: the catalog's own reason when it lists the model as
 * missing (model/catalog.ts MISSING_MODELS, e.g. Falcon-180B: no verified config in the sources
 * read), otherwise the closest catalog ids.
 */
export function modelNotInCatalogSkip(name: string): string {
  const key = name.trim().toLowerCase().replace(/\s+/g, '-');
  const missing = MISSING_MODELS.find((m) => m.id === key || m.hfRepo.toLowerCase().endsWith(`/${key}`));
  return missing !== undefined
    ? `${skipReasons.modelNotInCatalog}: '${name}' (${missing.hfRepo}): ${missing.reason}`
    : `${skipReasons.modelNotInCatalog}: '${name}' (closest: ${closestModelIds(name).join(', ')})`;
}
