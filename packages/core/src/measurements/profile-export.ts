/**
 * NVIDIA genai-perf `profile_export_genai_perf.json` and AIPerf `profile_export_aiperf.json`:
 * one object per run, each metric an object {unit, avg, p50, p90, p99, ...}, plus the run's
 * arguments under `input_config`. Both tools call per-request (latency − ttft)/(OSL − 1)
 * "inter_token_latency": that is Ridgeline's TPOT. AIPerf also exports the per-chunk gaps
 * (`inter_chunk_latency`, = vLLM ITL); genai-perf does not. Token counts are client-side
 * re-tokenizations. Field semantics: packages/core/test/fixtures/formats/README.md §3 and §4.
 */
import type { LengthDistribution } from '../scenario/schema.js';
import { lengthsText, normalLengths } from './lengths.js';
import { importMessages } from './messages.js';
import type { JsonObject, JsonReader, Loose } from './read.js';
import {
  engineFromLabel,
  isObject,
  latency,
  modelName,
  msPerUnit,
  positiveInt,
  prune,
  wholeTokens,
} from './read.js';
import type { LatencyStats, MeasuredMetrics, MeasurementRecord, ScenarioFragment } from './types.js';

/** A time-metric object's stats in ms (its `unit` converted), or undefined when absent. */
export function timeStats(r: JsonReader, obj: JsonObject, key: string): LatencyStats | undefined {
  const m = r.object(obj, key);
  if (m === undefined) return undefined;
  const unit = r.string(m, 'unit', { name: `${key}.unit` }) ?? 'ms';
  const per = msPerUnit(unit);
  if (per === undefined) {
    r.errors.push(
      importMessages.unknownUnit(r.at(m, 'unit', `${key}.unit`), unit, 'a time unit (ms, s, us, ns)'),
    );
    return undefined;
  }
  const read = (stat: string) => {
    const v = r.number(m, stat, { name: `${key}.${stat}` });
    return v === undefined ? undefined : v * per;
  };
  return latency({ mean: read('avg'), p50: read('p50'), p90: read('p90'), p99: read('p99') });
}

/** The `avg` of a rate or count metric object ({unit: 'tokens/sec', avg}). */
export function avgOf(r: JsonReader, obj: JsonObject, key: string, perSecond: boolean): number | undefined {
  const m = r.object(obj, key);
  if (m === undefined) return undefined;
  const unit = r.string(m, 'unit', { name: `${key}.unit` });
  if (perSecond && unit !== undefined && !/(\/\s*s(ec)?\b|per sec)/i.test(unit)) {
    r.errors.push(importMessages.unknownUnit(r.at(m, 'unit', `${key}.unit`), unit, 'a rate per second'));
    return undefined;
  }
  return r.number(m, 'avg', { name: `${key}.avg` });
}

/** First model name in input_config: genai-perf `model` (list or text), AIPerf `models`. */
function configModel(r: JsonReader, config: JsonObject): string | undefined {
  const pick = (x: unknown): string | undefined => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x)) return pick(x[0]);
    if (isObject(x)) return pick(x['name'] ?? x['items'] ?? x['model_names']);
    return undefined;
  };
  const key = ['model', 'models', 'model_names'].find((k) => config[k] !== undefined && config[k] !== null);
  const raw = key === undefined ? undefined : config[key];
  const endpoint = config['endpoint'];
  const found = pick(raw) ?? (isObject(endpoint) ? pick(endpoint['model_names']) : undefined);
  if (key !== undefined && found === undefined) {
    r.errors.push(importMessages.wrongType(r.at(config, key, `input_config.${key}`), 'a model name', raw));
  }
  return found;
}

interface Load {
  readonly concurrency?: number | undefined;
  readonly requestRate?: number | undefined;
}

/** AIPerf: the profiling phase's load (0.12 `phases`, 0.1 `loadgen`); genai-perf: top-level keys. */
function configLoad(r: JsonReader, config: JsonObject): Load {
  const phases = config['phases'];
  if (Array.isArray(phases)) {
    const profiling = phases.find(
      (p): p is JsonObject => isObject(p) && (p['kind'] === 'profiling' || p['name'] === 'profiling'),
    );
    if (profiling !== undefined) {
      return {
        concurrency: r.number(profiling, 'concurrency', { name: 'input_config.phases.concurrency' }),
        requestRate: r.number(profiling, 'request_rate', {
          name: 'input_config.phases.request_rate',
          allowInfinity: true,
        }),
      };
    }
  }
  const loadgen = isObject(config['loadgen']) ? config['loadgen'] : config;
  return {
    concurrency: r.number(loadgen, 'concurrency', { name: 'input_config.concurrency' }),
    requestRate: r.number(loadgen, 'request_rate', {
      name: 'input_config.request_rate',
      allowInfinity: true,
    }),
  };
}

