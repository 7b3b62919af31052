import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasurementCsv } from '../measurements/csv.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { estimate } from '../estimate.js';
import { resolveRowHardware, resolveRowModelNamed } from '../measurements/resolve.js';
import { predictRow } from './predict.js';
import { closedLoopRequests, loadKindOf } from './modern-rows.js';

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
