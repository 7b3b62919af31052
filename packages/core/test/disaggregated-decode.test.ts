/**
 * Disaggregated decode pools at many clients (Dynamo on GB200, docs/serving.md §4):
 * - the wait for a decode slot comes before the first token, so it is TTFT, not TPOT;
 * - under attention DP with a scheduler per rank (TensorRT-LLM, SGLang), the engine's default
 *   maxSequences holds per rank, while a maxSequences the scenario sets is the instance's;
 * - SGLang's per-sequence host time is the busiest DP rank's share (a scheduler process per rank);
 * - a closed loop whose prefill pool cannot keep up splits its clients where the pools' rates meet.
 */
import { describe, expect, it } from 'vitest';
import { ENGINE_PROFILES, instanceMaxSequences } from '../src/serving/engines.js';
import { StepCoster } from '../src/serving/step-cost.js';
import { decodeLoad, normalized, run } from './scenario-support.js';

const dense = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  gpus: 2,
  precision: { weights: 'fp8' },
  engine: 'vllm',
  workload: { inputTokens: 512, outputTokens: 128, concurrency: 64, requests: 640 },
};
const pools = {
  disaggregation: { prefill: { tp: 1, dp: 1 }, decode: { tp: 1, dp: 1 }, kvTransferLink: 'scale-up' },
};

describe('disaggregated decode pool: the wait for a slot is TTFT', () => {
  it('a decode pool capped below the clients queues them before their first token', () => {
    const open = run({ ...dense, serving: pools });
    const capped = run({ ...dense, serving: { ...pools, maxSequences: 8 } });
    const eight = run({
      ...dense,
      serving: { ...pools, maxSequences: 8 },
      workload: { ...dense.workload, concurrency: 8, requests: 80 },
    });
    // The capped pool steps over 8 sequences: TPOT is that of 8 clients, not 64 clients' wait.
    expect(capped.latency.tpot.mean).toBeLessThan(eight.latency.tpot.mean * 1.2);
    expect(capped.latency.tpot.mean).toBeLessThan(open.latency.tpot.mean);
    // The 56 waiting clients wait before their first token, in the queue part of TTFT.
    expect(capped.latency.ttft.mean).toBeGreaterThan(eight.latency.ttft.mean * 3);
    const parts = capped.serving?.ttftParts;
    expect(parts?.queueMs ?? 0).toBeGreaterThan(capped.latency.ttft.mean / 2);
  });
});

describe('attention DP: a scheduler per rank', () => {
  it("the engine's default maxSequences holds per rank; a scenario's is the instance's", () => {
    const trt = ENGINE_PROFILES.trtllm;
    expect(instanceMaxSequences(trt, 8)).toBe(8 * trt.maxSequences);
    expect(instanceMaxSequences(trt, 1)).toBe(trt.maxSequences);
    expect(instanceMaxSequences(ENGINE_PROFILES.sglang, 32)).toBe(32 * 4096);
    expect(instanceMaxSequences(ENGINE_PROFILES.vllm, 8)).toBe(ENGINE_PROFILES.vllm.maxSequences);
    const set = normalized({
      model: 'deepseek-r1',
      hardware: 'b200',
      precision: { weights: 'fp8' },
      engine: 'trtllm',
      parallelism: { tp: 8, ep: 8, attentionDp: true },
      serving: { maxSequences: 512 },
      workload: { inputTokens: 1024, outputTokens: 1024, concurrency: 64 },
    });
    expect(instanceMaxSequences(set.engine, set.attnDp)).toBe(512);
  });

  it("SGLang's per-sequence host time is the busiest rank's; TensorRT-LLM's stays the instance's", () => {
    const at = (engine: string) =>
      normalized({
        model: 'deepseek-r1',
        hardware: 'b200',
        precision: { weights: 'fp8' },
        engine,
        parallelism: { tp: 8, ep: 8, attentionDp: true },
        workload: { inputTokens: 1024, outputTokens: 1024, concurrency: 1024 },
      });
    const host = (engine: string) => {
      const ns = at(engine);
      const e = ns.efficiency;
      const hostSeconds = new StepCoster(ns).hostSeconds(decodeLoad(1024, 2048));
      return (hostSeconds - e.stepOverheadSeconds) / e.stepOverheadPerSequenceSeconds;
    };
    expect(host('sglang')).toBeCloseTo(1024 / 8, 6);
    expect(host('trtllm')).toBeCloseTo(1024, 6);
  });
});

describe('a prefill-bound closed loop over two pools', () => {
  it('keeps the decode pool busy at the rate the prefill pool sustains, not at one client', () => {
    // One prefill GPU for long prompts against a wide decode pool: the prefill pool sets the rate.
    const r = run({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      gpus: 9,
      precision: { weights: 'fp8' },
      engine: 'sglang',
      serving: {
        disaggregation: { prefill: { tp: 1, dp: 1 }, decode: { tp: 8, dp: 1 }, kvTransferLink: 'scale-up' },
      },
      workload: { inputTokens: 8192, outputTokens: 512, concurrency: 2048, requests: 4096 },
    });
    // Most clients wait on the prefill pool, but the decode pool still runs a batch.
    expect(r.batch).toBeGreaterThan(8);
    expect(r.batch).toBeLessThan(2048 / 2);
  });
});
