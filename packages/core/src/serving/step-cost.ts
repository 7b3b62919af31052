/**
 * The time of one continuous-batching step from its token counts and contexts, in closed form.
 *
 * A step holds decode tokens of running sequences and prompt chunks of prefilling ones. Its
 * operators split by what they scale with (Operator.part): the projections, MLPs, experts and
 * collectives run once over all T new tokens of the step ('shared', so weights are read once
 * for the whole mixed batch); decode attention reads each sequence's cache (linear in the sum of
 * the contexts); prefill attention is linear in the attended (query, key) pairs of the chunks;
 * the LM head runs once per emitting sequence. Per-token-count parts are memoized, so a step
 * costs a few map lookups and one pass over the attention operators.
 *
 * Pipeline parallelism: the step's sequences are split into m = min(microBatches, sequences)
 * micro-batches that flow through pp stages; every sequence advances one step after
 * max(pp, m) stage times of a micro-batch, so the pipeline bubble is (pp − m)/pp when m < pp.
 */
import type { CostedOperator } from '../cost/roofline.js';
import { costOperator, decodeAttentionOccupancy, perKernelSeconds, workOf } from '../cost/roofline.js';
import type { Operator } from '../graph/operator.js';
import { buildGraph, busiestRankSequences } from '../graph/build.js';
import { decodeKvReads } from '../layers/attention.js';
import { weightsBytesPerDevice } from '../memory/footprint.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import { hostSequences, paddedGraphBatch } from './engines.js';

/** What one step processes, over one replica. */
export interface StepLoad {
  /** Sequences in decode (each contributes 1 + speculative proposals tokens). */
  decodeSequences: number;
  /** Σ over decode sequences of the attended context (positions in cache). */
  decodeContext: number;
  /** Σ over decode sequences of min(context, window), for sliding-window layers. */
  decodeContextWindowed: number;
  /** Prompt tokens computed in this step, over all chunks. */
  prefillTokens: number;
  /** Chunks (prefilling sequences) in this step. */
  prefillSequences: number;
  /** Σ over chunks of attended (query, key) pairs, full attention and windowed. */
  prefillPairs: number;
  prefillPairsWindowed: number;
  /** Σ over chunks of the positions cached before the chunk (read by its attention). */
  prefillPriorContext: number;
  /** Sequences emitting a token this step (decodes and prompts that complete). */
  emitting: number;
}

export function emptyLoad(): StepLoad {
  return {
    decodeSequences: 0,
    decodeContext: 0,
    decodeContextWindowed: 0,
    prefillTokens: 0,
    prefillSequences: 0,
    prefillPairs: 0,
    prefillPairsWindowed: 0,
    prefillPriorContext: 0,
    emitting: 0,
  };
}

/** One attention operator reduced to its per-unit coefficients. */
interface AttentionTerm {
  readonly count: number;
  readonly windowed: boolean;
  readonly flopsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly fixedSeconds: number;
  readonly kernels: number;
  /** Decode: bytes per sequence, FLOPs and bytes per context position. */
  readonly bytesPerSequence: number;
  readonly flopsPerContext: number;
  readonly bytesPerContext: number;
  /** Prefill: FLOPs per attended pair, bytes per new token, bytes per prior position. */
  readonly flopsPerPair: number;
  readonly bytesPerToken: number;
  readonly bytesPerPrior: number;
}

interface PartCost {
  /** Roofline work plus communication, s (launches excluded). */
  readonly work: number;
}

function workSeconds(c: CostedOperator): number {
  const op = c.op;
  const compute = op.flops / c.flopsPerSecond;
  const memory = op.bytes / c.bytesPerSecond;
  return op.count * (workOf(op.kind, compute, memory) + c.communicationSeconds);
}

/**
 * The share of a step's attention work on the busiest attention-DP rank: whole sequences go to
 * ranks, so it holds ceil(B/dp) of the B sequences (1 without attention DP).
 */
export function rankShare(sequences: number, attnDp: number): number {
  if (attnDp <= 1 || sequences <= 0) return 1;
  return busiestRankSequences(sequences, attnDp) / sequences;
}

/** Distinct placed-part entries kept per coster before the memo is cleared. */
const MAX_PLACED_PARTS = 4096;

