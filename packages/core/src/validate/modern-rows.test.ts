import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasurementCsv } from '../measurements/csv.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { estimate } from '../estimate.js';
import { completedShare } from '../serving/serve.js';
import type { EstimateReport } from '../report/assemble.js';
import { resolveRowHardware, resolveRowModelNamed } from '../measurements/resolve.js';
import { predictRow } from './predict.js';
import type { PredictOptions } from './predict.js';
import {
  closedLoopRequests,
  loadedServingScenario,
  loadKindOf,
  limitsMissed,
  LOADGEN_SERVER_SECONDS,
  MLPERF_OFFLINE_REQUESTS_PER_REPLICA,
  MLPERF_SERVER_REQUESTS_PER_REPLICA,
  offlineTokensPerSample,
  submissionOf,
  tensorRtEngineFlow,
} from './modern-rows.js';

const parsed = parseMeasurementCsv(
  readFileSync(new URL('../../data/measurements/serving-modern.csv', import.meta.url), 'utf8'),
);
if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
const rows = new Map(parsed.value.map((r) => [r.id, r]));
const row = (id: string): MeasurementRow => {
  const r = rows.get(id);
  if (r === undefined) throw new Error(`no row ${id}`);
  return r;
};
const predicted = (id: string): number => {
  const p = predictRow(row(id));
  if ('skip' in p) throw new Error(`${id} skipped: ${p.skip}`);
  return p.predicted;
};

describe('names as people write them', () => {
  it.each([
    ['B200 180GB (DGX B200)', 'b200'],
    ['B200 SXM 180GB (8-GPU HGX node)', 'b200'],
    ['H100 80GB', 'h100-sxm'],
    ['MI300X 192GB', 'mi300x'],
    ['GB200 NVL72', 'gb200'],
    ['A100 40GB', 'a100-sxm-40gb'],
  ])('%s is %s', (name, id) => {
    expect(resolveRowHardware(name)?.id).toBe(id);
  });

  it('a stated memory size that does not match keeps the name unresolved', () => {
    expect(resolveRowHardware('H100 40GB')).toBeUndefined();
  });

  it.each([
    ['DeepSeek-R1-0528', 'deepseek-r1'],
    ['Llama-2-70B-chat', 'llama-2-70b'],
    ['Mixtral-8x7B-Instruct-v0.1', 'mixtral-8x7b'],
  ])('%s is %s', (name, id) => {
    expect(resolveRowModelNamed(name)?.model.id).toBe(id);
  });
});

