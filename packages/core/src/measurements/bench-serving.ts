/**
 * vLLM `benchmark_serving.py` / `vllm bench serve --save-result` JSON and SGLang `bench_serving`
 * JSONL: one object per run with mean_/median_/pNN_ stats keys (ms), totals, and optionally the
 * per-request arrays (seconds). SGLang's writer descends from vLLM's, so one reader serves both;
 * the differences (e2e key, how the model and engine are named) are in the two tool profiles.
 * Field semantics: packages/core/test/fixtures/formats/README.md §1 and §2.
 */
import type { LengthDistribution } from '../scenario/schema.js';
import { empiricalLengths, empiricalNote, lengthsText, uniformLengths } from './lengths.js';
import { importMessages } from './messages.js';
import type { JsonObject, JsonReader, Loose } from './read.js';
import {
  engineFromLabel,
  fillMissing,
  latency,
  modelName,
  positiveInt,
  prune,
  statsOf,
  wholeTokens,
} from './read.js';
import type {
  LatencyStats,
  MeasuredEngine,
  MeasuredMetrics,
  MeasurementRecord,
  ScenarioFragment,
} from './types.js';

interface ServingProfile {
  readonly tool: 'vllm' | 'sglang';
  /** Key stems of end-to-end latency stats, first found wins. */
  readonly e2eStems: readonly string[];
  readonly ttftNote: string;
  readonly tpotNote: string;
  readonly itlNote: string;
  readonly engine: (obj: JsonObject, r: JsonReader, notes: string[]) => MeasuredEngine | undefined;
  readonly model: (obj: JsonObject, r: JsonReader, notes: string[]) => string | undefined;
}

export const VLLM_PROFILE: ServingProfile = {
  tool: 'vllm',
  e2eStems: ['e2el', 'latency'],
  ttftNote:
    'TTFT from *_ttft_ms: request sent to first streamed chunk, server queueing included (vLLM client)',
  tpotNote:
    'TPOT from *_tpot_ms: vLLM per-request (latency − ttft)/(output_len − 1), first token excluded, averaged over requests = Ridgeline TPOT',
  itlNote:
    'ITL from *_itl_ms: gaps between streamed chunks pooled over all requests (vLLM ITL; not TPOT when a chunk carries several tokens)',
  engine: (obj, r, notes) => {
    // --metadata framework=... names the server when the client's --backend is just an API flavor.
    const framework = r.string(obj, 'framework');
    if (framework !== undefined) {
      const e = engineFromLabel(framework);
      if (e !== undefined) notes.push(`engine '${e}' from the metadata key framework='${framework}'`);
      return e;
    }
    const backend = r.string(obj, 'backend');
    if (backend === undefined) return undefined;
    const e = engineFromLabel(backend);
    if (e !== undefined) notes.push(`engine '${e}' from backend='${backend}' (the client's API flavor)`);
    return e;
  },
  model: (obj, r, notes) => {
    const id = r.string(obj, 'model_id') ?? r.string(obj, 'model');
    return id === undefined ? undefined : modelName(id, notes);
  },
};

export const SGLANG_PROFILE: ServingProfile = {
  tool: 'sglang',
  e2eStems: ['e2e_latency'],
  ttftNote: 'TTFT from *_ttft_ms: request sent to first non-empty streamed chunk (SGLang client)',
  tpotNote:
    'TPOT from *_tpot_ms: SGLang per-request (latency − ttft)/(output_len − 1), first token excluded = Ridgeline TPOT',
  itlNote: 'ITL from *_itl_ms: gaps between non-empty streamed chunks pooled over all requests (SGLang ITL)',
  engine: (obj, r, notes) => {
    const backend = r.string(obj, 'backend');
    if (backend === undefined) return undefined;
    const e = engineFromLabel(backend);
    if (e !== undefined) notes.push(`engine '${e}' from backend='${backend}'`);
    return e;
  },
  model: (obj, r, notes) => {
    const id = r.string(obj, 'model_id') ?? r.string(obj, 'model');
    if (id === undefined) {
      notes.push('the result line does not name the model (older bench_serving key set)');
      return undefined;
    }
    return modelName(id, notes);
  },
};

