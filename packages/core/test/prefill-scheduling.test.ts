/**
 * Online latency as the engines schedule it: prefill-first steps (SGLang) against mixed batches
 * (vLLM, TensorRT-LLM), the API server's per-request time (and its absence in-process), a prompt
 * as long as a non-chunking engine's budget, and engine release profiles. Each mechanism moves
 * the estimate the way it says and shows in the report's serving section.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { validateScenario } from '@ridgeline/core';
import { ENGINE_PROFILES, engineProfile, requestOverheadSeconds } from '../src/serving/engines.js';
import {
  ENGINE_RELEASES,
  compareVersions,
  engineRefForRelease,
  releaseOfFramework,
} from '../src/scenario/engine-releases.js';
import { findHardware } from '../src/hardware/catalog.js';
import type { MeasurementRow } from '../src/measurements/csv.js';
import { parseMeasurementCsv } from '../src/measurements/csv.js';
import { predictRow } from '../src/validate/predict.js';
import { run } from './scenario-support.js';

const closedLoop = {
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  precision: { weights: 'fp8' },
  engine: 'sglang',
  workload: { inputTokens: 2048, outputTokens: 256, concurrency: 32, requests: 192, seed: 0 },
};

function serving(r: EstimateReport) {
  const sv = r.serving;
  if (sv === undefined) throw new Error('no serving section');
  return sv;
}

describe('prefill-first against mixed batches', () => {
  const mixed = run({ ...closedLoop, serving: { mixedBatches: true } });
  const first = run({ ...closedLoop, serving: { mixedBatches: false } });

  it('SGLang runs prefill-first by default (enable_mixed_chunk off); vLLM and TensorRT-LLM mix', () => {
    expect(ENGINE_PROFILES.sglang.mixedBatches).toBe(false);
    expect(ENGINE_PROFILES.vllm.mixedBatches).toBe(true);
    expect(ENGINE_PROFILES.trtllm.mixedBatches).toBe(true);
    expect(ENGINE_PROFILES.sglang.sources['mixedBatches']).toMatch(/enable_mixed_chunk/);
    for (const p of Object.values(ENGINE_PROFILES)) {
      if (p.id === 'ideal') continue;
      for (const key of ['mixedBatches', 'requestOverheadSeconds', 'requestOverheadSecondsByVendor'])
        expect(p.sources[key], `${p.id} ${key}`).toBeDefined();
    }
  });

  it('a prompt-only step stalls the running decodes: TPOT rises, and the stall shows in the report', () => {
    expect(first.tpotMs).toBeGreaterThan(mixed.tpotMs);
    expect(serving(first).decodeStallShare).toBeGreaterThan(0.01);
    expect(serving(mixed).decodeStallShare).toBe(0);
  });

  it('a waiting prompt does not share its step with the decodes, so its first token comes no later', () => {
    expect(first.latency.ttft.mean).toBeLessThanOrEqual(mixed.latency.ttft.mean * 1.01);
  });

  it('a prompt-only step never preempts: a cache too small for every prompt still finishes the run', () => {
    const tight = run({
      ...closedLoop,
      workload: { inputTokens: 8000, outputTokens: 512, concurrency: 64, requests: 128, seed: 0 },
      serving: { memoryFraction: 0.2 },
    });
    expect(serving(tight).requests).toBe(128);
    expect(Number.isFinite(tight.latency.ttft.mean)).toBe(true);
  });
});

describe('the API server per request', () => {
  const at = (s: Record<string, unknown>) => run({ ...closedLoop, ...s });

  it('adds its time to TTFT, shown as its own part, and leaves TPOT alone', () => {
    const none = at({ serving: { apiServer: false } });
    const http = at({});
    const overhead = ENGINE_PROFILES.sglang.requestOverheadSeconds * 1e3;
    expect(serving(http).ttftParts.requestOverheadMs).toBeCloseTo(overhead, 6);
    expect(serving(none).ttftParts.requestOverheadMs).toBe(0);
    expect(http.latency.ttft.mean).toBeGreaterThan(none.latency.ttft.mean + 0.5 * overhead);
    expect(http.tpotMs).toBeCloseTo(none.tpotMs, 0);
  });

  it("in a closed loop the client's next request waits for it too: fewer requests per second", () => {
    const fast = at({ efficiency: { requestOverheadSeconds: 0 } });
    const slow = at({ efficiency: { requestOverheadSeconds: 0.5 } });
    expect(slow.requestsPerSec).toBeLessThan(fast.requestsPerSec * 0.97);
  });

  it('the TTFT parts add up to the mean TTFT', () => {
    const r = at({});
    const p = serving(r).ttftParts;
    expect(p.requestOverheadMs + p.queueMs + p.overlapWaitMs + p.prefillMs).toBeCloseTo(
      r.latency.ttft.mean,
      3,
    );
  });

  it("an engine's ROCm build has its own per-request time where the data shows one", () => {
    const mi = findHardware('mi300x');
    const h = findHardware('h100-sxm');
    if (mi === undefined || h === undefined) throw new Error('catalog');
    const p = ENGINE_PROFILES.sglang;
    expect(requestOverheadSeconds(p, mi, 'fp8')).toBeGreaterThan(requestOverheadSeconds(p, h, 'fp8'));
    // Fitted on FP8 checkpoints only: MXFP4 on the same ROCm image measures like the CUDA build.
    expect(requestOverheadSeconds(p, mi, 'fp4')).toBe(requestOverheadSeconds(p, h, 'fp4'));
    expect(requestOverheadSeconds(engineProfile('sglang@0.5.9'), mi, 'fp8')).toBeGreaterThan(
      requestOverheadSeconds(engineProfile('sglang@0.5.9'), mi, 'fp4'),
    );
    expect(requestOverheadSeconds(ENGINE_PROFILES.vllm, mi)).toBe(
      ENGINE_PROFILES.vllm.requestOverheadSeconds,
    );
  });
});

describe('the ROCm per-request time follows the weight format', () => {
  it("an MXFP4 DeepSeek-R1 run on MI355X waits the CUDA build's time, an FP8 one the ROCm FP8 fit", () => {
    const at = (weights: string) =>
      serving(
        run({
          model: 'deepseek-r1',
          hardware: 'mi355x',
          parallelism: { tp: 8 },
          precision: { weights, activations: weights },
          engine: 'sglang',
          workload: { inputTokens: 1024, outputTokens: 64, concurrency: 4, requests: 8 },
        }),
      ).ttftParts.requestOverheadMs;
    expect(at('mxfp4')).toBeCloseTo(ENGINE_PROFILES.sglang.requestOverheadSeconds * 1e3, 6);
    expect(at('fp8')).toBeCloseTo(0.31e3, 6);
  });
});

describe('a prompt as long as the budget of an engine without chunked prefill', () => {
  it('runs beside the decodes instead of waiting for none to run', () => {
    const r = run({
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      precision: { weights: 'fp8' },
      engine: 'trtllm',
      workload: { inputTokens: 8192, outputTokens: 128, concurrency: 8, requests: 32, seed: 0 },
    });
    expect(serving(r).maxBatch).toBeGreaterThan(1);
  });
});

describe('engine releases', () => {
  it("'sglang@0.5.9' is a scenario's engine, with its own fitted per-request time", () => {
    const old = run({ ...closedLoop, engine: 'sglang@0.5.9' });
    const now = run(closedLoop);
    expect(old.latency.ttft.mean).toBeGreaterThan(now.latency.ttft.mean);
    expect(engineProfile('sglang@0.5.9').version).toBe('0.5.9');
    expect(engineProfile('sglang').version).toBe('0.5.12');
  });

  it('an unknown release is refused, naming the releases with a profile', () => {
    const v = validateScenario({ ...closedLoop, engine: 'sglang@0.4.0' });
    expect(v.ok).toBe(false);
    const text = v.ok ? '' : v.diagnostics.map((d) => d.message).join('\n');
    expect(text).toMatch(/sglang@0\.5\.9/);
    expect(validateScenario({ ...closedLoop, engine: 'trtllm@1.3' }).ok).toBe(false);
    expect(validateScenario({ ...closedLoop, engine: 'sglang@' }).ok).toBe(false);
  });

  it('the newest release of each engine is its plain profile (no changes)', () => {
    for (const releases of Object.values(ENGINE_RELEASES)) {
      const newest = releases[releases.length - 1];
      if (newest !== undefined) expect(Object.keys(newest.changes)).toHaveLength(0);
      for (const r of releases) expect(r.evidence.length).toBeGreaterThan(20);
    }
  });

  it("a measurement's image tag picks the release profile not newer than it", () => {
    expect(releaseOfFramework('SGLang [image lmsysorg/sglang:v0.5.9-rocm700-mi30x]')).toBe('0.5.9');
    expect(releaseOfFramework('TensorRT-LLM [image nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc14]')).toBe(
      '1.3.0',
    );
    expect(releaseOfFramework('SGLang v0.4.9 (OpenAI-API server, Krai harness)')).toBe('0.4.9');
    expect(releaseOfFramework('SGLang [image not recorded]')).toBeUndefined();
    expect(engineRefForRelease('sglang', '0.5.12').ref).toBe('sglang@0.5.12');
    expect(engineRefForRelease('sglang', '0.5.10').ref).toBe('sglang@0.5.9');
    expect(engineRefForRelease('sglang', '0.6.1').ref).toBe('sglang@0.5.12');
    const older = engineRefForRelease('sglang', '0.4.9');
    expect(older.ref).toBe('sglang@0.5.9');
    expect(older.note).toMatch(/oldest/);
    // TensorRT-LLM 1.x runs the 0.17 profile, which is the newest; 0.5 predates the oldest.
    expect(engineRefForRelease('trtllm', '1.3.0').ref).toBe('trtllm@0.17');
    expect(engineProfile('trtllm@0.17')).toEqual({ ...ENGINE_PROFILES.trtllm, version: '0.17' });
    expect(engineRefForRelease('trtllm', '0.6.1').ref).toBe('trtllm@0.6.1');
    expect(engineRefForRelease('trtllm', '0.5').note).toMatch(/oldest/);
    expect(releaseOfFramework('TensorRT-LLM 0.6.1 (gptSessionBenchmark, static batching)')).toBe('0.6.1');
    expect(engineRefForRelease('sglang', undefined).ref).toBe('sglang');
    expect(compareVersions('0.5.12', '0.5.9')).toBeGreaterThan(0);
  });
});

describe('serving-modern.csv rows take the release and the front end from their cells', () => {
  const parsed = parseMeasurementCsv(
    readFileSync(new URL('../data/measurements/serving-modern.csv', import.meta.url), 'utf8'),
  );
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const byId = new Map(parsed.value.map((r) => [r.id, r]));
  const predicted = (r: MeasurementRow): number => {
    const p = predictRow(r);
    if ('skip' in p) throw new Error(`${r.id} skipped: ${p.skip}`);
    return p.predicted;
  };
  const row = (id: string): MeasurementRow => {
    const r = byId.get(id);
    if (r === undefined) throw new Error(`no row ${id}`);
    return r;
  };

  it('an SGLang v0.5.9 image runs the sglang@0.5.9 profile: a longer TTFT than v0.5.12', () => {
    const now = row('N0501');
    expect(now.framework).toMatch(/v0\.5\.12/);
    const old = { ...now, framework: 'SGLang [image lmsysorg/sglang:v0.5.9-cu130]' };
    expect(predicted(old)).toBeGreaterThan(predicted(now) + 50);
  });

  it('an MLPerf SUT in-process pays no API-server time; one behind an OpenAI server does', () => {
    const sut = row('N0562');
    expect(sut.metric).toBe('ttft_ms');
    expect(sut.framework).not.toMatch(/openai/i);
    const http = { ...sut, framework: `${sut.framework} (OpenAI-API server)` };
    expect(predicted(http) - predicted(sut)).toBeCloseTo(
      ENGINE_PROFILES.trtllm.requestOverheadSeconds * 1e3,
      0,
    );
  });
});
