/** Chart builders over Observable Plot (plain data in, an SVG figure out). */
import * as Plot from '@observablehq/plot';
import type { EstimateReport } from '@ridgeline/core';

export interface Ceiling {
  readonly peakFlopsPerSecond: number;
  readonly bandwidthBytesPerSecond: number;
}

/** Each operator of the report as a point: arithmetic intensity against achieved FLOP/s. */
export function rooflinePoints(report: EstimateReport): {
  name: string;
  phase: string;
  bound: string;
  intensity: number;
  flopsPerSecond: number;
  timeMs: number;
}[] {
  return report.breakdown
    .filter((o) => o.flops > 0 && o.bytes > 0 && o.timeMs > 0 && o.bound !== 'communication')
    .map((o) => ({
      name: o.name,
      phase: o.phase,
      bound: o.bound,
      intensity: o.flops / o.bytes,
      flopsPerSecond: o.flops / (o.timeMs / 1000),
      timeMs: o.timeMs,
    }));
}

export function roofline(report: EstimateReport, ceiling: Ceiling | undefined, width: number): Element {
  const points = rooflinePoints(report);
  const marks: Plot.Markish[] = [];
  if (ceiling !== undefined && points.length > 0) {
    const xs = points.map((p) => p.intensity);
    const lo = Math.min(...xs) / 4;
    const hi = Math.max(...xs) * 4;
    const ridge = ceiling.peakFlopsPerSecond / ceiling.bandwidthBytesPerSecond;
    const line = [lo, Math.min(Math.max(ridge, lo), hi), hi].map((x) => ({
      x,
      y: Math.min(ceiling.peakFlopsPerSecond, x * ceiling.bandwidthBytesPerSecond),
    }));
    marks.push(
      Plot.line(line, { x: 'x', y: 'y', stroke: 'currentColor', strokeOpacity: 0.5, strokeDasharray: '4 3' }),
    );
  }
  marks.push(
    Plot.dot(points, {
      x: 'intensity',
      y: 'flopsPerSecond',
      r: 'timeMs',
      fill: 'phase',
      fillOpacity: 0.7,
      stroke: 'currentColor',
      strokeWidth: 0.5,
      title: (d: (typeof points)[number]) =>
        `${d.phase} ${d.name} (${d.bound}-bound)\n${d.timeMs.toPrecision(3)} ms per step`,
      tip: true,
    }),
  );
  return Plot.plot({
    width,
    height: Math.round(Math.min(420, width * 0.6)),
    marginLeft: 60,
    x: { type: 'log', label: 'Arithmetic intensity (FLOP/byte) →', tickFormat: '~s', ticks: 6 },
    y: { type: 'log', label: '↑ Achieved FLOP/s per device', tickFormat: '~s', ticks: 6 },
    r: { range: [2, 12] },
    color: { legend: true },
    marks,
  });
}

export function grouped(
  rows: readonly { group: string; series: string; value: number }[],
  width: number,
  label: string,
): Element {
  return Plot.plot({
    width,
    height: 300,
    marginLeft: 60,
    marginBottom: width < 600 ? 80 : 40,
    fx: { label: null, tickRotate: width < 600 ? -35 : 0 },
    x: { axis: null },
    y: { label, grid: true },
    color: { legend: true },
    marks: [
      Plot.barY(rows, { fx: 'group', x: 'series', y: 'value', fill: 'series', tip: true }),
      Plot.ruleY([1], { strokeDasharray: '3 3' }),
    ],
  });
}

export interface SweepPlotCell {
  readonly x: number | string;
  readonly y?: number | string;
  readonly value: number | null;
}