/**
 * Tokens on the busiest attention-DP rank of a step that carries prompt chunks, for engines that
 * schedule each rank on its own (TensorRT-LLM's attention DP sends a request to one rank). Each
 * chunk is a whole sequence on one rank, so the busiest rank holds ceil(P/dp) of the P chunks
 * (their mean size each) and its ceil(D/dp) share of the D decodes: one prompt of S tokens costs
 * its rank the token-wise work of S tokens, not S/dp. Never more than the step's tokens.
 */
export function placedRankTokens(
  decodeTokens: number,
  decodeSequences: number,
  prefillTokens: number,
  prefillSequences: number,
  attnDp: number,
): number {
  const prefill = prefillTokens * rankShare(prefillSequences, attnDp);
  const decode = decodeTokens * rankShare(decodeSequences, attnDp);
  return Math.min(Math.ceil(decodeTokens + prefillTokens), Math.ceil(prefill + decode));
}

export class StepCoster {
  private readonly ns: NormalizedScenario;
  private readonly speculativeTokens: number;
  private readonly shared = new Map<number, PartCost>();
  private readonly decodeOnly = new Map<number, PartCost>();
  private readonly prefillOnly = new Map<number, PartCost>();
  private readonly head = new Map<number, PartCost>();
  /** Parts of steps whose prompts sit whole on one attention-DP rank, by part, tokens and rank tokens. */
  private readonly placed = new Map<string, PartCost>();
  private readonly decodeAttention: readonly AttentionTerm[];
  private readonly prefillAttention: readonly AttentionTerm[];
  /** Kernel launches per step, by part (occurrence counts included). */
  private readonly kernels: { shared: number; decode: number; prefill: number; head: number };
  /** The same counts without collectives: the kernels that pay kernelFixedSeconds. */
  private readonly computeKernels: { shared: number; decode: number; prefill: number; head: number };
  private readonly draft: StepCoster | undefined;
  /** The target without speculation (MTP proposals run one of its layers plus its head). */
  private readonly plain: StepCoster | undefined;
  /** Window of the sliding-window layers (Infinity when none). */
  readonly window: number;
  /** Offloaded weight bytes streamed every step, and the link they cross (bytes/s). */
  private readonly offloadWeightBytes: number;
  private readonly offloadKvShare: number;
  private readonly offloadBandwidth: number;

  constructor(ns: NormalizedScenario, speculativeTokens = ns.serving.speculative?.tokens ?? 0) {
    this.ns = ns;
    this.speculativeTokens = speculativeTokens;
    this.window = ns.model.slidingWindow ?? Number.POSITIVE_INFINITY;
    const off = ns.offload;
    this.offloadWeightBytes = off === undefined ? 0 : weightsBytesPerDevice(ns) * off.weightsFraction;
    this.offloadKvShare = off?.kvCacheFraction ?? 0;
    this.offloadBandwidth = off?.tier.bandwidthBytesPerSecond ?? 1;
    const perSeq = 1 + speculativeTokens;
    const dec = buildGraph(ns, { phase: 'decode', sequences: 1, tokensPerSequence: perSeq }).operators;
    const pre = buildGraph(ns, { phase: 'prefill', sequences: 1, tokensPerSequence: 1 }).operators;
    const count = (ops: readonly Operator[], part: Operator['part'], compute = false) =>
      ops
        .filter((o) => o.part === part && !(compute && o.kind === 'collective'))
        .reduce((a, o) => a + o.count * o.kernels, 0);
    this.kernels = {
      shared: count(pre, 'shared'),
      decode: count(dec, 'decode'),
      prefill: count(pre, 'prefill'),
      head: count(pre, 'head'),
    };
    this.computeKernels = {
      shared: count(pre, 'shared', true),
      decode: count(dec, 'decode', true),
      prefill: count(pre, 'prefill', true),
      head: count(pre, 'head', true),
    };
    this.decodeAttention = dec
      .filter((o) => o.kind === 'attention')
      .map((o) => this.term(o, { bytesPerSequence: o.bytes, flopsPerPair: 0, bytesPerToken: 0 }));
    // A prompt chunk reads the cached positions once (a generation kernel that reads them once per
    // query head, decodeKvReads, is a decode kernel).
    const cachedPerPosition =
      (dec.find((o) => o.kind === 'attention')?.bytesPerContext ?? 0) / decodeKvReads(ns);
    this.prefillAttention = pre
      .filter((o) => o.kind === 'attention')
      .map((o) =>
        this.term(o, {
          bytesPerSequence: 0,
          flopsPerPair: o.flops,
          bytesPerToken: o.bytes,
          bytesPerPrior: cachedPerPosition,
        }),
      );
    const spec = ns.serving.speculative;
    const noSpec = { ...ns.serving, speculative: undefined };
    this.draft =
      spec?.method === 'draft' && spec.draft !== undefined && speculativeTokens > 0
        ? new StepCoster({ ...ns, model: spec.draft, layerScale: 1, pp: 1, serving: noSpec }, 0)
        : undefined;
    this.plain =
      spec?.method === 'mtp' && speculativeTokens > 0
        ? new StepCoster({ ...ns, serving: noSpec }, 0)
        : undefined;
  }

