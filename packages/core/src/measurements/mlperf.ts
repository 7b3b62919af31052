/**
 * MLPerf Inference LoadGen logs of LLM benchmarks: `mlperf_log_summary.txt` (`Label : value`
 * lines, times in ns) and `mlperf_log_detail.txt` (`:::MLLOG {json}` lines, keys result_*).
 * Both become one record per file. LoadGen's "Time to Output Token" is per sample
 * (latency − first token latency)/(n_tokens − 1): Ridgeline's TPOT. Percentiles are
 * sorted[n·p] (no interpolation). Field semantics: packages/core/test/fixtures/formats/README.md §6.
 */
import { findModel } from '../model/catalog.js';
import { parseJson, LineIndex } from './json.js';
import type { Location } from './messages.js';
import { importMessages } from './messages.js';
import type { Loose } from './read.js';
import { isObject, latency, parseNumberText, positiveInt, prune, wholeTokens } from './read.js';
import type {
  LatencyStats,
  MeasuredMetrics,
  MeasurementDiagnostic,
  MeasurementRecord,
  ScenarioFragment,
} from './types.js';

type Canonical =
  | 'scenario'
  | 'sut'
  | 'validity'
  | 'samplesPerSec'
  | 'tokensPerSec'
  | 'targetQps'
  | 'samplesPerQuery'
  | 'queryCount'
  | `${'e2e' | 'ttft' | 'tpot'}.${'mean' | 'p50' | 'p90' | 'p99'}`;

interface Field {
  readonly raw: unknown;
  readonly at: Location;
}

const STATS = ['mean', 'p50', 'p90', 'p99'] as const;
const PCT: Readonly<Record<(typeof STATS)[number], string>> = {
  mean: '',
  p50: '50.00',
  p90: '90.00',
  p99: '99.00',
};

/** Summary label (lower case, spaces collapsed) → canonical field. */
const SUMMARY_LABELS: ReadonlyMap<string, Canonical> = new Map<string, Canonical>([
  ['scenario', 'scenario'],
  ['sut name', 'sut'],
  ['result is', 'validity'],
  ['completed samples per second', 'samplesPerSec'],
  ['samples per second', 'samplesPerSec'],
  ['completed tokens per second', 'tokensPerSec'],
  ['tokens per second', 'tokensPerSec'],
  ['target_qps', 'targetQps'],
  ['samples_per_query', 'samplesPerQuery'],
  ...STATS.flatMap((s): [string, Canonical][] =>
    s === 'mean'
      ? [
          ['mean latency (ns)', 'e2e.mean'],
          ['mean first token latency (ns)', 'ttft.mean'],
          ['mean time to output token (ns)', 'tpot.mean'],
        ]
      : [
          [`${PCT[s]} percentile latency (ns)`, `e2e.${s}`],
          [`${PCT[s]} percentile first token latency (ns)`, `ttft.${s}`],
          [`${PCT[s]} percentile time to output token (ns)`, `tpot.${s}`],
        ],
  ),
]);

/** Detail log key → canonical field. */
const DETAIL_KEYS: ReadonlyMap<string, Canonical> = new Map<string, Canonical>([
  ['effective_scenario', 'scenario'],
  ['requested_scenario', 'scenario'],
  ['sut_name', 'sut'],
  ['result_validity', 'validity'],
  ['result_completed_samples_per_sec', 'samplesPerSec'],
  ['result_samples_per_second', 'samplesPerSec'],
  ['result_completed_tokens_per_second', 'tokensPerSec'],
  ['result_tokens_per_second', 'tokensPerSec'],
  ['effective_target_qps', 'targetQps'],
  ['requested_server_target_qps', 'targetQps'],
  ['effective_samples_per_query', 'samplesPerQuery'],
  ['result_query_count', 'queryCount'],
  ['result_mean_latency_ns', 'e2e.mean'],
  ['result_first_token_mean_latency_ns', 'ttft.mean'],
  ['result_time_to_output_token_mean', 'tpot.mean'],
  ...(['p50', 'p90', 'p99'] as const).flatMap((s): [string, Canonical][] => [
    [`result_${PCT[s]}_percentile_latency_ns`, `e2e.${s}`],
    [`result_first_token_${PCT[s]}_percentile_latency_ns`, `ttft.${s}`],
    [`result_time_per_output_token_${PCT[s]}_percentile_ns`, `tpot.${s}`],
  ]),
]);

