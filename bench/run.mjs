// Benchmark: full scenario evaluations per second on one core (prefill + every decode step,
// memory, report with per-operator breakdown). Run with `npm run bench`; `--write` updates the
// table in docs/performance.md. Timing lives here, never in tests.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import os from 'node:os';
import {
  estimate,
  estimateNormalized,
  normalizeScenario,
  validateScenario,
} from '../packages/core/dist/index.js';

const SCENARIOS = [
  {
    name: 'Llama-3.1-8B, 1×H100, batch 64, 2048 in / 256 out',
    input: {
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      gpus: 1,
      engine: 'vllm',
      workload: { inputTokens: 2048, outputTokens: 256, batch: 64 },
    },
  },
  {
    name: 'Llama-3.1-70B, 8×H100 TP8, batch 64, 2048 in / 256 out',
    input: {
      model: 'llama-3.1-70b',
      hardware: 'h100-sxm',
      gpus: 8,
      parallelism: { tp: 8 },
      engine: 'vllm',
      workload: { inputTokens: 2048, outputTokens: 256, batch: 64 },
    },
  },
  {
    name: 'DeepSeek-V3, 8×H200 TP8 FP8, batch 64, 2048 in / 256 out',
    input: {
      model: 'deepseek-v3',
      hardware: 'h200-sxm',
      gpus: 8,
      parallelism: { tp: 8 },
      precision: { weights: 'fp8' },
      engine: 'vllm',
      workload: { inputTokens: 2048, outputTokens: 256, batch: 64 },
    },
  },
];

/** Continuous-batching simulations: 10,000 requests each, timed whole (issue 3: under 1 s). */
const seventy4 = {
  model: 'llama-3.1-70b',
  hardware: 'h100-sxm',
  gpus: 4,
  parallelism: { tp: 4 },
  precision: { weights: 'fp8' },
};
const SERVING = [
  {
    name: 'Llama-3.1-70B FP8, 4×H100 TP4, vLLM, Poisson 20 req/s, 1000 in / 500 out',
    input: {
      ...seventy4,
      engine: 'vllm',
      workload: { inputTokens: 1000, outputTokens: 500, requestRate: 20, requests: 10000 },
    },
  },
  {
    name: 'Llama-3.1-70B FP8, 4×H100 TP4, vLLM, 256 clients, 1000 in / 500 out',
    input: {
      ...seventy4,
      engine: 'vllm',
      workload: { inputTokens: 1000, outputTokens: 500, concurrency: 256, requests: 10000 },
    },
  },
  {
    name: 'Llama-3.1-70B FP8, 4×H100 TP4, TRT-LLM, offline, 1000 in / 1000 out',
    input: {
      ...seventy4,
      engine: 'trtllm',
      workload: { inputTokens: 1000, outputTokens: 1000, maxThroughput: true, requests: 10000 },
    },
  },
];

function secondsPerRun(fn, runs = 5) {
  fn(); // warm-up (JIT)
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function rate(fn, seconds = 1.5) {
  for (let i = 0; i < 2000; i++) fn(); // warm-up (JIT)
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    elapsed = process.hrtime.bigint() - start;
  }
  return n / (Number(elapsed) / 1e9);
}

const rows = [];
for (const s of SCENARIOS) {
  const check = estimate(s.input);
  if (!check.ok) throw new Error(`${s.name}: ${JSON.stringify(check.diagnostics)}`);
  const normalized = normalizeScenario(validateScenario(s.input).value).value;
  const full = rate(() => estimate(s.input));
  const hot = rate(() => estimateNormalized(normalized));
  rows.push({ name: s.name, full, hot });
}

const serving = [];
for (const s of SERVING) {
  const check = estimate(s.input);
  if (!check.ok) throw new Error(`${s.name}: ${JSON.stringify(check.diagnostics)}`);
  const seconds = secondsPerRun(() => estimate(s.input));
  serving.push({ name: s.name, seconds, steps: check.value.serving.steps });
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node ${process.version}, one core.`,
  '',
  '| scenario | full evaluations/s (validate + normalize + estimate) | evaluations/s from a normalized scenario |',
  '|---|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.full)} | ${fmt(r.hot)} |`),
  '',
  'Continuous-batching simulations of 10,000 requests (median of 5 runs, one core):',
  '',
  '| scenario | seconds per simulation | engine steps simulated |',
  '|---|---:|---:|',
  ...serving.map((r) => `| ${r.name} | ${r.seconds.toFixed(3)} | ${fmt(r.steps)} |`),
].join('\n');
console.log(table);