  private term(
    o: Operator,
    t: Pick<AttentionTerm, 'bytesPerSequence' | 'flopsPerPair' | 'bytesPerToken'> & {
      bytesPerPrior?: number;
    },
  ): AttentionTerm {
    const c = costOperator(this.ns, o, 0);
    return {
      count: o.count,
      windowed: Number.isFinite(o.contextCap),
      flopsPerSecond: c.flopsPerSecond,
      bytesPerSecond: c.bytesPerSecond,
      fixedSeconds: c.communicationSeconds,
      kernels: o.kernels,
      bytesPerSequence: t.bytesPerSequence,
      flopsPerContext: o.flopsPerContext,
      bytesPerContext: o.bytesPerContext,
      flopsPerPair: t.flopsPerPair,
      bytesPerToken: t.bytesPerToken,
      bytesPerPrior: t.bytesPerPrior ?? 0,
    };
  }

  /**
   * Token-wise work of one part over `key` tokens. `rankTokens`, under attention DP, is the
   * tokens on the busiest attention rank when whole prompts sit on single ranks (placedRankTokens);
   * without it the tokens spread evenly over the ranks.
   */
  private part(
    cache: Map<number, PartCost>,
    key: number,
    part: Operator['part'],
    rankTokens?: number,
  ): PartCost {
    const placed = rankTokens !== undefined && rankTokens > Math.ceil(key / this.ns.attnDp);
    const k = placed ? `${part}:${String(key)}:${String(rankTokens)}` : undefined;
    const hit = k !== undefined ? this.placed.get(k) : cache.get(key);
    if (hit !== undefined) return hit;
    const graph = buildGraph(this.ns, {
      phase: part === 'decode' ? 'decode' : 'prefill',
      sequences: key,
      tokensPerSequence: 1,
      ...(placed ? { busiestRankTokens: rankTokens } : {}),
    });
    let work = 0;
    for (const o of graph.operators)
      if (o.part === part && o.kind !== 'attention') work += workSeconds(costOperator(this.ns, o, 0));
    const value = { work };
    if (k !== undefined) {
      if (this.placed.size >= MAX_PLACED_PARTS) this.placed.clear();
      this.placed.set(k, value);
    } else cache.set(key, value);
    return value;
  }

