/**
 * Step cost: the time of the step just built, from StepCoster in closed form. A run of pure
 * decode steps in which nothing can change (no request finishes, nothing can be admitted, no
 * arrival, the cache does not run out) is summed at once: step times are linear in the context
 * between kinks, so the trapezoid rule is exact on each piece.
 */
import type { StepLoad } from '../step-cost.js';
import type { SimState } from './state.js';

/** The load of the decode step `j` steps after the current one (contexts grown by j·perStep). */
function stretchLoad(st: SimState, j: number): StepLoad {
  const load = st.load;
  const l = { ...load };
  l.decodeContext = load.decodeContext + j * st.perStep * load.decodeSequences;
  if (Number.isFinite(st.window)) {
    let wsum = 0;
    for (let i = 0; i < st.nRun; i++) {
      const r = st.running[i] ?? 0;
      const ctx = (st.S[r] ?? 0) + (st.generated[r] ?? 0) + j * st.perStep;
      wsum += ctx < st.window ? ctx : st.window;
    }
    l.decodeContextWindowed = wsum;
  }
  return l;
}

/** Seconds of `steps` decode steps from the current one (the trapezoid rule over the stretch). */
function stretchSeconds(st: SimState, steps: number, f0: number): number {
  return (steps * (f0 + st.coster.stepSeconds(stretchLoad(st, steps - 1)))) / 2;
}

/** The most steps (<= kmax) that end before the next arrival, when the queue is idle. */
function stepsBeforeArrival(st: SimState, kmax: number): number {
  const next = st.arrival[st.arrived] ?? st.now;
  const f0 = st.coster.stepSeconds(st.load);
  let lo = 1;
  let hi = kmax;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (st.now + stretchSeconds(st, mid, f0) <= next) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Whether the cache holds every running request through `steps` more decode steps. */
function blocksLast(st: SimState, steps: number): boolean {
  let need = 0;
  for (let i = 0; i < st.nRun; i++) {
    const r = st.running[i] ?? 0;
    const held = (st.S[r] ?? 0) - st.prefix + (st.generated[r] ?? 0) + (steps - 1) * st.perStep + 1 + st.k;
    need += st.blocksFor(held) - (st.blocks[r] ?? 0);
  }
  return need <= st.freeBlocks;
}

/** Steps (>= 1) that can run as one stretch from the current pure-decode step. */
function decodeStretch(st: SimState): number {
  if (st.load.decodeSequences !== st.nRun) return 1;
  let kmax = Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < st.nRun; i++) {
    const r = st.running[i] ?? 0;
    const left = Math.ceil(((st.O[r] ?? 0) - (st.generated[r] ?? 0)) / st.perStep);
    if (left - 1 < kmax) kmax = left - 1;
  }
  if (kmax <= 1) return 1;
  // An idle queue may receive an arrival: stop before it.
  if (st.waiting() === 0 && st.arrived < st.issued) kmax = stepsBeforeArrival(st, kmax);
  if (!st.reserve && kmax > 1) {
    let lo = 1;
    let hi = kmax;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (blocksLast(st, mid)) lo = mid;
      else hi = mid - 1;
    }
    kmax = lo;
  }
  return kmax;
}

/** Seconds of the built step; sets st.stretch to the steps it stands for (a decode stretch, or 1). */
export function stepTime(st: SimState): number {
  const stretch = st.load.prefillTokens === 0 && !st.anyPreempted ? decodeStretch(st) : 1;
  st.stretch = stretch;
  const f0 = st.coster.stepSeconds(st.load);
  return stretch > 1 ? stretchSeconds(st, stretch, f0) : f0;
}
