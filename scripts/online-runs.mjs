// The real benchmark-tool outputs in the repository (packages/core/test/fixtures/formats/, whose
// README gives each run's origin), predicted the way `ridgeline validate <file>` predicts them
// (core validateRecords: the importers, then one simulation per run, the shipped profiles by
// default) with the settings that README and the run's source state; what a file does not say
// and had to be assumed is written beside it. Rewrites the section between
// `<!-- online-runs:start -->` and `<!-- online-runs:end -->` in docs/fidelity.md. Run by
// `npm run docs` (builds first); `--check` exits 1 instead of writing when it is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  SHIPPED_PROFILES,
  estimate,
  profileParametersFor,
  importMeasurements,
  recordScenario,
  validateRecords,
} from '../packages/core/dist/index.js';

const DOC = 'docs/fidelity.md';
const START = '<!-- online-runs:start -->';
const END = '<!-- online-runs:end -->';
const DIR = 'packages/core/test/fixtures/formats/';
const root = new URL('../', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');

const SGLANG = {
  defaults: { hardware: 'h200-sxm', engine: 'sglang', model: 'llama-3.1-70b', tp: 4 },
  settings:
    '4×H200 SXM, TP4, SGLang (image `lmsysorg/sglang` dev/latest, December 2024), Llama-3.3-70B-Instruct costed as llama-3.1-70b (the same architecture); BF16 (no quantization stated)',
};
const H100_8B = 'Llama-3-8B costed as llama-3.1-8b (the same layer shapes)';
/** Each file with the flags `validate` takes for it, and how the settings were known. */
const RUNS = [
  { file: 'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-online.jsonl', ...SGLANG },
  { file: 'sglang/bench_serving-2024-12-llama-3.3-70b-h200x4-offline.jsonl', ...SGLANG },
  {
    file: 'vllm/benchmark_serving-2024-09-save-result-with-per-request-arrays-llama3-8b-h100.json',
    defaults: { hardware: 'h100-sxm', engine: 'vllm', model: 'llama-3.1-8b', tp: 1 },
    settings: `1×H100 SXM (the source path: 1xH100-80GB-SXM, tp1), vLLM (the source's default image v0.5.4), ${H100_8B}`,
  },
  {
    file: 'vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl',
    defaults: { hardware: 'h100-sxm', model: 'llama-3.1-8b', tp: 1 },
    settings:
      'H100 (**SXM assumed**: the variant is not stated), one GPU assumed; vLLM 0.8.3 or SGLang 0.4.4.post1 per run (the `framework` metadata), Llama-3.1-8B',
  },
  ...[1, 10, 100].map((c) => ({
    file: `genai-perf/nim-llama3-8b-openai-chat-concurrency${String(c)}.profile_export_genai_perf.json`,
    defaults: { hardware: 'h100-sxm', engine: 'trtllm', model: 'llama-3.1-8b', tp: 1 },
    settings: `NIM meta/llama3-8b-instruct (TensorRT-LLM backend), concurrency ${String(c)}; **GPU not stated: one H100 SXM assumed**; ${H100_8B}; outputs counted by a mismatched client tokenizer (50 generated, about 58 counted)`,
  })),
  {
    file: 'trtllm-bench/v0.17.0-llama3.1-8b-fp8-throughput-summary.FROM-DOCS.txt',
    defaults: { hardware: 'h100-sxm', model: 'llama-3.1-8b' },
    settings:
      'TensorRT-LLM 0.17.0, TRT engine, FP8 weights and KV cache, TP1, 128/128 tokens, max throughput; **GPU not printed: H100 SXM assumed**',
  },
  {
    file: 'trtllm-bench/v0.21.0rc0-llama3.1-8b-pytorch-streaming-throughput-summary.FROM-NVIDIA-BLOG.txt',
    defaults: { hardware: 'h100-sxm', model: 'llama-3.1-8b' },
    settings:
      'TensorRT-LLM 0.21.0rc0, PyTorch backend, BF16, TP1, streaming, 100 requests of 128/128 tokens; **GPU not printed: H100 SXM assumed** (the blog post calls it "only a sample")',
  },
  {
    file: 'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-offline.mlperf_log_summary.txt',
    defaults: { hardware: 'h200-sxm', engine: 'trtllm' },
    settings: 'MLPerf v4.1 NVIDIA, 8×H200 SXM, TensorRT-LLM, Llama-2-70B',
  },
  {
    file: 'mlperf-loadgen/v4.1-nvidia-h200x8-llama2-70b-99-server.mlperf_log_summary.txt',
    defaults: { hardware: 'h200-sxm', engine: 'trtllm' },
    settings: 'MLPerf v4.1 NVIDIA, 8×H200 SXM, TensorRT-LLM, Llama-2-70B',
  },
  {
    file: 'aiperf/aiperf-0.12.0-qwen3-0.6b-mlx-concurrency4.profile_export_aiperf.json',
    defaults: {},
    settings: 'Qwen3-0.6B served by MLX on an Apple machine: no such device in the catalog',
  },
];

const num = (x) =>
  x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toPrecision(3);
const signed = (p, m) => {
  const e = ((p - m) / m) * 100;
  return `${e >= 0 ? '+' : ''}${e.toFixed(0)}%`;
};
/** The line of a JSON Lines run ('line 3'), or '-' for a file that holds one run. */
const runOf = (id, file) => {
  const m = /^:(\d+)/.exec(id.slice(file.length));
  return m === null ? '-' : `line ${m[1]}`;
};
const flagsOf = (d) =>
  Object.entries(d)
    .map(([k, v]) => `--${k} ${String(v)}`)
    .join(' ');

// Whether a shipped profile applies to any run here (the text says which).
const applied = [
  ...new Set(
    RUNS.flatMap((r) =>
      r.defaults.hardware !== undefined &&
      profileParametersFor(SHIPPED_PROFILES, r.defaults.hardware, r.defaults.engine ?? 'vllm') !== undefined
        ? [`${r.defaults.hardware} ${r.defaults.engine ?? ''}`.trim()]
        : [],
    ),
  ),
];
const lines = [];
lines.push(
  'Generated by `npm run docs` (scripts/online-runs.mjs) from the benchmark outputs in `packages/core/test/fixtures/formats/` ' +
    '(origins in its README), each predicted as `ridgeline validate <file> <flags>` predicts it (the shipped profiles: ' +
    (applied.length === 0
      ? 'none applies to these devices and engines'
      : `applied on ${applied.join(', ')}`) +
    '); do not edit between the markers. ' +
    'Error is signed: (predicted − measured) / measured. Settings in **bold** are assumptions the files do not support: those rows are not evidence for the model.',
);
lines.push('');
const all = [];
for (const run of RUNS) {
  const text = read(DIR + run.file);
  const imported = importMeasurements(run.file, text);
  if (!imported.ok) throw new Error(`${run.file}: ${imported.diagnostics[0]?.message ?? 'import failed'}`);
  const report = validateRecords(imported.value, run.defaults, SHIPPED_PROFILES);
  lines.push(`**\`${run.file}\`** (${run.settings}; flags \`${flagsOf(run.defaults) || 'none'}\`)`);
  lines.push('');
  lines.push('| run | metric | measured | predicted | error |');
  lines.push('|---|---|---:|---:|---:|');
  for (const r of report.rows) {
    const at = runOf(r.id, run.file);
    lines.push(
      `| ${at} | ${r.metric} | ${num(r.measured)} | ${num(r.predicted)} | ${signed(r.predicted, r.measured)} |`,
    );
    all.push(r);
  }
  for (const s of report.skipped)
    lines.push(`| ${runOf(s.id, run.file)} | ${s.metric} | | skipped | ${s.reason} |`);
  lines.push('');
}

// The SGLang Poisson sweep: load, in-flight requests (Little's law: throughput × mean latency),
// decode pace, and the random dataset's lengths fixed at their means rather than drawn.
const online = RUNS[0];
const onlineText = read(DIR + online.file);
const raw = onlineText
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l.replace(/\bInfinity\b/g, '1e999')));
const records = importMeasurements(online.file, onlineText).value;
const offlineRaw = JSON.parse(
  read(DIR + RUNS[1].file)
    .split('\n')[0]
    .replace(/\bInfinity\b/g, '1e999'),
);
lines.push(
  `SGLang Poisson runs of \`${online.file}\`: in flight = request throughput × mean end-to-end latency (Little's law), measured and predicted; ` +
    "measured ITL p50 (pooled chunk gaps: the decode pace between prefill stalls) against the predicted TPOT p50; the predictions draw each request's lengths uniform over [1, L] " +
    `as the importer reads the random dataset with range ratio 0 (whose measured mean lengths match (1 + L)/2 within sampling error); the last column is the predicted output throughput with the lengths fixed at the means instead. ` +
    `The offline run of the same lengths (${String(offlineRaw.completed)} requests at once) measures ${num(offlineRaw.output_throughput)} output tok/s: the real capacity at these lengths.`,
);
lines.push('');
lines.push(
  '| dataset, rate (req/s) | req/s measured | req/s predicted | in flight measured | in flight predicted | ITL p50 measured (ms) | TPOT p50 predicted (ms) | out tok/s measured | predicted | predicted, lengths at the means |',
);
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
records.forEach((rec, i) => {
  const j = raw[i];
  const s = recordScenario(rec.scenario, online.defaults);
  if ('skip' in s) return;
  const e = estimate({ ...s.scenario, calibration: 'none' });
  if (!e.ok) return;
  const v = e.value;
  let atMeans = '-';
  if (s.scenario.workload.inputLengths !== undefined || s.scenario.workload.outputLengths !== undefined) {
    const { inputLengths: _i, outputLengths: _o, ...fixed } = s.scenario.workload;
    const u = estimate({ ...s.scenario, calibration: 'none', workload: fixed });
    if (u.ok) atMeans = num(u.value.outputTokensPerSec);
  }
  const measuredRate = j.completed / j.duration;
  lines.push(
    `| ${j.dataset_name} ${String(j.request_rate)} | ${measuredRate.toFixed(2)} | ${v.requestsPerSec.toFixed(2)} | ` +
      `${num((measuredRate * j.mean_e2e_latency_ms) / 1000)} | ${num((v.requestsPerSec * v.latency.e2e.mean) / 1000)} | ` +
      `${j.median_itl_ms.toFixed(1)} | ${v.latency.tpot.p50.toFixed(1)} | ${num(j.output_throughput)} | ${num(v.outputTokensPerSec)} | ${atMeans} |`,
  );
});

const check = process.argv.includes('--check');
const doc = read(DOC);
const i = doc.indexOf(START);
const k = doc.indexOf(END);
if (i < 0 || k < i) throw new Error(`${DOC} lacks the markers ${START} … ${END}`);
const next = `${doc.slice(0, i + START.length)}\n\n${lines.join('\n')}\n\n${doc.slice(k)}`;
if (next === doc) process.stderr.write(`${DOC}: online runs up to date\n`);
else if (check) {
  process.stderr.write(`${DOC}: the online-runs section is out of date (npm run docs)\n`);
  process.exit(1);
} else {
  writeFileSync(new URL(DOC, root), next);
  process.stderr.write(`${DOC}: online runs rewritten (${String(all.length)} predicted rows)\n`);
}
