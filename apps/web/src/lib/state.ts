/**
 * The whole page state, and its round trip through the URL (a link reproduces the view). Pure:
 * no DOM, so it is tested in Node.
 */
export const VIEWS = [
  'estimate',
  'compare',
  'sweep',
  'requirements',
  'plan',
  'catalogs',
  'fidelity',
] as const;
export type View = (typeof VIEWS)[number];

export type ChartKind = 'lines' | 'heatmap';

export interface AxisState {
  /** Dotted scenario path. */
  path: string;
  /** Comma-separated values as typed. */
  values: string;
}

export interface SweepState {
  x: AxisState;
  y?: AxisState | undefined;
  /** Dotted report path of the output. */
  metric: string;
  chart: ChartKind;
}

export interface RequireState {
  /** Targets as typed; empty for none. */
  ttftMs: string;
  tpotMs: string;
  requestsPerSec: string;
  /** Catalog devices to list, comma-separated. */
  devices: string;
}

export interface PlanState {
  /** Candidate devices, comma-separated catalog ids. */
  hardware: string;
  maxGpus: number;
  requestRate: string;
  ttftMs: string;
  tpotMs: string;
  /** Prices per device-hour as typed, `id=USD` comma-separated (the CLI's --usd-per-hour); '' for none. */
  prices: string;
}

/** The Fidelity view's "Your benchmark file" pickers: what the file may not say ('' = from the file). */
export interface BenchmarkState {
  hardware: string;
  model: string;
  engine: string;
  /** TP as typed; '' = from the file. */
  tp: string;
  calibration: 'shipped' | 'none';
}

export interface AppState {
  view: View;
  /** The estimate scenario, as YAML text. */
  scenario: string;
  /** Compare: two to four scenarios. */
  compare: string[];
  sweep: SweepState;
  catalog: 'models' | 'hardware';
  require: RequireState;
  plan: PlanState;
  benchmark: BenchmarkState;
}

export const DEFAULT_SCENARIO = `# Llama-3.1-70B on 4×H100 SXM, tensor parallel 4, FP8 weights, activations and KV cache
model: llama-3.1-70b
hardware: h100-sxm
gpus: 4
parallelism: { tp: 4 }
precision: { weights: fp8, activations: fp8, kvCache: fp8 }
engine: vllm
workload: { inputTokens: 2048, outputTokens: 256, batch: 16 }
`;

const COMPARE_B = DEFAULT_SCENARIO.replace(
  '# Llama-3.1-70B on 4×H100 SXM',
  '# Llama-3.1-70B on 4×H200 SXM',
).replace('hardware: h100-sxm', 'hardware: h200-sxm');

export const DEFAULT_STATE: AppState = {
  view: 'estimate',
  scenario: DEFAULT_SCENARIO,
  compare: [DEFAULT_SCENARIO, COMPARE_B],
  sweep: {
    x: { path: 'workload.batch', values: '1, 2, 4, 8, 16, 32, 64, 128' },
    y: { path: 'workload.inputTokens', values: '1024, 4096, 16384' },
    metric: 'tpotMs',
    chart: 'lines',
  },
  catalog: 'models',
  require: { ttftMs: '1000', tpotMs: '30', requestsPerSec: '2', devices: 'h100-sxm, h200-sxm, b200, mi300x' },
  plan: {
    hardware: 'h100-sxm, h200-sxm',
    maxGpus: 8,
    requestRate: '4',
    ttftMs: '1000',
    tpotMs: '40',
    prices: '',
  },
  benchmark: { hardware: '', model: '', engine: '', tp: '', calibration: 'shipped' },
};

function isView(v: string | null): v is View {
  return v !== null && (VIEWS as readonly string[]).includes(v);
}

