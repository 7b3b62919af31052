/**
 * The issue-9 targets of docs/fidelity.md (validate/targets.ts): the speed sign convention, the
 * (hardware family × model class) grouping from the catalogs, each target's met / not met against
 * its figure, and the generated table in docs/fidelity.md read back.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TargetCheck, TargetRow } from './targets.js';
import type { MeasurementRow } from '../measurements/csv.js';
import {
  bandTargets,
  classGroups,
  errorTargets,
  gateTargets,
  latencyTargets,
  predictedTarget,
  rowClasses,
  servingModernGateSample,
  signedSpeedErrorPct,
  skipKinds,
  speedSense,
  targetLines,
  withinLimit,
} from './targets.js';

describe('the speed sign convention', () => {
  it('reads times and energies per unit of work as latencies, rates and power as throughputs', () => {
    for (const m of ['ttft_ms', 'tpot_p99_ms', 'op_latency_ms', 'comm_latency_us', 'step_time_s'])
      expect(speedSense(m), m).toBe('latency');
    expect(speedSense('joules_per_output_token')).toBe('latency');
    for (const m of [
      'output_tok_s_per_gpu',
      'output_tok_s',
      'tokens_per_s',
      'samples_per_s',
      'req_s',
      'train_tok_s_per_gpu',
      'avg_power_w_per_gpu',
      'achieved_tflops',
    ])
      expect(speedSense(m), m).toBe('throughput');
  });

  it('+20% means predicted 20% too fast on a throughput and on a latency alike', () => {
    expect(signedSpeedErrorPct('output_tok_s_per_gpu', 120, 100)).toBeCloseTo(20, 12);
    // TTFT predicted 50 ms against 60 ms measured: measured / predicted = 1.2.
    expect(signedSpeedErrorPct('ttft_ms', 50, 60)).toBeCloseTo(20, 12);
    expect(signedSpeedErrorPct('tpot_ms', 60, 50)).toBeCloseTo(-100 / 6, 12);
    expect(signedSpeedErrorPct('joules_per_output_token', 1, 2)).toBeCloseTo(100, 12);
    expect(signedSpeedErrorPct('samples_per_s', 80, 100)).toBeCloseTo(-20, 12);
  });
});

describe('hardware family and model class from the catalogs', () => {
  it('takes the family from the device and the class from the architecture', () => {
    expect(rowClasses('h200-sxm', 'DeepSeek-R1-0528')).toEqual({
      family: 'nvidia-hopper',
      modelClass: 'MLA+MoE',
    });
    expect(rowClasses('mi300x', 'Llama-2-70B-chat')).toEqual({ family: 'amd-cdna3', modelClass: 'dense' });
    expect(rowClasses('b200', 'Mixtral-8x7B')).toEqual({ family: 'nvidia-blackwell', modelClass: 'MoE' });
    expect(rowClasses('mi355x', 'Llama-3.1-405B')?.family).toBe('amd-cdna4');
  });

  it('gives nothing for a device or model the catalogs lack', () => {
    expect(rowClasses('no-such-gpu', 'Llama-2-70B')).toBeUndefined();
    expect(rowClasses('h100-sxm', 'No-Such-Model-7B')).toBeUndefined();
  });
});

const row = (over: Partial<TargetRow> & Pick<TargetRow, 'id'>): TargetRow => ({
  source: 'S',
  cvSource: 'S a',
  metric: 'output_tok_s_per_gpu',
  measured: 100,
  uncalibrated: 100,
  inSample: 100,
  heldOut: 100,
  family: 'nvidia-hopper',
  modelClass: 'dense',
  ...over,
});

describe('(hardware family × model class) groups', () => {
  it('medians per column, signed as speed, in catalog family and class order', () => {
    const rows = [
      row({ id: 'a', family: 'amd-cdna3', heldOut: 130, uncalibrated: 90 }),
      row({ id: 'b', family: 'amd-cdna3', metric: 'tpot_ms', heldOut: 100 / 1.3, uncalibrated: 110 }),
      row({ id: 'c', family: 'nvidia-blackwell', modelClass: 'MLA+MoE', heldOut: 80 }),
      row({ id: 'd', family: 'nvidia-blackwell', modelClass: 'dense', heldOut: 105 }),
    ];
    const groups = classGroups(rows);
    expect(groups.map((g) => [g.family, g.modelClass, g.rows])).toEqual([
      ['nvidia-blackwell', 'dense', 1],
      ['nvidia-blackwell', 'MLA+MoE', 1],
      ['amd-cdna3', 'dense', 2],
    ]);
    const cdna = groups[2];
    // Both CDNA3 rows predicted 30% too fast held out; raw: one 10% slow, one 1/1.1 slow.
    expect(cdna?.medianSignedPct.heldOut).toBeCloseTo(30, 9);
    expect(cdna?.medianSignedPct.uncalibrated).toBeCloseTo((-10 + (100 / 110 - 1) * 100) / 2, 9);
    expect(cdna?.medianAbsPct.heldOut).toBeCloseTo((30 + (1 - 1 / 1.3) * 100) / 2, 9);
    expect(groups[1]?.medianSignedPct.heldOut).toBeCloseTo(-20, 9);
  });
});

/** Whether the check's met agrees with its figure against its limit, as judged by hand. */
function agrees(c: TargetCheck): boolean {
  if (c.figure === null) return !c.met;
  const shown = c.limit.unit === 'rows' ? Math.round(c.figure) : Number(c.figure.toFixed(1));
  const v = c.limit.magnitude === true ? Math.abs(shown) : shown;
  const ok = v >= (c.limit.atLeast ?? -Infinity) && v <= (c.limit.atMost ?? Infinity);
  return ok === c.met;
}