function workloadOf(
  load: Load,
  inputTokens: number | undefined,
  outputTokens: number | undefined,
  requests: number | undefined,
  notes: string[],
): ScenarioFragment['workload'] {
  const infinite = load.requestRate === Number.POSITIVE_INFINITY;
  const concurrency = positiveInt(load.concurrency);
  if (infinite && concurrency === undefined)
    notes.push('request_rate inf: every request sent at once (max throughput)');
  return prune<ScenarioFragment['workload']>({
    inputTokens,
    outputTokens,
    concurrency,
    requestRate: infinite ? undefined : load.requestRate,
    requests,
    maxThroughput: infinite && concurrency === undefined ? true : undefined,
  });
}

/** A synthetic length setting: mean and standard deviation, tokens. */
interface Synthetic {
  readonly mean: number;
  readonly stddev: number;
  /** Where it was read, for the note. */
  readonly keys: string;
}

/**
 * The synthetic prompt and output length settings of a run, where input_config states them:
 * genai-perf `synthetic_input_tokens_mean/_stddev` and `output_tokens_mean/_stddev` (a mean of
 * -1 or none: not set), AIPerf 0.12 `datasets[].prompts.isl/osl {mean, stddev}` of a synthetic
 * dataset. Read leniently: a value the reader cannot use is left out.
 */
function syntheticSettings(config: JsonObject): { input?: Synthetic; output?: Synthetic } {
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const pair = (mean: unknown, stddev: unknown, keys: string): Synthetic | undefined => {
    const m = num(mean);
    const sd = num(stddev) ?? 0;
    return m === undefined || m <= 0 || sd < 0 ? undefined : { mean: m, stddev: sd, keys };
  };
  const out: { input?: Synthetic; output?: Synthetic } = {};
  const datasets = config['datasets'];
  if (Array.isArray(datasets)) {
    const synthetic = datasets.find((d): d is JsonObject => isObject(d) && d['type'] === 'synthetic');
    const prompts =
      synthetic !== undefined && isObject(synthetic['prompts']) ? synthetic['prompts'] : undefined;
    const isl = prompts !== undefined && isObject(prompts['isl']) ? prompts['isl'] : undefined;
    const osl = prompts !== undefined && isObject(prompts['osl']) ? prompts['osl'] : undefined;
    const input = isl === undefined ? undefined : pair(isl['mean'], isl['stddev'], 'datasets[].prompts.isl');
    const output = osl === undefined ? undefined : pair(osl['mean'], osl['stddev'], 'datasets[].prompts.osl');
    if (input !== undefined) out.input = input;
    if (output !== undefined) out.output = output;
    return out;
  }
  const source = config['prompt_source'];
  if (source === undefined || source === 'synthetic') {
    const input = pair(
      config['synthetic_input_tokens_mean'],
      config['synthetic_input_tokens_stddev'],
      'synthetic_input_tokens_mean/_stddev',
    );
    if (input !== undefined) out.input = input;
  }
  const output = pair(
    config['output_tokens_mean'],
    config['output_tokens_stddev'],
    'output_tokens_mean/_stddev',
  );
  if (output !== undefined) out.output = output;
  return out;
}

/**
 * The lengths' distributions a synthetic run states: a normal bounded below at 1 token
 * (measurements/lengths.ts) where the standard deviation is positive, centred on the measured
 * mean (the client's count, which the throughput is computed with); else none, the lengths fixed
 * at the measured means. A note says which.
 */