/**
 * Sweeps through the CLI as a user runs them (spec, workers, output file): `ridgeline sweep SPEC
 * -o FILE` on all cores, run in this process so that its CPU time (main thread and workers) is
 * measured beside the wall-clock time; on a shared machine the CPU time is the steadier figure.
 */
const SWEEPS = [
  { name: '1,000,000-point static-batch sweep (bench/sweep-1m.yaml)', spec: 'bench/sweep-1m.yaml' },
  {
    name: '1,000 serving simulations of 1,000 requests each (bench/sweep-serving.yaml)',
    spec: 'bench/sweep-serving.yaml',
  },
];
const root = new URL('..', import.meta.url).pathname;
const { run } = await import('../packages/cli/dist/main.js');
const { nodeIo } = await import('../packages/cli/dist/io.js');
const dir = mkdtempSync(join(tmpdir(), 'ridgeline-bench-'));
const sweeps = [];
try {
  for (const s of SWEEPS) {
    const out = join(dir, 'out.jsonl');
    const load = os.loadavg()[0];
    const cpu0 = process.cpuUsage();
    const t = process.hrtime.bigint();
    const code = await run(['sweep', join(root, s.spec), '-o', out], nodeIo());
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const used = process.cpuUsage(cpu0);
    const cpuSeconds = (used.user + used.system) / 1e6;
    if (code !== 0) throw new Error(`${s.spec}: exit code ${code}`);
    const bytes = readFileSync(out);
    let points = 0;
    for (let k = bytes.indexOf(10); k >= 0; k = bytes.indexOf(10, k + 1)) points++;
    let errors = 0;
    for (let k = bytes.indexOf('"error":'); k >= 0; k = bytes.indexOf('"error":', k + 1)) errors++;
    sweeps.push({ ...s, seconds, cpuSeconds, points, errors, bytes: statSync(out).size, load });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const cores = os.availableParallelism();
const sweepTable = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node ${process.version}, ${cores} cores, from the CLI (\`ridgeline sweep SPEC -o FILE\`, all cores).`,
  '',
  '| sweep | points | wall seconds | CPU seconds (all threads) | points per CPU second | output | load average at start |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...sweeps.map(
    (r) =>
      `| ${r.name} | ${fmt(r.points)} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${fmt(r.points / r.cpuSeconds)} | ${(r.bytes / 1e6).toPrecision(3)} MB | ${r.load.toFixed(1)} |`,
  ),
].join('\n');
console.log('\n' + sweepTable);

/** The deployment planner on DeepSeek-V3, up to 64 devices of three kinds (issue 10: under 30 s). */
const { plan } = await import('../packages/core/dist/index.js');
const PLAN_INPUT = {
  model: 'deepseek-v3',
  hardware: ['h200-sxm', 'b200', 'mi300x'],
  maxGpus: 64,
  inputTokens: 1024,
  outputTokens: 1024,
  requestRate: 20,
  slos: [
    { name: 'interactive', ttftMs: 1000, tpotMs: 20 },
    { name: 'standard', ttftMs: 2000, tpotMs: 50 },
  ],
};
const planStart = process.hrtime.bigint();
const planned = plan(PLAN_INPUT);
const planSeconds = Number(process.hrtime.bigint() - planStart) / 1e9;
if (!planned.ok) throw new Error(`plan: ${JSON.stringify(planned.diagnostics)}`);
const ps = planned.value.search;
const planTable = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node ${process.version}, one core.`,
  '',
  '| plan | seconds | configurations | dropped (memory) | static points | simulations |',
  '|---|---:|---:|---:|---:|---:|',
  `| DeepSeek-V3 on up to 64 H200 / B200 / MI300X, 2 SLOs, 20 req/s, 1024 in / 1024 out | ${planSeconds.toFixed(2)} | ${fmt(ps.configurations)} | ${fmt(ps.prunedMemory)} | ${fmt(ps.staticPoints)} | ${fmt(ps.simulated)} |`,
].join('\n');
console.log('\n' + planTable);

/** Platform requirements (`ridgeline require`): README's and docs/explore.md's examples, median of 3 runs. */
const { requirements } = await import('../packages/core/dist/index.js');
const requireBase = (model, hardware, engine) => ({
  model,
  hardware,
  gpus: 8,
  parallelism: { tp: 8, pp: 1, ep: 8, dp: 1, attentionDp: false },
  precision: { weights: 'fp8' },
  engine,
});
const REQUIRE_CASES = [
  {
    name: 'Llama-4-Maverick on 8×H200, 10 req/s, p90 TPOT ≤ 20 ms: memory bandwidth and compute (README)',
    input: {
      base: requireBase('llama-4-maverick-17b-128e', 'h200-sxm', 'vllm'),
      inputTokens: 1024,
      outputTokens: 1024,
      targets: { tpotMs: 20, requestsPerSec: 10 },
      resources: ['memoryBandwidth', 'compute'],
      devices: [],
    },
  },
  {
    name: 'DeepSeek-V3, SGLang, 20 req/s, p90 TTFT ≤ 1 s: H200 / B200 / MI300X listing (docs/explore.md)',
    input: {
      base: requireBase('deepseek-v3', 'h200-sxm', 'sglang'),
      inputTokens: 1024,
      outputTokens: 1024,
      targets: { ttftMs: 1000, requestsPerSec: 20 },
      resources: [],
      devices: ['h200-sxm', 'b200', 'mi300x'],
    },
  },
];
const requireRows = REQUIRE_CASES.map((c) => {
  const seconds = secondsPerRun(() => {
    const r = requirements(c.input);
    if (!r.ok) throw new Error(`require: ${JSON.stringify(r.diagnostics)}`);
  }, 3);
  return `| ${c.name} | ${seconds.toFixed(2)} |`;
});
const requireTable = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node ${process.version}, one core (median of 3 runs).`,
  '',
  '| require | seconds |',
  '|---|---:|',
  ...requireRows,
].join('\n');
console.log('\n' + requireTable);

