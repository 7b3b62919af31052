/**
 * How training.csv rows become jobs: the recipe facts the mapping reads from each source
 * (measurements/training-csv.ts), checked on the real rows.
 */
import { describe, expect, it } from 'vitest';
import { measurementFile } from '../../test/gate.js';
import type { TrainingRow } from './training-csv.js';
import { parseTrainingCsv, trainingScenarioOf } from './training-csv.js';

const parsed = parseTrainingCsv(measurementFile('training.csv'));
if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
const rows = parsed.value;
const row = (id: string): TrainingRow => {
  const r = rows.find((x) => x.id === id);
  if (r === undefined) throw new Error(`no row ${id}`);
  return r;
};
const scenario = (id: string) => {
  const s = trainingScenarioOf(row(id));
  if (!s.ok) throw new Error(`${id}: ${s.reason}`);
  return s;
};

describe('training.csv rows as jobs', () => {
  it('NeMo and Megatron-Bridge performance recipes overlap TP communication when tp > 1', () => {
    // NeMo GPT-3 175B (tp 4), Megatron-Bridge Llama 3 70B on H100 (tp 4): overlapped.
    expect(scenario('T0580').input.overlap?.tp).toBe(true);
    expect(scenario('T0683').input.overlap?.tp).toBe(true);
    // tp 1: nothing to overlap.
    expect(scenario('T0584').input.overlap?.tp).toBe(false);
    // The long-sequence page does not state the recipe: no overlap assumed.
    expect(scenario('T0631').input.parallelism?.tp).toBe(2);
    expect(scenario('T0631').input.overlap?.tp).toBe(false);
  });

  it("torchtitan's 'selective op' (its llama3 default) is its per-op policy; other selective stays Megatron's", () => {
    expect(scenario('T0561').input.recompute).toBe('selective-op'); // notes: "(8192, selective op)"
    expect(scenario('T0572').input.recompute).toBe('selective-op');
    expect(scenario('T0570').input.recompute).toBe('selective'); // "selective layer"
    expect(scenario('T0846').input.recompute).toBe('selective'); // Megatron-LM
  });

  it('a loss compiled with torch.compile is one fused kernel, unless chunked', () => {
    expect(scenario('T0561').input.fusedLoss).toBe(true); // torchtitan + torch.compile
    expect(scenario('T0992').input.fusedLoss).toBe(true); // torchtune + Compile
    expect(scenario('T0990').input.fusedLoss).toBe(false); // torchtune baseline, eager
    expect(scenario('T0994').input.chunkedLoss).toBe(true); // + Chunked Cross Entropy
    expect(scenario('T0994').input.fusedLoss).toBe(false);
  });
});
