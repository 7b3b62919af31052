/**
 * Measurement import: a benchmark tool's output file (its text and name) becomes records of a
 * scenario fragment plus measured metrics. The format is detected from the content (the name
 * only breaks ties) or given. The per-tool mapping is documented in docs/measurements.md.
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { fail, ok } from '../diagnostics/diagnostic.js';
import { importAiperfRecords, isAiperfRecord } from './aiperf-records.js';
import { SGLANG_PROFILE, VLLM_PROFILE, importServingObject } from './bench-serving.js';
import type { JsonDocument } from './json-file.js';
import { looksLikeJson, readJsonDocuments } from './json-file.js';
import { importMessages } from './messages.js';
import { importMlperfDetail, importMlperfSummary, isMlperfDetail, isMlperfSummary } from './mlperf.js';
import { importProfileCsv, profileCsvTool } from './profile-csv.js';
import { importAiperfObject, importGenaiPerfObject } from './profile-export.js';
import type { JsonObject } from './read.js';
import { isObject } from './read.js';
import { importReferenceCsv, isReferenceCsv } from './reference-csv.js';
import { importTrtllmReport, importTrtllmSummary, isTrtllmReport, isTrtllmSummary } from './trtllm-bench.js';
import type { ImportOptions, MeasurementDiagnostic, MeasurementRecord, MeasurementTool } from './types.js';
import { MEASUREMENT_TOOLS } from './types.js';

/** A file layout the importers read; several tools write more than one. */
export type MeasurementLayout =
  | 'reference-csv'
  | 'vllm-json'
  | 'sglang-jsonl'
  | 'genai-perf-json'
  | 'genai-perf-csv'
  | 'aiperf-json'
  | 'aiperf-csv'
  | 'aiperf-records-jsonl'
  | 'trtllm-bench-json'
  | 'trtllm-bench-summary'
  | 'mlperf-summary'
  | 'mlperf-detail';

const LAYOUT_TOOL: Readonly<Record<MeasurementLayout, MeasurementTool>> = {
  'reference-csv': 'reference-csv',
  'vllm-json': 'vllm',
  'sglang-jsonl': 'sglang',
  'genai-perf-json': 'genai-perf',
  'genai-perf-csv': 'genai-perf',
  'aiperf-json': 'aiperf',
  'aiperf-csv': 'aiperf',
  'aiperf-records-jsonl': 'aiperf',
  'trtllm-bench-json': 'trtllm-bench',
  'trtllm-bench-summary': 'trtllm-bench',
  'mlperf-summary': 'mlperf',
  'mlperf-detail': 'mlperf',
};

export function toolOfLayout(layout: MeasurementLayout): MeasurementTool {
  return LAYOUT_TOOL[layout];
}

const SGLANG_KEYS = [
  'total_output_tokens_retokenized',
  'random_input_len',
  'mean_e2e_latency_ms',
  'median_e2e_latency_ms',
];
const VLLM_KEYS = [
  'model_id',
  'num_prompts',
  'burstiness',
  'mean_ttft_ms',
  'mean_tpot_ms',
  'output_throughput',
];

/** The JSON layout of a parsed first document, or undefined. */
function jsonLayout(o: JsonObject, fileName: string): MeasurementLayout | undefined {
  if (isAiperfRecord(o)) return 'aiperf-records-jsonl';
  const config = o['input_config'];
  // AIPerf's input_config nests the endpoint and load (genai-perf's endpoint is a URL path).
  const aiperfConfig =
    isObject(config) && (isObject(config['endpoint']) || 'loadgen' in config || 'phases' in config);
  if ('aiperf_version' in o || 'inter_chunk_latency' in o || aiperfConfig) return 'aiperf-json';
  if (isTrtllmReport(o)) return 'trtllm-bench-json';
  if ('input_config' in o || 'time_to_first_token' in o || 'request_latency' in o) {
    return /aiperf/i.test(fileName) ? 'aiperf-json' : 'genai-perf-json';
  }
  if (SGLANG_KEYS.some((k) => k in o)) return 'sglang-jsonl';
  if (VLLM_KEYS.some((k) => k in o)) return /sglang/i.test(fileName) ? 'sglang-jsonl' : 'vllm-json';
  return undefined;
}

