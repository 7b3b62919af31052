/**
 * TensorRT-LLM `trtllm-bench throughput`: the `--report_json` file (ReportUtility
 * .get_statistics_dict: engine, machine, world_info, request_info, performance,
 * streaming_metrics) and the summary it prints (the same numbers as `Label: value` lines under
 * `= SECTION` banners; the real samples are printed summaries). trtllm-bench's TPOT is per request
 * (end − first token)/(output tokens − 1), Ridgeline's TPOT; it reports no chunk-level ITL.
 * Percentiles are sorted[int(n·p)] (no interpolation). Field semantics: README.md §5.
 */
import type { LengthDistribution } from '../scenario/schema.js';
import type { LengthQuantile } from './lengths.js';
import { lengthsText, quantileLengths } from './lengths.js';
import { importMessages } from './messages.js';
import type { JsonObject, JsonReader, Loose } from './read.js';
import {
  formatFromLabel,
  hardwareName,
  latency,
  modelName,
  parseNumberText,
  positiveInt,
  prune,
  wholeTokens,
} from './read.js';
import type {
  LatencyStats,
  MeasuredMetrics,
  MeasurementDiagnostic,
  MeasurementRecord,
  ScenarioFragment,
} from './types.js';

const MAX_THROUGHPUT_NOTE =
  'trtllm-bench throughput offers every request at once unless --concurrency is given; the report does not record it, so read as max throughput';
const PERCENTILE_NOTE = 'trtllm-bench percentiles are sorted[int(n·p)], without interpolation';
const TPOT_NOTE =
  "TPOT is trtllm-bench's per-request (end − first token)/(output tokens − 1) = Ridgeline TPOT";

/** True when a parsed object is a trtllm-bench report. */
export function isTrtllmReport(o: JsonObject): boolean {
  return ['performance', 'request_info', 'world_info'].filter((k) => k in o).length >= 2;
}

interface Parts {
  readonly model?: string | undefined;
  readonly hardware?: string | undefined;
  readonly dtype?: string | undefined;
  readonly kvDtype?: string | undefined;
  readonly quantization?: string | undefined;
  readonly backend?: string | undefined;
  readonly tp?: number | undefined;
  readonly pp?: number | undefined;
  readonly worldSize?: number | undefined;
  readonly requests?: number | undefined;
  readonly inputLength?: number | undefined;
  readonly outputLength?: number | undefined;
  readonly concurrentRequests?: number | undefined;
  /** The dataset's stated length quantiles (DATASET DETAILS), input and output columns. */
  readonly datasetQuantiles?:
    { readonly input: LengthQuantile[]; readonly output: LengthQuantile[] } | undefined;
}

/**
 * The lengths' distributions of the dataset summary (measurements/lengths.ts quantileLengths:
 * its minimum, percentiles, maximum and the average length of the requests), or none (the
 * lengths fixed at the means). A note says which.
 */
function datasetLengths(
  parts: Parts,
  notes: string[],
): { inputLengths?: LengthDistribution; outputLengths?: LengthDistribution } {
  const q = parts.datasetQuantiles;
  if (q === undefined) {
    notes.push('lengths fixed at the means: no dataset length percentiles read');
    return {};
  }
  const out: { inputLengths?: LengthDistribution; outputLengths?: LengthDistribution } = {};
  const one = (what: 'prompt' | 'output', quantiles: LengthQuantile[], mean: number | undefined) => {
    const d = mean === undefined ? undefined : quantileLengths(quantiles, mean);
    if (d === undefined)
      notes.push(`${what} lengths fixed at the mean: the dataset percentiles do not bracket it`);
    else if (d.kind === 'fixed')
      notes.push(`${what} lengths fixed: all ${String(d.tokens)} tokens (the dataset's MIN = MAX)`);
    else
      notes.push(
        `${what} lengths: ${lengthsText(d)} from the dataset's MIN/P50/P90/P95/P99/MAX and the average (DATASET DETAILS; within each percentile interval the mass sits at its ends, in the proportion that gives the average)`,
      );
    return d;
  };
  const input = one('prompt', q.input, parts.inputLength);
  const output = one('output', q.output, parts.outputLength);
  // Lengths all equal (MIN = MAX) stay fixed at the mean.
  if (input !== undefined && input.kind !== 'fixed') out.inputLengths = input;
  if (output !== undefined && output.kind !== 'fixed') out.outputLengths = output;
  return out;
}

