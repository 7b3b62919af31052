/**
 * The reference measurement CSV (packages/core/data/measurements/reference.csv): one published
 * number per row, read by the same parser `ridgeline validate` uses. Rows of serving metrics
 * (throughput, TTFT, TPOT, latency) become records; kernel, collective and training rows are
 * counted and left to `validate`. Free-text cells are read the way validate reads them.
 */
import type { MeasurementRow } from './csv.js';
import { parseMeasurementCsv } from './csv.js';
import { engineOf, formatOf, intCell, resolveRowModel } from './resolve.js';
import type { Location } from './messages.js';
import { importMessages } from './messages.js';
import type { Loose } from './read.js';
import { catalogIdOrName, fieldColumns, hardwareName, prune } from './read.js';
import type { MeasuredMetrics, MeasurementDiagnostic, MeasurementRecord, ScenarioFragment } from './types.js';

/** Serving metrics of the reference CSV and where each goes. */
const SERVING_METRICS: Readonly<Record<string, (v: number) => MeasuredMetrics>> = {
  output_tok_s: (v) => ({ outputTokensPerSec: v }),
  total_tok_s: (v) => ({ totalTokensPerSec: v }),
  req_s: (v) => ({ requestsPerSec: v }),
  ttft_ms: (v) => ({ ttftMs: { mean: v } }),
  tpot_ms: (v) => ({ tpotMs: { mean: v } }),
  itl_ms: (v) => ({ itlMs: { mean: v } }),
  e2e_latency_ms: (v) => ({ e2eLatencyMs: { mean: v } }),
};

/** True when the CSV header names the reference columns. */
export function isReferenceCsv(text: string): boolean {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const cols = header.split(',').map((c) => c.trim());
  return ['id', 'metric', 'value'].every((c) => cols.includes(c));
}

function modelOf(row: MeasurementRow, notes: string[]): string | undefined {
  const raw = row.model.trim();
  if (raw === '' || /^n\/?a$/i.test(raw)) return undefined;
  return catalogIdOrName('model', raw, resolveRowModel(raw), notes);
}

function importRow(
  file: string,
  row: MeasurementRow,
  warnings: MeasurementDiagnostic[],
): MeasurementRecord | undefined {
  const notes: string[] = [`reference row ${row.id}: ${row.source}`];
  const gpus = intCell(row.numGpus);
  let metric = row.metric;
  let value = row.value;
  // As validate reads them: per-GPU rows, and the TRT-LLM table whose notes say it is per GPU.
  const perGpu =
    metric === 'output_tok_s_per_gpu' ||
    (metric === 'output_tok_s' && /per-GPU or total is not stated/i.test(row.notes));
  if (perGpu) {
    if (gpus === undefined) {
      warnings.push(
        importMessages.rowUnusable(
          { file, line: row.line, field: 'num_gpus' },
          `a per-GPU throughput needs num_gpus, got '${row.numGpus}'`,
        ),
      );
      return undefined;
    }
    notes.push(`per-GPU output tokens/s × ${String(gpus)} GPUs = system output tokens/s`);
    metric = 'output_tok_s';
    value = row.value * gpus;
  }
  const toMetrics = SERVING_METRICS[metric];
  if (toMetrics === undefined) return undefined;
  if (metric.endsWith('_ms')) notes.push('a single published latency, read as the mean');

  const engine = engineOf(row.framework);
  const weights = formatOf(row.precisionWeights);
  const kvCache = formatOf(row.precisionKv);
  const precision = prune<NonNullable<ScenarioFragment['precision']>>({ weights, kvCache });
  const cell = row.batchOrConcurrency.trim();
  const batch = intCell(cell);
  const maxThroughput = batch === undefined && /^max\b/i.test(cell) ? true : undefined;
  if (batch !== undefined)
    notes.push('batch_or_concurrency read as a static batch, as ridgeline validate reads it');
  else if (maxThroughput === true) notes.push(`batch_or_concurrency '${cell}': max throughput`);
  else if (cell !== '') notes.push(`batch_or_concurrency '${cell}' not read`);

  const workload = prune<ScenarioFragment['workload']>({
    inputTokens: intCell(row.inputLen),
    outputTokens: intCell(row.outputLen),
    batch,
    maxThroughput,
  } satisfies Loose<ScenarioFragment['workload']>);
  const scenario = prune<ScenarioFragment>({
    model: modelOf(row, notes),
    hardware: hardwareName(row.hardware, notes),
    gpus,
    tp: intCell(row.tp),
    pp: intCell(row.pp),
    engine: engine === 'ideal' ? undefined : engine,
    precision: Object.keys(precision).length > 0 ? precision : undefined,
    workload,
  } satisfies Loose<ScenarioFragment>);
  return { tool: 'reference-csv', file, line: row.line, scenario, metrics: toMetrics(value), notes };
}

export function importReferenceCsv(
  file: string,
  text: string,
): { records: MeasurementRecord[]; diagnostics: MeasurementDiagnostic[] } {
  const parsed = parseMeasurementCsv(text);
  if (!parsed.ok) {
    const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').split(',').map((c) => c.trim());
    const lines = text.split('\n');
    return {
      records: [],
      diagnostics: parsed.diagnostics.map((d) => {
        const line = typeof d.path?.[0] === 'number' ? d.path[0] : undefined;
        const detail = d.message.replace(/^line \d+: /, '');
        // Point at the value or id cell when the problem is one of them.
        const field = /^value '/.test(detail) ? 'value' : /^the id field/.test(detail) ? 'id' : undefined;
        const index = field === undefined ? -1 : header.indexOf(field);
        const column =
          line === undefined || index < 0
            ? undefined
            : fieldColumns((lines[line - 1] ?? '').replace(/\r$/, ''))[index];
        const at: Location = prune<Location>({ file, line, column, field });
        return importMessages.csv(at, detail);
      }),
    };
  }
  const records: MeasurementRecord[] = [];
  const warnings: MeasurementDiagnostic[] = [];
  const skipped = new Map<string, { rows: number; firstLine: number }>();
  for (const row of parsed.value) {
    const record = importRow(file, row, warnings);
    if (record !== undefined) {
      records.push(record);
      continue;
    }
    if (SERVING_METRICS[row.metric] !== undefined || row.metric === 'output_tok_s_per_gpu') continue;
    const s = skipped.get(row.metric);
    if (s === undefined) skipped.set(row.metric, { rows: 1, firstLine: row.line });
    else skipped.set(row.metric, { rows: s.rows + 1, firstLine: s.firstLine });
  }
  const infos = [...skipped].map(([metric, s]) =>
    importMessages.rowsSkipped(file, metric, s.rows, s.firstLine),
  );
  return { records, diagnostics: [...warnings, ...infos] };
}