describe('the targets', () => {
  it('judges a figure as it is shown, to 0.1', () => {
    expect(withinLimit(12.04, { atMost: 12, unit: '%' })).toBe(true);
    expect(withinLimit(12.06, { atMost: 12, unit: '%' })).toBe(false);
    expect(withinLimit(-15.04, { atMost: 15, magnitude: true, unit: '%' })).toBe(true);
    expect(withinLimit(-15.2, { atMost: 15, magnitude: true, unit: '%' })).toBe(false);
    expect(withinLimit(74.96, { atLeast: 75, atMost: 90, unit: '%' })).toBe(true);
    expect(withinLimit(null, { atMost: 12, unit: '%' })).toBe(false);
  });

  it('error targets: the whole file, the worst source of 20 rows or more, the furthest group', () => {
    const rows = [
      ...Array.from({ length: 30 }, (_, i) => row({ id: `a${String(i)}`, cvSource: 'A', heldOut: 110 })),
      ...Array.from({ length: 20 }, (_, i) =>
        row({ id: `b${String(i)}`, cvSource: 'B', heldOut: 130, family: 'amd-cdna3' }),
      ),
      // A small source far off: below 20 rows, no source target of its own.
      ...Array.from({ length: 5 }, (_, i) => row({ id: `c${String(i)}`, cvSource: 'C', heldOut: 300 })),
    ];
    const [file, sources, groups] = errorTargets(rows);
    // 55 rows: 30 at 10%, 20 at 30%, 5 at 200%.
    expect(file?.figure).toBeCloseTo(10, 9);
    expect(file?.met).toBe(true);
    expect(sources?.figure).toBeCloseTo(30, 9);
    expect(sources?.met).toBe(false);
    expect(sources?.detail).toContain('1 miss: B 30.0% (20 rows)');
    expect(sources?.detail).not.toContain('C ');
    expect(groups?.figure).toBeCloseTo(30, 9);
    expect(groups?.met).toBe(false);
    expect(groups?.detail).toContain('CDNA3 × dense +30.0% (20 rows)');
    expect(groups?.detail).not.toContain('Hopper');
  });

  it('latency targets: TTFT and TPOT rows, all sources and each', () => {
    const rows = [
      row({ id: '1', source: 'X', metric: 'ttft_ms', heldOut: 90 }),
      row({ id: '2', source: 'Y', metric: 'ttft_p99_ms', heldOut: 60 }),
      row({ id: '3', source: 'X', metric: 'tpot_ms', heldOut: 105 }),
      row({ id: '4', source: 'X', metric: 'output_tok_s_per_gpu', heldOut: 10 }),
    ];
    const checks = latencyTargets(rows);
    expect(
      checks.map((c) => [c.target, c.figure === null ? null : Number(c.figure.toFixed(6)), c.met]),
    ).toEqual([
      ['Median absolute error, TTFT rows, all sources', 25, false],
      ['Median absolute error, TTFT rows, X', 10, true],
      ['Median absolute error, TTFT rows, Y', 40, false],
      ['Median absolute error, TPOT rows, all sources', 5, true],
      ['Median absolute error, TPOT rows, X', 5, true],
    ]);
  });

  it('band, gate and predicted-rows targets', () => {
    const [overall, perSource] = bandTargets([
      {
        predictions: 'default',
        coverage: {
          overall: { rows: 100, covered: 91 },
          sources: [
            { source: 'P', rows: 50, covered: 45 },
            { source: 'Q', rows: 50, covered: 29 },
          ],
        },
      },
    ]);
    expect([overall?.figure, overall?.met]).toEqual([91, false]);
    expect([perSource?.figure, perSource?.met]).toEqual([58, false]);
    expect(perSource?.detail).toContain('1 below: Q 58.0%');

    const baseline = {
      tolerancePoints: 2,
      overall: { used: 10, medianErrorPct: 5 },
      groups: [
        { source: 'R', metric: 'm', used: 4, medianErrorPct: 5 },
        { source: 'R', metric: 'n', used: 6, medianErrorPct: 5 },
      ],
    };
    const gate = (n: number | null, used = 6) =>
      gateTargets(baseline, {
        totals: { used: 10, medianErrorPct: 6 },
        groups: [
          { source: 'R', metric: 'm', used: 4, medianErrorPct: 4 },
          { source: 'R', metric: 'n', used, medianErrorPct: n },
        ],
      });
    expect(gate(7).map((c) => c.met)).toEqual([true, true, true]);
    expect(gate(7.2)[2]?.met).toBe(false);
    expect(gate(7.2)[2]?.detail).toContain('1 worse: R `n`');
    // A group predicted on fewer rows than recorded fails the gate.
    expect(gate(5, 5)[2]?.met).toBe(false);

    const predicted = predictedTarget(84, 100, {
      "hardware 'GB300 NVL72' not in catalog (closest: b300)": 10,
      "hardware 'GB300 (2 trays)' not in catalog (closest: b300)": 2,
      'overloaded: the queue grows': 4,
    });
    expect([predicted.figure, predicted.met]).toEqual([84, false]);
    expect(predicted.detail).toBe(
      "84 of 100 rows; skipped: 12 hardware '…' not in catalog (GB300 NVL72, GB300 (2 trays)); 4 overloaded",
    );
    expect(skipKinds({})).toEqual([]);
  });

  it('renders one line per check whose met cell agrees with its figure', () => {
    const checks = [
      ...errorTargets([row({ id: 'x', heldOut: 112.04 }), row({ id: 'y', heldOut: 87.9 })]),
      predictedTarget(85, 100, {}),
    ];
    for (const c of checks) expect(agrees(c), c.target).toBe(true);
    const lines = targetLines(checks);
    expect(lines).toHaveLength(checks.length + 2);
    expect(lines[2]).toBe(
      '| Median absolute error, serving-modern.csv | ≤ 12% | 12.1%: over 2 predicted rows | **not met** |',
    );
    // The group's median signed error, −0.03%, shows as 0.0% (no sign on a zero as shown).
    expect(lines[4]).toMatch(/^\| Median signed error .* \| ±15% \| 0\.0%: /);
    expect(lines[5]).toBe(
      '| Rows of serving-modern.csv predicted | ≥ 85% | 85.0%: 85 of 100 rows; skipped: none | met |',
    );
  });
});

