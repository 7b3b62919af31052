/**
 * A benchmark record's scenario: the fragment an importer read (model, hardware, engine,
 * parallelism, lengths, load), resolved against the catalogs and completed with the caller's
 * defaults, or the reason it cannot be built.
 */
import { findHardware } from '../hardware/catalog.js';
import { findModel } from '../model/catalog.js';
import type { EngineId } from '../scenario/schema.js';
import type { NumericFormat } from '../units/formats.js';
import { isNumericFormat } from '../units/formats.js';
import { recordMessages } from './messages.js';
import { formatOf } from './resolve.js';
import type { ScenarioFragment } from './types.js';

/** What the files leave out, filled by the caller (`ridgeline calibrate` flags). */
export interface RecordDefaults {
  /** The device the records were measured on (required when a record does not say). */
  readonly hardware?: string;
  readonly engine?: EngineId;
  /** Model of records whose own model name the catalog does not know (or that name none). */
  readonly model?: string;
  readonly tp?: number;
  readonly weights?: NumericFormat;
  readonly kvCache?: NumericFormat;
}

/** Requests a serving run is simulated with when the record does not say how many it measured. */
export const DEFAULT_RECORD_REQUESTS = 1000;

function formatOfText(text: string | undefined): NumericFormat | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  return isNumericFormat(t) ? t : formatOf(t);
}

/** The core scenario of a record, or why it cannot be built. */
export function recordScenario(
  s: ScenarioFragment,
  defaults: RecordDefaults,
):
  | {
      scenario: Record<string, unknown>;
      hardware: string;
      engine: EngineId;
      weights: NumericFormat | undefined;
      devices: number;
    }
  | { skip: string } {
  const hwName = s.hardware ?? defaults.hardware;
  if (hwName === undefined) return { skip: recordMessages.noHardware };
  const hw = findHardware(hwName);
  if (hw === undefined) return { skip: recordMessages.unknownRecordHardware(hwName) };
  if (defaults.hardware !== undefined && findHardware(defaults.hardware)?.id !== hw.id)
    return { skip: recordMessages.otherHardware(hw.id, defaults.hardware) };
  const engine: EngineId = s.engine ?? defaults.engine ?? 'ideal';
  if (defaults.engine !== undefined && engine !== defaults.engine)
    return { skip: recordMessages.otherEngine(engine, defaults.engine) };
  // The file's model when the catalog knows it; else the one the caller gives.
  const fromFile = s.model === undefined ? undefined : findModel(s.model);
  const modelName = fromFile?.id ?? defaults.model ?? s.model;
  if (modelName === undefined) return { skip: recordMessages.noModel };
  const model = fromFile ?? findModel(modelName);
  if (model === undefined) return { skip: recordMessages.unknownRecordModel(modelName) };
  const w = s.workload;
  if (w.inputTokens === undefined || w.outputTokens === undefined) return { skip: recordMessages.noLengths };
  const tp = s.tp ?? defaults.tp ?? s.gpus ?? 1;
  const pp = s.pp ?? 1;
  const dp = s.gpus !== undefined && s.gpus > tp * pp && s.gpus % (tp * pp) === 0 ? s.gpus / (tp * pp) : 1;
  const weights = defaults.weights ?? formatOfText(s.precision?.weights);
  const kvCache = defaults.kvCache ?? formatOfText(s.precision?.kvCache);
  const requests = w.requests ?? DEFAULT_RECORD_REQUESTS;
  let workload: Record<string, unknown>;
  if (w.batch !== undefined) workload = { batch: w.batch };
  else if (w.concurrency !== undefined) workload = { concurrency: w.concurrency, requests };
  else if (w.requestRate !== undefined) workload = { requestRate: w.requestRate, requests };
  else if (w.maxThroughput === true) workload = { maxThroughput: true, requests };
  else return { skip: recordMessages.noLoad };
  // The lengths' distributions the file states; a static batch runs every request at the means.
  const lengths: Record<string, unknown> = {};
  if (w.batch === undefined) {
    if (w.inputLengths !== undefined) lengths['inputLengths'] = w.inputLengths;
    if (w.outputLengths !== undefined) lengths['outputLengths'] = w.outputLengths;
  }
  const precision: Record<string, unknown> = {};
  if (weights !== undefined) precision['weights'] = weights;
  if (kvCache !== undefined) precision['kvCache'] = kvCache;
  return {
    scenario: {
      model: model.id,
      hardware: hw.id,
      gpus: tp * pp * dp,
      parallelism: { tp, pp, dp },
      precision,
      engine,
      workload: { ...workload, inputTokens: w.inputTokens, outputTokens: w.outputTokens, ...lengths },
    },
    hardware: hw.id,
    engine,
    weights,
    devices: tp * pp,
  };
}
