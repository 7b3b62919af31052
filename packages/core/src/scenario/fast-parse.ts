/**
 * A fast path for validating the common scenario: `fastParseScenario` checks a plain object that
 * uses only catalog ids and scalar fields and returns exactly what `ScenarioSchema.parse` returns
 * for it (same keys in the schema's order, defaults applied, a key given as undefined kept as
 * undefined), or undefined whenever it is not sure — an inline model or hardware, a length
 * distribution, speculation, disaggregation, offload, power or cost, an object that is not plain,
 * an unknown key, any value zod might reject. The caller then runs zod, which decides and words
 * every error, so the messages for bad input are zod's alone. It only ever accepts what zod
 * accepts: each check below is zod's own rule for that field (scenario/schema.ts), and
 * scenario/fast-parse.test.ts compares the two on valid and invalid inputs and pins every
 * object's key list to the schema's shape, so a field added to the schema must be added here.
 *
 * It keeps no state: every call builds fresh output objects (defaults included).
 */
import { NUMERIC_FORMATS } from '../units/formats.js';
import type { Scenario } from './schema.js';
import { DATASET_PRESETS, DEFAULT_ENGINE, ENGINE_REFS, MAX_REQUESTS } from './schema.js';

/** A field's value parsed as zod does (the same value, or a fresh object), or REJECT. */
type Parse = (v: unknown) => unknown;

const REJECT = Symbol('reject');

interface Field {
  readonly key: string;
  readonly parse: Parse;
  /** zod rejects the object without it. */
  readonly required?: true;
  /** Builds the schema's `.default(...)` value, for a field absent or given as undefined. */
  readonly defaultValue?: () => unknown;
}

interface ObjectSpec {
  readonly fields: readonly Field[];
  readonly keys: ReadonlySet<string>;
}

function spec(fields: readonly Field[]): ObjectSpec {
  return { fields, keys: new Set(fields.map((f) => f.key)) };
}