export function isMlperfSummary(text: string): boolean {
  return /MLPerf Results Summary/.test(text);
}

export function isMlperfDetail(text: string): boolean {
  return /^\uFEFF?\s*:::MLLOG /.test(text);
}

type Imported = { records: MeasurementRecord[]; diagnostics: MeasurementDiagnostic[] };

export function importMlperfSummary(file: string, text: string): Imported {
  const fields = new Map<Canonical, Field>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const label = line.slice(0, colon).replace(/\s+/g, ' ').trim().toLowerCase();
    const key = SUMMARY_LABELS.get(label);
    if (key === undefined || fields.has(key)) continue;
    const rest = line.slice(colon + 1);
    const column = colon + 2 + (rest.length - rest.trimStart().length);
    fields.set(key, {
      raw: rest.trim(),
      at: { file, line: i + 1, column, field: line.slice(0, colon).trim() },
    });
  }
  return build(file, fields, 'summary');
}

export function importMlperfDetail(file: string, text: string): Imported {
  const lines = new LineIndex(text);
  const fields = new Map<Canonical, Field>();
  const errors: MeasurementDiagnostic[] = [];
  for (let n = 1; n <= lines.lineCount; n++) {
    const from = lines.lineStart(n);
    const to = n < lines.lineCount ? lines.lineStart(n + 1) - 1 : text.length;
    const line = text.slice(from, to);
    const prefix = line.indexOf(':::MLLOG ');
    if (prefix < 0) continue;
    const parsed = parseJson(text, from + prefix + ':::MLLOG '.length, to);
    if (!parsed.ok) {
      errors.push(importMessages.syntax({ file, ...lines.at(parsed.offset) }, 'MLLOG JSON', parsed.message));
      continue;
    }
    const o = parsed.value;
    if (!isObject(o) || typeof o['key'] !== 'string') {
      errors.push(
        importMessages.missingField({ file, line: n, column: prefix + 10, field: 'key' }, 'the MLLOG key'),
      );
      continue;
    }
    const key = DETAIL_KEYS.get(o['key']);
    if (key === undefined || fields.has(key)) continue;
    const offset = parsed.positions.valueOffset(o, 'value');
    const at = offset === undefined ? { file, line: n } : { file, ...lines.at(offset) };
    fields.set(key, { raw: o['value'], at: { ...at, field: o['key'] } });
  }
  if (errors.length > 0) return { records: [], diagnostics: errors };
  return build(file, fields, 'detail');
}

/** A catalog model named by the SUT name ("llama2-70b-Server-SUT" → llama-2-70b), if any. */
function modelFromSut(sut: string, notes: string[]): string | undefined {
  const stem = sut.replace(/[-_](server|offline|singlestream|multistream)?[-_]?sut$/i, '').trim();
  for (const candidate of [stem, stem.replace(/([a-z])(\d)/gi, '$1-$2')]) {
    const found = findModel(candidate);
    if (found !== undefined) {
      notes.push(`model '${found.id}' read from the SUT name '${sut}'`);
      return found.id;
    }
  }
  notes.push(`SUT name '${sut}' names no catalog model; model left open`);
  return undefined;
}

/** The fields of a log, and what reading them as numbers found. */
interface LogFields {
  readonly fields: ReadonlyMap<Canonical, Field>;
  readonly errors: MeasurementDiagnostic[];
  readonly warnings: MeasurementDiagnostic[];
}

function num(c: LogFields, key: Canonical): number | undefined {
  const f = c.fields.get(key);
  if (f === undefined) return undefined;
  const n =
    typeof f.raw === 'number' ? f.raw : typeof f.raw === 'string' ? parseNumberText(f.raw) : undefined;
  if (n === undefined) {
    c.errors.push(importMessages.wrongType(f.at, 'a number', f.raw));
    return undefined;
  }
  if (!Number.isFinite(n)) {
    c.warnings.push(importMessages.nonFinite(f.at, f.raw));
    return undefined;
  }
  if (n < 0) {
    c.errors.push(importMessages.negative(f.at, n));
    return undefined;
  }
  return n;
}

function text(c: LogFields, key: Canonical): string | undefined {
  const f = c.fields.get(key);
  return f === undefined ? undefined : String(f.raw).trim();
}