/** What a JSON file is not, when it is a known file that is not imported. */
function unsupportedJson(file: string, o: JsonObject): MeasurementDiagnostic | undefined {
  if ('experiments' in o) {
    return importMessages.unsupportedLayout(
      file,
      'a raw Perf Analyzer export (per-request timestamps, no token counts)',
      'import the profile_export_genai_perf.json genai-perf writes from it',
    );
  }
  if ('build_commit' in o && ('avg_ts' in o || 'n_prompt' in o)) {
    return importMessages.unsupportedLayout(
      file,
      'a llama.cpp llama-bench result (no requests, TTFT or TPOT)',
      'it measures single-stream prompt and generation speed only',
    );
  }
  return undefined;
}

type Detected =
  | { readonly ok: true; readonly layout: MeasurementLayout; readonly documents?: readonly JsonDocument[] }
  | { readonly ok: false; readonly diagnostics: readonly MeasurementDiagnostic[] };

/** Layouts a tool writes, for an explicit format. */
function layoutForTool(tool: MeasurementTool, text: string): MeasurementLayout {
  switch (tool) {
    case 'reference-csv':
      return 'reference-csv';
    case 'vllm':
      return 'vllm-json';
    case 'sglang':
      return 'sglang-jsonl';
    case 'genai-perf':
      return profileCsvTool(text) === undefined ? 'genai-perf-json' : 'genai-perf-csv';
    case 'aiperf':
      return profileCsvTool(text) === undefined ? 'aiperf-json' : 'aiperf-csv';
    case 'trtllm-bench':
      return looksLikeJson(text) ? 'trtllm-bench-json' : 'trtllm-bench-summary';
    case 'mlperf':
      return isMlperfDetail(text) ? 'mlperf-detail' : 'mlperf-summary';
  }
}

function detect(fileName: string, text: string, format: MeasurementTool | undefined): Detected {
  if (text.trim() === '') return { ok: false, diagnostics: [importMessages.empty(fileName)] };
  let layout: MeasurementLayout | undefined = format === undefined ? undefined : layoutForTool(format, text);
  if (layout === undefined) {
    if (isMlperfDetail(text)) layout = 'mlperf-detail';
    else if (isMlperfSummary(text)) layout = 'mlperf-summary';
    else if (isTrtllmSummary(text)) layout = 'trtllm-bench-summary';
    else if (isReferenceCsv(text)) layout = 'reference-csv';
    else {
      const csv = profileCsvTool(text);
      if (csv !== undefined) layout = csv === 'aiperf' ? 'aiperf-csv' : 'genai-perf-csv';
    }
  }
  if (layout !== undefined && !layout.endsWith('json') && !layout.endsWith('jsonl'))
    return { ok: true, layout };
  if (!looksLikeJson(text)) {
    if (format !== undefined) {
      return { ok: false, diagnostics: [importMessages.notThisFormat(fileName, format, 'expected JSON')] };
    }
    return { ok: false, diagnostics: [importMessages.unknownFormat(fileName, MEASUREMENT_TOOLS)] };
  }
  const docs = readJsonDocuments(fileName, text);
  if (!docs.ok) return docs;
  const first = docs.documents[0]?.value ?? {};
  if (layout === undefined) {
    const unsupported = unsupportedJson(fileName, first);
    if (unsupported !== undefined) return { ok: false, diagnostics: [unsupported] };
    layout = jsonLayout(first, fileName);
  } else if (layout === 'aiperf-json' && isAiperfRecord(first)) {
    layout = 'aiperf-records-jsonl';
  }
  if (layout === undefined)
    return { ok: false, diagnostics: [importMessages.unknownFormat(fileName, MEASUREMENT_TOOLS)] };
  return { ok: true, layout, documents: docs.documents };
}

