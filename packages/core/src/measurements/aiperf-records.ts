/**
 * AIPerf per-request export (`profile_export.jsonl`): one line per request, {metadata, metrics:
 * {tag: {value, unit}}, error}. Aggregated here the way AIPerf aggregates: stats over requests
 * (numpy-style percentiles), chunk gaps pooled, throughput over max(request_end_ns) −
 * min(request_start_ns). Warmup and failed requests are left out.
 */
import type { JsonDocument } from './json-file.js';
import { importMessages } from './messages.js';
import type { JsonObject, Loose } from './read.js';
import { isObject, msPerUnit, positiveInt, prune, statsOf, wholeTokens, mean } from './read.js';
import type { MeasuredMetrics, MeasurementRecord, ScenarioFragment } from './types.js';

/** True when a parsed object is one AIPerf per-request record. */
export function isAiperfRecord(o: JsonObject): boolean {
  return isObject(o['metadata']) && isObject(o['metrics']);
}

export function importAiperfRecords(
  file: string,
  documents: readonly JsonDocument[],
): MeasurementRecord | undefined {
  const ttft: number[] = [];
  const tpot: number[] = [];
  const itl: number[] = [];
  const e2e: number[] = [];
  const isl: number[] = [];
  const osl: number[] = [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let warmup = 0;
  let failed = 0;
  let used = 0;
  let firstReader: JsonDocument['reader'] | undefined;

  for (const doc of documents) {
    const r = doc.reader;
    firstReader ??= r;
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
      continue;
    }
    const phase = meta['benchmark_phase'];
    if (typeof phase === 'string' && phase !== 'profiling') {
      warmup++;
      continue;
    }
    if (doc.value['error'] !== undefined && doc.value['error'] !== null) {
      failed++;
      continue;
    }
    used++;
    const value = (tag: string, sink: number[], time: boolean) => {
      const m = r.object(metrics, tag, { name: `metrics.${tag}` });
      if (m === undefined) return;
      let per = 1;
      if (time) {
        const unit = r.string(m, 'unit', { name: `metrics.${tag}.unit` }) ?? 'ms';
        const p = msPerUnit(unit);
        if (p === undefined) {
          r.errors.push(
            importMessages.unknownUnit(r.at(m, 'unit', `metrics.${tag}.unit`), unit, 'a time unit'),
          );
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
    };
    value('time_to_first_token', ttft, true);
    value('inter_token_latency', tpot, true);
    value('inter_chunk_latency', itl, true);
    value('request_latency', e2e, true);
    value('input_sequence_length', isl, false);
    value('output_sequence_length', osl, false);
    const s = r.number(meta, 'request_start_ns', { name: 'metadata.request_start_ns' });
    const e = r.number(meta, 'request_end_ns', { name: 'metadata.request_end_ns' });
    if (s !== undefined) start = Math.min(start, s);
    if (e !== undefined) end = Math.max(end, e);
  }
  if (documents.some((d) => d.reader.errors.length > 0) || firstReader === undefined) return undefined;

  const notes: string[] = [
    `aggregated from ${String(used)} per-request record(s) (numpy-style percentiles)`,
    "TPOT from each request's inter_token_latency, (latency − ttft)/(OSL − 1) = Ridgeline TPOT",
    'ITL from inter_chunk_latency: chunk gaps pooled over requests',
    'the per-request export names neither the model nor the load: import profile_export_aiperf.json for those',
  ];
  if (warmup > 0) notes.push(`${String(warmup)} warmup record(s) left out`);
  if (failed > 0) notes.push(`${String(failed)} failed request(s) left out`);
  const durationSec = (end - start) / 1e9;
  const perSec = (x: number) =>
    Number.isFinite(durationSec) && durationSec > 0 ? x / durationSec : undefined;
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const outputTps = osl.length > 0 ? perSec(sum(osl)) : undefined;
  const totalTps = osl.length > 0 && isl.length === osl.length ? perSec(sum(osl) + sum(isl)) : undefined;
  const requestsPerSec = used > 0 ? perSec(used) : undefined;
  if (requestsPerSec !== undefined) {
    notes.push(
      'throughputs over max(request_end_ns) − min(request_start_ns), as AIPerf computes benchmark_duration',
    );
  }
  const metrics = prune<MeasuredMetrics>({
    ttftMs: statsOf(ttft),
    tpotMs: statsOf(tpot),
    itlMs: statsOf(itl),
    e2eLatencyMs: statsOf(e2e),
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
    inputTokens: wholeTokens(mean(isl), 'input tokens (mean input_sequence_length)', notes),
    outputTokens: wholeTokens(mean(osl), 'output tokens (mean output_sequence_length)', notes),
    requests: positiveInt(used),
  } satisfies Loose<ScenarioFragment['workload']>);
  return { tool: 'aiperf', file, scenario: { workload }, metrics, notes };
}