function syntheticLengths(
  config: JsonObject,
  isl: number | undefined,
  osl: number | undefined,
  notes: string[],
): Pick<ScenarioFragment['workload'], 'inputLengths' | 'outputLengths'> {
  const settings = syntheticSettings(config);
  const out: { inputLengths?: LengthDistribution; outputLengths?: LengthDistribution } = {};
  const one = (what: 'prompt' | 'output', s: Synthetic | undefined, measured: number | undefined) => {
    if (s === undefined) {
      notes.push(`${what} lengths fixed at the mean: input_config states no synthetic length spread`);
      return undefined;
    }
    if (s.stddev === 0) {
      notes.push(
        `${what} lengths fixed at the mean: input_config ${s.keys} states mean ${String(s.mean)}, standard deviation 0`,
      );
      return undefined;
    }
    const d = normalLengths(measured ?? s.mean, s.stddev);
    if (d !== undefined)
      notes.push(
        `${what} lengths: ${lengthsText(d)} (input_config ${s.keys}: mean ${String(s.mean)}, standard deviation ${String(s.stddev)}; centred on the measured mean, bounded at 1 token)`,
      );
    return d;
  };
  const input = one('prompt', settings.input, isl);
  const output = one('output', settings.output, osl);
  if (input !== undefined) out.inputLengths = input;
  if (output !== undefined) out.outputLengths = output;
  return out;
}

/** Total tokens/s when the file lacks it: output tokens/s + requests/s × mean input length. */
export function deriveTotal(
  output: number | undefined,
  requestsPerSec: number | undefined,
  meanInput: number | undefined,
  notes: string[],
): number | undefined {
  if (output === undefined || requestsPerSec === undefined || meanInput === undefined) return undefined;
  notes.push('total tokens/s = output tokens/s + requests/s × mean input length');
  return output + requestsPerSec * meanInput;
}

export function importGenaiPerfObject(r: JsonReader, obj: JsonObject): MeasurementRecord | undefined {
  const errorsBefore = r.errors.length;
  const notes: string[] = [];
  const ttft = timeStats(r, obj, 'time_to_first_token');
  const tpot = timeStats(r, obj, 'inter_token_latency');
  const e2e = timeStats(r, obj, 'request_latency');
  const outputTps = avgOf(r, obj, 'output_token_throughput', true);
  const requestsPerSec = avgOf(r, obj, 'request_throughput', true);
  const isl = avgOf(r, obj, 'input_sequence_length', false);
  const osl = avgOf(r, obj, 'output_sequence_length', false);
  if (ttft !== undefined)
    notes.push('TTFT from time_to_first_token: request sent to first non-empty response');
  if (tpot !== undefined) {
    notes.push(
      "TPOT from inter_token_latency: genai-perf's per-request (latency − ttft)/(output tokens − 1) = Ridgeline TPOT",
    );
  }
  notes.push('no ITL: genai-perf does not export the gaps between streamed chunks');
  if (e2e !== undefined) notes.push('E2E latency from request_latency');
  const totalTps = deriveTotal(outputTps, requestsPerSec, isl, notes);
  notes.push('input/output lengths are client-side re-tokenizations (--tokenizer), not server counts');

  const config = r.object(obj, 'input_config') ?? {};
  const rawModel = configModel(r, config);
  const model = rawModel === undefined ? undefined : modelName(rawModel, notes);
  // --backend names the Triton backend and matters only for service_kind 'triton'.
  const serviceKind = r.string(config, 'service_kind', { name: 'input_config.service_kind' });
  const backend = r.string(config, 'backend', { name: 'input_config.backend' });
  let engine = undefined;
  if (serviceKind === 'triton' && backend !== undefined) {
    engine = engineFromLabel(backend);
    if (engine !== undefined) notes.push(`engine '${engine}' from the Triton backend '${backend}'`);
  } else if (backend !== undefined) {
    notes.push(`backend '${backend}' ignored: it applies to service_kind 'triton' only`);
  }
  const inputTokens = wholeTokens(isl, 'input tokens (input_sequence_length.avg)', notes);
  const outputTokens = wholeTokens(osl, 'output tokens (output_sequence_length.avg)', notes);
  checkForcedLength(r, config, osl, notes);
  const workload = {
    ...workloadOf(configLoad(r, config), inputTokens, outputTokens, undefined, notes),
    ...syntheticLengths(config, isl, osl, notes),
  };

  if (r.errors.length > errorsBefore) return undefined;
  const metrics = prune<MeasuredMetrics>({
    ttftMs: ttft,
    tpotMs: tpot,
    e2eLatencyMs: e2e,
    outputTokensPerSec: outputTps,
    totalTokensPerSec: totalTps,
    requestsPerSec,
  });
  if (Object.keys(metrics).length === 0) {
    r.errors.push(importMessages.noMetrics(r.at(obj), 'genai-perf'));
    return undefined;
  }
  const scenario = prune<ScenarioFragment>({ model, engine, workload } satisfies Loose<ScenarioFragment>);
  return { tool: 'genai-perf', file: r.file, scenario, metrics, notes };
}

