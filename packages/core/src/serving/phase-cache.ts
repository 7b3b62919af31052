/**
 * The default phase coster (buildGraph then costPhase) with the costed phases kept across
 * evaluations: a scenario evaluated again, or one that differs only in what the step graphs do
 * not read (the output length, power, cost), reuses the graph
 * and rates instead of building and costing every operator again.
 *
 * The lookup compares everything buildGraph (GraphContext) and costPhase (CostContext) read, and the
 * step shape. The model, hardware and efficiency objects count by identity: catalog entries,
 * the normalizer's copies of them and its kept resolved efficiencies are immutable and reused, so
 * identity stands for their contents; any other object (an inline model or device, a topology
 * override) is a new object, hence no match. Every other field counts by value. The compile-time
 * checks below fail when GraphContext, CostContext, Formats or StepShape gain a field that `matches`
 * does not compare.
 *
 * A costed phase is shared by the evaluations that hit it, so nothing may modify one after
 * costPhase returns it (its types are readonly). The cache is bounded: SLOTS phases, replaced in turn.
 */
import type { CostedPhase } from '../cost/roofline.js';
import { costPhase } from '../cost/roofline.js';
import type { StepShape } from '../graph/build.js';
import { buildGraph } from '../graph/build.js';
import type { CostContext, Formats, GraphContext } from '../scenario/types.js';

/** What the phase coster is given: a normalized scenario satisfies it. */
export type PhaseContext = GraphContext & CostContext;

/** Fields of the contexts `matches` compares by value, by identity, and through their fields. */
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
 * Compile-time check that `matches` compares every field: a field added to GraphContext, CostContext,
 * Formats or StepShape and not to the lists above makes this a type error.
 */
export type PhaseKeyComplete = [
  AssertNever<Exclude<keyof GraphContext | keyof CostContext, Keyed>>,
  AssertNever<Exclude<keyof Formats, FormatFields>>,
  AssertNever<Exclude<keyof StepShape, StepFields>>,
];

/**
 * One kept phase with what it was costed for. Lookups compare these fields with ===, no key is
 * built (a string key of every field cost more than a third of a cache hit); a NaN never matches.
 */
interface Slot {
  readonly model: PhaseContext['model'];
  readonly hardware: PhaseContext['hardware'];
  readonly efficiency: PhaseContext['efficiency'];
  readonly cudaGraphDecode: boolean;
  readonly formats: Formats;
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  readonly attnTp: number;
  readonly attnDp: number;
  readonly moeTp: number;
  readonly redundantExperts: number | undefined;
  readonly layerScale: number;
  readonly decodeKvReadsPerQueryHead: boolean | undefined;
  readonly stepPhase: StepShape['phase'];
  readonly sequences: number;
  readonly tokensPerSequence: number;
  readonly priorContext: number | undefined;
  readonly busiestRankTokens: number | undefined;
  readonly phase: CostedPhase;
}

function sameFormats(a: Formats, b: Formats): boolean {
  const x = a.fp8Block;
  const y = b.fp8Block;
  return (
    a.weights === b.weights &&
    a.activations === b.activations &&
    a.kvCache === b.kvCache &&
    a.gemmRate === b.gemmRate &&
    a.attentionRate === b.attentionRate &&
    a.cacheLayerInput === b.cacheLayerInput &&
    (x === y ||
      (x !== undefined &&
        y !== undefined &&
        x.weightBlockElements === y.weightBlockElements &&
        x.activationGroup === y.activationGroup))
  );
}

function matches(s: Slot, ctx: PhaseContext, step: StepShape): boolean {
  return (
    s.model === ctx.model &&
    s.hardware === ctx.hardware &&
    s.efficiency === ctx.efficiency &&
    s.stepPhase === step.phase &&
    s.sequences === step.sequences &&
    s.tokensPerSequence === step.tokensPerSequence &&
    s.priorContext === step.priorContext &&
    s.busiestRankTokens === step.busiestRankTokens &&
    s.cudaGraphDecode === ctx.engine.cudaGraphDecode &&
    s.tp === ctx.tp &&
    s.pp === ctx.pp &&
    s.ep === ctx.ep &&
    s.attnTp === ctx.attnTp &&
    s.attnDp === ctx.attnDp &&
    s.moeTp === ctx.moeTp &&
    s.redundantExperts === ctx.redundantExperts &&
    s.layerScale === ctx.layerScale &&
    s.decodeKvReadsPerQueryHead === ctx.decodeKvReadsPerQueryHead &&
    sameFormats(s.formats, ctx.formats)
  );
}

/**
 * The phases kept: a few, replaced in turn. Few on purpose: a phase outlives the young
 * generation only while kept, and a large cache (a Map of 32 or more, emptied when full) made V8
 * allocate every operator in the old generation, so that evaluations of new shapes ran ten
 * times slower in the collector.
 */
const SLOTS = 8;
const slots: (Slot | undefined)[] = new Array<Slot | undefined>(SLOTS).fill(undefined);
let nextSlot = 0;

/** buildGraph then costPhase, or the phase costed before for equal fields. */
export function costStepCached(ctx: PhaseContext, step: StepShape): CostedPhase {
  for (const s of slots) if (s !== undefined && matches(s, ctx, step)) return s.phase;
  const phase = costPhase(ctx, buildGraph(ctx, step));
  slots[nextSlot] = {
    model: ctx.model,
    hardware: ctx.hardware,
    efficiency: ctx.efficiency,
    cudaGraphDecode: ctx.engine.cudaGraphDecode,
    formats: ctx.formats,
    tp: ctx.tp,
    pp: ctx.pp,
    ep: ctx.ep,
    attnTp: ctx.attnTp,
    attnDp: ctx.attnDp,
    moeTp: ctx.moeTp,
    redundantExperts: ctx.redundantExperts,
    layerScale: ctx.layerScale,
    decodeKvReadsPerQueryHead: ctx.decodeKvReadsPerQueryHead,
    stepPhase: step.phase,
    sequences: step.sequences,
    tokensPerSequence: step.tokensPerSequence,
    priorContext: step.priorContext,
    busiestRankTokens: step.busiestRankTokens,
    phase,
  };
  nextSlot = (nextSlot + 1) % SLOTS;
  return phase;
}