function fromDocuments(
  layout: MeasurementLayout,
  fileName: string,
  documents: readonly JsonDocument[],
): { records: MeasurementRecord[]; diagnostics: MeasurementDiagnostic[] } {
  const records: MeasurementRecord[] = [];
  if (layout === 'aiperf-records-jsonl') {
    const one = importAiperfRecords(fileName, documents);
    if (one !== undefined) records.push(one);
  } else {
    for (const doc of documents) {
      let record: MeasurementRecord | undefined;
      if (layout === 'vllm-json') record = importServingObject(VLLM_PROFILE, doc.reader, doc.value, doc.line);
      else if (layout === 'sglang-jsonl')
        record = importServingObject(SGLANG_PROFILE, doc.reader, doc.value, doc.line);
      else if (layout === 'genai-perf-json') record = importGenaiPerfObject(doc.reader, doc.value);
      else if (layout === 'aiperf-json') record = importAiperfObject(doc.reader, doc.value);
      else record = importTrtllmReport(doc.reader, doc.value);
      if (record === undefined) continue;
      records.push(
        doc.line === undefined || record.line !== undefined ? record : { ...record, line: doc.line },
      );
    }
  }
  const readers = [...new Set(documents.map((d) => d.reader))];
  return {
    records,
    diagnostics: [...readers.flatMap((r) => r.errors), ...readers.flatMap((r) => r.warnings)],
  };
}

/**
 * Reads one measurement file. Fails, with every problem found (each naming the file, line,
 * column and field), when the file cannot be read as the detected or given format; otherwise
 * returns the records with warnings (non-finite values dropped, suspect token counts) and notes.
 */
export function importMeasurements(
  fileName: string,
  text: string,
  options: ImportOptions = {},
): Result<MeasurementRecord[]> {
  const detected = detect(fileName, text, options.format);
  if (!detected.ok) return fail(...detected.diagnostics);
  const { layout, documents } = detected;
  let out: { records: MeasurementRecord[]; diagnostics: MeasurementDiagnostic[] };
  switch (layout) {
    case 'reference-csv':
      out = importReferenceCsv(fileName, text);
      break;
    case 'genai-perf-csv':
      out = importProfileCsv('genai-perf', fileName, text);
      break;
    case 'aiperf-csv':
      out = importProfileCsv('aiperf', fileName, text);
      break;
    case 'trtllm-bench-summary':
      out = importTrtllmSummary(fileName, text);
      break;
    case 'mlperf-summary':
      out = importMlperfSummary(fileName, text);
      break;
    case 'mlperf-detail':
      out = importMlperfDetail(fileName, text);
      break;
    case 'vllm-json':
    case 'sglang-jsonl':
    case 'genai-perf-json':
    case 'aiperf-json':
    case 'aiperf-records-jsonl':
    case 'trtllm-bench-json':
      out = fromDocuments(layout, fileName, documents ?? []);
      break;
  }
  if (out.diagnostics.some((d) => d.severity === 'error')) return fail(...out.diagnostics);
  return ok(out.records, out.diagnostics);
}

/** The layout `importMeasurements` would read a file as, or undefined when it recognizes none. */
export function detectMeasurementLayout(fileName: string, text: string): MeasurementLayout | undefined {
  const d = detect(fileName, text, undefined);
  return d.ok ? d.layout : undefined;
}

/**
 * Whether a file of this layout (detectMeasurementLayout) and text is read as a benchmark tool's
 * records (importMeasurements) rather than as a measurement CSV: a recognized tool output, or
 * JSON of no recognized layout, whose import then says why it is not one.
 */
export function readsAsBenchmarkOutput(layout: MeasurementLayout | undefined, text: string): boolean {
  return layout === undefined ? /^[[{]/.test(text.trimStart()) : layout !== 'reference-csv';
}

export type {
  ImportOptions,
  LatencyStats,
  MeasuredEngine,
  MeasuredMetrics,
  MeasurementDiagnostic,
  MeasurementRecord,
  MeasurementTool,
  ScenarioFragment,
} from './types.js';
export { MEASUREMENT_TOOLS, isMeasurementTool } from './types.js';
