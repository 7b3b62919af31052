/**
 * AIPerf per-request export (`profile_export.jsonl`): one line per request, {metadata, metrics:
 * {tag: {value, unit}}, error}. Aggregated here the way AIPerf aggregates: stats over requests
 * (numpy-style percentiles), chunk gaps pooled, throughput over max(request_end_ns) −
 * min(request_start_ns). Warmup and failed requests are left out.
 */
import type { JsonDocument } from './json-file.js';
import { empiricalLengths, empiricalNote } from './lengths.js';
import { importMessages } from './messages.js';
import type { JsonObject, JsonReader, Loose } from './read.js';
import { isObject, msPerUnit, positiveInt, prune, statsOf, wholeTokens, mean } from './read.js';
import type { MeasuredMetrics, MeasurementRecord, ScenarioFragment } from './types.js';

/** True when a parsed object is one AIPerf per-request record. */
export function isAiperfRecord(o: JsonObject): boolean {
  return isObject(o['metadata']) && isObject(o['metrics']);
}

/** What the per-request records add up to. */
interface Samples {
  readonly ttft: number[];
  readonly tpot: number[];
  readonly itl: number[];
  readonly e2e: number[];
  readonly isl: number[];
  readonly osl: number[];
  start: number;
  end: number;
  warmup: number;
  failed: number;
  used: number;
}

/** Adds one metric of a record (a value or a list of values; times in ms) to `sink`. */
function readMetric(r: JsonReader, metrics: JsonObject, tag: string, sink: number[], time: boolean): void {
  const m = r.object(metrics, tag, { name: `metrics.${tag}` });
  if (m === undefined) return;
  let per = 1;
  if (time) {
    const unit = r.string(m, 'unit', { name: `metrics.${tag}.unit` }) ?? 'ms';
    const p = msPerUnit(unit);
    if (p === undefined) {
      r.errors.push(importMessages.unknownUnit(r.at(m, 'unit', `metrics.${tag}.unit`), unit, 'a time unit'));
      return;
    }
    per = p;
  }
  const raw = m['value'];
  if (Array.isArray(raw)) {
    const list = r.numberItems(raw, `metrics.${tag}.value`);
    if (list !== undefined) for (const v of list) sink.push(v * per);
    return;
  }
  const v = r.number(m, 'value', { name: `metrics.${tag}.value` });
  if (v !== undefined) sink.push(v * per);
}

/** Adds one per-request record to the samples (warmup and failed requests are counted apart). */
function readRecord(doc: JsonDocument, acc: Samples): void {
  const r = doc.reader;
  const meta = r.object(doc.value, 'metadata');
  const metrics = r.object(doc.value, 'metrics');
  if (meta === undefined || metrics === undefined) {
    const absent = meta === undefined ? 'metadata' : 'metrics';
    // A present field of the wrong type was already reported by the reader.
    if (doc.value[absent] === undefined || doc.value[absent] === null) {
      r.errors.push(
        importMessages.missingField(r.at(doc.value, undefined, absent), `the request's ${absent} object`),
      );
    }
    return;
  }
  const phase = meta['benchmark_phase'];
  if (typeof phase === 'string' && phase !== 'profiling') {
    acc.warmup++;
    return;
  }
  if (doc.value['error'] !== undefined && doc.value['error'] !== null) {
    acc.failed++;
    return;
  }
  acc.used++;
  readMetric(r, metrics, 'time_to_first_token', acc.ttft, true);
  readMetric(r, metrics, 'inter_token_latency', acc.tpot, true);
  readMetric(r, metrics, 'inter_chunk_latency', acc.itl, true);
  readMetric(r, metrics, 'request_latency', acc.e2e, true);
  readMetric(r, metrics, 'input_sequence_length', acc.isl, false);
  readMetric(r, metrics, 'output_sequence_length', acc.osl, false);
  const s = r.number(meta, 'request_start_ns', { name: 'metadata.request_start_ns' });
  const e = r.number(meta, 'request_end_ns', { name: 'metadata.request_end_ns' });
  if (s !== undefined) acc.start = Math.min(acc.start, s);
  if (e !== undefined) acc.end = Math.max(acc.end, e);
}

