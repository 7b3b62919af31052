/**
 * DeepEP kernel rows (reference.csv M1051–M1070): the MoE dispatch and combine all-to-all of one
 * EP group, costed by the same collective as the serving graph's `moe_dispatch_*` /
 * `moe_combine_*` operators (layers/moe.ts; cost/collectives.ts) with the family's collective
 * efficiencies and no launch overhead (a kernel timing, as the GEMM rows are).
 *
 * - Normal kernels (`comm_bw_gbs`): a token goes once to each EP rank holding any of its top-k
 *   experts (`expectedRanksTouched` of the model's expert slots), and the dispatch pays the notify
 *   round (`moe_dispatch_notify`, per-rank and per-expert int32 counts) first. DeepEP reports the
 *   "bottleneck bandwidth": bytes over the bottleneck link ÷ kernel time, counting intranode the
 *   bytes a rank receives over NVLink (each token once per rank it reaches) and internode the
 *   bytes a rank sends over RDMA (each token once per node it reaches). The prediction counts the
 *   same bytes over the modelled time. FP8 dispatch bytes are counted without the per-128 FP32
 *   scales (3 %), as the operator moves them. Internode (EP above a node) the time is the serving
 *   graph's node-level pair (`moe_*_normal_rdma` + `_nvl`, layers/moe.ts nodeAllToAllBytes) under
 *   the catalog model's group-limited routing.
 * - Low-latency kernels (`comm_latency_us`): each token goes to each of its k experts with no
 *   notify round: one collective of T·k·h bytes.
 *
 * Setup from the row: EP ranks = num_gpus, tokens per rank = batch_or_concurrency, hidden and
 * top-k from the model cell (checked against the catalog's deepseek-v3, whose 256 experts give
 * the slots), 1-byte dispatch and 2-byte combine from "FP8 dispatch/BF16 combine", scale-out per
 * GPU from the hardware cell ("CX7 IB 400Gb/s"). NVLink bandwidth is the catalog's h800-sxm value
 * (NVLink 4 with reduced links, 200 GB/s per direction), never the row's "~160 GB/s". The
 * catalog's h800-sxm has no scale-up domain size (no source read gives one); the rows' own setup
 * does: DeepEP's intranode runs are EP8 over NVLink, so a node is 8 GPUs here.
 */
import { profileParametersFor } from '../calibrate/profile.js';
import { costOperator } from '../cost/roofline.js';
import { collective } from '../graph/ops.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { expectedRanksTouched, nodeAllToAllBytes } from '../layers/moe.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { firstError, normalizeInput, resolveRowHardware } from '../measurements/resolve.js';
import { findModel } from '../model/catalog.js';
import { skipReasons } from './messages.js';
import type { Prediction, PredictOptions } from './predict-types.js';

/** GPUs per node of DeepEP's H800 runs: its intranode kernels run EP8 over NVLink [M1051]. */
const NODE_GPUS = 8;

export interface AllToAllCase {
  readonly kernel: 'normal' | 'low-latency';
  readonly phase: 'dispatch' | 'combine';
  readonly ep: number;
  /** Tokens per rank. */
  readonly tokens: number;
  readonly hidden: number;
  readonly topK: number;
  /** Bytes per element moved: FP8 dispatch 1, BF16 combine 2. */
  readonly bytesPerElement: number;
  /** Scale-out bandwidth per GPU, bytes/s (from the hardware cell). */
  readonly scaleOutBytesPerSecond: number;
}

const num = (re: RegExp, text: string): number | undefined => {
  const m = re.exec(text)?.[1];
  return m === undefined ? undefined : Number(m);
};

/** The row's all-to-all setup, or what it lacks. */
export function allToAllCaseOf(row: MeasurementRow): AllToAllCase | string {
  const kernel = /low-latency/i.test(row.source)
    ? 'low-latency'
    : /normal kernels/i.test(row.source)
      ? 'normal'
      : undefined;
  if (kernel === undefined) return 'the kernel family (normal or low-latency) in the source';
  const text = `${row.notes} ${row.model}`;
  const phase = /\bcombine\b/i.test(row.notes)
    ? 'combine'
    : /\bdispatch\b/i.test(row.notes)
      ? 'dispatch'
      : undefined;
  if (phase === undefined) return 'dispatch or combine in the notes';
  const ep = num(/^(\d+)$/, row.numGpus.trim());
  const tokens = num(/^(\d+)\s*tok/i, row.batchOrConcurrency.trim());
  const hidden = num(/hidden (\d+)/i, row.model);
  const topK = num(/top-(\d+)/i, row.model);
  if (ep === undefined || tokens === undefined || hidden === undefined || topK === undefined)
    return 'EP ranks, tokens per batch, hidden size or top-k';
  const format = phase === 'dispatch' ? /(FP8|BF16) dispatch/i.exec(text) : /(FP8|BF16) combine/i.exec(text);
  if (format?.[1] === undefined) return `the ${phase} format`;
  const gbit = num(/IB (\d+)\s*Gb\/s/, row.hardware);
  if (gbit === undefined) return 'the scale-out link rate in the hardware cell';
  return {
    kernel,
    phase,
    ep,
    tokens,
    hidden,
    topK,
    bytesPerElement: format[1].toUpperCase() === 'FP8' ? 1 : 2,
    scaleOutBytesPerSecond: (gbit * 1e9) / 8,
  };
}

