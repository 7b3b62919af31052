/**
 * The default phase coster (buildGraph then costPhase) with the costed phases kept across
 * evaluations: a scenario evaluated again, or one that differs only in what the step graphs do
 * not read (workload lengths of another shape, serving options, power, cost), reuses the graph
 * and rates instead of building and costing every operator again.
 *
 * The key holds everything buildGraph (GraphContext) and costPhase (CostContext) read, and the
 * step shape. The model, hardware and efficiency objects count by identity: catalog entries,
 * the normalizer's copies of them and its kept resolved efficiencies are immutable and reused, so
 * identity stands for their contents; any other object (an inline model or device, a topology
 * override) is a new object, hence a new key. Every other field counts by value. The compile-time
 * checks below fail when GraphContext, CostContext, Formats or StepShape gain a field the key
 * does not list.
 *
 * A costed phase is shared by the evaluations that hit it, so nothing may modify one after
 * costPhase returns it (its types are readonly). The cache is bounded: it is emptied when full.
 */
import type { CostedPhase } from '../cost/roofline.js';
import { costPhase } from '../cost/roofline.js';
import type { StepShape } from '../graph/build.js';
import { buildGraph } from '../graph/build.js';
import type { CostContext, Formats, GraphContext } from '../scenario/types.js';

/** Fields of the contexts the key holds by value (keyOf), by identity, and through their fields. */
type ByValue =
  | 'tp'
  | 'pp'
  | 'ep'
  | 'attnTp'
  | 'attnDp'
  | 'moeTp'
  | 'redundantExperts'
  | 'layerScale'
  | 'decodeKvReadsPerQueryHead';
type ByIdentity = 'model' | 'hardware' | 'efficiency';
/** formats: every field (FormatFields); engine: cudaGraphDecode, the one CostContext has. */
type ByFields = 'formats' | 'engine';
type FormatFields =
  'weights' | 'activations' | 'kvCache' | 'gemmRate' | 'attentionRate' | 'cacheLayerInput' | 'fp8Block';
type StepFields = 'phase' | 'sequences' | 'tokensPerSequence' | 'priorContext' | 'busiestRankTokens';
type Keyed = ByValue | ByIdentity | ByFields;

type AssertNever<T extends never> = T;
/**
 * Compile-time check that keyOf lists every field: a field added to GraphContext, CostContext,
 * Formats or StepShape and not to the lists above makes this a type error.
 */
export type PhaseKeyComplete = [
  AssertNever<Exclude<keyof GraphContext | keyof CostContext, Keyed>>,
  AssertNever<Exclude<keyof Formats, FormatFields>>,
  AssertNever<Exclude<keyof StepShape, StepFields>>,
];

/** What the phase coster is given: a normalized scenario satisfies it. */
export type PhaseContext = GraphContext & CostContext;

/** Object identities as numbers, for the key (never reused; entries go with their objects). */
const ids = new WeakMap<object, number>();
let nextId = 0;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/** Costed phases kept, at most CACHE_LIMIT (about 10 kB each for a large MoE model). */
const CACHE_LIMIT = 1024;
const cache = new Map<string, CostedPhase>();

function keyOf(ctx: PhaseContext, step: StepShape): string {
  const f = ctx.formats;
  const block = f.fp8Block;
  // Numbers are written exactly (ToString round-trips), so distinct values give distinct keys.
  return (
    `${idOf(ctx.model)}|${idOf(ctx.hardware)}|${idOf(ctx.efficiency)}|${ctx.engine.cudaGraphDecode}|` +
    `${f.weights}|${f.activations}|${f.kvCache}|${f.gemmRate}|${f.attentionRate}|${f.cacheLayerInput}|` +
    `${block === undefined ? '-' : `${block.weightBlockElements}x${block.activationGroup}`}|` +
    `${ctx.tp}|${ctx.pp}|${ctx.ep}|${ctx.attnTp}|${ctx.attnDp}|${ctx.moeTp}|${ctx.redundantExperts}|` +
    `${ctx.layerScale}|${ctx.decodeKvReadsPerQueryHead}|` +
    `${step.phase}|${step.sequences}|${step.tokensPerSequence}|${step.priorContext}|${step.busiestRankTokens}`
  );
}

/** buildGraph then costPhase, or the phase costed before under the same key. */
export function costStepCached(ctx: PhaseContext, step: StepShape): CostedPhase {
  const key = keyOf(ctx, step);
  let phase = cache.get(key);
  if (phase === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    phase = costPhase(ctx, buildGraph(ctx, step));
    cache.set(key, phase);
  }
  return phase;
}
