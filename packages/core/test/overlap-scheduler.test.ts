/**
 * The overlap scheduler (SGLang and TensorRT-LLM) and vLLM's async scheduling build the next
 * step while the current one runs (data/engines/defaults.md §1a, §2b, §3a). A request that
 * arrives during a step therefore joins the step after the next one: it waits one more step,
 * which is longer the larger the running batch. An idle engine sees it at once.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { normalizeScenario, validateScenario } from '@ridgeline/core';
import { ENGINE_PROFILES } from '../src/serving/engines.js';
import { run } from './scenario-support.js';

const closedLoop = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  calibration: 'none',
  precision: { weights: 'fp8' },
  engine: 'sglang',
  // Lengths drawn as InferenceX does ([0.8·L, L]): fixed lengths keep a closed loop's requests
  // in lockstep, finishing together and finding the engine idle.
  workload: {
    inputTokens: 1024,
    outputTokens: 256,
    inputLengths: { kind: 'uniform', min: 819, max: 1024 },
    outputLengths: { kind: 'uniform', min: 204, max: 256 },
    concurrency: 32,
    requests: 320,
    seed: 0,
  },
};

function serving(r: EstimateReport) {
  if (r.serving === undefined) throw new Error('no serving report');
  return r.serving;
}

const at = (clients: number, overlapScheduler?: boolean, engine = 'sglang') =>
  run({
    ...closedLoop,
    engine,
    workload: { ...closedLoop.workload, concurrency: clients, requests: 10 * clients },
    ...(overlapScheduler !== undefined ? { serving: { overlapScheduler } } : {}),
  });

describe('overlap scheduler', () => {
  it('is on in the engines whose code turns it on by default, and off for the ideal bound', () => {
    expect(ENGINE_PROFILES.sglang.overlapScheduler).toBe(true);
    expect(ENGINE_PROFILES.trtllm.overlapScheduler).toBe(true);
    expect(ENGINE_PROFILES.vllm.overlapScheduler).toBe(true);
    expect(ENGINE_PROFILES.ideal.overlapScheduler).toBe(false);
  });

  it('vLLM turns async scheduling off with pipeline parallelism and with a draft model', () => {
    const norm = (pp: number, serving?: unknown) => {
      const v = validateScenario({
        ...closedLoop,
        model: 'llama-3.1-70b',
        engine: 'vllm',
        gpus: 2 * pp,
        parallelism: { tp: 2, pp },
        ...(serving !== undefined ? { serving } : {}),
      });
      if (!v.ok) throw new Error(v.diagnostics.map((d) => d.message).join('\n'));
      const n = normalizeScenario(v.value);
      if (!n.ok) throw new Error(n.diagnostics.map((d) => d.message).join('\n'));
      return n.value.engine.overlapScheduler;
    };
    expect(norm(1)).toBe(true);
    expect(norm(2)).toBe(false);
    expect(
      norm(1, {
        speculative: { method: 'draft', draftModel: 'llama-3.1-8b', tokens: 3, acceptanceRate: 0.7 },
      }),
    ).toBe(false);
    expect(norm(1, { overlapScheduler: false })).toBe(false);
  });

  it('an arrival into a busy engine waits about one more decode step; TPOT and throughput stay', () => {
    const off = at(32, false);
    const on = at(32);
    const lag = serving(on).ttftParts.overlapWaitMs;
    expect(serving(off).ttftParts.overlapWaitMs).toBe(0);
    expect(lag).toBeGreaterThan(0.5 * on.tpotMs);
    expect(lag).toBeLessThan(2 * on.tpotMs);
    expect(on.latency.ttft.mean).toBeGreaterThan(off.latency.ttft.mean + 0.5 * on.tpotMs);
    expect(on.tpotMs).toBeCloseTo(off.tpotMs, 0);
    expect(on.outputTokensPerSec).toBeGreaterThan(0.97 * off.outputTokensPerSec);
  });

  it('an idle engine sees an arrival at once: one client waits for no step', () => {
    const off = at(1, false);
    const on = at(1);
    expect(serving(on).ttftParts.overlapWaitMs).toBe(0);
    expect(on.latency.ttft.mean).toBeCloseTo(off.latency.ttft.mean, 6);
  });

  it('the wait grows with the clients, as the step it waits for does', () => {
    const few = serving(at(4)).ttftParts.overlapWaitMs;
    const many = serving(at(128)).ttftParts.overlapWaitMs;
    expect(few).toBeGreaterThan(0);
    expect(many).toBeGreaterThan(1.5 * few);
  });

  it('applies to the mixed-batch engines too, and the TTFT parts add up', () => {
    for (const engine of ['vllm', 'trtllm']) {
      const r = at(32, undefined, engine);
      const p = serving(r).ttftParts;
      expect(p.overlapWaitMs, engine).toBeGreaterThan(0);
      expect(p.requestOverheadMs + p.queueMs + p.overlapWaitMs + p.prefillMs, engine).toBeCloseTo(
        r.latency.ttft.mean,
        3,
      );
      expect(at(32, false, engine).latency.ttft.mean, engine).toBeLessThan(r.latency.ttft.mean);
    }
  });

  it('the ideal bound has no lag', () => {
    expect(serving(at(32, undefined, 'ideal')).ttftParts.overlapWaitMs).toBe(0);
  });
});