export function importAiperfRecords(
  file: string,
  documents: readonly JsonDocument[],
): MeasurementRecord | undefined {
  const acc: Samples = {
    ttft: [],
    tpot: [],
    itl: [],
    e2e: [],
    isl: [],
    osl: [],
    start: Number.POSITIVE_INFINITY,
    end: Number.NEGATIVE_INFINITY,
    warmup: 0,
    failed: 0,
    used: 0,
  };
  for (const doc of documents) readRecord(doc, acc);
  const firstReader = documents[0]?.reader;
  if (documents.some((d) => d.reader.errors.length > 0) || firstReader === undefined) return undefined;
  return aiperfRecord(file, documents, acc, firstReader);
}

/** The record the samples make, or undefined (with an error) when they hold no metric. */
function aiperfRecord(
  file: string,
  documents: readonly JsonDocument[],
  acc: Samples,
  firstReader: JsonReader,
): MeasurementRecord | undefined {
  const notes: string[] = [
    `aggregated from ${String(acc.used)} per-request record(s) (numpy-style percentiles)`,
    "TPOT from each request's inter_token_latency, (latency − acc.ttft)/(OSL − 1) = Ridgeline TPOT",
    'ITL from inter_chunk_latency: chunk gaps pooled over requests',
    'the per-request export names neither the model nor the load: import profile_export_aiperf.json for those',
  ];
  if (acc.warmup > 0) notes.push(`${String(acc.warmup)} warmup record(s) left out`);
  if (acc.failed > 0) notes.push(`${String(acc.failed)} failed request(s) left out`);
  const durationSec = (acc.end - acc.start) / 1e9;
  const perSec = (x: number) =>
    Number.isFinite(durationSec) && durationSec > 0 ? x / durationSec : undefined;
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const outputTps = acc.osl.length > 0 ? perSec(sum(acc.osl)) : undefined;
  const totalTps =
    acc.osl.length > 0 && acc.isl.length === acc.osl.length ? perSec(sum(acc.osl) + sum(acc.isl)) : undefined;
  const requestsPerSec = acc.used > 0 ? perSec(acc.used) : undefined;
  if (requestsPerSec !== undefined) {
    notes.push(
      'throughputs over max(request_end_ns) − min(request_start_ns), as AIPerf computes benchmark_duration',
    );
  }
  const metrics = prune<MeasuredMetrics>({
    ttftMs: statsOf(acc.ttft),
    tpotMs: statsOf(acc.tpot),
    itlMs: statsOf(acc.itl),
    e2eLatencyMs: statsOf(acc.e2e),
    outputTokensPerSec: outputTps,
    totalTokensPerSec: totalTps,
    requestsPerSec,
  });
  if (Object.keys(metrics).length === 0) {
    const first = documents[0];
    firstReader.errors.push(
      importMessages.noMetrics(first === undefined ? { file } : firstReader.at(first.value), 'aiperf'),
    );
    return undefined;
  }
  const workload = prune<ScenarioFragment['workload']>({
    inputTokens: wholeTokens(mean(acc.isl), 'input tokens (mean input_sequence_length)', notes),
    outputTokens: wholeTokens(mean(acc.osl), 'output tokens (mean output_sequence_length)', notes),
    requests: positiveInt(acc.used),
  } satisfies Loose<ScenarioFragment['workload']>);
  // Each request's lengths: the empirical histograms (measurements/lengths.ts).
  const input = empiricalLengths(acc.isl);
  const output = empiricalLengths(acc.osl);
  if (input !== undefined)
    notes.push(`prompt lengths: ${empiricalNote(input, acc.isl.length)} (input_sequence_length per request)`);
  if (output !== undefined)
    notes.push(
      `output lengths: ${empiricalNote(output, acc.osl.length)} (output_sequence_length per request)`,
    );
  // Lengths all equal stay fixed at the mean (inputTokens / outputTokens).
  const spread = (d: typeof input) => (d?.kind === 'fixed' ? undefined : d);
  const lengths = prune<ScenarioFragment['workload']>({
    inputLengths: spread(input),
    outputLengths: spread(output),
  });
  return { tool: 'aiperf', file, scenario: { workload: { ...workload, ...lengths } }, metrics, notes };
}
