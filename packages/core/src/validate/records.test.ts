import { describe, expect, it } from 'vitest';
import { formats, records as imported } from '../../test/formats-support.js';
import type { ProfileSet } from '../calibrate/profile.js';
import type { MeasurementRecord } from '../measurements/types.js';
import { validateRecords } from './records.js';

const VLLM_2024 = 'vllm/benchmark_serving-2024-09-save-result-with-per-request-arrays-llama3-8b-h100.json';
const TRTLLM =
  'trtllm-bench/v0.21.0rc0-llama3.1-8b-pytorch-streaming-throughput-summary.FROM-NVIDIA-BLOG.txt';

/** The records of a sample file of test/fixtures/formats. */
function records(name: string): MeasurementRecord[] {
  return imported(name, formats(name));
}

describe('validateRecords', () => {
  it('predicts each measured metric of a run, in the report validateRows gives for CSV rows', () => {
    const report = validateRecords(records(TRTLLM), { hardware: 'h100-sxm', model: 'llama-3.1-8b' });
    expect(report.totals).toMatchObject({ rows: 4, used: 4, skipped: 0 });
    expect(report.groups.map((g) => g.metric)).toEqual([
      'output_tok_s',
      'ttft_ms',
      'tpot_ms',
      'e2e_latency_ms',
    ]);
    const tpot = report.rows.find((r) => r.metric === 'tpot_ms');
    expect(tpot?.measured).toBeCloseTo(7.3272, 4);
    // An 8B model on one H100 decodes 100 streams in a few to about ten milliseconds a token.
    expect(tpot?.predicted).toBeGreaterThan(3);
    expect(tpot?.predicted).toBeLessThan(20);
  });

  it('skips a run it cannot express once per metric, with the reason', () => {
    const report = validateRecords(records(TRTLLM), { model: 'llama-3.1-8b' });
    expect(report.totals).toMatchObject({ rows: 4, used: 0, skipped: 4 });
    expect(report.skippedByReason).toEqual({ 'the file does not name the hardware: give --hardware': 4 });
    expect(report.skipped.map((s) => s.metric)).toEqual([
      'output_tok_s',
      'ttft_ms',
      'tpot_ms',
      'e2e_latency_ms',
    ]);
  });

  it('applies a profile set only where a profile holds for the device', () => {
    const recs = records(TRTLLM);
    const defaults = { hardware: 'h100-sxm', model: 'llama-3.1-8b' };
    const raw = validateRecords(recs, defaults);
    const slow = (hardware: string): ProfileSet => [{ hardware, parameters: { gemmPeakFraction: 0.3 } }];
    const other = validateRecords(recs, defaults, slow('a100-sxm-80gb'));
    expect(other.rows.map((r) => r.predicted)).toEqual(raw.rows.map((r) => r.predicted));
    const own = validateRecords(recs, defaults, slow('h100-sxm'));
    const tok = (r: typeof raw) => r.rows.find((x) => x.metric === 'output_tok_s')?.predicted ?? 0;
    // A slower GEMM on the run's device lowers its predicted throughput.
    expect(tok(own)).toBeLessThan(tok(raw));
  });

  it('runs a file with per-request lengths at its length histogram: the vLLM 2024 throughput moves toward the measurement', () => {
    const recs = records(VLLM_2024);
    const defaults = { hardware: 'h100-sxm', engine: 'vllm', model: 'llama-3.1-8b', tp: 1 } as const;
    // The same run with its lengths fixed at the means, as the importer read it before.
    const atMeans = recs.map((r) => {
      const workload = { ...r.scenario.workload };
      delete workload.inputLengths;
      delete workload.outputLengths;
      return { ...r, scenario: { ...r.scenario, workload } };
    });
    const error = (report: ReturnType<typeof validateRecords>, metric: string) => {
      const row = report.rows.find((x) => x.metric === metric);
      if (row === undefined) throw new Error(`no ${metric} row`);
      return Math.abs(row.predicted - row.measured) / row.measured;
    };
    const drawn = validateRecords(recs, defaults);
    const fixed = validateRecords(atMeans, defaults);
    // Ten requests at once: with every output 187 tokens they all end together, while the
    // measured run lasts as long as its longest output (741 tokens) at a batch of one.
    expect(error(fixed, 'output_tok_s')).toBeGreaterThan(1);
    expect(error(drawn, 'output_tok_s')).toBeLessThan(0.25);
    expect(error(drawn, 'e2e_latency_ms')).toBeLessThan(0.25);
  });
});
