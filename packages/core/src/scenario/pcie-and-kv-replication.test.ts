/**
 * Issue 9 item 8: GPUs without NVLink run tensor parallelism over PCIe (peer-to-peer, or through
 * host memory where the device cannot), and TP beyond the KV heads replicates them.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../estimate.js';
import { findHardware } from '../hardware/catalog.js';
import type { EstimateReport } from '../report/assemble.js';

const run = (s: object): EstimateReport => {
  const r = estimate(s);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
};
const base = {
  model: 'llama-3.1-8b',
  precision: { weights: 'fp8' },
  engine: 'vllm',
  workload: { inputTokens: 512, outputTokens: 128, batch: 8 },
};

describe('tensor parallelism over PCIe', () => {
  it.each(['rtx-4090', 'l40s', 'l4'])('%s runs tp=2 and says how', (hw) => {
    const r = estimate({ ...base, hardware: hw, parallelism: { tp: 2 } });
    expect(r.ok).toBe(true);
    const d = r.diagnostics.find((x) => x.code === 'hardware.pcie-tensor-parallel');
    expect(d?.message).toMatch(/PCIe Gen\d x16, peer-to-peer/);
  });

  it('through host memory is slower than peer-to-peer, and the all-reduces take longer', () => {
    const card = findHardware('rtx-4090');
    if (card?.hostLink === undefined) throw new Error('rtx-4090 has no host link');
    const viaHost = { ...card, id: 'rtx-4090-no-p2p', hostLink: { ...card.hostLink, peerToPeer: false } };
    const p2p = run({ ...base, hardware: card, parallelism: { tp: 2 } });
    const host = run({ ...base, hardware: viaHost, parallelism: { tp: 2 } });
    const allReduce = (r: EstimateReport) =>
      r.breakdown
        .filter((o) => o.phase === 'decode' && o.kind === 'collective')
        .reduce((s, o) => s + o.timeMs, 0);
    expect(allReduce(p2p)).toBeGreaterThan(0);
    expect(allReduce(host)).toBeGreaterThan(allReduce(p2p));
    expect(host.tpotMs).toBeGreaterThan(p2p.tpotMs);
  });

  it('a device with neither a scale-up nor a host link still refuses tp > 1, naming the field', () => {
    const card = findHardware('rtx-4090');
    if (card === undefined) throw new Error('no rtx-4090');
    const bare = { ...card, id: 'bare-card' };
    delete (bare as { hostLink?: unknown }).hostLink;
    const r = estimate({ ...base, hardware: bare, parallelism: { tp: 2 } });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toContain('hardware.no-interconnect');
  });
});

describe('tp beyond the KV heads', () => {
  it('replicates KV heads: the per-device KV of one sequence stops shrinking at tp = KV heads, with a note', () => {
    // Llama-3.1-8B has 8 KV heads; GB200 NVL72 holds 16 devices in one NVLink domain.
    const at = (tp: number) => run({ ...base, hardware: 'gb200', parallelism: { tp } });
    const tp8 = at(8);
    const tp16 = at(16);
    expect(at(4).memory.kvBytesPerSequence).toBeCloseTo(2 * tp8.memory.kvBytesPerSequence, 6);
    expect(tp16.memory.kvBytesPerSequence).toBeCloseTo(tp8.memory.kvBytesPerSequence, 6);
    const note = tp16.diagnostics.find((d) => d.code === 'parallelism.kv-replicated');
    expect(note?.message).toMatch(/replicated on 2 devices.*2× the KV memory of an even split/);
  });
});
