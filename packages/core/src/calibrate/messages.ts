/** Diagnostics and skip reasons of the calibration (validate) pipeline. Wording lives here. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { closestMatches } from '../diagnostics/closest.js';
import { messages } from '../diagnostics/messages.js';
import { hardwareIds } from '../hardware/catalog.js';

const csvError = (line: number, message: string): Diagnostic => ({
  code: 'csv.malformed',
  severity: 'error',
  message: `line ${line}: ${message}`,
  path: [line],
});

export const csvMessages = {
  empty: () => csvError(1, 'the file is empty: expected a header line'),
  missingColumns: (line: number, missing: readonly string[]) =>
    csvError(line, `header lacks column(s) ${missing.map((c) => `'${c}'`).join(', ')}`),
  duplicateColumn: (line: number, column: string) => csvError(line, `header names column '${column}' twice`),
  fieldCount: (line: number, expected: number, found: number) =>
    csvError(line, `expected ${expected} fields (as in the header), found ${found}`),
  unterminatedQuote: (line: number) =>
    csvError(line, 'a quoted field is not closed before the end of the file'),
  quoteInBareField: (line: number) =>
    csvError(line, 'a quote inside an unquoted field: quote the whole field and double the inner quotes'),
  textAfterQuote: (line: number) =>
    csvError(line, 'text after a closing quote: a quoted field must end at a comma or the line end'),
  badValue: (line: number, value: string) => csvError(line, `value '${value}' is not a finite number`),
  emptyId: (line: number) => csvError(line, 'the id field is empty'),
  more: (count: number, shown: number, lastLine: number) =>
    csvError(
      lastLine,
      `and ${count} more problem(s) after the first ${shown} (the file is likely not a measurement CSV)`,
    ),
};

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
  estimateFailed: (message: string) => `estimate failed: ${message}`,
  unsupportedPrecision: (text: string) => `precision '${text}' not recognized`,
};

/** Why a measurement is not used for calibration, and what calibrate reports. */
export const calibrateMessages = {
  notPositive: (predicted: number, measured: number) =>
    measured > 0
      ? `prediction is not a positive number (${String(predicted)})`
      : 'measured value is not positive',
  noHardware: 'the file does not name the hardware: give --hardware',
  unknownRecordHardware: (name: string) => `hardware '${name}' not in catalog`,
  otherHardware: (found: string, wanted: string) => `measured on ${found}, not on ${wanted}`,
  otherEngine: (found: string, wanted: string) => `measured with engine ${found}, not ${wanted}`,
  noModel: 'the file does not name the model: give --model',
  unknownRecordModel: (name: string) => `model '${name}' not in catalog: give --model with a catalog id`,
  noLengths: 'input or output length not given',
  noLoad: 'no static batch, concurrency, request rate or max-throughput load given',
  noMetric: 'no throughput or latency Ridgeline predicts',
  estimateFailed: (message: string) => `estimate failed: ${message}`,
};

export const fitMessages = {
  unknownHardware: (name: string): Diagnostic =>
    messages.unknownHardware(name, closestMatches(name, hardwareIds())),
  tooFewRows: (found: number, needed: number, hardware: string, engine: string | undefined): Diagnostic => ({
    code: 'calibrate.too-few-rows',
    severity: 'error',
    message: `${String(found)} usable measurement(s) on ${hardware}${engine === undefined ? '' : ` with engine ${engine}`}; calibration needs at least ${String(needed)}`,
  }),
};