  /** Seconds of one stage pass over a load (no pipeline scaling, no host overhead). */
  private stageSeconds(load: StepLoad, decodeOnlyStep: boolean): number {
    const ns = this.ns;
    const perSeq = 1 + this.speculativeTokens;
    // A pure decode step replays the CUDA graph captured for the next size up: the padded rows
    // run through every token-wise operator (attention reads only the real sequences). Above the
    // largest captured size the step runs eagerly.
    let graphed = decodeOnlyStep && ns.engine.cudaGraphDecode;
    let decodeRows = load.decodeSequences;
    if (graphed) {
      const padded = paddedGraphBatch(ns.engine.cudaGraphBatchSizes, Math.ceil(load.decodeSequences));
      if (padded === undefined) graphed = false;
      else decodeRows = padded;
    }
    const decodeTokens = decodeRows * perSeq;
    const tokens = Math.ceil(decodeTokens + load.prefillTokens);
    const launch = graphed ? ns.efficiency.graphKernelLaunchSeconds : ns.efficiency.kernelLaunchSeconds;
    let seconds = 0;
    let kernels = 0;
    let computeKernels = 0;
    // Attention DP with a scheduler per rank (TensorRT-LLM): a prompt runs whole on the rank it
    // was sent to, so a step carrying prompt chunks holds its busiest rank to those chunks'
    // tokens plus that rank's decodes, and every rank waits for it at the MoE all-to-all.
    // Decode-only steps, and engines with one budget for the group, spread tokens evenly.
    const perRank = ns.attnDp > 1 && ns.engine.attentionDpRankSchedulers;
    const rankTokens =
      perRank && load.prefillTokens > 0
        ? placedRankTokens(decodeTokens, decodeRows, load.prefillTokens, load.prefillSequences, ns.attnDp)
        : undefined;
    if (tokens > 0) {
      seconds += this.part(this.shared, tokens, 'shared', rankTokens).work;
      kernels += this.kernels.shared;
      computeKernels += this.computeKernels.shared;
    }
    // A verify step needs logits at every proposed position.
    const emitting = Math.ceil(
      load.emitting + (decodeRows - load.decodeSequences) + decodeRows * this.speculativeTokens,
    );
    if (emitting > 0) {
      seconds += this.part(this.head, emitting, 'head').work;
      kernels += this.kernels.head;
      computeKernels += this.computeKernels.head;
    }
    if (load.decodeSequences > 0) {
      seconds += this.part(this.decodeOnly, Math.ceil(decodeTokens), 'decode').work;
      kernels += this.kernels.decode;
      computeKernels += this.computeKernels.decode;
      // Attention DP: each rank attends over its own sequences only, and every rank waits for
      // the busiest (ceil(B/dp) of the B sequences, as the token-wise parts above).
      const share = rankShare(load.decodeSequences, ns.attnDp);
      const sequences = load.decodeSequences * share;
      // Few sequences keep few compute units streaming a latent cache (families.ts mlaDecodeSplits).
      const occupancy = decodeAttentionOccupancy(
        ns.efficiency,
        ns.model.attention.kind,
        Math.ceil(sequences),
      );
      for (const a of this.decodeAttention) {
        const ctx = (a.windowed ? load.decodeContextWindowed : load.decodeContext) * share;
        const compute = (a.flopsPerContext * ctx) / (a.flopsPerSecond * occupancy);
        const memory =
          (a.bytesPerSequence * sequences + a.bytesPerContext * ctx) / (a.bytesPerSecond * occupancy);
        seconds += a.count * ((compute > memory ? compute : memory) + a.fixedSeconds);
      }
    }
    if (load.prefillTokens > 0) {
      const rows = Math.ceil(load.prefillTokens + load.prefillPriorContext);
      const rankRows = perRank ? Math.ceil(rows * rankShare(load.prefillSequences, ns.attnDp)) : undefined;
      seconds += this.part(this.prefillOnly, rows, 'prefill', rankRows).work;
      kernels += this.kernels.prefill;
      computeKernels += this.computeKernels.prefill;
      const share = rankShare(load.prefillSequences, ns.attnDp);
      for (const a of this.prefillAttention) {
        const pairs = (a.windowed ? load.prefillPairsWindowed : load.prefillPairs) * share;
        const compute = (a.flopsPerPair * pairs) / a.flopsPerSecond;
        const memory =
          ((a.bytesPerToken * load.prefillTokens + a.bytesPerPrior * load.prefillPriorContext) * share) /
          a.bytesPerSecond;
        seconds += a.count * ((compute > memory ? compute : memory) + a.fixedSeconds);
      }
    }
    // Collectives pay the launch; compute kernels pay the launch and their fill and drain.
    const perKernel = perKernelSeconds(launch, ns.efficiency.kernelFixedSeconds, graphed);
    return seconds + (kernels - computeKernels) * launch + computeKernels * perKernel;
  }

  /**
   * Seconds the offload link needs per step: offloaded weights stream in layer by layer every
   * step (all of them: experts are not filtered by routing), and the offloaded share of the KV
   * that decode and prefill attention read. Prefetching overlaps it with compute.
   */
  offloadSeconds(load: StepLoad): number {
    if (this.offloadWeightBytes === 0 && this.offloadKvShare === 0) return 0;
    let kv = 0;
    for (const a of this.decodeAttention)
      kv += a.count * a.bytesPerContext * (a.windowed ? load.decodeContextWindowed : load.decodeContext);
    for (const a of this.prefillAttention) kv += a.count * a.bytesPerPrior * load.prefillPriorContext;
    return (this.offloadWeightBytes + this.offloadKvShare * kv) / this.offloadBandwidth;
  }

  /** Seconds of one engine step over the replica, pipeline and speculation included, host overhead excluded. */
  deviceSeconds(load: StepLoad): number {
    const compute = this.computeSeconds(load);
    const stream = this.offloadSeconds(load);
    return compute > stream ? compute : stream;
  }