export function sweepLines(
  cells: readonly SweepPlotCell[],
  xLabel: string,
  yLabel: string,
  seriesLabel: string,
  width: number,
): Element {
  const data = cells
    .filter((c) => c.value !== null)
    .map((c) => ({ ...c, series: c.y === undefined ? '' : `${seriesLabel} ${c.y}` }));
  const numericX = data.every((d) => typeof d.x === 'number');
  const xs = data.map((d) => d.x).filter((x): x is number => typeof x === 'number');
  const logX = numericX && xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 16;
  return Plot.plot({
    width,
    height: 340,
    marginLeft: 60,
    x: { label: xLabel, ...(logX ? { type: 'log' as const } : numericX ? {} : { type: 'point' as const }) },
    y: { label: yLabel, grid: true },
    color: { legend: data.some((d) => d.series !== '') },
    marks: [
      Plot.line(data, { x: 'x', y: 'value', stroke: 'series', marker: 'circle' }),
      Plot.tip(
        data,
        Plot.pointer({
          x: 'x',
          y: 'value',
          title: (d: (typeof data)[number]) => `${d.series} ${xLabel} ${d.x}: ${d.value}`,
        }),
      ),
    ],
  });
}

export function sweepHeatmap(
  cells: readonly SweepPlotCell[],
  xLabel: string,
  yLabel: string,
  metric: string,
  width: number,
): Element {
  const data = cells.map((c) => ({ x: String(c.x), y: String(c.y ?? ''), value: c.value }));
  const order = (vs: string[]): string[] => [...new Set(vs)];
  return Plot.plot({
    width,
    height: Math.max(200, 40 * new Set(data.map((d) => d.y)).size + 80),
    marginLeft: 70,
    padding: 0.05,
    x: { label: xLabel, type: 'band', domain: order(data.map((d) => d.x)) },
    y: { label: yLabel, type: 'band', domain: order(data.map((d) => d.y)) },
    color: { type: 'log', scheme: 'viridis', legend: true, label: metric },
    marks: [
      Plot.cell(data, { x: 'x', y: 'y', fill: 'value', tip: true }),
      Plot.text(data, {
        x: 'x',
        y: 'y',
        text: (d: (typeof data)[number]) =>
          d.value === null ? '✕' : Number(d.value.toPrecision(3)).toString(),
        fill: (d: (typeof data)[number]) => (d.value === null ? 'currentColor' : 'white'),
        fontSize: 10,
      }),
    ],
  });
}

export function scatterPredicted(
  points: readonly { measured: number; predicted: number; source: string; metric: string; id: string }[],
  width: number,
): Element {
  const all = points.flatMap((p) => [p.measured, p.predicted]).filter((v) => v > 0);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return Plot.plot({
    width,
    height: Math.round(Math.min(480, width * 0.75)),
    marginLeft: 60,
    x: { type: 'log', label: 'Measured →', tickFormat: '~s', ticks: 6 },
    y: { type: 'log', label: '↑ Predicted', tickFormat: '~s', ticks: 6 },
    color: { legend: true },
    marks: [
      Plot.line([{ v: lo }, { v: hi }], { x: 'v', y: 'v', stroke: 'currentColor', strokeDasharray: '4 3' }),
      Plot.dot(
        points.filter((p) => p.measured > 0 && p.predicted > 0),
        {
          x: 'measured',
          y: 'predicted',
          fill: 'source',
          r: 2.5,
          fillOpacity: 0.7,
          title: (p: (typeof points)[number]) =>
            `${p.id} (${p.metric})\nmeasured ${p.measured}, predicted ${p.predicted.toPrecision(3)}`,
          tip: true,
        },
      ),
    ],
  });
}

export function hardwareScatter(
  rows: readonly { name: string; bandwidthTBps: number; bf16Tflops: number; vendor: string }[],
  width: number,
): Element {
  return Plot.plot({
    width,
    height: 360,
    marginLeft: 60,
    x: { type: 'log', label: 'Memory bandwidth (TB/s) →' },
    y: { type: 'log', label: '↑ Dense BF16 (TFLOP/s)' },
    color: { legend: true },
    marks: [
      Plot.dot(rows, { x: 'bandwidthTBps', y: 'bf16Tflops', fill: 'vendor', r: 4, tip: true, title: 'name' }),
    ],
  });
}

export function modelScatter(
  rows: readonly { name: string; family: string; params: number; kvBytesPerToken: number }[],
  width: number,
): Element {
  return Plot.plot({
    width,
    height: 360,
    marginLeft: 60,
    x: { type: 'log', label: 'Parameters →', tickFormat: '~s' },
    y: { type: 'log', label: '↑ KV cache per token (bytes, BF16)', tickFormat: '~s' },
    color: { legend: true },
    marks: [
      Plot.dot(rows, { x: 'params', y: 'kvBytesPerToken', fill: 'family', r: 4, tip: true, title: 'name' }),
    ],
  });
}

