/**
 * Scheduling: building one step. The running requests are walked first, in admission order:
 * each gets a decode token (plus speculative proposals) or the next chunk of its prompt while
 * the step's token budget allows. Under the 'preempt' KV policy a request that needs blocks the
 * cache lacks evicts the most recently admitted request (itself, at worst), which later
 * recomputes its prompt and the tokens it had generated.
 *
 * Prefill-first engines (EngineProfile.mixedBatches false, SGLang's default) build a step of
 * prompt chunks only while prompts wait or a chunked prompt is under way: the running decodes
 * stall for it. A step with no prompt to run is a decode step.
 */
import { causalPairs } from '../../graph/build.js';
import type { SimState } from './state.js';

/** Clears the step being built. */
export function beginStep(st: SimState): void {
  const load = st.load;
  st.budget = st.budgetMax;
  load.decodeSequences = 0;
  load.decodeContext = 0;
  load.decodeContextWindowed = 0;
  load.prefillTokens = 0;
  load.prefillSequences = 0;
  load.prefillPairs = 0;
  load.prefillPairsWindowed = 0;
  load.prefillPriorContext = 0;
  load.emitting = 0;
  st.anyPreempted = false;
}

/** Schedules a prompt chunk of `chunk` tokens for request r. */
export function schedulePrefill(st: SimState, r: number, chunk: number): void {
  const load = st.load;
  const prior = st.prefix + (st.prefilledNow[r] ?? 0);
  st.sched[r] = chunk;
  st.budget -= chunk;
  load.prefillTokens += chunk;
  load.prefillSequences += 1;
  load.prefillPairs += causalPairs(prior, chunk, Number.POSITIVE_INFINITY);
  if (Number.isFinite(st.window)) load.prefillPairsWindowed += causalPairs(prior, chunk, st.window);
  load.prefillPriorContext += prior;
  if ((st.prefilledNow[r] ?? 0) + chunk >= (st.toPrefill[r] ?? 0)) load.emitting += 1;
}

/** Schedules a decode of `tokens` tokens (1 + proposals) for request r. */
export function scheduleDecode(st: SimState, r: number, tokens: number): void {
  const load = st.load;
  st.sched[r] = tokens;
  st.budget -= tokens;
  load.decodeSequences += 1;
  const ctx = (st.S[r] ?? 0) + (st.generated[r] ?? 0);
  load.decodeContext += ctx;
  if (Number.isFinite(st.window)) load.decodeContextWindowed += ctx < st.window ? ctx : st.window;
  load.emitting += 1;
}

/** Evicts a request: its blocks are freed and it will recompute what it had. */
export function preempt(st: SimState, victim: number): void {
  st.freeBlocks += st.blocks[victim] ?? 0;
  st.blocks[victim] = 0;
  st.toPrefill[victim] =
    (st.S[victim] ?? 0) - st.prefix + Math.max(0, (st.generated[victim] ?? 0) - (st.prefilled ? 1 : 0));
  st.prefilledNow[victim] = 0;
  st.preempted.push(victim);
  st.preemptions++;
}

/**
 * Grows request r's blocks to hold `tokens` more, preempting from the back of the running list
 * while the cache lacks room. False when r itself was preempted.
 */
function allocate(st: SimState, r: number, tokens: number): boolean {
  const held =
    (st.S[r] ?? 0) - st.prefix - (st.toPrefill[r] ?? 0) + (st.prefilledNow[r] ?? 0) + (st.generated[r] ?? 0);
  const extra = st.blocksFor(held + tokens) - (st.blocks[r] ?? 0);
  while (st.freeBlocks < extra) {
    const victim = st.running[st.nRun - 1] ?? 0;
    st.nRun--;
    st.anyPreempted = true;
    preempt(st, victim);
    if (victim === r) return false;
  }
  st.blocks[r] = (st.blocks[r] ?? 0) + extra;
  st.freeBlocks -= extra;
  return true;
}

/** Grows request r's blocks to hold `tokens` more from free blocks only; false when they lack. */
function allocateFree(st: SimState, r: number, tokens: number): boolean {
  const held =
    (st.S[r] ?? 0) - st.prefix - (st.toPrefill[r] ?? 0) + (st.prefilledNow[r] ?? 0) + (st.generated[r] ?? 0);
  const extra = st.blocksFor(held + tokens) - (st.blocks[r] ?? 0);
  if (st.freeBlocks < extra) return false;
  st.blocks[r] = (st.blocks[r] ?? 0) + extra;
  st.freeBlocks -= extra;
  return true;
}

/** The running requests' share of the step, in admission order. */
export function scheduleRunning(st: SimState): void {
  for (let j = 0; j < st.nRun; j++) {
    const r = st.running[j] ?? 0;
    st.sched[r] = 0;
    const remaining = (st.toPrefill[r] ?? 0) - (st.prefilledNow[r] ?? 0);
    const budget = st.budget;
    let tokens: number;
    if (remaining > 0) {
      tokens = st.chunked ? Math.min(remaining, budget) : remaining <= budget ? remaining : 0;
    } else tokens = st.decodesAllowed && budget >= 1 + st.k ? 1 + st.k : 0;
    if (tokens <= 0) continue;
    if (!st.reserve) {
      // A prompt-only step preempts nobody: a chunk the cache cannot hold waits for a decode step.
      if (!st.decodesAllowed) {
        if (!allocateFree(st, r, tokens)) continue;
      } else if (!allocate(st, r, tokens)) break;
    }
    if (remaining > 0) schedulePrefill(st, r, tokens);
    else scheduleDecode(st, r, tokens);
  }
}