describe('the targets table in docs/fidelity.md', () => {
  const doc = readFileSync(new URL('../../../../docs/fidelity.md', import.meta.url), 'utf8');
  const start = doc.indexOf('<!-- fidelity-targets:start -->');
  const end = doc.indexOf('<!-- fidelity-targets:end -->');
  const lines = doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Target |'));

  it('parses: a line per target, each met or not met as its figure says', () => {
    expect(start).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) {
      const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
      const [, target = '', limit = '', measured = '', met = ''] = cells;
      const figure = /^([+−-]?)(\d+(?:\.\d+)?)/.exec(measured);
      expect(figure, line).not.toBeNull();
      const value = Number(figure?.[2]) * (figure?.[1] === '−' || figure?.[1] === '-' ? -1 : 1);
      const nums = [...limit.matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
      let ok: boolean;
      if (limit.startsWith('±')) ok = Math.abs(value) <= (nums[0] ?? Number.NaN);
      else if (limit.startsWith('≤')) ok = value <= (nums[0] ?? Number.NaN);
      else if (limit.startsWith('≥')) ok = value >= (nums[0] ?? Number.NaN);
      else ok = value >= (nums[0] ?? Number.NaN) && value <= (nums[1] ?? Number.NaN);
      expect(met, `${target}: ${measured}`).toBe(ok ? 'met' : '**not met**');
    }
  });
});

describe('the serving-modern.csv sample of the regression gate', () => {
  it('leaves out only the disaggregated runs of more clients than the limit', () => {
    const row = (id: string, framework: string, batchOrConcurrency: string) =>
      ({ id, framework, batchOrConcurrency }) as MeasurementRow;
    const rows = [
      row('disagg-many', 'sglang disaggregated', 'concurrency=512'),
      row('disagg-at-limit', 'Dynamo (disaggregated)', 'concurrency=256'),
      row('aggregated-many', 'sglang', 'concurrency=4096'),
      row('disagg-batch', 'sglang disaggregated', 'batch=1024'),
    ];
    expect(servingModernGateSample(rows, 256).map((r) => r.id)).toEqual([
      'disagg-at-limit',
      'aggregated-many',
      'disagg-batch',
    ]);
  });
});
