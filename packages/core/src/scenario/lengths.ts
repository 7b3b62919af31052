/**
 * Request-length distributions: drawing each request's prompt and output length from the
 * workload's seed, and the named presets of benchmark datasets whose length statistics are
 * published (packages/core/data/measurements/datasets.md gathers them, with their sources).
 */
import { DATASET_INPUT_FITS } from './dataset-fit-data.js';
import { DATASET_INPUT_MAX, fittedInputLengths } from './dataset-fit.js';
import type { LengthDistribution } from './schema.js';
import { DATASET_PRESETS } from './schema.js';

export { DATASET_INPUT_MAX } from './dataset-fit.js';

export type { LengthDistribution } from './schema.js';
export type DatasetPreset = (typeof DATASET_PRESETS)[number];

export interface DatasetLengths {
  readonly input: LengthDistribution;
  readonly output: LengthDistribution;
  /**
   * The benchmark's cap on generated tokens per request (max_new_tokens), which the harness gives
   * the engine (datasets.md, "max / min new tokens").
   */
  readonly maxOutputTokens: number;
  /** Where the numbers come from, and what had to be assumed where nothing is published. */
  readonly source: string;
}

/**
 * A preset's prompts: of the mean fitted to the MLPerf v5.1 Offline throughput rows where that
 * fit qualified (dataset-fit.ts), else uniform from 1 token up to the published maximum; with the
 * text that says which, for the preset's source.
 */
function inputOf(dataset: DatasetPreset): { input: LengthDistribution; text: string } {
  const fit = DATASET_INPUT_FITS[dataset];
  const max = DATASET_INPUT_MAX[dataset];
  const how = `scripts/fit-dataset-lengths.mjs, docs/fidelity.md "The input lengths of the MLPerf datasets"`;
  if (fit.fitted)
    return {
      input: fittedInputLengths(fit.inputMeanTokens, max),
      text: `input mean ${String(fit.inputMeanTokens)} tokens fitted to MLPerf v5.1 throughput rows (${String(fit.submitters)} submitters), not published: prompts uniform over [1, ${String(2 * fit.inputMeanTokens - 1)}] (${how})`,
    };
  return {
    input: { kind: 'uniform', min: 1, max },
    text: `input mean, median and histogram are not published: prompts are taken uniform from 1 token up to the published maximum; a mean fitted to the MLPerf v5.1 Offline throughput rows (${String(fit.submitters)} submitters) is not applied: ${fit.reason} (${how})`,
  };
}

const INPUTS = Object.fromEntries(DATASET_PRESETS.map((d) => [d, inputOf(d)])) as Record<
  DatasetPreset,
  { input: LengthDistribution; text: string }
>;

/**
 * MLPerf Inference LLM benchmarks (datasets.md, Overview table). Only the reference output mean
 * and the input maximum are published; outputs are taken at their reference mean.
 */
export const DATASET_LENGTHS: Readonly<Record<DatasetPreset, DatasetLengths>> = {
  'mlperf-llama2-70b': {
    input: INPUTS['mlperf-llama2-70b'].input,
    output: { kind: 'fixed', tokens: 294 },
    maxOutputTokens: 1024,
    source: `MLPerf llama2-70b (OpenOrca, 24,576 samples): input filter tok_input_length < 1024 (mlcommons/inference processorca.py l.134); output mean 294.45 tokens (language/llama2-70b/README.md l.266); max_new_tokens 1024 (language/llama2-70b/SUT.py l.29-30; NVIDIA generation_config.json max_output_len 1024); ${INPUTS['mlperf-llama2-70b'].text}`,
  },
  'mlperf-mixtral-8x7b': {
    input: INPUTS['mlperf-mixtral-8x7b'].input,
    output: { kind: 'fixed', tokens: 145 },
    maxOutputTokens: 1024,
    source: `MLPerf mixtral-8x7b (OpenOrca + GSM8K + MBXP, 15,000 samples): max_seq_len 2048 (inference_rules.adoc l.269); output mean 144.84 tokens (language/mixtral-8x7b/README.md l.290); max_new_tokens 1024 (language/mixtral-8x7b/SUT.py l.34-35); ${INPUTS['mlperf-mixtral-8x7b'].text}`,
  },
  'mlperf-llama3.1-405b': {
    input: INPUTS['mlperf-llama3.1-405b'].input,
    output: { kind: 'fixed', tokens: 685 },
    maxOutputTokens: 2000,
    source: `MLPerf llama3.1-405b (8,313 samples): max_seq_len 20000 (inference_rules.adoc l.1180); output mean 684.68 tokens (language/llama3.1-405b/README.md); max_new_tokens 2000 (reference SUT_VLLM.py l.75-76 and NVIDIA generation_config.json max_output_len 2000; the rules table lists 20000); ${INPUTS['mlperf-llama3.1-405b'].text}`,
  },
  'mlperf-llama3.1-8b': {
    input: INPUTS['mlperf-llama3.1-8b'].input,
    output: { kind: 'fixed', tokens: 128 },
    maxOutputTokens: 128,
    source: `MLPerf llama3.1-8b (CNN/DailyMail, 13,368 samples): max_seq_len 2048 (inference_rules.adoc l.266); max_new_tokens 128 (SUT_VLLM.py l.75-76; NVIDIA generation_config.json), "most of the generated outputs being 128 tokens" (mlcommons/inference issue 2256): the output mean is not published, outputs are taken at 128; ${INPUTS['mlperf-llama3.1-8b'].text}`,
  },
  'mlperf-deepseek-r1': {
    input: INPUTS['mlperf-deepseek-r1'].input,
    output: { kind: 'fixed', tokens: 3886 },
    maxOutputTokens: 20000,
    source: `MLPerf deepseek-r1 (4,388 samples): MAX_ISL 3136 (language/deepseek-r1/utils/backend_registry.py l.7); output mean 3886.2274 tokens (language/deepseek-r1/README.md l.271); max_new_tokens 20000 (MAX_OSL, backend_registry.py l.8; NVIDIA generation_config.json max_output_len 20000); ${INPUTS['mlperf-deepseek-r1'].text}`,
  },
};