  private computeSeconds(load: StepLoad): number {
    const ns = this.ns;
    const sequences = load.decodeSequences + load.prefillSequences;
    const decodeOnlyStep = load.prefillTokens === 0;
    let seconds: number;
    if (ns.pp === 1 || sequences <= 1) {
      seconds = ns.pp * this.stageSeconds(load, decodeOnlyStep);
    } else {
      const m = Math.min(ns.microBatches, sequences);
      seconds = Math.max(ns.pp, m) * this.stageSeconds(scaleLoad(load, 1 / m), decodeOnlyStep);
    }
    if (this.speculativeTokens > 0) {
      if (load.decodeSequences > 0) seconds += this.proposalSeconds(load);
      if (load.prefillTokens > 0) seconds += this.draftExtendSeconds(load);
    }
    return seconds;
  }

  /** Proposal cost: k sequential draft decode steps over the decode sequences (or k MTP layers). */
  proposalSeconds(load: StepLoad): number {
    const k = this.speculativeTokens;
    const d: StepLoad = {
      ...emptyLoad(),
      decodeSequences: load.decodeSequences,
      decodeContext: load.decodeContext,
      decodeContextWindowed: load.decodeContextWindowed,
      emitting: load.decodeSequences,
    };
    if (this.draft !== undefined) return k * this.draft.deviceSeconds(d);
    // An MTP module is one transformer layer of the target plus the shared LM head (DeepSeek-V3 §2.2).
    if (this.plain !== undefined) {
      const layers = this.ns.model.numLayers * this.ns.layerScale;
      const head = this.plain.headSeconds(load.decodeSequences);
      return k * ((this.plain.deviceSeconds(d) - head) / layers + head);
    }
    return 0;
  }

  /**
   * The drafter's pass over the prompt chunks of a step: a draft model, or the MTP module, needs
   * its own KV (and, for MTP, the target's hidden states) at every prompt position before it can
   * propose, so each engine runs it over the prompt in the prefill step (SGLang's EAGLE worker
   * `forward_draft_extend`, vLLM's EAGLE/MTP proposer over the scheduled tokens, TensorRT-LLM's
   * MTP context phase). Once per prompt token, whatever k: the further proposals of a completing
   * prompt are single positions, charged with its first decode step.
   */
  draftExtendSeconds(load: StepLoad): number {
    if (load.prefillTokens <= 0) return 0;
    const p: StepLoad = {
      ...emptyLoad(),
      prefillTokens: load.prefillTokens,
      prefillSequences: load.prefillSequences,
      prefillPairs: load.prefillPairs,
      prefillPairsWindowed: load.prefillPairsWindowed,
      prefillPriorContext: load.prefillPriorContext,
      emitting: Math.max(0, load.emitting - load.decodeSequences),
    };
    if (this.draft !== undefined) return this.draft.deviceSeconds(p);
    if (this.plain !== undefined) {
      const layers = this.ns.model.numLayers * this.ns.layerScale;
      const head = this.plain.headSeconds(p.emitting);
      return (this.plain.deviceSeconds(p) - head) / layers + head;
    }
    return 0;
  }

  /** LM head, final norm and sampling for `rows` emitting positions, s. */
  headSeconds(rows: number): number {
    return rows > 0 ? this.part(this.head, Math.ceil(rows), 'head').work : 0;
  }

  /**
   * Host time of one engine step: a fixed part plus a part per sequence in the step. Under
   * attention DP with a scheduler process per rank (attentionDpRankHostTime), the ranks prepare
   * their own sequences side by side, so the per-sequence part is the busiest rank's share.
   */
  hostSeconds(load: StepLoad): number {
    const e = this.ns.efficiency;
    const sequences = hostSequences(this.ns, load.decodeSequences + load.prefillSequences);
    return e.stepOverheadSeconds + e.stepOverheadPerSequenceSeconds * sequences;
  }

  /** Seconds of one engine step including the engine's host overhead. */
  stepSeconds(load: StepLoad): number {
    return this.deviceSeconds(load) + this.hostSeconds(load);
  }
}

function scaleLoad(l: StepLoad, f: number): StepLoad {
  return {
    decodeSequences: l.decodeSequences * f,
    decodeContext: l.decodeContext * f,
    decodeContextWindowed: l.decodeContextWindowed * f,
    prefillTokens: l.prefillTokens * f,
    prefillSequences: l.prefillSequences * f,
    prefillPairs: l.prefillPairs * f,
    prefillPairsWindowed: l.prefillPairsWindowed * f,
    prefillPriorContext: l.prefillPriorContext * f,
    emitting: l.emitting * f,
  };
}
