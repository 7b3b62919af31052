import { describe, expect, it } from 'vitest';
import sglang from '../../../examples/sglang-bench.jsonl?raw';
import training from '../../../packages/core/data/measurements/training.csv?raw';
import vllm from '../../../examples/vllm-result.json?raw';
import { validateBenchmark } from '../src/worker/benchmark';

const ARGS = { hardware: 'h200-sxm', model: 'llama-3.1-70b', engine: 'sglang', tp: 4 } as const;

describe('your benchmark file (the worker request)', () => {
  it('validates examples/sglang-bench.jsonl as `ridgeline validate … --json` does', () => {
    const r = validateBenchmark({ fileName: 'sglang-bench.jsonl', text: sglang, ...ARGS });
    expect(r.diagnostics).toEqual([]);
    expect(r.tool).toBe('sglang');
    expect(r.runs).toBe(7);
    expect(r.profiles.length).toBeGreaterThan(0);
    const t = r.report?.totals;
    // The CLI's --json on the same file and flags (shipped profiles by default).
    expect(t?.rows).toBe(21);
    expect(t?.used).toBe(21);
    expect(t?.skipped).toBe(0);
    expect(t?.medianErrorPct).toBeCloseTo(19.919156357437537, 9);
    expect(t?.p90ErrorPct).toBeCloseTo(91.41140468156699, 9);
    expect(r.report?.groups.map((g) => [g.metric, g.used, Number(g.medianErrorPct?.toFixed(6))])).toEqual([
      ['output_tok_s', 7, 1.967426],
      ['ttft_ms (p50)', 7, 77.838082],
      ['e2e_latency_ms', 7, 20.057397],
    ]);
    expect(r.report?.rows.every((x) => x.predicted > 0 && Number.isFinite(x.errorPct))).toBe(true);
  });

  it('without the device every row is skipped with its reason, not crashed', () => {
    const r = validateBenchmark({ fileName: 'sglang-bench.jsonl', text: sglang });
    expect(r.report?.totals.used).toBe(0);
    expect(r.report?.totals.skipped).toBe(21);
    expect(Object.keys(r.report?.skippedByReason ?? {}).join(' ')).toMatch(/hardware/);
  });

  it('the raw model when calibration is none', () => {
    const r = validateBenchmark({
      fileName: 'sglang-bench.jsonl',
      text: sglang,
      ...ARGS,
      calibration: 'none',
    });
    expect(r.profiles).toEqual([]);
    expect(r.report?.totals.used).toBe(21);
  });

  it('reads a vLLM --save-result file', () => {
    const r = validateBenchmark({ fileName: 'vllm-result.json', text: vllm, hardware: 'h100-sxm' });
    expect(r.tool).toBe('vllm');
    expect(r.report?.totals.rows).toBeGreaterThan(0);
  });

  it('a malformed file gives its diagnostic at file:line:column, no report', () => {
    const broken = sglang.split('\n').slice(0, 2).join('\n') + '\n{"backend": "sglang", "completed": 3,\n';
    const r = validateBenchmark({ fileName: 'broken.jsonl', text: broken, ...ARGS });
    expect(r.report).toBeUndefined();
    const d = r.diagnostics[0];
    expect(d?.severity).toBe('error');
    expect(d?.file).toBe('broken.jsonl');
    expect(d?.line).toBe(3);
    expect(typeof d?.column).toBe('number');
  });

  it('wrong fields and an empty file are diagnostics', () => {
    expect(
      validateBenchmark({ fileName: 'x.jsonl', text: sglang, hardware: 'h2000' }).diagnostics[0]?.message,
    ).toMatch(/hardware: unknown device 'h2000'/);
    expect(validateBenchmark({ fileName: 'x.jsonl', text: sglang, tp: 0 }).diagnostics[0]?.message).toMatch(
      /TP/,
    );
    expect(validateBenchmark({ fileName: 'x.jsonl', text: '  ' }).diagnostics[0]?.message).toMatch(/empty/);
    const csv = validateBenchmark({ fileName: 'x.csv', text: 'a,b\n1,2\n' });
    expect(csv.report).toBeUndefined();
    expect(csv.diagnostics.length).toBeGreaterThan(0);
  });

  it('reads a training CSV as a training file, with the totals of `ridgeline validate training.csv --json`', () => {
    const r = validateBenchmark({ fileName: 'training.csv', text: training });
    expect(r.tool).toBe('training-csv');
    expect(r.report).toBeUndefined();
    expect(r.diagnostics).toEqual([]);
    expect(r.profiles).toEqual([]);
    // The CLI's --json on the same file.
    expect(r.training?.totals.rows).toBe(763);
    expect(r.training?.totals.used).toBe(647);
    expect(r.training?.totals.skipped).toBe(116);
    expect(r.training?.totals.medianOfSourceMediansPct).toBeCloseTo(6.553298419493542, 9);
    expect(r.training?.groups.length).toBe(21);
  });

  it('a training CSV ignores the serving pickers with a warning each, and locates a malformed row', () => {
    const header = training.split('\n', 1)[0] ?? '';
    const r = validateBenchmark({
      fileName: 'mine.csv',
      text: `${header}\nT1,"not closed\n`,
      hardware: 'h100-sxm',
      tp: 8,
    });
    expect(r.tool).toBe('training-csv');
    expect(r.training).toBeUndefined();
    expect(r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message.split(':')[0])).toEqual(
      ['hardware', 'TP'],
    );
    const e = r.diagnostics.find((d) => d.severity === 'error');
    expect(e).toMatchObject({ file: 'mine.csv', line: 2, column: 1 });
    expect(e?.message).toMatch(/quoted field/);
  });
});