/** Time (s) and counted bytes of one DeepEP kernel run under the model. */
export function allToAllKernel(
  c: AllToAllCase,
  hardware: HardwareSpec,
  options: PredictOptions = {},
): { seconds: number; countedBytes: number; note: string } | string {
  const model = findModel('deepseek-v3');
  const moe = model?.moe;
  if (model === undefined || moe === undefined) return 'deepseek-v3 not in the catalog';
  if (model.hiddenSize !== c.hidden || moe.topK !== c.topK)
    return `a DeepSeek-V3 shape (hidden ${model.hiddenSize}, top-${moe.topK})`;
  const node = Math.min(NODE_GPUS, c.ep);
  const hw: HardwareSpec = {
    ...hardware,
    ...(hardware.scaleUp === undefined ? {} : { scaleUp: { ...hardware.scaleUp, domainSize: NODE_GPUS } }),
    scaleOut: { bandwidthBytesPerSecond: c.scaleOutBytesPerSecond },
  };
  const ns = normalizeInput({
    model: 'deepseek-v3',
    hardware: hw,
    // Only the collective efficiencies of the scenario are used; the GEMM format does not matter.
    precision: { weights: 'bf16', activations: 'bf16' },
    engine: 'ideal',
    workload: { batch: 1, inputTokens: 1, outputTokens: 1 },
    efficiency: profileParametersFor(options.profiles, hardware.id, 'ideal'),
    calibration: 'none',
  });
  if (!ns.ok) return `a scenario (${firstError(ns)})`;
  const device = ns.value;
  const seconds = (name: string, bytes: number): number => {
    const op = collective(name, 1, 'all-to-all', bytes, c.ep);
    return costOperator(device, op, 0).fixedSeconds;
  };
  const perToken = c.hidden * c.bytesPerElement;
  const slots = moe.numExperts;
  if (c.kernel === 'low-latency') {
    const bytes = c.tokens * c.topK * perToken;
    return { seconds: seconds(`moe_${c.phase}_ll`, bytes), countedBytes: bytes, note: '' };
  }
  if (c.ep <= node) {
    const copies = Math.min(c.topK, expectedRanksTouched(slots, c.topK, c.ep));
    const bytes = c.tokens * copies * perToken;
    const notify = c.phase === 'dispatch' ? seconds('moe_dispatch_notify', (c.ep + slots) * 4) : 0;
    const t = notify + seconds(`moe_${c.phase}_normal`, bytes);
    return { seconds: t, countedBytes: bytes, note: 'NVLink bytes received per rank' };
  }
  // Internode: the node-level kernels (layers/moe.ts nodeAllToAllBytes), each token once per
  // remote node over RDMA and forwarded over NVLink inside it, the two stages pipelined; DeepEP
  // counts each token once per node it reaches, the own node included (RDMA bytes per rank).
  const nodes = Math.ceil(c.ep / node);
  const b = nodeAllToAllBytes(slots, c.topK, c.ep, nodes, perToken, c.tokens, moe.routingGroups);
  const stage = (
    name: string,
    bytes: number,
    kind: 'scale-out' | 'scale-up-forward',
    hidden: number,
  ): number => {
    const op = collective(name, 1, 'all-to-all', bytes, c.ep);
    const staged = {
      ...op,
      collective: { kind: 'all-to-all' as const, bytes, group: c.ep, stage: kind, pipelinedBytes: hidden },
    };
    return costOperator(device, staged, 0).fixedSeconds;
  };
  const notify = c.phase === 'dispatch' ? seconds('moe_dispatch_notify', (c.ep + slots) * 4) : 0;
  const t =
    notify +
    stage(`moe_${c.phase}_normal_rdma`, b.scaleOutBytes, 'scale-out', 0) +
    stage(`moe_${c.phase}_normal_nvl`, b.forwardBytes, 'scale-up-forward', b.scaleOutBytes);
  return {
    seconds: t,
    countedBytes: c.tokens * b.nodesPerToken * perToken,
    note: `RDMA bytes sent per rank: ${b.nodesPerToken.toFixed(2)} nodes per token (${b.ranksPerToken.toFixed(2)} ranks reached over NVLink)`,
  };
}

export function predictAllToAllRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  const c = allToAllCaseOf(row);
  if (typeof c === 'string') return { skip: skipReasons.allToAllNotStated(c) };
  const hardware = resolveRowHardware(row.hardware);
  if (hardware === undefined) return { skip: skipReasons.hardwareNotInCatalog(row.hardware) };
  const k = allToAllKernel(c, hardware, options);
  if (typeof k === 'string') return { skip: skipReasons.allToAllNotStated(k) };
  if (row.metric === 'comm_latency_us') return { predicted: k.seconds * 1e6 };
  return k.note === ''
    ? { predicted: k.countedBytes / k.seconds / 1e9 }
    : { predicted: k.countedBytes / k.seconds / 1e9, note: k.note };
}