/** The mean of a distribution before clamping and rounding (the histogram's weighted mean). */
export function lengthMean(d: LengthDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.tokens;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'normal':
    case 'lognormal':
      return Math.min(d.max, Math.max(d.min, d.mean));
    case 'histogram': {
      let w = 0;
      let s = 0;
      for (const b of d.bins) {
        w += b.weight;
        s += b.weight * b.tokens;
      }
      return s / w;
    }
  }
}

/** The longest length a distribution can draw. */
export function lengthMax(d: LengthDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.tokens;
    case 'histogram':
      return Math.max(...d.bins.filter((b) => b.weight > 0).map((b) => b.tokens));
    case 'uniform':
    case 'normal':
    case 'lognormal':
      return d.max;
  }
}

/** A standard normal draw (Box–Muller) from a uniform source. */
function gaussian(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One draw, a whole number of tokens ≥ 1. */
function drawOne(d: LengthDistribution, rand: () => number, cumulative: readonly number[]): number {
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(x)));
  switch (d.kind) {
    case 'fixed':
      return d.tokens;
    case 'uniform':
      return Math.min(d.max, d.min + Math.floor(rand() * (d.max - d.min + 1)));
    case 'normal':
      return clamp(d.mean + d.stddev * gaussian(rand), d.min, d.max);
    case 'lognormal': {
      // Lengths of mean m and standard deviation s: sigma² = ln(1 + s²/m²), mu = ln m − sigma²/2.
      const sigma2 = Math.log(1 + (d.stddev * d.stddev) / (d.mean * d.mean));
      const mu = Math.log(d.mean) - sigma2 / 2;
      return clamp(Math.exp(mu + Math.sqrt(sigma2) * gaussian(rand)), d.min, d.max);
    }
    case 'histogram':
      return binAt(d, cumulative, rand() * (cumulative[cumulative.length - 1] ?? 0));
  }
}

/** The length of the histogram bin whose cumulative weight first exceeds `x`. */
function binAt(d: { bins: readonly { tokens: number }[] }, cumulative: readonly number[], x: number): number {
  let i = 0;
  while (i < cumulative.length - 1 && (cumulative[i] ?? 0) <= x) i++;
  return d.bins[i]?.tokens ?? 1;
}

/**
 * `n` lengths drawn from `d` with the given uniform source (deterministic for a seeded one).
 * A histogram is drawn stratified: the i-th of n draws takes a random point in the i-th of n
 * equal slices of its cumulative weight, and the n lengths are then put in a random order
 * (Fisher–Yates, same source). So a run's lengths follow the histogram however few requests it
 * has: n requests over n bins of equal weight draw each bin once, as a benchmark file's
 * per-request lengths (measurements/lengths.ts) were.
 */
export function drawLengths(d: LengthDistribution, n: number, rand: () => number): Float64Array {
  const out = new Float64Array(n);
  const cumulative: number[] = [];
  if (d.kind === 'histogram') {
    let c = 0;
    for (const b of d.bins) cumulative.push((c += b.weight));
    const total = cumulative[cumulative.length - 1] ?? 0;
    for (let i = 0; i < n; i++) out[i] = Math.max(1, binAt(d, cumulative, ((i + rand()) / n) * total));
    for (let i = n - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(rand() * (i + 1)));
      const t = out[i] ?? 1;
      out[i] = out[j] ?? 1;
      out[j] = t;
    }
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = Math.max(1, drawOne(d, rand, cumulative));
  return out;
}