function assemble(file: string, parts: Parts, metrics: MeasuredMetrics, notes: string[]): MeasurementRecord {
  const model = parts.model === undefined ? undefined : modelName(parts.model, notes);
  const hardware = parts.hardware === undefined ? undefined : hardwareName(parts.hardware, notes);
  const quantized = parts.quantization === undefined ? undefined : formatFromLabel(parts.quantization);
  const weights = quantized ?? (parts.dtype === undefined ? undefined : formatFromLabel(parts.dtype));
  if (quantized !== undefined)
    notes.push(`weights ${quantized} from quantization '${parts.quantization ?? ''}'`);
  const kvCache = parts.kvDtype === undefined ? undefined : formatFromLabel(parts.kvDtype);
  const tp = positiveInt(parts.tp);
  const pp = positiveInt(parts.pp);
  let gpus = positiveInt(parts.worldSize);
  if (gpus === undefined && tp !== undefined) {
    gpus = tp * (pp ?? 1);
    notes.push('gpus = TP × PP (expert parallelism runs inside the TP group)');
  }
  if (parts.backend !== undefined) notes.push(`TensorRT-LLM backend '${parts.backend}'`);
  if (parts.concurrentRequests !== undefined) {
    notes.push(
      `${parts.concurrentRequests.toFixed(1)} requests in flight on average (measured, not a setting)`,
    );
  }
  notes.push(MAX_THROUGHPUT_NOTE);
  notes.push('Issue Rate is not a request rate (time per request × 1e9): dropped');
  const precision = prune<NonNullable<ScenarioFragment['precision']>>({ weights, kvCache });
  const workload = prune<ScenarioFragment['workload']>({
    inputTokens: wholeTokens(parts.inputLength, 'input tokens (average input length)', notes),
    outputTokens: wholeTokens(parts.outputLength, 'output tokens (average output length)', notes),
    requests: positiveInt(parts.requests),
    maxThroughput: true,
    ...datasetLengths(parts, notes),
  });
  const scenario = prune<ScenarioFragment>({
    model,
    hardware,
    gpus,
    tp,
    pp,
    engine: 'trtllm',
    precision: Object.keys(precision).length > 0 ? precision : undefined,
    workload,
  } satisfies Loose<ScenarioFragment>);
  return { tool: 'trtllm-bench', file, scenario, metrics, notes };
}

/** The `--report_json` object. */
export function importTrtllmReport(r: JsonReader, o: JsonObject): MeasurementRecord | undefined {
  const errorsBefore = r.errors.length;
  const notes: string[] = [];
  const section = (key: string) => r.object(o, key) ?? {};
  const engine = section('engine');
  const machine = section('machine');
  const world = section('world_info');
  const info = section('request_info');
  const perf = section('performance');
  const streaming = section('streaming_metrics');
  const num = (obj: JsonObject, key: string, path: string) => r.number(obj, key, { name: `${path}.${key}` });
  const text = (obj: JsonObject, key: string, path: string) => r.string(obj, key, { name: `${path}.${key}` });
  const percentiles = (obj: JsonObject, key: string, path: string, mean: number | undefined) => {
    const p = r.object(obj, key, { name: `${path}.${key}` });
    if (p === undefined) return latency({ mean });
    const at = `${path}.${key}`;
    return latency({
      mean: mean ?? num(p, 'average', at),
      p50: num(p, 'p50', at),
      p90: num(p, 'p90', at),
      p99: num(p, 'p99', at),
    });
  };

  const e2e = percentiles(
    perf,
    'request_latency_percentiles_ms',
    'performance',
    num(perf, 'avg_request_latency_ms', 'performance'),
  );
  const ttft = percentiles(
    streaming,
    'ttft_percentiles',
    'streaming_metrics',
    num(streaming, 'avg_ttft_ms', 'streaming_metrics'),
  );
  const tpot = percentiles(
    streaming,
    'tpot_percentiles',
    'streaming_metrics',
    num(streaming, 'avg_tpot_ms', 'streaming_metrics'),
  );
  const metrics = prune<MeasuredMetrics>({
    ttftMs: ttft,
    tpotMs: tpot,
    e2eLatencyMs: e2e,
    outputTokensPerSec: num(perf, 'system_output_throughput_tok_s', 'performance'),
    totalTokensPerSec: num(perf, 'system_total_throughput_tok_s', 'performance'),
    requestsPerSec: num(perf, 'request_throughput_req_s', 'performance'),
  });
  if (ttft === undefined) notes.push('no TTFT or TPOT: the run was not --streaming');
  else notes.push(TPOT_NOTE);
  notes.push('output tokens/s from system_output_throughput_tok_s (all output tokens, first included)');
  notes.push(PERCENTILE_NOTE);

  const parts: Parts = {
    model: text(engine, 'model', 'engine'),
    hardware: text(machine, 'name', 'machine'),
    dtype: text(engine, 'dtype', 'engine'),
    kvDtype: text(engine, 'kv_cache_dtype', 'engine'),
    quantization: text(engine, 'quantization', 'engine'),
    backend: text(engine, 'backend', 'engine'),
    tp: num(world, 'tp_size', 'world_info'),
    pp: num(world, 'pp_size', 'world_info'),
    worldSize: num(world, 'world_size', 'world_info'),
    requests: num(info, 'num_requests', 'request_info'),
    inputLength: num(info, 'avg_input_length', 'request_info'),
    outputLength: num(info, 'avg_output_length', 'request_info'),
    concurrentRequests: num(info, 'avg_num_concurrent_requests', 'request_info'),
  };
  if (r.errors.length > errorsBefore) return undefined;
  if (Object.keys(metrics).length === 0) {
    r.errors.push(importMessages.noMetrics(r.at(o), 'trtllm-bench'));
    return undefined;
  }
  return assemble(r.file, parts, metrics, notes);
}