/** A latency's statistics, converted from ns to ms. */
function msStats(c: LogFields, metric: 'e2e' | 'ttft' | 'tpot'): LatencyStats | undefined {
  const s = latency({
    mean: num(c, `${metric}.mean`),
    p50: num(c, `${metric}.p50`),
    p90: num(c, `${metric}.p90`),
    p99: num(c, `${metric}.p99`),
  });
  return s === undefined
    ? undefined
    : latency({
        mean: s.mean === undefined ? undefined : s.mean / 1e6,
        p50: s.p50 === undefined ? undefined : s.p50 / 1e6,
        p90: s.p90 === undefined ? undefined : s.p90 / 1e6,
        p99: s.p99 === undefined ? undefined : s.p99 / 1e6,
      });
}

function build(file: string, fields: ReadonlyMap<Canonical, Field>, kind: 'summary' | 'detail'): Imported {
  const errors: MeasurementDiagnostic[] = [];
  const warnings: MeasurementDiagnostic[] = [];
  const notes: string[] = [];
  const c: LogFields = { fields, errors, warnings };
  const scenarioName = text(c, 'scenario');
  const offline = scenarioName?.toLowerCase() === 'offline';
  const server = scenarioName?.toLowerCase() === 'server';
  const samplesPerSec = num(c, 'samplesPerSec');
  const tokensPerSec = num(c, 'tokensPerSec');
  let e2e = msStats(c, 'e2e');
  const ttft = msStats(c, 'ttft');
  const tpot = msStats(c, 'tpot');
  const targetQps = num(c, 'targetQps');
  const samplesPerQuery = num(c, 'samplesPerQuery');
  const queryCount = num(c, 'queryCount');
  const validity = fields.get('validity');

  notes.push(`LoadGen ${kind} log, scenario ${scenarioName ?? 'not stated'}; times converted from ns`);
  if (offline && e2e !== undefined) {
    notes.push(
      'Offline latencies dropped: every sample is issued at t = 0, so they measure the queue, not a request',
    );
    e2e = undefined;
  }
  if (ttft !== undefined) notes.push('TTFT from the first-token latencies (per sample)');
  if (tpot !== undefined) {
    notes.push(
      'TPOT from "Time to Output Token": per sample (latency − first token)/(n_tokens − 1) = Ridgeline TPOT',
    );
  }
  if (tokensPerSec !== undefined)
    notes.push('output tokens/s from the tokens per second line (tokens the SUT returned)');
  notes.push('LoadGen percentiles are sorted[n·p], without interpolation');
  if (kind === 'detail')
    notes.push('result_token_throughput (tokens per ns, not a system throughput) dropped');
  if (validity !== undefined && String(validity.raw).trim().toUpperCase() === 'INVALID') {
    warnings.push(importMessages.runInvalid(validity.at));
  }

  // Mean output length: tokens/s ÷ samples/s (Server: token_count/(N − 1), within 1/N of the mean).
  const outputTokens = wholeTokens(
    samplesPerSec !== undefined && samplesPerSec > 0 && tokensPerSec !== undefined
      ? tokensPerSec / samplesPerSec
      : undefined,
    'output tokens (tokens per second ÷ samples per second)',
    notes,
  );
  notes.push('input length not in the log (the dataset fixes it)');
  const sut = text(c, 'sut');
  const model = sut === undefined ? undefined : modelFromSut(sut, notes);
  notes.push('hardware not in the log (it is in the submission path, e.g. H200-SXM-141GBx8_TRT)');

  if (errors.length > 0) return { records: [], diagnostics: [...errors, ...warnings] };
  const metrics = prune<MeasuredMetrics>({
    ttftMs: ttft,
    tpotMs: tpot,
    e2eLatencyMs: e2e,
    outputTokensPerSec: tokensPerSec,
    requestsPerSec: samplesPerSec,
  });
  if (Object.keys(metrics).length === 0) {
    return { records: [], diagnostics: [importMessages.noMetrics({ file }, 'mlperf'), ...warnings] };
  }
  if (server && targetQps !== undefined) notes.push('Server: Poisson arrivals at target_qps');
  const workload = prune<ScenarioFragment['workload']>({
    outputTokens,
    requestRate: server ? targetQps : undefined,
    requests: positiveInt(offline ? samplesPerQuery : queryCount),
    maxThroughput: offline ? true : undefined,
  } satisfies Loose<ScenarioFragment['workload']>);
  if (offline) notes.push('Offline: all samples in one query (max throughput)');
  const scenario = prune<ScenarioFragment>({ model, workload } satisfies Loose<ScenarioFragment>);
  return { records: [{ tool: 'mlperf', file, scenario, metrics, notes }], diagnostics: warnings };
}
