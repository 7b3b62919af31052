/**
 * Redundant experts (EPLB): SGLang --ep-num-redundant-experts and TensorRT-LLM wide-EP slots add
 * expert replicas, so an EP that does not divide the experts can divide the slots; each slot
 * costs an expert's weights and the ranks hold (experts + redundant)/ep slots.
 */
import { describe, expect, it } from 'vitest';
import { estimate, parseMeasurementCsv, predictRow } from '@ridgeline/core';
import { measurementFile } from './gate.js';
import { run } from './scenario-support.js';

const r1 = (parallelism: Record<string, unknown>, batch = 256) => ({
  model: 'deepseek-r1',
  hardware: 'gb200',
  parallelism,
  precision: { weights: 'fp8' },
  engine: 'sglang',
  calibration: 'none',
  workload: { inputTokens: 1024, outputTokens: 256, batch },
});

describe('parallelism.redundantExperts', () => {
  it('ep=48 alone is refused with the redundant experts that would make it divide', () => {
    const r = estimate(r1({ tp: 48, ep: 48, attentionDp: true }));
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.severity === 'error');
    expect(d?.path).toEqual(['parallelism', 'ep']);
    expect(d?.message).toMatch(/does not divide the 256 experts/);
    expect(d?.message).toMatch(/parallelism\.redundantExperts to 32 \(288 slots/);
  });

  it('256 + 32 = 288 slots over ep=48 runs, 6 experts per rank', () => {
    const r = run(r1({ tp: 48, ep: 48, attentionDp: true, redundantExperts: 32 }, 4096));
    expect(r.scenario.parallelism.redundantExperts).toBe(32);
    const g = r.breakdown.find((o) => o.phase === 'decode' && o.name === 'experts_gate_up');
    // 4096 tokens × 8 picks hit every slot: 288 / 48 = 6 groups per rank.
    expect(g?.shape?.groups).toBeCloseTo(6, 3);
  });

  it('a slot count ep does not divide names redundantExperts and the counts that work', () => {
    const r = estimate(r1({ tp: 48, ep: 48, attentionDp: true, redundantExperts: 16 }));
    expect(r.ok).toBe(false);
    const d = r.diagnostics.find((x) => x.severity === 'error');
    expect(d?.path).toEqual(['parallelism', 'redundantExperts']);
    expect(d?.message).toMatch(/272 expert slots.*\(32, 80, \.\.\.\)/);
  });

  it('is refused on a dense model and without expert parallelism', () => {
    const dense = estimate({ ...r1({ tp: 8, ep: 1, redundantExperts: 8 }), model: 'llama-3.1-8b' });
    expect(dense.ok).toBe(false);
    expect(
      dense.diagnostics.some((d) => /redundantExperts=8 needs a mixture-of-experts/.test(d.message)),
    ).toBe(true);
    const noEp = estimate(r1({ tp: 8, ep: 1, redundantExperts: 8 }));
    expect(noEp.ok).toBe(false);
    expect(noEp.diagnostics.some((d) => /needs ep > 1/.test(d.message))).toBe(true);
  });

  it('each replica costs an expert: weights per device grow by R/E of the routed experts', () => {
    const base = run(r1({ tp: 8, ep: 8, attentionDp: true }));
    const more = run(r1({ tp: 8, ep: 8, attentionDp: true, redundantExperts: 8 }));
    // DeepSeek-R1: 58 MoE layers of 256 experts of 3·7168·2048 weights, FP8 (1 byte).
    const expert = 3 * 7168 * 2048;
    const perDevice = (58 * 8 * expert) / 8;
    expect(more.memory.weightsBytes - base.memory.weightsBytes).toBeCloseTo(perDevice, -3);
    expect(more.memory.kvCacheBytes).toBeLessThanOrEqual(base.memory.kvCacheBytes);
  });

  it('spreading picks over more slots lowers the rows per expert group', () => {
    const at = (redundantExperts: number) =>
      run(r1({ tp: 8, ep: 8, attentionDp: true, redundantExperts }, 512)).breakdown.find(
        (o) => o.phase === 'decode' && o.name === 'experts_gate_up',
      )?.shape?.m ?? 0;
    expect(at(32)).toBeLessThan(at(0));
  });
});

describe('validate maps 48-GPU wide-EP workers with redundant experts', () => {
  const parsed = parseMeasurementCsv(measurementFile('serving-modern.csv'));
  if (!parsed.ok) throw new Error('serving-modern.csv does not parse');
  const rows = parsed.value;
  const predict = (id: string) => {
    const row = rows.find((r) => r.id === id);
    if (row === undefined) throw new Error(`${id} missing`);
    return predictRow(row, { rows });
  };

  it('a recorded TP48/EP48 decode worker gets the fewest redundant experts, said in the note', () => {
    const p = predict('N0356');
    expect('predicted' in p).toBe(true);
    if ('predicted' in p) expect(p.note).toMatch(/32 redundant experts assumed \(288 slots/);
  });

  it('a 48-GPU worker recorded TP1/EP1 runs wide EP48, said in the note', () => {
    const p = predict('N0328');
    expect('predicted' in p).toBe(true);
    if ('predicted' in p) expect(p.note).toMatch(/EP48 assumed/);
  });
});
