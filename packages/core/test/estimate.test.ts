import { describe, expect, it } from 'vitest';
import { estimate } from '../src/estimate.js';
import { expectedExpertsTouched } from '../src/graph/build.js';
import type { EstimateReport } from '../src/report/assemble.js';
import type { ScenarioInput } from '../src/scenario/schema.js';

function run(s: ScenarioInput): EstimateReport {
  const r = estimate(s);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

const base: ScenarioInput = {
  model: 'llama-3.1-70b',
  hardware: 'h100-sxm',
  gpus: 8,
  parallelism: { tp: 8 },
  // The kernels-only bound: these tests are about operators, not engine overheads.
  engine: 'ideal',
  workload: { inputTokens: 2048, outputTokens: 256, batch: 64 },
};

describe('estimate: static batch', () => {
  it('reports the contract fields with consistent arithmetic', () => {
    const r = run(base);
    expect(r.ttftMs).toBeGreaterThan(0);
    expect(r.tpotMs).toBeGreaterThan(0);
    expect(r.e2eLatencyMs).toBeCloseTo(r.ttftMs + 255 * r.tpotMs, 6);
    expect(r.outputTokensPerSec).toBeCloseTo((64 * 256) / (r.e2eLatencyMs / 1e3), 6);
    expect(r.memory.fits).toBe(true);
    expect(r.phases.map((p) => p.phase)).toEqual(['prefill', 'decode']);
  });

  it('costs every operator with a bound, and a TP all-reduce on the scale-up link', () => {
    const r = run(base);
    const names = new Set(r.breakdown.map((o) => o.name));
    for (const n of [
      'qkv_proj',
      'attention',
      'o_proj',
      'gate_up_proj',
      'down_proj',
      'attn_all_reduce',
      'lm_head',
    ])
      expect(names).toContain(n);
    const ar = r.breakdown.find((o) => o.name === 'attn_all_reduce' && o.phase === 'decode');
    expect(ar?.bound).toBe('communication');
    const shares = r.breakdown.filter((o) => o.phase === 'decode').reduce((a, o) => a + o.share, 0);
    expect(shares).toBeCloseTo(1, 6);
  });

  it('small-batch decode is memory-bound and large-batch prefill GEMMs are compute-bound', () => {
    const r = run({ ...base, workload: { inputTokens: 2048, outputTokens: 64, batch: 1 } });
    const decodeUp = r.breakdown.find((o) => o.phase === 'decode' && o.name === 'gate_up_proj');
    const prefillUp = r.breakdown.find((o) => o.phase === 'prefill' && o.name === 'gate_up_proj');
    expect(decodeUp?.bound).toBe('memory');
    expect(prefillUp?.bound).toBe('compute');
  });

  it('the LM head runs once per sequence, not per prefill token', () => {
    const r = run(base);
    const lm = r.breakdown.find((o) => o.phase === 'prefill' && o.name === 'lm_head');
    expect(lm?.shape?.m).toBe(64);
  });

  it('KV grows with context: longer prompts make decode steps slower', () => {
    const short = run({ ...base, workload: { inputTokens: 512, outputTokens: 64, batch: 32 } });
    const long = run({ ...base, workload: { inputTokens: 16384, outputTokens: 64, batch: 32 } });
    expect(long.tpotMs).toBeGreaterThan(short.tpotMs);
    expect(long.memory.kvCacheBytes).toBeGreaterThan(short.memory.kvCacheBytes);
  });

  it('sliding-window layers cap their KV (mistral-7b window 4096)', () => {
    const a = run({
      model: 'mistral-7b',
      hardware: 'h100-sxm',
      workload: { inputTokens: 8192, outputTokens: 8, batch: 1 },
    });
    const b = run({
      model: 'mistral-7b',
      hardware: 'h100-sxm',
      workload: { inputTokens: 32000, outputTokens: 8, batch: 1 },
    });
    expect(b.memory.kvCacheBytes).toBe(a.memory.kvCacheBytes);
  });

  it('a MoE decode step reads only the experts its tokens hit', () => {
    expect(expectedExpertsTouched(256, 8, 1)).toBeCloseTo(8, 6);
    expect(expectedExpertsTouched(256, 8, 4096)).toBeCloseTo(256, 3);
    const one = run({
      model: 'mixtral-8x7b',
      hardware: 'h100-sxm',
      precision: { weights: 'fp8' },
      workload: { inputTokens: 128, outputTokens: 32, batch: 1 },
    });
    const many = run({
      model: 'mixtral-8x7b',
      hardware: 'h100-sxm',
      precision: { weights: 'fp8' },
      workload: { inputTokens: 128, outputTokens: 32, batch: 64 },
    });
    const bytes = (r: EstimateReport) =>
      r.breakdown.find((o) => o.phase === 'decode' && o.name === 'experts_gate_up')?.bytes ?? 0;
    expect(bytes(many) / bytes(one)).toBeGreaterThan(3);
  });

  it('MLA decode runs absorbed: attention over the latent is far more FLOP-heavy per byte than GQA', () => {
    const mla = run({
      model: 'deepseek-v3',
      hardware: 'h200-sxm',
      gpus: 8,
      parallelism: { tp: 8 },
      precision: { weights: 'fp8', kvCache: 'fp8' },
      engine: 'ideal',
      workload: { inputTokens: 4096, outputTokens: 16, batch: 32 },
    });
    const gqa = run({ ...base, workload: { inputTokens: 4096, outputTokens: 16, batch: 32 } });
    const intensity = (r: EstimateReport) => {
      const a = r.breakdown.find((o) => o.phase === 'decode' && o.name === 'attention');
      return (a?.flops ?? 0) / (a?.bytes ?? 1);
    };
    expect(intensity(mla)).toBeGreaterThan(5 * intensity(gqa));
    expect(mla.breakdown.some((o) => o.name === 'q_absorb')).toBe(true);
  });

  it('fp8 weights halve the weight memory and speed up memory-bound decode', () => {
    const bf16 = run({ ...base, workload: { inputTokens: 128, outputTokens: 128, batch: 1 } });
    const fp8 = run({
      ...base,
      precision: { weights: 'fp8' },
      workload: { inputTokens: 128, outputTokens: 128, batch: 1 },
    });
    expect(fp8.memory.weightsBytes).toBeCloseTo(bf16.memory.weightsBytes / 2, -6);
    expect(fp8.tpotMs).toBeLessThan(bf16.tpotMs);
  });

  it('weight-only int4 with bf16 activations runs GEMMs at the bf16 rate', () => {
    const r = run({ ...base, precision: { weights: 'int4', activations: 'bf16' } });
    expect(r.scenario.precision.activations).toBe('bf16');
    const w8 = run({ ...base, precision: { weights: 'int8', activations: 'bf16' } });
    const p4 = r.breakdown.find((o) => o.phase === 'prefill' && o.name === 'gate_up_proj')?.timeMs ?? 0;
    const p8 = w8.breakdown.find((o) => o.phase === 'prefill' && o.name === 'gate_up_proj')?.timeMs ?? 0;
    // Same compute term; the p-norm roofline adds a trace of the (smaller) memory term.
    expect(Math.abs(p4 - p8) / p8).toBeLessThan(1e-3);
  });
});

describe('estimate: bad input gets diagnostics, never an exception', () => {
  const codes = (s: unknown) => {
    const r = estimate(s);
    return r.ok ? [] : r.diagnostics.map((d) => d.code);
  };
  it('unknown model suggests close ids', () => {
    const r = estimate({ ...base, model: 'llama-3.1-70' });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toContain('llama-3.1-70b');
  });
  it('tp that does not divide heads', () => {
    expect(codes({ ...base, gpus: 3, parallelism: { tp: 3 } })).toContain('parallelism.tp-indivisible');
  });
  it('gpus that disagree with the parallelism', () => {
    expect(codes({ ...base, gpus: 16 })).toContain('parallelism.gpus-mismatch');
  });
  it('a model that cannot fit', () => {
    expect(codes({ ...base, model: 'llama-3.1-405b', gpus: 1, parallelism: { tp: 1 } })).toContain(
      'memory.weights-do-not-fit',
    );
  });
  it('a format the hardware lacks is an error, not a silent speed-up', () => {
    expect(codes({ ...base, hardware: 'a100-sxm-80gb', precision: { weights: 'fp8' } })).toContain(
      'precision.unsupported-on-hardware',
    );
  });
  it('schema errors name the field path', () => {
    const r = estimate({ ...base, parallelism: { tp: 'eight' } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.path).toEqual(['parallelism', 'tp']);
  });
  it('ep on a dense model, ep not dividing tp, and pp beyond the layers are named', () => {
    expect(codes({ ...base, gpus: 8, parallelism: { tp: 8, ep: 8 } })).toContain('parallelism.invalid');
    expect(
      codes({ ...base, model: 'mixtral-8x7b', gpus: 4, parallelism: { tp: 4, ep: 8 } }).length,
    ).toBeGreaterThan(0);
    expect(codes({ ...base, gpus: 200, parallelism: { pp: 200 } })).toContain('parallelism.invalid');
  });
  it('a group beyond the scale-up domain without a scale-out network is an error', () => {
    expect(codes({ ...base, gpus: 16, parallelism: { tp: 16 } })).toContain('topology.no-scale-out');
  });
  it('a batch too big for memory is flagged with the batch that fits', () => {
    const r = estimate({ ...base, workload: { inputTokens: 32768, outputTokens: 1024, batch: 4096 } });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.memory.fits).toBe(false);
      expect(r.value.memory.maxBatch).toBeGreaterThan(0);
      expect(r.diagnostics.map((d) => d.code)).toContain('memory.batch-does-not-fit');
    }
  });
});