/** True when the text holds a printed trtllm-bench summary. */
export function isTrtllmSummary(text: string): boolean {
  return /^= PERFORMANCE OVERVIEW\s*$/m.test(text) && /^={20,}\s*$/m.test(text);
}

interface Entry {
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

/** The summary's "label: value" lines (the first of each label), and how many overviews it holds. */
function summaryEntries(text: string): { entries: Map<string, Entry>; overviews: number } {
  const entries = new Map<string, Entry>();
  const lines = text.split('\n');
  let overviews = 0;
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (/^= PERFORMANCE OVERVIEW/.test(line)) overviews++;
    const m = /^(\s*)([^:]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (m === null) continue;
    const label = (m[2] ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
    const value = m[3] ?? '';
    // The label holds no colon, so the first colon separates it from the value.
    const colon = line.indexOf(':');
    const column = colon + 2 + (line.slice(colon + 1).length - line.slice(colon + 1).trimStart().length);
    if (label !== '' && !entries.has(label)) entries.set(label, { value, line: i + 1, column });
  }
  return { entries, overviews };
}

/** The summary's entries, and what reading them found. */
interface Summary {
  readonly file: string;
  readonly entries: ReadonlyMap<string, Entry>;
  readonly errors: MeasurementDiagnostic[];
  readonly warnings: MeasurementDiagnostic[];
}

function str(c: Summary, name: string): string | undefined {
  const e = c.entries.get(name.toLowerCase());
  return e === undefined || /^none$/i.test(e.value) || e.value === '' ? undefined : e.value;
}

function num(c: Summary, name: string): number | undefined {
  const e = c.entries.get(name.toLowerCase());
  if (e === undefined || /^none$/i.test(e.value)) return undefined;
  const n = parseNumberText(e.value.replace(/%$/, ''));
  const at = { file: c.file, line: e.line, column: e.column, field: name };
  if (n === undefined) {
    c.errors.push(importMessages.wrongType(at, 'a number', e.value));
    return undefined;
  }
  if (!Number.isFinite(n)) {
    c.warnings.push(importMessages.nonFinite(at, e.value));
    return undefined;
  }
  if (n < 0) {
    c.errors.push(importMessages.negative(at, n));
    return undefined;
  }
  return n;
}

function dist(c: Summary, tag: string, mean: number | undefined): LatencyStats | undefined {
  return latency({
    mean: mean ?? num(c, `[${tag}] AVERAGE`),
    p50: num(c, `[${tag}] P50`),
    p90: num(c, `[${tag}] P90`),
    p99: num(c, `[${tag}] P99`),
  });
}

/** Percentile rows of the dataset table ("P50:   299.0000   128.0000   427.0000": input, output, sequence). */
const DATASET_ROWS: readonly { readonly label: string; readonly p: number }[] = [
  { label: 'min', p: 0 },
  { label: 'p50', p: 0.5 },
  { label: 'p90', p: 0.9 },
  { label: 'p95', p: 0.95 },
  { label: 'p99', p: 0.99 },
  { label: 'max', p: 1 },
];

/** The dataset table's input and output quantiles, read leniently (undefined when incomplete). */
function datasetQuantiles(c: Summary): { input: LengthQuantile[]; output: LengthQuantile[] } | undefined {
  const input: LengthQuantile[] = [];
  const output: LengthQuantile[] = [];
  for (const row of DATASET_ROWS) {
    const e = c.entries.get(row.label);
    if (e === undefined) continue;
    const cells = e.value.split(/\s+/).map((x) => parseNumberText(x));
    const [i, o] = cells;
    if (i === undefined || o === undefined || !Number.isFinite(i) || !Number.isFinite(o)) return undefined;
    input.push({ p: row.p, tokens: i });
    output.push({ p: row.p, tokens: o });
  }
  return input.length >= 2 ? { input, output } : undefined;
}

/** The printed summary. */
export function importTrtllmSummary(
  file: string,
  text: string,
): { records: MeasurementRecord[]; diagnostics: MeasurementDiagnostic[] } {
  const { entries, overviews } = summaryEntries(text);
  const errors: MeasurementDiagnostic[] = [];
  const warnings: MeasurementDiagnostic[] = [];
  const c: Summary = { file, entries, errors, warnings };

  const notes: string[] = [];
  let outputTps = num(c, 'Total Output Throughput (tokens/sec)');
  if (outputTps === undefined) {
    outputTps = num(c, 'Token Throughput (tokens/sec)');
    if (outputTps !== undefined) {
      notes.push(
        'output tokens/s from "Token Throughput" (older layout; = requests/s × output length, output tokens only)',
      );
    }
  } else {
    notes.push('output tokens/s from "Total Output Throughput" (all output tokens, first included)');
  }
  const ttft = dist(c, 'TTFT', num(c, 'Average time-to-first-token [TTFT] (ms)'));
  const tpot = dist(c, 'TPOT', num(c, 'Average time-per-output-token [TPOT] (ms)'));
  const e2e = dist(c, 'Latency', num(c, 'Average request latency (ms)'));
  const metrics = prune<MeasuredMetrics>({
    ttftMs: ttft,
    tpotMs: tpot,
    e2eLatencyMs: e2e,
    outputTokensPerSec: outputTps,
    totalTokensPerSec: num(c, 'Total Token Throughput (tokens/sec)'),
    requestsPerSec: num(c, 'Request Throughput (req/sec)'),
  });
  if (ttft === undefined) notes.push('no TTFT or TPOT: the run was not --streaming');
  else notes.push(TPOT_NOTE);
  notes.push(PERCENTILE_NOTE);
  if (overviews > 1)
    notes.push(`${String(overviews)} summaries in the file: the first of each field is read`);

  let parts: Parts = {
    model: str(c, 'Model'),
    dtype: str(c, 'Dtype'),
    kvDtype: str(c, 'KV Cache Dtype'),
    quantization: str(c, 'Quantization'),
    tp: num(c, 'TP Size'),
    pp: num(c, 'PP Size'),
    requests: num(c, 'Number of requests'),
    inputLength: num(c, 'Average Input Length (tokens)'),
    outputLength: num(c, 'Average Output Length (tokens)'),
    concurrentRequests: num(c, 'Number of concurrent requests'),
  };
  if (/^= DATASET DETAILS/m.test(text)) {
    const quantiles = datasetQuantiles(c);
    if (quantiles !== undefined) parts = { ...parts, datasetQuantiles: quantiles };
  }
  if (/^= PYTORCH BACKEND/m.test(text)) notes.push('PyTorch backend');
  if (errors.length > 0) return { records: [], diagnostics: [...errors, ...warnings] };
  if (Object.keys(metrics).length === 0) {
    return { records: [], diagnostics: [importMessages.noMetrics({ file }, 'trtllm-bench'), ...warnings] };
  }
  return { records: [assemble(file, parts, metrics, notes)], diagnostics: warnings };
}
