/**
 * DeepEP's normal (prefill) kernels across nodes: each token goes once per destination node over
 * the scale-out network and is forwarded over scale-up inside the node, the two stages pipelined.
 */
import { describe, expect, it } from 'vitest';
import type { EstimateReport } from '@ridgeline/core';
import { findHardware, findModel } from '@ridgeline/core';
import { nodeAllToAllStageSeconds } from '../src/cost/collectives.js';
import { expectedBinsTouched, expectedRanksTouched, nodeAllToAllBytes } from '../src/layers/moe.js';
import { run } from './scenario-support.js';

const op = (r: EstimateReport, phase: string, name: string) =>
  r.breakdown.find((o) => o.phase === phase && o.name === name);

const r1 = (tp: number) => ({
  model: 'deepseek-r1',
  hardware: 'h200-sxm',
  topology: { scaleOutBandwidthBytesPerSecond: 50e9 },
  parallelism: { tp, ep: tp, attentionDp: true },
  precision: { weights: 'fp8' },
  engine: 'sglang',
  calibration: 'none',
  workload: { inputTokens: 2048, outputTokens: 64, batch: 64 },
});

const GROUPS = { groups: 8, topKGroups: 4 };

describe('distinct nodes a token reaches', () => {
  it('reads the group-limited routing of DeepSeek-V3 from its config (n_group 8, topk_group 4)', () => {
    expect(findModel('deepseek-v3')?.moe?.routingGroups).toEqual(GROUPS);
    expect(findModel('mixtral-8x7b')?.moe?.routingGroups).toBeUndefined();
  });

  it('without a group limit is the hypergeometric count over the bins', () => {
    for (const bins of [1, 2, 4, 8, 16])
      expect(expectedBinsTouched(256, 8, bins)).toBeCloseTo(expectedRanksTouched(256, 8, bins), 12);
  });

  it('with one group per bin: a bin is reached only when its group is picked', () => {
    // 8 groups over 8 nodes, 4 picked: pool of 128 slots, each node 32 of them.
    let miss = 1;
    for (let i = 0; i < 8; i++) miss *= (96 - i) / (128 - i);
    const want = 8 * (1 - (0.5 + 0.5 * miss));
    expect(expectedBinsTouched(256, 8, 8, GROUPS)).toBeCloseTo(want, 12);
    expect(expectedBinsTouched(256, 8, 8, GROUPS)).toBeLessThanOrEqual(4);
    expect(expectedBinsTouched(256, 8, 8, GROUPS)).toBeLessThan(expectedRanksTouched(256, 8, 8));
  });

  it('more nodes never lower the per-token scale-out copies', () => {
    for (const routing of [undefined, GROUPS]) {
      let last = 0;
      for (const nodes of [1, 2, 4, 8, 16, 32]) {
        const b = nodeAllToAllBytes(256, 8, nodes * 8, nodes, 1, 1, routing);
        expect(b.nodesPerToken).toBeGreaterThanOrEqual(last - 1e-12);
        expect(b.nodesPerToken).toBeLessThanOrEqual(Math.min(8, nodes) + 1e-12);
        last = b.nodesPerToken;
      }
    }
  });

  it('spanning nodes cuts the scale-out bytes against sending once per rank', () => {
    for (const nodes of [2, 4, 8]) {
      const ep = nodes * 8;
      const b = nodeAllToAllBytes(256, 8, ep, nodes, 7168, 4096, GROUPS);
      // Per-rank sending puts each remote rank's copy on the network.
      const perRank = (4096 * expectedRanksTouched(256, 8, ep) * (ep - 8) * 7168) / ep;
      expect(b.scaleOutBytes).toBeLessThan(perRank / 2);
      expect(b.scaleOutBytes).toBeCloseTo((4096 * b.nodesPerToken * (nodes - 1) * 7168) / nodes, 6);
      // The forward reaches the ranks the token hits, 7/8 of them away from the forwarder.
      expect(b.forwardBytes).toBeCloseTo((4096 * b.ranksPerToken * 7 * 7168) / 8, 6);
    }
  });
});

describe('pipelined stages', () => {
  const h800 = findHardware('h800-sxm');
  if (h800?.scaleUp === undefined) throw new Error('h800-sxm scale-up missing');
  const hw = {
    ...h800,
    scaleUp: { ...h800.scaleUp, domainSize: 8 },
    scaleOut: { bandwidthBytesPerSecond: 50e9 },
  };
  const eff = {
    collectiveBandwidthFraction: 0.75,
    collectiveLatencySeconds: 8e-6,
    scaleOutLatencySeconds: 20e-6,
  };

  it('together take the scale-out latency plus the longer stage', () => {
    for (const [outBytes, upBytes] of [
      [1e8, 1e8],
      [1e7, 1e9],
      [0, 1e9],
    ] as const) {
      const rdma = nodeAllToAllStageSeconds('scale-out', outBytes, 0, hw, eff);
      const nvl = nodeAllToAllStageSeconds('scale-up-forward', upBytes, outBytes, hw, eff);
      const want =
        20e-6 + Math.max(outBytes / (50e9 * 0.75), upBytes / (hw.scaleUp.bandwidthBytesPerSecond * 0.75));
      expect(rdma + nvl).toBeCloseTo(want, 12);
      expect(nvl).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the serving graph', () => {
  it('splits the normal kernels into an RDMA and an NVLink stage when EP spans nodes', () => {
    const r = run(r1(16));
    for (const name of ['moe_dispatch', 'moe_combine']) {
      expect(op(r, 'prefill', `${name}_normal_rdma`)?.bound).toBe('communication');
      expect(op(r, 'prefill', `${name}_normal_nvl`)?.bound).toBe('communication');
      expect(op(r, 'prefill', `${name}_normal`)).toBeUndefined();
    }
    expect(op(r, 'prefill', 'moe_dispatch_notify')).toBeDefined();
    // Decode keeps the low-latency kernels' per-expert sending.
    expect(op(r, 'decode', 'moe_dispatch_ll')).toBeDefined();
    expect(op(r, 'decode', 'moe_dispatch_normal_rdma')).toBeUndefined();
  });

  it('leaves a single-node EP as it was (one normal all-to-all per phase)', () => {
    const r = run(r1(8));
    expect(op(r, 'prefill', 'moe_dispatch_normal')?.bound).toBe('communication');
    expect(op(r, 'prefill', 'moe_dispatch_normal_rdma')).toBeUndefined();
    expect(op(r, 'prefill', 'moe_combine_normal_nvl')).toBeUndefined();
  });
});
