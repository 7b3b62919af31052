/**
 * Attention DP with a scheduler per rank (TensorRT-LLM, `attentionDpRankSchedulers`): a request
 * is placed whole on one rank, so a prompt costs its rank the token-wise work of all its tokens
 * (not its tokens over the ranks), every rank waits for it at the MoE all-to-all, and each rank
 * applies the engine's token budget. Decode-only steps are unchanged.
 */
import { describe, expect, it } from 'vitest';
import { causalPairs } from '../src/graph/build.js';
import { emptyLoad, placedRankTokens, StepCoster } from '../src/serving/step-cost.js';
import { ENGINE_PROFILES } from '../src/serving/engines.js';
import { decodeLoad, normalized, run } from './scenario-support.js';

const scenario = {
  model: 'deepseek-r1',
  hardware: 'b200',
  precision: { weights: 'nvfp4', activations: 'nvfp4' },
  engine: 'trtllm',
  parallelism: { tp: 8, ep: 8, attentionDp: true },
  workload: { inputTokens: 8192, outputTokens: 256, concurrency: 1 },
};

function promptLoad(tokens: number, decodes = 0) {
  return {
    ...emptyLoad(),
    ...(decodes > 0 ? decodeLoad(decodes, 4096) : {}),
    prefillTokens: tokens,
    prefillSequences: 1,
    prefillPairs: causalPairs(0, tokens, Number.POSITIVE_INFINITY),
    prefillPairsWindowed: causalPairs(0, tokens, Number.POSITIVE_INFINITY),
    emitting: 1 + decodes,
  };
}

describe('attention DP: whole prompts on one rank', () => {
  it('the busiest rank holds a whole prompt plus its share of the decodes', () => {
    expect(placedRankTokens(0, 0, 8192, 1, 8)).toBe(8192);
    // Eight prompts of 1024 tokens: one per rank.
    expect(placedRankTokens(0, 0, 8192, 8, 8)).toBe(1024);
    // One prompt beside 64 decodes: the prompt and 8 decodes on its rank.
    expect(placedRankTokens(64, 64, 1024, 1, 8)).toBe(1024 + 8);
    // Three decodes over eight ranks: one of them beside the prompt.
    expect(placedRankTokens(3, 3, 10, 1, 8)).toBe(11);
  });

  it('TensorRT-LLM schedules per rank; SGLang and vLLM keep one budget for the group', () => {
    expect(ENGINE_PROFILES.trtllm.attentionDpRankSchedulers).toBe(true);
    expect(ENGINE_PROFILES.sglang.attentionDpRankSchedulers).toBe(false);
    expect(ENGINE_PROFILES.vllm.attentionDpRankSchedulers).toBe(false);
  });

  it("a lone prompt's step costs more than its tokens spread over the ranks; decode steps do not change", () => {
    const ns = normalized(scenario);
    const placed = new StepCoster(ns);
    const spread = new StepCoster({ ...ns, engine: { ...ns.engine, attentionDpRankSchedulers: false } });
    const prompt = promptLoad(8192);
    // The attention projections of 8192 tokens on one rank instead of 1024 on each.
    expect(placed.stepSeconds(prompt)).toBeGreaterThan(1.1 * spread.stepSeconds(prompt));
    const mixed = promptLoad(1024, 64);
    expect(placed.stepSeconds(mixed)).toBeGreaterThan(spread.stepSeconds(mixed));
    const decode = decodeLoad(64, 4096);
    expect(placed.stepSeconds(decode)).toBe(spread.stepSeconds(decode));
  });

  it("one client's TTFT under attention DP includes the prompt's step on one rank", () => {
    const adp = run(scenario);
    const ns = normalized(scenario);
    const spread = new StepCoster({ ...ns, engine: { ...ns.engine, attentionDpRankSchedulers: false } });
    const prefillMs = adp.serving?.ttftParts?.prefillMs ?? 0;
    // Mean prompt 8192 tokens (fixed lengths): the simulated prompt step is the placed one.
    expect(prefillMs).toBeGreaterThan(1.1 * spread.stepSeconds(promptLoad(8192)) * 1e3);
    expect(prefillMs).toBeCloseTo(new StepCoster(ns).stepSeconds(promptLoad(8192)) * 1e3, 0);
  });
});
