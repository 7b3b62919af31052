/**
 * Serving: each workload kind, parallelism and technique moves the estimate the way its
 * mechanism says.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { estimate, findModel } from '@ridgeline/core';
import { normalized, run } from './scenario-support.js';

const base = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  precision: { weights: 'fp8' },
  engine: 'vllm',
  workload: { inputTokens: 512, outputTokens: 128, requestRate: 4, requests: 200 },
};

function codes(s: unknown): string[] {
  return estimate(s).diagnostics.map((d) => d.code);
}

const op = (r: EstimateReport, phase: string, name: string) =>
  r.breakdown.find((o) => o.phase === phase && o.name === name);

describe('workloads', () => {
  it('requestRate: percentiles are ordered and a busier server queues longer', () => {
    const light = run(base);
    const busy = run({ ...base, workload: { ...base.workload, requestRate: 60 } });
    for (const r of [light, busy])
      for (const d of [r.latency.ttft, r.latency.tpot, r.latency.e2e]) {
        expect(d.p50).toBeLessThanOrEqual(d.p90);
        expect(d.p90).toBeLessThanOrEqual(d.p99);
      }
    expect(busy.latency.ttft.p99).toBeGreaterThan(light.latency.ttft.p99);
    expect(busy.tpotMs).toBeGreaterThan(light.tpotMs);
    expect(busy.batch).toBeGreaterThan(light.batch);
    // 200 Poisson arrivals at 4/s: the completed rate is near 4/s.
    expect(light.requestsPerSec).toBeGreaterThan(3);
    expect(light.requestsPerSec).toBeLessThan(5.5);
  });

  it('requestRate: the same seed repeats, another seed differs', () => {
    const a = run(base);
    const b = run(base);
    const c = run({ ...base, workload: { ...base.workload, seed: 7 } });
    expect(b.latency.ttft.p99).toBe(a.latency.ttft.p99);
    expect(c.latency.ttft.p99).not.toBe(a.latency.ttft.p99);
  });

  it('requestRate beyond capacity is flagged as saturated', () => {
    expect(codes({ ...base, workload: { ...base.workload, requestRate: 5000 } })).toContain(
      'serving.saturated',
    );
  });

  it('concurrency: more clients raise throughput and latency', () => {
    const c = (n: number) =>
      run({ ...base, workload: { inputTokens: 512, outputTokens: 128, concurrency: n, requests: 256 } });
    const [c1, c8, c64] = [c(1), c(8), c(64)];
    expect(c8.outputTokensPerSec).toBeGreaterThan(c1.outputTokensPerSec);
    expect(c64.outputTokensPerSec).toBeGreaterThan(c8.outputTokensPerSec);
    expect(c64.tpotMs).toBeGreaterThan(c1.tpotMs);
    expect(c1.batch).toBeCloseTo(1, 1);
  });

  it('maxThroughput matches a static batch of the same requests when nothing limits the batch', () => {
    const requests = 64;
    const w = { inputTokens: 512, outputTokens: 256 };
    const des = run({
      ...base,
      engine: 'ideal',
      serving: { maxBatchedTokens: requests * 512 },
      workload: { ...w, maxThroughput: true, requests },
    });
    const sb = run({ ...base, engine: 'ideal', workload: { ...w, batch: requests } });
    expect(Math.abs(des.outputTokensPerSec - sb.outputTokensPerSec) / sb.outputTokensPerSec).toBeLessThan(
      0.05,
    );
  });

  it('KV capacity limits the batch: 70B FP8 serves long outputs far faster with 141 GB than 80 GB', () => {
    const s = (hardware: string) =>
      run({
        model: 'llama-3.1-70b',
        hardware,
        precision: { weights: 'fp8' },
        engine: 'trtllm',
        workload: { inputTokens: 128, outputTokens: 2048, maxThroughput: true, requests: 300 },
      });
    const h100 = s('h100-sxm');
    const h200 = s('h200-sxm');
    expect(h200.serving?.kvCapacityTokens ?? 0).toBeGreaterThan(5 * (h100.serving?.kvCapacityTokens ?? 0));
    expect(h200.outputTokensPerSec / h100.outputTokensPerSec).toBeGreaterThan(3.5);
  });

  it('under KV pressure vLLM preempts and recomputes; TensorRT-LLM reserves and never preempts', () => {
    const tight = {
      model: 'llama-3.1-70b',
      hardware: 'h100-sxm',
      precision: { weights: 'fp8' },
      workload: { inputTokens: 1024, outputTokens: 1024, maxThroughput: true, requests: 100 },
    };
    const vllm = run({ ...tight, engine: 'vllm' });
    const trt = run({ ...tight, engine: 'trtllm' });
    expect(vllm.serving?.preemptions ?? 0).toBeGreaterThan(0);
    expect(vllm.diagnostics.map((d) => d.code)).toContain('serving.preemptions');
    expect(trt.serving?.preemptions).toBe(0);
  });

  it('TensorRT-LLM reserves the output cap it is given, not the length a request turns out to have', () => {
    // DeepSeek-R1 Offline on 8 B200 as NVIDIA's MLPerf harness runs it: attention DP, 512
    // sequences per rank, max_new_tokens 20,000 against outputs of about 3,900 (datasets.md).
    const offline = {
      model: 'deepseek-r1',
      hardware: 'b200',
      gpus: 8,
      parallelism: { tp: 8, ep: 8, attentionDp: true },
      precision: { weights: 'nvfp4', kvCache: 'fp8' },
      serving: { apiServer: false, maxSequences: 4096 },
      workload: { inputTokens: 1569, outputTokens: 3886, maxThroughput: true, requests: 3000 },
    };
    const own = run({ ...offline, engine: 'trtllm' });
    const capped = run({
      ...offline,
      engine: 'trtllm',
      workload: { ...offline.workload, maxOutputTokens: 20000 },
    });
    // 29 M tokens of KV hold 1,344 reservations of 21,569 tokens; without the cap all 3,000 run.
    expect(capped.serving?.maxBatch ?? 0).toBeLessThan(0.6 * (own.serving?.maxBatch ?? 0));
    expect(capped.outputTokensPerSec).toBeLessThan(0.9 * own.outputTokensPerSec);
    expect(capped.serving?.preemptions).toBe(0);
    // An engine that allocates as tokens arrive does not hold the cap.
    const vllmOwn = run({ ...offline, engine: 'vllm' });
    const vllmCapped = run({
      ...offline,
      engine: 'vllm',
      workload: { ...offline.workload, maxOutputTokens: 20000 },
    });
    expect(vllmCapped.outputTokensPerSec).toBe(vllmOwn.outputTokensPerSec);
  });

  it("a dataset preset gives the benchmark's output cap; the workload's own cap wins", () => {
    const dsr1 = {
      model: 'deepseek-r1',
      hardware: 'b200',
      gpus: 8,
      parallelism: { tp: 8 },
      engine: 'trtllm',
    };
    const w = { inputTokens: 1569, outputTokens: 3886, maxThroughput: true };
    const preset = normalized({ ...dsr1, workload: { ...w, dataset: 'mlperf-deepseek-r1' } });
    const own = normalized({
      ...dsr1,
      workload: { ...w, dataset: 'mlperf-deepseek-r1', maxOutputTokens: 5000 },
    });
    const none = normalized({ ...dsr1, workload: w });
    expect(preset.workload.maxOutputTokens).toBe(20000);
    expect(own.workload.maxOutputTokens).toBe(5000);
    expect(none.workload.maxOutputTokens).toBeUndefined();
  });

  it('a cache too small for one request is an error, not a hang', () => {
    expect(
      codes({
        model: 'llama-3.1-70b',
        hardware: 'h100-sxm',
        precision: { weights: 'fp8' },
        engine: 'trtllm',
        workload: { inputTokens: 100000, outputTokens: 20000, maxThroughput: true, requests: 4 },
      }),
    ).toContain('memory.kv-too-small');
  });
});

describe('parallelism and topology', () => {
  const seventy = {
    ...base,
    model: 'llama-3.1-70b',
    workload: { inputTokens: 512, outputTokens: 128, batch: 16 },
  };

  it('pp splits the layers: half the weights per device, and a pipeline bubble at batch 1', () => {
    const tp2 = run({ ...seventy, gpus: 2, parallelism: { tp: 2 } });
    const pp2 = run({ ...seventy, gpus: 2, parallelism: { pp: 2 } });
    const one = run({ ...seventy, gpus: 1 });
    expect(pp2.memory.weightsBytes / one.memory.weightsBytes).toBeCloseTo(0.5, 1);
    expect(op(pp2, 'decode', 'pp_send')).toBeDefined();
    const b1 = (s: object) => run({ ...s, workload: { ...seventy.workload, batch: 1 } });
    // One sequence cannot fill two stages: no faster than one device; TP does speed it up.
    expect(b1({ ...seventy, gpus: 2, parallelism: { pp: 2 } }).tpotMs).toBeGreaterThanOrEqual(
      b1({ ...seventy, gpus: 1 }).tpotMs * 0.95,
    );
    expect(tp2.tpotMs).toBeLessThan(one.tpotMs);
  });

  it('expert parallelism spreads the experts: each device reads a quarter of the touched experts', () => {
    const moe = {
      ...base,
      model: 'mixtral-8x7b',
      workload: { inputTokens: 512, outputTokens: 64, batch: 64 },
    };
    const tp4 = run({ ...moe, gpus: 4, parallelism: { tp: 4 } });
    const ep4 = run({ ...moe, gpus: 4, parallelism: { tp: 4, ep: 4 } });
    const g = (r: EstimateReport) => op(r, 'decode', 'experts_gate_up')?.shape;
    expect((g(tp4)?.groups ?? 0) / (g(ep4)?.groups ?? 1)).toBeCloseTo(4, 5);
    expect(g(ep4)?.n).toBe((g(tp4)?.n ?? 0) * 4);
  });

  it('attention DP for MLA: the latent is held once per rank, MoE tokens move by all-to-all', () => {
    const ds = {
      model: 'deepseek-v3',
      hardware: 'h200-sxm',
      gpus: 8,
      precision: { weights: 'fp8' },
      engine: 'sglang',
      workload: { inputTokens: 1024, outputTokens: 256, maxThroughput: true, requests: 200 },
    };
    const tp = run({ ...ds, parallelism: { tp: 8, ep: 8 } });
    const adp = run({ ...ds, parallelism: { tp: 8, ep: 8, attentionDp: true } });
    expect(adp.serving?.kvCapacityTokens ?? 0).toBeGreaterThan(2 * (tp.serving?.kvCapacityTokens ?? 0));
    expect(op(adp, 'decode', 'moe_dispatch_ll')?.bound).toBe('communication');
    expect(op(tp, 'decode', 'moe_dispatch_ll')).toBeUndefined();
  });

  it('a TP group beyond one node goes over the scale-out network once one is given', () => {
    const s = { ...seventy, model: 'llama-3.1-405b', gpus: 16, parallelism: { tp: 16 } };
    expect(codes(s)).toContain('topology.no-scale-out');
    const slow = run({ ...s, topology: { scaleOutBandwidthBytesPerSecond: 25e9 } });
    const fast = run({ ...s, topology: { scaleOutBandwidthBytesPerSecond: 100e9 } });
    expect(fast.tpotMs).toBeLessThan(slow.tpotMs);
    const comm = (r: EstimateReport) =>
      r.phases.find((p) => p.phase === 'decode')?.boundShares.communication ?? 0;
    expect(comm(slow)).toBeGreaterThan(0.1);
  });

  it('dp replicas multiply throughput at the same latency', () => {
    const one = run({ ...base, workload: { ...base.workload, requestRate: 2, requests: 100 } });
    const two = run({
      ...base,
      gpus: 2,
      parallelism: { dp: 2 },
      workload: { ...base.workload, requestRate: 4, requests: 200 },
    });
    expect(two.tpotMs).toBeCloseTo(one.tpotMs, 1);
    expect(two.requestsPerSec / one.requestsPerSec).toBeGreaterThan(1.8);
  });
});

describe('serving techniques', () => {
  const batch1 = { ...base, workload: { inputTokens: 512, outputTokens: 256, batch: 1 } };

  it('speculative decoding: high acceptance lowers TPOT, zero acceptance raises it', () => {
    const plain = run(batch1);
    const spec = (acceptanceRate: number) =>
      run({
        ...batch1,
        serving: { speculative: { method: 'draft', draftModel: 'llama-3.2-1b', tokens: 4, acceptanceRate } },
      });
    expect(spec(0.8).tpotMs).toBeLessThan(plain.tpotMs * 0.7);
    expect(spec(0).tpotMs).toBeGreaterThan(plain.tpotMs);
    // MTP needs the model's own MTP modules: Llama-3.1-8B given one, as DeepSeek-V3 ships one.
    const llama = findModel('llama-3.1-8b');
    if (llama === undefined) throw new Error('llama-3.1-8b missing');
    const mtp = run({
      ...batch1,
      model: { ...llama, mtpLayers: 1 },
      serving: { speculative: { method: 'mtp', tokens: 1, acceptanceRate: 0.85 } },
    });
    expect(mtp.tpotMs).toBeLessThan(plain.tpotMs);
  });

  it('the drafter runs over the prompt: speculation adds its prefill to TTFT, a small share', () => {
    const llama = findModel('llama-3.1-8b');
    if (llama === undefined) throw new Error('llama-3.1-8b missing');
    const draft = {
      speculative: { method: 'draft', draftModel: 'llama-3.2-1b', tokens: 4, acceptanceRate: 0.8 },
    };
    const mtp = { speculative: { method: 'mtp', tokens: 1, acceptanceRate: 0.85 } };
    const mtpModel = { ...llama, mtpLayers: 1 };
    // Static batch: the TTFT is the prompt pass, the drafter's included.
    const plain = run(batch1);
    const withDraft = run({ ...batch1, serving: draft });
    const withMtp = run({ ...batch1, model: mtpModel, serving: mtp });
    expect(withDraft.ttftMs).toBeGreaterThan(plain.ttftMs);
    expect(withMtp.ttftMs).toBeGreaterThan(plain.ttftMs);
    // A 1B draft over an 8B prompt, and one layer of 32 plus the head: well under half of it.
    expect(withDraft.ttftMs).toBeLessThan(plain.ttftMs * 1.5);
    expect(withMtp.ttftMs).toBeLessThan(plain.ttftMs * 1.2);
    // Simulated Poisson load: the prompt's own step grows (its wait for shorter decode steps
    // may shrink, so the whole TTFT need not).
    const prefillMs = (r: EstimateReport) => r.serving?.ttftParts?.prefillMs ?? Number.NaN;
    const loaded = run(base);
    expect(prefillMs(run({ ...base, serving: draft }))).toBeGreaterThan(prefillMs(loaded));
    expect(prefillMs(run({ ...base, model: mtpModel, serving: mtp }))).toBeGreaterThan(prefillMs(loaded));
  });

  it('MTP is refused for a model without MTP modules and accepted for DeepSeek-R1', () => {
    const refused = estimate({
      ...batch1,
      serving: { speculative: { method: 'mtp', tokens: 1, acceptanceRate: 0.85 } },
    });
    expect(refused.ok).toBe(false);
    expect(refused.diagnostics[0]?.path).toEqual(['serving', 'speculative', 'method']);
    expect(refused.diagnostics[0]?.message).toMatch(/llama-3.1-8b has none \(mtpLayers 0/);
    expect(findModel('deepseek-r1')?.mtpLayers).toBe(1);
    expect(findModel('deepseek-v3')?.mtpLayers).toBe(1);
    const ds = estimate({
      model: 'deepseek-r1',
      hardware: 'h200-sxm',
      parallelism: { tp: 8 },
      precision: { weights: 'fp8' },
      workload: { inputTokens: 512, outputTokens: 64, batch: 1 },
      serving: { speculative: { method: 'mtp', tokens: 1, acceptanceRate: 0.85 } },
    });
    expect(ds.ok).toBe(true);
  });

  it('MTP loads its module: one decoder layer and a projection more weights, less KV room', () => {
    const ds = {
      model: 'deepseek-v3',
      hardware: 'h200-sxm',
      parallelism: { tp: 8, ep: 8 },
      precision: { weights: 'fp8' },
      engine: 'sglang',
      workload: { inputTokens: 1024, outputTokens: 256, concurrency: 16, requests: 64 },
    };
    const plain = run(ds);
    const mtp = run({ ...ds, serving: { speculative: { method: 'mtp', tokens: 1, acceptanceRate: 0.8 } } });
    const added = mtp.memory.weightsBytes - plain.memory.weightsBytes;
    // The model card of deepseek-ai/DeepSeek-V3 gives 14 B parameters of MTP module, its own
    // embedding and head included; without them about 12 B: 1.4-1.5 GB per device in FP8 over 8.
    expect(added).toBeGreaterThan(1.2e9);
    expect(added).toBeLessThan(1.6e9);
    expect(mtp.serving?.kvCapacityTokens ?? 0).toBeLessThan(plain.serving?.kvCapacityTokens ?? 0);
  });

  it('prefix caching skips the cached prompt: TTFT falls with the hit rate', () => {
    const s = (h: number) =>
      run({ ...base, serving: { prefixCacheHitRate: h }, workload: { ...base.workload, inputTokens: 8192 } });
    expect(s(0.9).ttftMs).toBeLessThan(s(0).ttftMs * 0.5);
  });

  it('disaggregation: separate pools, a KV transfer, and decode free of prefill interference', () => {
    const w = { inputTokens: 4096, outputTokens: 256, requestRate: 6, requests: 200 };
    const colocated = run({ ...base, gpus: 2, parallelism: { dp: 2 }, workload: w });
    const disagg = run({
      ...base,
      gpus: 2,
      serving: {
        disaggregation: { prefill: { tp: 1, dp: 1 }, decode: { tp: 1, dp: 1 }, kvTransferLink: 'scale-up' },
      },
      workload: w,
    });
    expect(disagg.serving?.kvTransferMs ?? 0).toBeGreaterThan(0);
    expect(disagg.latency.tpot.p90).toBeLessThan(colocated.latency.tpot.p90);
  });
});

describe('numeric formats', () => {
  const long = {
    ...base,
    model: 'llama-3.1-70b',
    workload: { inputTokens: 8192, outputTokens: 512, maxThroughput: true, requests: 100 },
  };

  it('2-bit KIVI KV holds more tokens than FP8 KV, which holds more than BF16', () => {
    const cap = (kvCache: string) =>
      run({ ...long, precision: { weights: 'fp8', kvCache } }).serving?.kvCapacityTokens ?? 0;
    expect(cap('int2')).toBeGreaterThan(cap('fp8'));
    expect(cap('fp8')).toBeGreaterThan(cap('bf16'));
  });

  it('XQuant trades memory for compute: an MHA model caches half the bytes and recomputes K and V', () => {
    const mha = {
      ...base,
      model: 'llama-2-7b',
      precision: { weights: 'bf16' },
      workload: { inputTokens: 2048, outputTokens: 128, batch: 8 },
    };
    const kv = run(mha);
    const xq = run({ ...mha, precision: { weights: 'bf16', cacheLayerInput: true } });
    expect(xq.memory.kvBytesPerSequence / kv.memory.kvBytesPerSequence).toBeCloseTo(0.5, 5);
    expect(op(xq, 'decode', 'attention')?.flops ?? 0).toBeGreaterThan(
      10 * (op(kv, 'decode', 'attention')?.flops ?? 0),
    );
    expect(
      codes({
        ...base,
        model: 'deepseek-v3',
        gpus: 8,
        parallelism: { tp: 8 },
        precision: { weights: 'fp8', cacheLayerInput: true },
      }),
    ).toContain('serving.invalid');
  });

  it('a format the hardware lacks is an error, or an explicit emulation', () => {
    expect(
      codes({ ...base, hardware: 'a100-sxm-80gb', precision: { weights: 'fp8', activations: 'fp8' } }),
    ).toContain('precision.unsupported-on-hardware');
    const int4 = estimate({ ...base, precision: { weights: 'int4', activations: 'bf16' } });
    expect(int4.diagnostics.map((d) => d.code)).toContain('precision.emulated');
  });
});

describe('offload', () => {
  const s = {
    ...base,
    model: 'llama-3.1-70b',
    precision: { weights: 'bf16' },
    workload: { inputTokens: 512, outputTokens: 128, batch: 8 },
  };

  it('weights streamed over PCIe set the pace and the report says so; NVLink-C2C streams faster', () => {
    const h100 = estimate({ ...s, offload: { weightsFraction: 0.5, tier: 'host' } });
    expect(h100.ok).toBe(true);
    if (!h100.ok) return;
    expect(h100.diagnostics.map((d) => d.code)).toContain('offload.bottleneck');
    const gh200 = run({ ...s, hardware: 'gh200', offload: { weightsFraction: 0.5, tier: 'host' } });
    expect(gh200.tpotMs).toBeLessThan(h100.value.tpotMs / 3);
    expect(codes({ ...s, offload: { weightsFraction: 0.5, tier: 'nvme' } })).toContain(
      'offload.unknown-tier',
    );
  });

  it('offloading KV frees device memory for a larger batch', () => {
    const w = { inputTokens: 4096, outputTokens: 256, maxThroughput: true, requests: 100 };
    const plain = run({ ...s, precision: { weights: 'fp8' }, workload: w });
    const off = run({
      ...s,
      precision: { weights: 'fp8' },
      workload: w,
      offload: { kvCacheFraction: 0.5, tier: 'host' },
    });
    expect(off.serving?.kvCapacityTokens ?? 0).toBeGreaterThan(1.9 * (plain.serving?.kvCapacityTokens ?? 0));
  });
});

describe('energy and cost', () => {
  it('every result carries energy; cost appears with a price and is priced per token', () => {
    const r = run({ ...base, cost: { usdPerDeviceHour: 2 } });
    expect(r.energy?.wattsPerDevice ?? 0).toBeGreaterThan(r.energy?.idleWattsPerDevice ?? Infinity);
    expect(r.energy?.wattsPerDevice ?? Infinity).toBeLessThanOrEqual(700);
    expect(r.cost?.usdPerMillionOutputTokens ?? 0).toBeGreaterThan(0);
    const none = estimate(base);
    expect(none.ok && none.value.cost).toBeFalsy();
    expect(none.diagnostics.map((d) => d.code)).toContain('cost.no-price');
  });

  it('more clients draw more power per device, between the busy floor and TDP', () => {
    const at = (concurrency: number) =>
      run({
        ...base,
        workload: { inputTokens: 512, outputTokens: 128, concurrency, requests: 4 * concurrency },
      });
    const watts = [1, 8, 64].map((c) => at(c).energy?.wattsPerDevice ?? NaN);
    expect(watts[1]).toBeGreaterThan(watts[0] ?? Infinity);
    expect(watts[2]).toBeGreaterThan(watts[1] ?? Infinity);
    const e = at(1).energy;
    const p = e?.wattsPerDeviceParts;
    // A closed loop keeps the device busy: the busy floor is drawn in full, and the watts stay
    // within idle..TDP.
    expect(e?.busyShare ?? 0).toBeGreaterThan(0.9);
    expect(p?.busyWatts ?? 0).toBeGreaterThan(0);
    for (const w of watts) {
      expect(w).toBeGreaterThan(e?.idleWattsPerDevice ?? Infinity);
      expect(w).toBeLessThanOrEqual(700);
    }
  });

  it('a lightly loaded server idles between requests and draws less than a busy one', () => {
    const light = run({ ...base, workload: { ...base.workload, requestRate: 0.2, requests: 20 } });
    const busy = run({
      ...base,
      workload: { inputTokens: 512, outputTokens: 128, concurrency: 8, requests: 40 },
    });
    expect(light.energy?.busyShare ?? 1).toBeLessThan(0.5);
    expect(light.energy?.wattsPerDevice ?? Infinity).toBeLessThan(busy.energy?.wattsPerDevice ?? 0);
    expect(light.energy?.wattsPerDevice ?? 0).toBeGreaterThanOrEqual(
      light.energy?.idleWattsPerDevice ?? Infinity,
    );
    // Idle gaps still cost idle power: energy per output token is higher than the busy server's.
    expect(light.energy?.joulesPerOutputToken ?? 0).toBeGreaterThan(
      busy.energy?.joulesPerOutputToken ?? Infinity,
    );
  });

  it('charges the energy to the output tokens the requests drew, not to the nominal length', () => {
    const w = { inputTokens: 512, outputTokens: 256, concurrency: 8, requests: 64 };
    const drawn = run({
      ...base,
      workload: { ...w, outputLengths: { kind: 'uniform', min: 128, max: 256 } },
    });
    const e = drawn.energy;
    const seconds = drawn.serving?.durationSeconds ?? NaN;
    const tokens = drawn.outputTokensPerSec * seconds;
    // The drawn lengths average near 192, well below the nominal 256.
    expect(tokens / 64).toBeLessThan(215);
    expect(e?.joulesPerOutputToken ?? NaN).toBeCloseTo((e?.joulesTotal ?? NaN) / tokens, 6);
    // So joules per output token is power over per-device output throughput.
    expect(e?.joulesPerOutputToken ?? NaN).toBeCloseTo(
      (e?.wattsPerDevice ?? NaN) / drawn.outputTokensPerSec,
      6,
    );
  });
});
