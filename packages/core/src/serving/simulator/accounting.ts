/**
 * Accounting: the clock and the counters advance by the step's time (busy time split by token
 * kind, time-weighted batch), then the step is applied to each running request: prompt chunks
 * and generated tokens, the first-token and completion timestamps, the blocks a finished
 * request frees, and, in a closed loop, the next request of the client it served.
 */
import type { SimulationResult } from '../continuous.js';
import type { SimState } from './state.js';

/** The clock and counters advance by a step (or stretch) of `dt` seconds. */
export function accountStep(st: SimState, dt: number): void {
  const load = st.load;
  // The start of the last step of a stretch (steps of about equal time).
  st.lastStepStart = st.now + dt - dt / st.stretch;
  st.now += dt;
  st.stepInFlight = true;
  st.steps += st.stretch;
  st.busy += dt;
  const tokens = load.prefillTokens + load.decodeSequences * (1 + st.k);
  const prefillShare = tokens > 0 ? load.prefillTokens / tokens : 0;
  st.prefillSeconds += dt * prefillShare;
  st.decodeSeconds += dt * (1 - prefillShare);
  st.batchTime += st.nRun * dt;
  // A prompt-only step stalls every running request that is past its prompt.
  if (load.decodeSequences === 0 && st.nRun > load.prefillSequences) st.decodeStall += dt;
  if (st.nRun > st.maxBatch) st.maxBatch = st.nRun;
  if (st.stretch > 1) advanceStretch(st);
}

/** All but the last step of a decode stretch: tokens generated and blocks grown. */
function advanceStretch(st: SimState): void {
  for (let j = 0; j < st.nRun; j++) {
    const r = st.running[j] ?? 0;
    st.generated[r] = (st.generated[r] ?? 0) + (st.stretch - 1) * st.perStep;
    if (!st.reserve) {
      const held = (st.S[r] ?? 0) - st.prefix + (st.generated[r] ?? 0) + 1 + st.k;
      const extra = st.blocksFor(held) - (st.blocks[r] ?? 0);
      if (extra > 0) {
        st.blocks[r] = (st.blocks[r] ?? 0) + extra;
        st.freeBlocks -= extra;
      }
    }
  }
}

/** Applies the step's tokens to request r; true when it has finished. */
function advanceRequest(st: SimState, r: number): boolean {
  const s = st.sched[r] ?? 0;
  if (s <= 0) return false;
  const remaining = (st.toPrefill[r] ?? 0) - (st.prefilledNow[r] ?? 0);
  if (remaining > 0) {
    st.prefilledNow[r] = (st.prefilledNow[r] ?? 0) + s;
    if (s >= remaining) {
      st.toPrefill[r] = 0;
      st.prefilledNow[r] = 0;
      if ((st.first[r] ?? -1) < 0) st.first[r] = st.now;
      st.generated[r] = (st.generated[r] ?? 0) + 1;
    }
  } else st.generated[r] = (st.generated[r] ?? 0) + st.perStep;
  return (st.generated[r] ?? 0) >= (st.O[r] ?? 0) && (st.toPrefill[r] ?? 0) === 0;
}

/** A finished request: timestamps, its blocks back, and its client's next request. */
function complete(st: SimState, r: number): void {
  st.finish[r] = st.now;
  if ((st.first[r] ?? -1) < 0) st.first[r] = st.now;
  if (st.reserve) st.reservedBlocks -= st.blocks[r] ?? 0;
  else st.freeBlocks += st.blocks[r] ?? 0;
  st.blocks[r] = 0;
  st.done++;
  if (!st.openLoop && st.issued < st.n) {
    st.arrival[st.issued] = st.now + st.clientGap;
    st.issued++;
  }
}

/** Applies the step to every running request and drops the finished ones. */
export function applyStep(st: SimState): void {
  let w = 0;
  for (let j = 0; j < st.nRun; j++) {
    const r = st.running[j] ?? 0;
    if (advanceRequest(st, r)) complete(st, r);
    else st.running[w++] = r;
  }
  st.nRun = w;
}

/** The simulation's result: timestamps per request and the counters. */
export function simulationResult(st: SimState): SimulationResult {
  let last = st.start;
  for (let i = 0; i < st.n; i++) if ((st.finish[i] ?? 0) > last) last = st.finish[i] ?? last;
  const duration = Math.max(last - st.start, 1e-12);
  return {
    requests: st.n,
    durationSeconds: duration,
    arrivalSeconds: st.arrival,
    firstTokenSeconds: st.first,
    finishSeconds: st.finish,
    startSeconds: st.started,
    overlapWaitSeconds: st.overlapWait,
    steps: st.steps,
    meanBatch: st.batchTime / Math.max(st.busy, 1e-12),
    maxBatch: st.maxBatch,
    preemptions: st.preemptions,
    prefillSeconds: st.prefillSeconds,
    decodeSeconds: st.decodeSeconds,
    busySeconds: st.busy,
    decodeStallSeconds: st.decodeStall,
    feasible: st.feasible,
  };
}