/** The training layout search (issue 11: 1,000 layouts on 1,024 GPUs in under 5 s). */
const { searchLayouts, normalizeTraining, validateTraining } = await import('../packages/core/dist/index.js');
const TRAIN_JOB = {
  model: 'llama-3.1-70b',
  hardware: 'h100-sxm',
  gpus: 1024,
  sequenceLength: 8192,
  globalBatch: 1024,
};
const trainJob = validateTraining(TRAIN_JOB);
if (!trainJob.ok) throw new Error(`train: ${JSON.stringify(trainJob.diagnostics)}`);
const trainNorm = normalizeTraining(trainJob.value);
if (!trainNorm.ok) throw new Error(`train: ${JSON.stringify(trainNorm.diagnostics)}`);
const searchStart = process.hrtime.bigint();
const searched = searchLayouts(trainNorm.value, { top: 5 });
const searchSeconds = Number(process.hrtime.bigint() - searchStart) / 1e9;
const trainTable = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node ${process.version}, one core.`,
  '',
  '| training layout search | seconds | layouts | fitting |',
  '|---|---:|---:|---:|',
  `| Llama-3.1-70B on 1,024 H100, S = 8192, global batch 1024 | ${searchSeconds.toFixed(2)} | ${fmt(searched.evaluated)} | ${fmt(searched.feasible)} |`,
].join('\n');
console.log('\n' + trainTable);

function writeBetween(doc, start, end, text) {
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`docs/performance.md lacks the ${start} markers`);
  return `${doc.slice(0, i + start.length)}\n${text}\n${doc.slice(j)}`;
}

if (process.argv.includes('--write')) {
  const path = new URL('../docs/performance.md', import.meta.url);
  let doc = readFileSync(path, 'utf8');
  doc = writeBetween(doc, '<!-- bench:start -->', '<!-- bench:end -->', table);
  doc = writeBetween(doc, '<!-- bench-sweep:start -->', '<!-- bench-sweep:end -->', sweepTable);
  doc = writeBetween(doc, '<!-- bench-plan:start -->', '<!-- bench-plan:end -->', planTable);
  if (doc.includes('<!-- bench-require:start -->'))
    doc = writeBetween(doc, '<!-- bench-require:start -->', '<!-- bench-require:end -->', requireTable);
  doc = writeBetween(doc, '<!-- bench-train:start -->', '<!-- bench-train:end -->', trainTable);
  writeFileSync(path, doc);
}