/** Stats of one metric from mean_/median_/pNN_ keys, and the keys read. */
function keyedStats(r: JsonReader, obj: JsonObject, stem: string): LatencyStats | undefined {
  const read = (key: string) => r.number(obj, key);
  return latency({
    mean: read(`mean_${stem}_ms`),
    p50: read(`median_${stem}_ms`) ?? read(`p50_${stem}_ms`),
    p90: read(`p90_${stem}_ms`),
    p99: read(`p99_${stem}_ms`),
  });
}

interface PerRequest {
  readonly ttftMs: number[];
  readonly itlMs: number[];
  readonly e2eMs: number[];
  readonly tpotMs: number[];
  readonly e2eReconstructed: boolean;
  /** Prompt and output lengths of the successful requests (input_lens, output_lens), tokens. */
  readonly inputLens: number[] | undefined;
  readonly outputLens: number[];
}

/** Per-request samples of the successful requests, from the arrays written with --save-detailed. */
function perRequest(r: JsonReader, obj: JsonObject, notes: string[]): PerRequest | undefined {
  const ttfts = r.numbers(obj, 'ttfts');
  const outputLens = r.numbers(obj, 'output_lens');
  if (ttfts === undefined || outputLens === undefined) return undefined;
  const n = ttfts.length;
  const itlsRaw = r.array(obj, 'itls');
  const latencies = r.numbers(obj, 'latencies');
  const errors = r.array(obj, 'errors');
  const inputLens = r.numbers(obj, 'input_lens');
  const sameLength = (a: readonly unknown[] | undefined) => a === undefined || a.length === n;
  if (
    outputLens.length !== n ||
    !sameLength(itlsRaw) ||
    !sameLength(latencies) ||
    !sameLength(errors) ||
    !sameLength(inputLens)
  ) {
    notes.push('per-request arrays differ in length; none used');
    return undefined;
  }
  const itls: number[][] = [];
  if (itlsRaw !== undefined) {
    for (const [i, row] of itlsRaw.entries()) {
      const name = `itls[${String(i)}]`;
      if (!Array.isArray(row)) {
        r.errors.push(importMessages.wrongType(r.at(itlsRaw, i, name), 'a list of seconds', row));
        return undefined;
      }
      const list = r.numberItems(row, name);
      if (list === undefined) return undefined;
      itls.push(list);
    }
  }
  const out: PerRequest = {
    ttftMs: [],
    itlMs: [],
    e2eMs: [],
    tpotMs: [],
    e2eReconstructed: latencies === undefined,
    inputLens: inputLens === undefined ? undefined : [],
    outputLens: [],
  };
  for (let i = 0; i < n; i++) {
    const failed = typeof errors?.[i] === 'string' && errors[i] !== '';
    const outLen = outputLens[i] ?? 0;
    const ttft = ttfts[i] ?? 0;
    if (failed || outLen <= 0) continue;
    out.outputLens.push(outLen);
    out.inputLens?.push(inputLens?.[i] ?? 0);
    out.ttftMs.push(ttft * 1000);
    const gaps = itls[i];
    if (gaps !== undefined) for (const g of gaps) out.itlMs.push(g * 1000);
    // vLLM's latency is the last chunk's arrival, i.e. ttft + Σ itl, when `latencies` is not written.
    const e2e = latencies?.[i] ?? (gaps === undefined ? undefined : ttft + gaps.reduce((a, b) => a + b, 0));
    if (e2e === undefined) continue;
    out.e2eMs.push(e2e * 1000);
    if (outLen > 1) out.tpotMs.push(((e2e - ttft) / (outLen - 1)) * 1000);
  }
  return out;
}