describe('serving-modern rows (a sample of each kind)', () => {
  it('reads the load cell', () => {
    expect(loadKindOf('concurrency=64 (max concurrency, request rate inf)')).toBe('concurrency');
    expect(loadKindOf('Offline (all 66000 samples issued at once)')).toBe('offline');
    expect(loadKindOf('Interactive (Poisson arrivals, target_qps=110; ...)')).toBe('server');
    expect(loadKindOf('batch=8')).toBeUndefined();
    expect(closedLoopRequests(4)).toBe(40);
    expect(closedLoopRequests(8192)).toBe(16384);
  });

  it('an InferenceX single-node run: throughput per TP GPU, mean TPOT and TTFT, same run', () => {
    // N0001-N0003: MI355X TP4, concurrency 4, 1k/1k; 98.99 tok/s/GPU, TPOT 9.62 ms, TTFT 173 ms.
    const tput = predicted('N0001');
    const tpot = predicted('N0002');
    expect(tput).toBeGreaterThan(98.99 / 3);
    expect(tput).toBeLessThan(98.99 * 3);
    // Four clients decoding back to back: per-GPU throughput ≈ 4 clients / TPOT / 4 GPUs.
    expect(tput * 4 * (tpot / 1000)).toBeGreaterThan(3);
    expect(tput * 4 * (tpot / 1000)).toBeLessThan(4.01);
  });

  it('a disaggregated Dynamo run divides by decode GPUs and runs the closed loop over both pools', () => {
    const p = predictRow(row('N0311'));
    if ('skip' in p) throw new Error(p.skip);
    expect(p.predicted).toBeGreaterThan(94.9 / 3);
    expect(p.predicted).toBeLessThan(94.9 * 3);
  });

  it('MLPerf Offline, Server p99 and the accuracy-run output mean', () => {
    // N0560: B200 Llama-2-70B Server p99 TPOT 132 ms under a 200 ms limit.
    const p = predictRow(row('N0560'));
    if ('skip' in p) throw new Error(p.skip);
    expect(p.note).toMatch(/accuracy-run mean 274\.4/);
    expect(p.predicted).toBeGreaterThan(0);
  });

  it('power rows come from the energy model of the same run', () => {
    const w = predicted('N0995');
    expect(w).toBeGreaterThan(100);
    expect(w).toBeLessThan(1400);
  });

  it('unknown hardware is skipped with the closest catalog ids', () => {
    const gb300 = [...rows.values()].find((r) => r.hardware === 'GB300 NVL72');
    if (gb300 === undefined) throw new Error('no GB300 row');
    const p = predictRow(gb300);
    expect('skip' in p && p.skip).toMatch(/'GB300 NVL72' not in catalog \(closest: .*gb200/);
  });
});

describe('disaggregated closed loop', () => {
  it('runs, and more clients raise throughput and TPOT', () => {
    const scenario = (concurrency: number) => ({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      engine: 'vllm',
      workload: { inputTokens: 1024, outputTokens: 256, concurrency, requests: 4 * concurrency },
      serving: { disaggregation: { prefill: { tp: 1 }, decode: { tp: 1 }, kvTransferLink: 'scale-up' } },
    });
    const few = estimate(scenario(4));
    const many = estimate(scenario(64));
    if (!few.ok || !many.ok) throw new Error('disaggregated closed loop failed');
    expect(many.value.outputTokensPerSec).toBeGreaterThan(2 * few.value.outputTokensPerSec);
    expect(many.value.tpotMs).toBeGreaterThan(few.value.tpotMs);
  });
});

describe('disaggregated pools', () => {
  it('each pool keeps its own TP, EP and attention DP from the row notes', () => {
    // N0314: prefill 2 x TP4/EP4/dp_attention=true, decode 1 x TP16/EP16/dp_attention=true.
    const b = loadedServingScenario(row('N0314'));
    if ('skip' in b) throw new Error(b.skip);
    expect(b.scenario.serving?.disaggregation).toMatchObject({
      prefill: { tp: 4, dp: 2, ep: 4, attentionDp: true },
      decode: { tp: 16, dp: 1, ep: 16, attentionDp: true },
    });
    expect(b.scenario.parallelism).toMatchObject({ tp: 16, ep: 16, attentionDp: true });
    // N0312: prefill TP4/EP4 with attention DP, decode 4 x TP8/EP8 without.
    const c = loadedServingScenario(row('N0312'));
    if ('skip' in c) throw new Error(c.skip);
    expect(c.scenario.serving?.disaggregation).toMatchObject({
      prefill: { tp: 4, ep: 4, attentionDp: true },
      decode: { tp: 8, dp: 4, ep: 8, attentionDp: false },
    });
  });

  it("a pool's own EP changes that pool's step (wide EP reads fewer experts per GPU)", () => {
    const scenario = (decodeEp: number) => ({
      model: 'deepseek-r1',
      hardware: 'gb200',
      parallelism: { tp: 8, ep: 1 },
      precision: { weights: 'nvfp4' as const, activations: 'nvfp4' as const },
      engine: 'trtllm',
      workload: { inputTokens: 1024, outputTokens: 256, concurrency: 64, requests: 128 },
      serving: {
        disaggregation: {
          prefill: { tp: 4, dp: 1 },
          decode: { tp: 8, dp: 1, ep: decodeEp },
          kvTransferLink: 'scale-up' as const,
        },
      },
    });
    const shared = estimate(scenario(1));
    const wide = estimate(scenario(8));
    if (!shared.ok || !wide.ok) throw new Error('disaggregated pools failed');
    expect(wide.value.tpotMs).not.toBeCloseTo(shared.value.tpotMs, 3);
  });
});

describe('MLPerf row mapping', () => {
  const scenarioOf = (r: MeasurementRow, options = {}) => {
    const b = loadedServingScenario(r, options);
    if ('skip' in b) throw new Error(b.skip);
    return b;
  };
  const withOptions = (id: string, options: PredictOptions) => {
    const p = predictRow(row(id), options);
    if ('skip' in p) throw new Error(`${id} skipped: ${p.skip}`);
    return p;
  };

  it('a run that leaves the KV format unset takes the one its submission states elsewhere', () => {
    // N0561: B200 Llama-2-70B Interactive, KV cell empty; its Offline and Server runs say FP8.
    expect(submissionOf(row('N0561').source)).toBe(submissionOf(row('N0554').source));
    expect(submissionOf(row('N0561').source)).not.toBe(submissionOf(row('N0566').source));
    const all = [...rows.values()];
    const b = scenarioOf(row('N0561'), { rows: all });
    expect(b.scenario.precision?.kvCache).toBe('fp8');
    expect(b.notes.join(' ')).toMatch(/KV format not stated.*FP8/);
    // Alone, the row keeps the engine default; with its siblings, FP8 KV reads half the bytes.
    expect(scenarioOf(row('N0561')).scenario.precision?.kvCache).toBeUndefined();
    expect(withOptions('N0564', { rows: all }).predicted).toBeLessThan(predicted('N0564'));
    // AMD Llama-2-70B: no run of the submission states a KV format, so none is inherited.
    expect(scenarioOf(row('N0642'), { rows: all }).scenario.precision?.kvCache).toBeUndefined();
  });

  it('gpu_batch_size is per attention-DP rank: TP8 with attention DP holds 8 times as many', () => {
    const serving = (id: string) => scenarioOf(row(id)).scenario.serving as { maxSequences?: number };
    expect(serving('N0547').maxSequences).toBe(512 * 8);
    expect(serving('N0554').maxSequences).toBe(2048);
    // A runtime max_batch_size stated beside it is the engine's own limit and wins.
    expect(serving('N0715').maxSequences).toBe(64);
  });

  it('Server runs span LoadGen 600 s of arrivals, capped per replica; Offline the samples issued', () => {
    const requests = (id: string) => (scenarioOf(row(id)).scenario.workload as { requests: number }).requests;
    expect(LOADGEN_SERVER_SECONDS).toBe(600);
    expect(requests('N0549')).toBe(5 * 600);
    expect(requests('N0715')).toBe(Math.ceil(0.452 * 600));
    // 364 QPS over 8 replicas: 218,400 arrivals, more than the cap of 8 replicas.
    expect(requests('N0556')).toBe(8 * MLPERF_SERVER_REQUESTS_PER_REPLICA);
    expect(scenarioOf(row('N0556')).notes.join(' ')).toMatch(/80000 of the run's 218400 requests simulated/);
    // Offline: the samples the cell says were issued, capped per replica.
    expect(requests('N0713')).toBe(MLPERF_OFFLINE_REQUESTS_PER_REPLICA);
    expect(requests('N0566')).toBe(2 * MLPERF_OFFLINE_REQUESTS_PER_REPLICA);
  });

  it("a run with no accuracy-run mean takes its submission's Offline tokens per sample", () => {
    const all = [...rows.values()];
    const output = (id: string, options: PredictOptions = {}) =>
      (scenarioOf(row(id), options).scenario.workload as { outputLengths?: unknown }).outputLengths;
    // Krai H200 vLLM, dynamic FP8: Offline 30,893.1 tokens/s over 104.369 samples/s.
    expect(offlineTokensPerSample(row('N0764'), all)).toBeCloseTo(30893.1 / 104.369, 6);
    // Its Server run (no samples/s of its own) and its Offline runs take it; alone, the preset.
    for (const id of ['N0762', 'N0763', 'N0764', 'N0767'])
      expect(output(id, { rows: all })).toEqual({ kind: 'fixed', tokens: 296 });
    expect(output('N0764')).toEqual({ kind: 'fixed', tokens: 294 });
    expect(scenarioOf(row('N0764'), { rows: all }).notes.join(' ')).toMatch(
      /outputs at 296\.0 tokens, the submission's Offline run's tokens_per_s ÷ samples_per_s/,
    );
    // A recorded accuracy-run mean wins (AMD MI300X: 301.1, where the Offline ratio is 301.7).
    expect(output('N0642', { rows: all })).toEqual({ kind: 'fixed', tokens: 301 });
    // A submission with two Offline throughputs (or none) gives no ratio.
    const off = row('N0762');
    const twice = [...all, { ...off, id: 'X1', value: 2 * off.value }];
    expect(offlineTokensPerSample(row('N0764'), twice)).toBeUndefined();
    expect(offlineTokensPerSample(row('N0675'), all)).toBeUndefined();
  });

  it('AMD and Krai runs carry the settings their notes state', () => {
    const all = [...rows.values()];
    const s = (id: string) => scenarioOf(row(id), { rows: all }).scenario;
    // AMD harness: TP1 x 8 replicas, max_num_seqs per replica, in process (no API server), FP8
    // per-tensor weights; Llama-2-70B leaves kv_cache_dtype unset (engine default), Mixtral states FP8.
    expect(s('N0642')).toMatchObject({
      hardware: { id: 'mi300x' },
      parallelism: { tp: 1, dp: 8 },
      precision: { weights: 'fp8' },
      engine: 'vllm',
      serving: { apiServer: false, maxSequences: 1792 },
    });
    expect(s('N0642').precision?.kvCache).toBeUndefined();
    expect(s('N0642').precision?.fp8Scaling).toBeUndefined();
    expect(s('N0654')).toMatchObject({ precision: { kvCache: 'fp8' }, serving: { maxSequences: 5000 } });
    expect(s('N0663')).toMatchObject({ hardware: { id: 'mi325x' }, serving: { maxSequences: 1024 } });
    expect(s('N0675').workload).toMatchObject({ requestRate: 61.5 });
    // Krai: OpenAI API server (request time charged), the vLLM/SGLang/TRT-LLM limits it states.
    // Krai's vLLM on MI300X states its KV page (block_size=32; the profile's is 16).
    expect(s('N0788').serving).toEqual({
      maxSequences: 1275,
      maxBatchedTokens: 38890,
      memoryFraction: 0.96,
      kvPageTokens: 32,
    });
    // An FP8 weight block size is not a KV page.
    const blockFp8 = { ...row('N0762'), notes: `${row('N0762').notes}; weight_block_size=128` };
    expect(scenarioOf(blockFp8).scenario.serving).not.toHaveProperty('kvPageTokens');
    expect(s('N0776')).toMatchObject({ parallelism: { tp: 2, dp: 4 }, workload: { requestRate: 35 } });
    expect(s('N0750')).toMatchObject({
      engine: 'sglang@0.5.9',
      serving: { maxSequences: 1558, memoryFraction: 0.9 },
    });
    expect(s('N0727')).toMatchObject({ engine: 'trtllm@0.17', serving: { maxSequences: 1572 } });
    expect(s('N0741').parallelism).toMatchObject({ tp: 1, dp: 24 });
  });

  it('TensorRT engines driven in-process by an MLPerf harness run no overlap scheduler: TTFT loses its wait', () => {
    const serving = (id: string) => scenarioOf(row(id)).scenario.serving as { overlapScheduler?: boolean };
    // N0562: B200 Llama-2-70B Interactive, NVIDIA harness, no attention DP.
    expect(tensorRtEngineFlow(row('N0562'), false)).toBe(true);
    expect(serving('N0562').overlapScheduler).toBe(false);
    expect(scenarioOf(row('N0562')).notes.join(' ')).toMatch(/no overlap scheduler/);
    // Attention DP is a PyTorch-backend option (DeepSeek-R1): the profile's overlap scheduler stays.
    expect(serving('N0550').overlapScheduler).toBeUndefined();
    // trtllm-serve runs the PyTorch backend (Krai's B200 run), and so do vLLM and SGLang harnesses.
    expect(tensorRtEngineFlow(row('N0729'), false)).toBe(false);
    expect(tensorRtEngineFlow(row('N0645'), false)).toBe(false);
    // The wait is gone from the TTFT parts, and the mean TTFT falls by about one step.
    const built = scenarioOf(row('N0562')).scenario;
    const run = (overlapScheduler: boolean) => {
      const r = estimate({ ...built, serving: { ...built.serving, overlapScheduler } });
      if (!r.ok) throw new Error('estimate failed');
      return r.value;
    };
    const off = run(false);
    const on = run(true);
    expect(off.serving?.ttftParts.overlapWaitMs).toBe(0);
    expect(on.serving?.ttftParts.overlapWaitMs).toBeGreaterThan(0.5 * on.latency.tpot.mean);
    expect(off.latency.ttft.mean).toBeLessThan(on.latency.ttft.mean - 0.5 * on.latency.tpot.mean);
    expect(predicted('N0562')).toBeCloseTo(off.latency.ttft.mean, 6);
  });

  it("a Server run that keeps up completes tokens at the target rate (LoadGen's long run, no drain)", () => {
    // N0549: 5 QPS × the accuracy-run 3713.1 tokens per sample.
    expect(predicted('N0549') / (5 * 3713.1)).toBeCloseTo(1, 1);
  });

  it('an overloaded Server run: TTFT skipped as a capacity miss, throughput at the capacity', () => {
    const base = row('N0549');
    const overloaded = (metric: string): MeasurementRow => ({
      ...base,
      metric,
      batchOrConcurrency: base.batchOrConcurrency.replace('target_qps=5', 'target_qps=500'),
    });
    const ttft = predictRow(overloaded('ttft_ms'));
    expect('skip' in ttft && ttft.skip).toMatch(/^overloaded/);
    const tput = predictRow(overloaded('tokens_per_s'));
    if ('skip' in tput) throw new Error(tput.skip);
    expect(tput.predicted).toBeLessThan(0.5 * 500 * 3713);
    expect(tput.predicted).toBeGreaterThan(predicted('N0549'));
  });
});

describe('overloaded status of a serving run', () => {
  const run = (requestRate: number) => {
    const r = estimate({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      engine: 'vllm',
      workload: { inputTokens: 512, outputTokens: 128, requestRate, requests: 2000 },
    });
    if (!r.ok) throw new Error('estimate failed');
    return r.value;
  };

  it('completedShare: about 1 when completions keep pace, the capacity share when they do not', () => {
    const n = 1000;
    const arrivals = new Float64Array(n).map((_, i) => i * 0.1); // 10/s for 100 s
    const keptUp = arrivals.map((a) => a + 5); // every request 5 s later
    const slow = arrivals.map((_, i) => 5 + i * 0.125); // served at 8/s, in arrival order
    expect(completedShare(arrivals, keptUp)).toBeCloseTo(1, 1);
    expect(completedShare(arrivals, slow)).toBeCloseTo(0.8, 1);
    // Latencies as long as the arrivals' span: too short a run to tell.
    expect(
      completedShare(
        arrivals,
        arrivals.map((a) => a + 60),
      ),
    ).toBeUndefined();
  });

  it('is absent when the deployment keeps up, and names both rates when arrivals outrun it', () => {
    expect(run(2).serving?.overloaded).toBeUndefined();
    const over = run(1000).serving?.overloaded;
    expect(over?.requestsPerSecond).toBe(1000);
    expect(over?.servedRequestsPerSecond).toBeLessThan(1000 / 1.05);
    expect(run(1000).diagnostics.some((d) => d.code === 'serving.saturated')).toBe(true);
  });
});

describe('MLPerf latency limits', () => {
  const report = (ttft: number, tpot: number) =>
    ({ latency: { ttft: { p99: ttft }, tpot: { p99: tpot } } }) as unknown as EstimateReport;
  const cell = 'Interactive (Poisson arrivals, target_qps=220; TTFT p99<=450 ms, TPOT p99<=40 ms)';

  it('names each p99 limit the predicted run misses, and none it meets', () => {
    expect(limitsMissed(cell, report(300, 30))).toEqual([]);
    expect(limitsMissed(cell, report(600, 30))).toEqual([
      'predicted p99 TTFT 600 ms misses the 450 ms limit',
    ]);
    expect(limitsMissed(cell, report(300, 41)).join()).toMatch(/TPOT 41.0 ms misses the 40 ms limit/);
    expect(limitsMissed('Offline (all 100 samples issued at once)', report(1e6, 1e6))).toEqual([]);
  });
});