/** Required against available, per resource: minimum ÷ the base device's value (log scale, 1 = the device). */
export function requirementBars(
  rows: readonly { resource: string; ratio: number; status: string }[],
  width: number,
): Element {
  return Plot.plot({
    width,
    height: 40 + 34 * Math.max(1, rows.length),
    marginLeft: 130,
    x: { type: 'log', label: 'Required ÷ available on the base device →', grid: true },
    y: { label: null },
    color: { domain: ['short', 'spare'], range: ['#e15759', '#59a14f'], legend: true },
    marks: [
      Plot.barX(rows, {
        x1: 1,
        x2: 'ratio',
        y: 'resource',
        fill: (d: { ratio: number }) => (d.ratio > 1 ? 'short' : 'spare'),
        tip: true,
      }),
      Plot.ruleX([1], { stroke: 'currentColor' }),
      Plot.text(rows, {
        x: 'ratio',
        y: 'resource',
        text: (d: { ratio: number; status: string }) =>
          `×${d.ratio.toPrecision(2)}${d.status === 'found' ? '' : ` (${d.status})`}`,
        dx: 6,
        textAnchor: 'start',
      }),
    ],
  });
}

/** p90 TPOT against each resource scaled from the base device, with the target. */
export function requirementCurves(
  rows: readonly { resource: string; factor: number; tpotP90Ms: number }[],
  targetMs: number | undefined,
  width: number,
): Element {
  return Plot.plot({
    width,
    height: 320,
    marginLeft: 60,
    x: { type: 'log', label: 'Resource ÷ base device →' },
    y: { type: 'log', label: '↑ p90 TPOT (ms)', grid: true },
    color: { legend: true },
    marks: [
      Plot.line(rows, { x: 'factor', y: 'tpotP90Ms', stroke: 'resource', marker: 'circle', sort: 'factor' }),
      ...(targetMs !== undefined
        ? [Plot.ruleY([targetMs], { stroke: 'currentColor', strokeDasharray: '4 3' })]
        : []),
      Plot.tip(
        rows,
        Plot.pointer({
          x: 'factor',
          y: 'tpotP90Ms',
          title: (d: { resource: string; factor: number; tpotP90Ms: number }) =>
            `${d.resource} ×${d.factor.toPrecision(3)}: ${d.tpotP90Ms.toPrecision(3)} ms`,
        }),
      ),
    ],
  });
}

export interface FrontierDatum {
  readonly key: number;
  readonly tokensPerSecPerUser: number;
  readonly outputTokensPerSecPerGpu: number;
  readonly label: string;
  readonly chosen: boolean;
}

/** The Pareto frontier; `onPick` gets the key of a clicked point. */
export function frontier(
  points: readonly FrontierDatum[],
  width: number,
  onPick: (key: number) => void,
): Element {
  const chart = Plot.plot({
    width,
    height: Math.round(Math.min(420, width * 0.6)),
    marginLeft: 60,
    x: { label: 'Tokens per second per user →', grid: true },
    y: { label: '↑ Output tokens per second per GPU', grid: true },
    marks: [
      Plot.line(points, {
        x: 'tokensPerSecPerUser',
        y: 'outputTokensPerSecPerGpu',
        sort: 'tokensPerSecPerUser',
        strokeOpacity: 0.5,
      }),
      Plot.dot(points, {
        x: 'tokensPerSecPerUser',
        y: 'outputTokensPerSecPerGpu',
        r: (d: FrontierDatum) => (d.chosen ? 7 : 4.5),
        fill: (d: FrontierDatum) => (d.chosen ? '#e15759' : '#4e79a7'),
        stroke: 'currentColor',
        strokeWidth: 0.5,
      }),
      Plot.tip(
        points,
        Plot.pointer({ x: 'tokensPerSecPerUser', y: 'outputTokensPerSecPerGpu', title: 'label' }),
      ),
    ],
  });
  chart.addEventListener('click', () => {
    const v = (chart as Element & { value?: FrontierDatum | null }).value;
    if (v) onPick(v.key);
  });
  return chart;
}