function fillFromSamples(
  name: string,
  stats: LatencyStats | undefined,
  samples: readonly number[],
  source: string,
  notes: string[],
): LatencyStats | undefined {
  const merged = fillMissing(stats, statsOf(samples));
  if (merged.filled.length > 0) {
    notes.push(`${name} ${merged.filled.join(', ')} computed from ${source} (numpy-style percentiles)`);
  }
  return merged.stats;
}

/** Latency statistics of a run: the summary keys, filled from per-request samples where absent. */
function servingLatencies(
  profile: ServingProfile,
  r: JsonReader,
  obj: JsonObject,
  notes: string[],
): {
  stats: Record<'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eLatencyMs', LatencyStats | undefined>;
  samples: PerRequest | undefined;
} {
  let ttft = keyedStats(r, obj, 'ttft');
  let tpot = keyedStats(r, obj, 'tpot');
  let itl = keyedStats(r, obj, 'itl');
  let e2e: LatencyStats | undefined;
  let e2eStem: string | undefined;
  for (const stem of profile.e2eStems) {
    e2e = keyedStats(r, obj, stem);
    if (e2e !== undefined) {
      e2eStem = stem;
      break;
    }
  }

  const samples = perRequest(r, obj, notes);
  if (samples !== undefined) {
    ttft = fillFromSamples('TTFT', ttft, samples.ttftMs, 'the ttfts array', notes);
    itl = fillFromSamples('ITL', itl, samples.itlMs, 'the itls arrays', notes);
    const e2eSource = samples.e2eReconstructed
      ? 'per-request ttft + Σ itls (latencies not written; the last chunk, not [DONE])'
      : 'the latencies array';
    e2e = fillFromSamples('E2E latency', e2e, samples.e2eMs, e2eSource, notes);
    tpot = fillFromSamples(
      'TPOT',
      tpot,
      samples.tpotMs,
      `(e2e − ttft)/(output_len − 1) with e2e from ${e2eSource}`,
      notes,
    );
  }

  if (ttft !== undefined) notes.push(profile.ttftNote);
  if (tpot !== undefined) notes.push(profile.tpotNote);
  if (itl !== undefined) notes.push(profile.itlNote);
  if (e2eStem !== undefined) notes.push(`E2E latency from *_${e2eStem}_ms`);
  if (itl?.mean !== undefined && tpot?.mean !== undefined && itl.mean > 1.5 * tpot.mean) {
    notes.push(
      `mean ITL ${itl.mean.toFixed(1)} ms ≫ mean TPOT ${tpot.mean.toFixed(1)} ms: the server streamed several tokens per chunk`,
    );
  }

  return { stats: { ttftMs: ttft, tpotMs: tpot, itlMs: itl, e2eLatencyMs: e2e }, samples };
}

/** Throughputs of a run, and the totals the workload is read from. */
function servingThroughputs(r: JsonReader, obj: JsonObject, notes: string[]) {
  const duration = r.number(obj, 'duration');
  const completed = r.number(obj, 'completed');
  const totalInput = r.number(obj, 'total_input_tokens');
  const totalOutput = r.number(obj, 'total_output_tokens');
  const perSec = (x: number | undefined) =>
    x !== undefined && duration !== undefined && duration > 0 ? x / duration : undefined;

  const outputTps = r.number(obj, 'output_throughput');
  if (outputTps !== undefined) notes.push('output tokens/s from output_throughput (output tokens only)');
  let totalTps = r.number(obj, 'total_token_throughput');
  if (totalTps === undefined) {
    const inputTps = r.number(obj, 'input_throughput');
    if (inputTps !== undefined && outputTps !== undefined) {
      totalTps = inputTps + outputTps;
      notes.push('total tokens/s = input_throughput + output_throughput');
    } else if (totalInput !== undefined && totalOutput !== undefined && perSec(1) !== undefined) {
      totalTps = perSec(totalInput + totalOutput);
      notes.push('total tokens/s = (total_input_tokens + total_output_tokens)/duration');
    }
  }
  let requestsPerSec = r.number(obj, 'request_throughput');
  if (requestsPerSec === undefined && completed !== undefined) {
    requestsPerSec = perSec(completed);
    if (requestsPerSec !== undefined) notes.push('requests/s = completed/duration');
  }
  const failed = r.number(obj, 'failed');
  if (failed !== undefined && failed > 0)
    notes.push(`${String(failed)} request(s) failed; metrics cover the completed ones`);
  const goodput = obj['request_goodput:'] ?? obj['request_goodput'];
  if (typeof goodput === 'number') notes.push('request goodput (SLO-bound) not imported');

  return { outputTps, totalTps, requestsPerSec, completed, totalInput, totalOutput };
}