/** The state as a URL hash (only what differs from the defaults). */
export function encodeState(s: AppState): string {
  const p = new URLSearchParams();
  const d = DEFAULT_STATE;
  if (s.view !== d.view) p.set('view', s.view);
  if (s.scenario !== d.scenario) p.set('s', s.scenario);
  if (s.compare.join('\u0000') !== d.compare.join('\u0000'))
    s.compare.forEach((c, k) => {
      p.set(`c${k}`, c);
    });
  if (s.sweep.x.path !== d.sweep.x.path) p.set('xp', s.sweep.x.path);
  if (s.sweep.x.values !== d.sweep.x.values) p.set('xv', s.sweep.x.values);
  if (s.sweep.y === undefined) p.set('y', 'none');
  else {
    if (s.sweep.y.path !== d.sweep.y?.path) p.set('yp', s.sweep.y.path);
    if (s.sweep.y.values !== d.sweep.y?.values) p.set('yv', s.sweep.y.values);
  }
  if (s.sweep.metric !== d.sweep.metric) p.set('m', s.sweep.metric);
  if (s.sweep.chart !== d.sweep.chart) p.set('chart', s.sweep.chart);
  if (s.catalog !== d.catalog) p.set('cat', s.catalog);
  if (JSON.stringify(s.require) !== JSON.stringify(d.require)) p.set('rq', JSON.stringify(s.require));
  if (JSON.stringify(s.plan) !== JSON.stringify(d.plan)) p.set('pl', JSON.stringify(s.plan));
  if (JSON.stringify(s.benchmark) !== JSON.stringify(d.benchmark)) p.set('bf', JSON.stringify(s.benchmark));
  const text = p.toString();
  return text === '' ? '' : `#${text}`;
}

/** Reads a URL hash; anything missing or unknown falls back to the default. */
export function decodeState(hash: string): AppState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const d = DEFAULT_STATE;
  const view = p.get('view');
  const compare = [0, 1, 2, 3].map((k) => p.get(`c${k}`)).filter((c): c is string => c !== null);
  const y: AxisState | undefined =
    p.get('y') === 'none'
      ? undefined
      : { path: p.get('yp') ?? d.sweep.y?.path ?? '', values: p.get('yv') ?? d.sweep.y?.values ?? '' };
  const chart = p.get('chart');
  return {
    view: isView(view) ? view : d.view,
    scenario: p.get('s') ?? d.scenario,
    compare: compare.length >= 2 ? compare : d.compare,
    sweep: {
      x: { path: p.get('xp') ?? d.sweep.x.path, values: p.get('xv') ?? d.sweep.x.values },
      ...(y !== undefined ? { y } : {}),
      metric: p.get('m') ?? d.sweep.metric,
      chart: chart === 'heatmap' || chart === 'lines' ? chart : d.sweep.chart,
    },
    catalog: p.get('cat') === 'hardware' ? 'hardware' : 'models',
    require: { ...d.require, ...jsonParam(p.get('rq'), d.require) },
    plan: { ...d.plan, ...jsonParam(p.get('pl'), d.plan) },
    benchmark: benchmarkParam(p.get('bf')),
  };
}

/** The benchmark pickers of a hash; a calibration other than 'none' is the default 'shipped'. */
function benchmarkParam(text: string | null): BenchmarkState {
  const d = DEFAULT_STATE.benchmark;
  const b = { ...d, ...jsonParam(text, d) };
  return { ...b, calibration: b.calibration === 'none' ? 'none' : 'shipped' };
}

/** A JSON object parameter, keeping only the keys of `shape` whose values have the same type. */
function jsonParam<T extends object>(text: string | null, shape: T): Partial<T> {
  if (text === null) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof v !== 'object' || v === null) return {};
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, dv] of Object.entries(shape)) if (typeof src[k] === typeof dv) out[k] = src[k];
  return out as Partial<T>;
}

/** A number as typed, or undefined when empty or not a positive number. */
export function optionalNumber(text: string): number | undefined {
  const v = Number(text.trim());
  return text.trim() === '' || !Number.isFinite(v) || v <= 0 ? undefined : v;
}

/** Comma- or space-separated ids. */
export function idList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Axis values as typed ("1, 2, 4" or "fp8, bf16"): numbers where they parse. */
export function parseValues(text: string): (number | string)[] {
  return text
    .split(/[,\s]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? Number(v) : v));
}

/**
 * Prices as typed, `h100-sxm=2.5, b200=5.5` (USD per device-hour, the CLI's --usd-per-hour): the
 * prices, and the entries that do not read as `id=positive number`.
 */
export function parsePrices(text: string): { prices: Record<string, number>; bad: string[] } {
  const prices: Record<string, number> = {};
  const bad: string[] = [];
  for (const entry of text.split(/[,\s]+/).filter((e) => e !== '')) {
    const [id, usd, ...rest] = entry.split('=');
    const v = Number(usd);
    if (
      id === undefined ||
      id === '' ||
      usd === undefined ||
      rest.length > 0 ||
      !Number.isFinite(v) ||
      v <= 0
    )
      bad.push(entry);
    else prices[id] = v;
  }
  return { prices, bad };
}