/**
 * When the server was forced to an exact output length (min_tokens = max_tokens, ignore_eos) and
 * the client's count differs, the client tokenizer is not the model's: warn.
 */
function checkForcedLength(
  r: JsonReader,
  config: JsonObject,
  osl: number | undefined,
  notes: string[],
): void {
  const extra = isObject(config['extra_inputs']) ? config['extra_inputs'] : undefined;
  if (extra === undefined || osl === undefined) return;
  const max = extra['max_tokens'];
  const min = extra['min_tokens'];
  if (typeof max !== 'number' || max !== min || extra['ignore_eos'] !== true) return;
  if (Math.abs(osl - max) / max <= 0.05) return;
  const tokenizer = typeof config['tokenizer'] === 'string' ? config['tokenizer'] : 'default';
  r.warnings.push(
    importMessages.tokenCountMismatch(
      r.at(config, 'extra_inputs', 'input_config.extra_inputs'),
      osl,
      max,
      tokenizer,
    ),
  );
  notes.push(
    `server forced to ${String(max)} output tokens; the client counted ${osl.toFixed(1)} on average`,
  );
}

export function importAiperfObject(r: JsonReader, o: JsonObject): MeasurementRecord | undefined {
  const errorsBefore = r.errors.length;
  const notes: string[] = [];
  const ttft = timeStats(r, o, 'time_to_first_token');
  const tpot = timeStats(r, o, 'inter_token_latency');
  const itl = timeStats(r, o, 'inter_chunk_latency');
  const e2e = timeStats(r, o, 'request_latency');
  const outputTps = avgOf(r, o, 'output_token_throughput', true);
  const requestsPerSec = avgOf(r, o, 'request_throughput', true);
  const isl = avgOf(r, o, 'input_sequence_length', false);
  const osl = avgOf(r, o, 'output_sequence_length', false);
  const count = avgOf(r, o, 'request_count', false);
  if (ttft !== undefined) notes.push('TTFT from time_to_first_token: request start to first response');
  if (tpot !== undefined) {
    notes.push(
      "TPOT from inter_token_latency: AIPerf's per-request (latency − ttft)/(OSL − 1) = Ridgeline TPOT",
    );
  }
  if (itl !== undefined)
    notes.push('ITL from inter_chunk_latency: gaps between streamed chunks, pooled (= vLLM ITL)');
  if (e2e !== undefined) notes.push('E2E latency from request_latency');
  let totalTps = avgOf(r, o, 'total_token_throughput', true);
  if (totalTps === undefined) totalTps = deriveTotal(outputTps, requestsPerSec, isl, notes);
  notes.push('input/output lengths are client-side token counts (output includes reasoning tokens)');
  if (o['was_cancelled'] === true) notes.push('the run was cancelled before the end');
  const errors = o['error_summary'];
  if (Array.isArray(errors) && errors.length > 0)
    notes.push(`${String(errors.length)} error kind(s) in error_summary`);

  const config = r.object(o, 'input_config') ?? {};
  const rawModel = configModel(r, config);
  const model = rawModel === undefined ? undefined : modelName(rawModel, notes);
  const inputTokens = wholeTokens(isl, 'input tokens (input_sequence_length.avg)', notes);
  const outputTokens = wholeTokens(osl, 'output tokens (output_sequence_length.avg)', notes);
  const workload = {
    ...workloadOf(configLoad(r, config), inputTokens, outputTokens, positiveInt(count), notes),
    ...syntheticLengths(config, isl, osl, notes),
  };

  if (r.errors.length > errorsBefore) return undefined;
  const metrics = prune<MeasuredMetrics>({
    ttftMs: ttft,
    tpotMs: tpot,
    itlMs: itl,
    e2eLatencyMs: e2e,
    outputTokensPerSec: outputTps,
    totalTokensPerSec: totalTps,
    requestsPerSec,
  });
  if (Object.keys(metrics).length === 0) {
    r.errors.push(importMessages.noMetrics(r.at(o), 'aiperf'));
    return undefined;
  }
  const scenario = prune<ScenarioFragment>({ model, workload } satisfies Loose<ScenarioFragment>);
  return { tool: 'aiperf', file: r.file, scenario, metrics, notes };
}