/** The workload of a run: means over completed requests, the configured arrival process. */
function servingWorkload(
  r: JsonReader,
  obj: JsonObject,
  notes: string[],
  totals: { completed: number | undefined; totalInput: number | undefined; totalOutput: number | undefined },
): ScenarioFragment['workload'] {
  const { completed, totalInput, totalOutput } = totals;
  const requests = positiveInt(completed);
  const inputTokens = wholeTokens(
    requests === undefined || totalInput === undefined ? undefined : totalInput / requests,
    'input tokens (total_input_tokens/completed)',
    notes,
  );
  const outputTokens = wholeTokens(
    requests === undefined || totalOutput === undefined ? undefined : totalOutput / requests,
    'output tokens (total_output_tokens/completed)',
    notes,
  );
  const rate = r.number(obj, 'request_rate', { allowInfinity: true });
  const concurrency = positiveInt(r.number(obj, 'max_concurrency'));
  const infinite = rate === Number.POSITIVE_INFINITY;
  if (infinite) {
    notes.push(
      concurrency === undefined
        ? 'request_rate inf: every request sent at once (max throughput)'
        : `request_rate inf with max_concurrency ${String(concurrency)}: a closed loop at that concurrency`,
    );
  }
  const burstiness = r.number(obj, 'burstiness');
  if (burstiness !== undefined && burstiness !== 1 && !infinite) {
    notes.push(`arrivals gamma-distributed with burstiness ${String(burstiness)} (1 = Poisson)`);
  }
  const numPrompts = r.number(obj, 'num_prompts');
  if (numPrompts !== undefined && completed !== undefined && numPrompts !== completed) {
    notes.push(`${String(completed)} of ${String(numPrompts)} prompts completed`);
  }
  const dataset = r.string(obj, 'dataset_name');
  if (dataset !== undefined) notes.push(`dataset '${dataset}'`);

  return prune<ScenarioFragment['workload']>({
    inputTokens,
    outputTokens,
    concurrency,
    requestRate: infinite ? undefined : rate,
    requests,
    maxThroughput: infinite && concurrency === undefined ? true : undefined,
  });
}

/** SGLang datasets whose lengths are drawn from random_input_len / random_output_len and the range ratio. */
const RANDOM_DATASETS: ReadonlySet<string> = new Set(['random', 'random-ids']);

/**
 * The lengths' distributions a run states (measurements/lengths.ts): the per-request lengths
 * (input_lens, output_lens of the successful requests) as empirical histograms; else, for an
 * SGLang random dataset, uniform over its range; else none (fixed at the means). A note says which.
 */
