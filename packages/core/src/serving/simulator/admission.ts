/**
 * Admission: arrivals join the queue when the clock passes them, and waiting requests (the
 * preempted first, most recent first; then in arrival order) enter the running batch while the
 * sequence cap, the step's token budget and the KV cache allow. Under 'reserve' (TensorRT-LLM
 * GUARANTEED_NO_EVICT) a request is admitted only when blocks for its whole length can be
 * reserved; under 'preempt' it takes the blocks it needs now.
 */
import { beginStep, scheduleDecode, schedulePrefill, scheduleRunning } from './scheduling.js';
import type { SimState } from './state.js';

/**
 * Requests whose arrival time has come join the queue. With an overlap scheduler the step about
 * to run was built while the previous one ran, so it sees only the requests that arrived before
 * the previous step began; a later arrival waits one more step (its wait is kept per request).
 * An idle engine, or one whose last step left nothing running, sees every arrival at once.
 */
export function advanceArrivals(st: SimState): void {
  const cutoff = st.overlap && st.stepInFlight && st.nRun > 0 ? st.lastStepStart : st.now;
  while (st.arrived < st.issued) {
    const r = st.arrived;
    const t = st.arrival[r] ?? 0;
    if (t > st.now) break;
    if (t > cutoff) {
      // Held back: visible at the next step boundary.
      for (let h = r; h < st.issued && (st.arrival[h] ?? 0) <= st.now; h++)
        if ((st.heldAt[h] ?? -1) < 0) st.heldAt[h] = st.now;
      break;
    }
    const held = st.heldAt[r] ?? -1;
    if (held >= 0) st.overlapWait[r] = st.now - held;
    st.arrived++;
  }
}

/** Tokens the waiting request r would get in this step (0: it does not fit). */
function admissionTokens(st: SimState, r: number): number {
  const remaining = st.toPrefill[r] ?? 0;
  const budget = st.budget;
  const scheduledTokens = st.budgetMax - budget;
  return remaining <= 0
    ? Math.min(budget, 1 + st.k)
    : st.chunked
      ? Math.min(remaining, budget)
      : remaining <= budget || scheduledTokens === 0
        ? remaining
        : 0;
}

/** Takes KV blocks for request r (reserved for its whole length, or what it holds now). */
function takeBlocks(st: SimState, r: number, tokens: number): boolean {
  if (st.reserve) {
    const need = st.blocksFor(st.ownTotal(r));
    if (st.reservedBlocks + need > st.capacityBlocks) return false;
    st.reservedBlocks += need;
    st.blocks[r] = need;
  } else {
    const heldAfter = (st.S[r] ?? 0) - st.prefix - (st.toPrefill[r] ?? 0) + tokens + (st.generated[r] ?? 0);
    const need = st.blocksFor(heldAfter);
    if (need > st.freeBlocks) return false;
    // A prompt-only step (prefill-first) admits a prompt only when the cache holds all of it,
    // as SGLang's admission checks the whole input against the free tokens.
    if (!st.decodesAllowed) {
      const whole = st.blocksFor(heldAfter - tokens + (st.toPrefill[r] ?? 0));
      if (whole > st.freeBlocks) return false;
    }
    st.freeBlocks -= need;
    st.blocks[r] = need;
  }
  return true;
}

/** Admits waiting requests into the step (not in a step that preempted, as vLLM). */
export function admitWaiting(st: SimState): void {
  if (st.anyPreempted) return;
  while (st.nRun < st.maxSeqs && st.budget > 0) {
    let r: number;
    const fromPreempted = st.preempted.length > 0;
    if (fromPreempted) r = st.preempted[st.preempted.length - 1] ?? 0;
    else if (st.queueHead < st.arrived) r = st.queueHead;
    else break;
    const remaining = st.toPrefill[r] ?? 0;
    const tokens = admissionTokens(st, r);
    if (tokens <= 0) break;
    if (!takeBlocks(st, r, tokens)) break;
    if (fromPreempted) st.preempted.pop();
    else st.queueHead++;
    st.running[st.nRun++] = r;
    st.prefilledNow[r] = 0;
    if ((st.started[r] ?? -1) < 0) st.started[r] = st.now;
    if (remaining > 0) {
      // The budget the oversize prompt takes is its own (chunking off).
      schedulePrefill(st, r, tokens);
      if (st.budget < 0) st.budget = 0;
    } else scheduleDecode(st, r, tokens);
  }
}

/**
 * Builds the next step: the running requests first, then waiting ones. A prefill-first engine
 * first tries a step of prompt chunks only; a step with no prompt to run is a decode step.
 */
export function buildStep(st: SimState): void {
  beginStep(st);
  if (st.prefillFirst) {
    st.decodesAllowed = false;
    scheduleRunning(st);
    admitWaiting(st);
    st.decodesAllowed = true;
    if (st.load.prefillTokens > 0 || st.anyPreempted) return;
    beginStep(st);
  }
  scheduleRunning(st);
  admitWaiting(st);
}