// zod's number checks: z.number() takes finite numbers only, .int() safe integers only.
const positiveInt: Parse = (v) => (Number.isSafeInteger(v) && (v as number) > 0 ? v : REJECT);
const nonNegativeInt: Parse = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? v : REJECT);
const int: Parse = (v) => (Number.isSafeInteger(v) ? v : REJECT);
const positive: Parse = (v) => (Number.isFinite(v) && (v as number) > 0 ? v : REJECT);
const nonNegative: Parse = (v) => (Number.isFinite(v) && (v as number) >= 0 ? v : REJECT);
/** z.number().positive().max(1) */
const fraction: Parse = (v) => (Number.isFinite(v) && (v as number) > 0 && (v as number) <= 1 ? v : REJECT);
/** z.number().min(0).max(1) */
const unit: Parse = (v) => (Number.isFinite(v) && (v as number) >= 0 && (v as number) <= 1 ? v : REJECT);
const boolean: Parse = (v) => (typeof v === 'boolean' ? v : REJECT);
/** z.string().min(1): a catalog id (an inline object goes to zod). */
const id: Parse = (v) => (typeof v === 'string' && v.length >= 1 ? v : REJECT);
const requests: Parse = (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= MAX_REQUESTS ? v : REJECT;
function oneOf(values: readonly string[]): Parse {
  const set = new Set(values);
  return (v) => (typeof v === 'string' && set.has(v) ? v : REJECT);
}
/** A field the fast path leaves to zod whenever it holds a value. */
const toZod: Parse = () => REJECT;
const nested =
  (s: ObjectSpec): Parse =>
  (v) =>
    parseObject(v, s);

const format = oneOf(NUMERIC_FORMATS);

const PARALLELISM = spec([
  { key: 'tp', parse: positiveInt, defaultValue: () => 1 },
  { key: 'pp', parse: positiveInt, defaultValue: () => 1 },
  { key: 'ep', parse: positiveInt, defaultValue: () => 1 },
  { key: 'redundantExperts', parse: nonNegativeInt, defaultValue: () => 0 },
  { key: 'dp', parse: positiveInt, defaultValue: () => 1 },
  { key: 'attentionDp', parse: boolean, defaultValue: () => false },
  { key: 'microBatches', parse: positiveInt },
]);

const PRECISION = spec([
  { key: 'weights', parse: format },
  { key: 'activations', parse: format },
  { key: 'kvCache', parse: format },
  { key: 'cacheLayerInput', parse: boolean },
  { key: 'fp8Scaling', parse: oneOf(['tensor', 'block']) },
]);

const WORKLOAD = spec([
  { key: 'inputTokens', parse: positiveInt, required: true },
  { key: 'outputTokens', parse: positiveInt, required: true },
  { key: 'batch', parse: positiveInt },
  { key: 'concurrency', parse: positiveInt },
  { key: 'requestRate', parse: positive },
  { key: 'requests', parse: requests },
  { key: 'seed', parse: int },
  { key: 'maxThroughput', parse: boolean },
  { key: 'inputLengths', parse: toZod },
  { key: 'outputLengths', parse: toZod },
  { key: 'maxOutputTokens', parse: positiveInt },
  { key: 'dataset', parse: oneOf(DATASET_PRESETS) },
]);

const SERVING = spec([
  { key: 'maxBatchedTokens', parse: positiveInt },
  { key: 'maxSequences', parse: positiveInt },
  { key: 'memoryFraction', parse: fraction },
  { key: 'kvPageTokens', parse: positiveInt },
  { key: 'chunkedPrefill', parse: boolean },
  { key: 'mixedBatches', parse: boolean },
  { key: 'overlapScheduler', parse: boolean },
  { key: 'apiServer', parse: boolean },
  { key: 'prefixCacheHitRate', parse: unit },
  { key: 'speculative', parse: toZod },
  { key: 'disaggregation', parse: toZod },
]);

const TOPOLOGY = spec([
  { key: 'scaleUpDomainSize', parse: positiveInt },
  { key: 'scaleUpBandwidthBytesPerSecond', parse: positive },
  { key: 'scaleOutBandwidthBytesPerSecond', parse: positive },
  { key: 'scaleOutLatencySeconds', parse: nonNegative },
]);

const EFFICIENCY = spec([
  { key: 'gemmPeakFraction', parse: fraction },
  { key: 'gemmLowPrecisionPeakFraction', parse: fraction },
  { key: 'gemmFp4PeakFraction', parse: fraction },
  { key: 'gemmBlockFp8PeakFraction', parse: fraction },
  { key: 'memoryBandwidthFraction', parse: fraction },
  { key: 'attentionPeakFraction', parse: fraction },
  { key: 'kernelLaunchSeconds', parse: nonNegative },
  { key: 'stepOverheadSeconds', parse: nonNegative },
  { key: 'stepOverheadPerSequenceSeconds', parse: nonNegative },
  { key: 'requestOverheadSeconds', parse: nonNegative },
  { key: 'collectiveLatencySeconds', parse: nonNegative },
  { key: 'collectiveBandwidthFraction', parse: fraction },
  { key: 'kernelFixedSeconds', parse: nonNegative },
]);

const SCENARIO = spec([
  { key: 'model', parse: id, required: true },
  { key: 'hardware', parse: id, required: true },
  { key: 'gpus', parse: positiveInt },
  { key: 'parallelism', parse: nested(PARALLELISM), defaultValue: () => parseObject({}, PARALLELISM) },
  { key: 'precision', parse: nested(PRECISION), defaultValue: () => ({}) },
  { key: 'engine', parse: oneOf(ENGINE_REFS), defaultValue: () => DEFAULT_ENGINE },
  { key: 'workload', parse: nested(WORKLOAD), required: true },
  { key: 'serving', parse: nested(SERVING) },
  { key: 'topology', parse: nested(TOPOLOGY) },
  { key: 'offload', parse: toZod },
  { key: 'power', parse: toZod },
  { key: 'cost', parse: toZod },
  { key: 'efficiency', parse: nested(EFFICIENCY) },
  { key: 'calibration', parse: oneOf(['shipped', 'none']) },
]);

/** The fast path's field names per schema object, for the test that pins them to the schema. */
export const FAST_PARSE_KEYS: Readonly<Record<string, readonly string[]>> = {
  scenario: SCENARIO.fields.map((f) => f.key),
  parallelism: PARALLELISM.fields.map((f) => f.key),
  precision: PRECISION.fields.map((f) => f.key),
  workload: WORKLOAD.fields.map((f) => f.key),
  serving: SERVING.fields.map((f) => f.key),
  topology: TOPOLOGY.fields.map((f) => f.key),
  efficiency: EFFICIENCY.fields.map((f) => f.key),
};

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * A strict zod object: only known own keys; a key absent stays absent unless it has a default; a
 * key given as undefined takes its default, else is kept as undefined (as zod does).
 */
function parseObject(input: unknown, s: ObjectSpec): Record<string, unknown> | typeof REJECT {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype)
    return REJECT;
  const o = input as Record<string, unknown>;
  // Whether some key holds undefined: only then does an absent-looking field need the own-key
  // test (a call per field otherwise, the larger part of this function's time).
  let undefinedValued = false;
  for (const k in o) {
    if (!s.keys.has(k)) return REJECT;
    if (o[k] === undefined) undefinedValued = true;
  }
  const out: Record<string, unknown> = {};
  for (const f of s.fields) {
    const v = o[f.key];
    if (v === undefined) {
      if (f.required === true) return REJECT;
      if (f.defaultValue !== undefined) out[f.key] = f.defaultValue();
      else if (undefinedValued && hasOwn(o, f.key)) out[f.key] = undefined;
      continue;
    }
    const parsed = f.parse(v);
    if (parsed === REJECT) return REJECT;
    out[f.key] = parsed;
  }
  return out;
}

/** ScenarioSchema's workload refinement: exactly one of batch, concurrency, requestRate, maxThroughput. */
function oneWorkloadKind(w: Record<string, unknown>): boolean {
  let kinds = 0;
  if (w.batch !== undefined) kinds++;
  if (w.concurrency !== undefined) kinds++;
  if (w.requestRate !== undefined) kinds++;
  if (w.maxThroughput === true) kinds++;
  return kinds === 1;
}

/** What `ScenarioSchema.parse(input)` returns, where the fast path is sure; undefined otherwise. */
export function fastParseScenario(input: unknown): Scenario | undefined {
  const out = parseObject(input, SCENARIO);
  if (out === REJECT) return undefined;
  if (!oneWorkloadKind(out.workload as Record<string, unknown>)) return undefined;
  return out as Scenario;
}