function servingLengths(
  profile: ServingProfile,
  r: JsonReader,
  obj: JsonObject,
  samples: PerRequest | undefined,
  notes: string[],
): Pick<ScenarioFragment['workload'], 'inputLengths' | 'outputLengths'> {
  const out: { inputLengths?: LengthDistribution; outputLengths?: LengthDistribution } = {};
  if (samples !== undefined) {
    const n = samples.outputLens.length;
    const input = samples.inputLens === undefined ? undefined : empiricalLengths(samples.inputLens);
    const output = empiricalLengths(samples.outputLens);
    // Lengths all equal stay fixed at the mean (the workload's inputTokens / outputTokens).
    if (input !== undefined) {
      if (input.kind !== 'fixed') out.inputLengths = input;
      notes.push(`prompt lengths: ${empiricalNote(input, n)} (input_lens of the completed requests)`);
    }
    if (output !== undefined) {
      if (output.kind !== 'fixed') out.outputLengths = output;
      notes.push(`output lengths: ${empiricalNote(output, n)} (output_lens of the completed requests)`);
    }
    if (input !== undefined && output !== undefined) return out;
  }
  // CLI settings, read leniently: one the reader cannot use leaves the lengths at the means.
  const setting = (key: string) => {
    const v = obj[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const dataset = profile.tool === 'sglang' ? obj['dataset_name'] : undefined;
  const ratio = setting('random_range_ratio');
  const inputLen = setting('random_input_len');
  const outputLen = setting('random_output_len');
  if (
    typeof dataset === 'string' &&
    RANDOM_DATASETS.has(dataset) &&
    ratio !== undefined &&
    ratio <= 1 &&
    inputLen !== undefined &&
    inputLen >= 1 &&
    outputLen !== undefined &&
    outputLen >= 1
  ) {
    // SGLang sample_random_requests: np.random.randint(max(int(L * ratio), 1), L + 1) for
    // prompts, int(L * ratio) as the low end for outputs in 2024 revisions (0 at ratio 0; a
    // request needs one token, so 1 here: half a token on the mean).
    const bounds = (len: number) => uniformLengths(Math.floor(len * ratio), len);
    const input = bounds(inputLen);
    const output = bounds(outputLen);
    if (out.inputLengths === undefined) {
      out.inputLengths = input;
      notes.push(
        `prompt lengths: ${lengthsText(input)} (SGLang '${dataset}' dataset: random_input_len ${String(inputLen)}, random_range_ratio ${String(ratio)}, integers uniform over [max(⌊ratio·L⌋, 1), L])`,
      );
    }
    if (out.outputLengths === undefined) {
      out.outputLengths = output;
      notes.push(
        `output lengths: ${lengthsText(output)} (SGLang '${dataset}' dataset: random_output_len ${String(outputLen)}, random_range_ratio ${String(ratio)})`,
      );
    }
    return out;
  }
  if (out.inputLengths === undefined && out.outputLengths === undefined)
    notes.push('lengths fixed at the means: the file records no per-request lengths and no length range');
  else if (out.inputLengths === undefined)
    notes.push('prompt lengths fixed at the mean: input_lens not written');
  return out;
}

/**
 * One run's object as a record. Returns undefined when the reader found errors in it (they are
 * in `r.errors`) or when it holds no metric at all (an error is added).
 */
export function importServingObject(
  profile: ServingProfile,
  r: JsonReader,
  obj: JsonObject,
  line: number | undefined,
): MeasurementRecord | undefined {
  const errorsBefore = r.errors.length;
  const notes: string[] = [];
  const latencies = servingLatencies(profile, r, obj, notes);
  const t = servingThroughputs(r, obj, notes);
  const metrics = prune<MeasuredMetrics>({
    ...latencies.stats,
    outputTokensPerSec: t.outputTps,
    totalTokensPerSec: t.totalTps,
    requestsPerSec: t.requestsPerSec,
  });
  const workload = {
    ...servingWorkload(r, obj, notes, t),
    ...servingLengths(profile, r, obj, latencies.samples, notes),
  };
  const engine = profile.engine(obj, r, notes);
  const model = profile.model(obj, r, notes);
  if (r.errors.length > errorsBefore) return undefined;
  const scenario = prune<ScenarioFragment>({ model, engine, workload } satisfies Loose<ScenarioFragment>);

  if (Object.keys(metrics).length === 0) {
    r.errors.push(importMessages.noMetrics(r.at(obj), profile.tool));
    return undefined;
  }
  const record: MeasurementRecord = { tool: profile.tool, file: r.file, scenario, metrics, notes };
  return line === undefined ? record : { ...record, line };
}
