/**
 * The CSV twins of the genai-perf and AIPerf JSON exports: a block of per-request metrics
 * (`Metric,avg,min,max,...`, labels with the unit in parentheses, genai-perf cells formatted
 * `f"{value:,.2f}"` so "1,019.69" arrives quoted with a thousands separator), a blank line, then
 * a `Metric,Value` block of run-level values. AIPerf 0.12 appends a GPU telemetry block, ignored.
 * Neither CSV names the model or the load; the JSON written beside it does.
 */
import type { RawRecord } from './csv.js';
import { splitCsvRecords } from './csv.js';
import type { Location } from './messages.js';
import { importMessages } from './messages.js';
import type { Loose } from './read.js';
import {
  fieldColumns,
  latency,
  msPerUnit,
  parseNumberText,
  positiveInt,
  prune,
  wholeTokens,
} from './read.js';
import { deriveTotal } from './profile-export.js';
import type {
  LatencyStats,
  MeasuredMetrics,
  MeasurementDiagnostic,
  MeasurementRecord,
  ScenarioFragment,
} from './types.js';

export type ProfileCsvTool = 'genai-perf' | 'aiperf';

interface Row {
  readonly line: number;
  readonly label: string;
  /** Lower-case label without its parenthesized unit. */
  readonly name: string;
  readonly unit: string | undefined;
  readonly cells: readonly string[];
}

/** The tool whose CSV this is, from the first block's header; undefined if not a profile CSV. */
export function profileCsvTool(text: string): ProfileCsvTool | undefined {
  const first = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').trim();
  if (!/^Metric,avg,/i.test(first)) return undefined;
  return /,(sum|p1),/i.test(first) ? 'aiperf' : 'genai-perf';
}

/** The blocks of a profile CSV, and what reading their cells found. */
interface Cells {
  readonly file: string;
  readonly sourceLines: readonly string[];
  /** Column names of the first block's header (the stats block). */
  readonly columns: readonly string[];
  readonly stats: readonly Row[];
  readonly values: readonly Row[];
  readonly errors: MeasurementDiagnostic[];
  readonly warnings: MeasurementDiagnostic[];
}

/**
 * The rows of the stats and value blocks. Blocks start at a header whose first cell is "Metric";
 * the telemetry block (first cell "Endpoint") ends reading.
 */
function readBlocks(
  file: string,
  records: readonly RawRecord[],
  errors: MeasurementDiagnostic[],
): { stats: Row[]; values: Row[] } {
  let header: readonly string[] | undefined;
  const stats: Row[] = [];
  const values: Row[] = [];
  for (const rec of records) {
    const first = (rec.fields[0] ?? '').trim();
    if (/^metric$/i.test(first)) {
      header = rec.fields.map((f) => f.trim().toLowerCase());
      continue;
    }
    if (/^endpoint$/i.test(first)) break;
    if (header === undefined) {
      errors.push(
        importMessages.missingField({ file, line: rec.line }, "a header line starting with 'Metric'"),
      );
      break;
    }
    const m = /^(.*?)\s*(?:\(([^()]*)\))?$/.exec(first);
    const name = (m?.[1] ?? first).toLowerCase();
    const row: Row = { line: rec.line, label: first, name, unit: m?.[2], cells: rec.fields };
    (header[1] === 'value' ? values : stats).push(row);
    if (header.length !== rec.fields.length) {
      errors.push(
        importMessages.syntax(
          { file, line: rec.line },
          'CSV',
          `expected ${String(header.length)} fields (as in the block's header), found ${String(rec.fields.length)}`,
        ),
      );
    }
  }
  return { stats, values };
}

function cellAt(c: Cells, line: number, index: number, field: string): Location {
  const column = fieldColumns((c.sourceLines[line - 1] ?? '').replace(/\r$/, ''))[index];
  return column === undefined ? { file: c.file, line, field } : { file: c.file, line, column, field };
}

/** A cell as a number; blank cells (stats a metric lacks) are undefined. */
function cell(c: Cells, row: Row, index: number, column: string): number | undefined {
  const raw = row.cells[index];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = parseNumberText(raw);
  const at = cellAt(c, row.line, index, `${row.label} ${column}`);
  if (n === undefined) {
    c.errors.push(importMessages.wrongType(at, 'a number', raw));
    return undefined;
  }
  if (!Number.isFinite(n)) {
    c.warnings.push(importMessages.nonFinite(at, raw));
    return undefined;
  }
  if (n < 0) {
    c.errors.push(importMessages.negative(at, n));
    return undefined;
  }
  return n;
}

function columnOf(c: Cells, name: string): number | undefined {
  const i = c.columns.indexOf(name);
  return i < 0 ? undefined : i;
}

/** A time metric's stats row, in ms. */
function timeRow(c: Cells, name: string): LatencyStats | undefined {
  const row = c.stats.find((r) => r.name === name);
  if (row === undefined) return undefined;
  const per = msPerUnit(row.unit ?? 'ms');
  if (per === undefined) {
    c.errors.push(
      importMessages.unknownUnit(
        { file: c.file, line: row.line, column: 1, field: row.label },
        row.unit ?? '',
        'a time unit',
      ),
    );
    return undefined;
  }
  const read = (stat: string) => {
    const i = columnOf(c, stat);
    const v = i === undefined ? undefined : cell(c, row, i, stat);
    return v === undefined ? undefined : v * per;
  };
  return latency({ mean: read('avg'), p50: read('p50'), p90: read('p90'), p99: read('p99') });
}

function avgRow(c: Cells, name: string): number | undefined {
  const row = c.stats.find((r) => r.name === name);
  const i = columnOf(c, 'avg');
  return row === undefined || i === undefined ? undefined : cell(c, row, i, 'avg');
}

function blockValue(c: Cells, name: string): number | undefined {
  const row = c.values.find((r) => r.name === name);
  return row === undefined ? undefined : cell(c, row, 1, 'Value');
}

export function importProfileCsv(
  tool: ProfileCsvTool,
  file: string,
  text: string,
): { records: MeasurementRecord[]; diagnostics: MeasurementDiagnostic[] } {
  const split = splitCsvRecords(text);
  const errors: MeasurementDiagnostic[] = split.diagnostics.map((d) => {
    const line = typeof d.path?.[0] === 'number' ? d.path[0] : undefined;
    const at: Location = line === undefined ? { file } : { file, line };
    return importMessages.syntax(at, 'CSV', d.message.replace(/^line \d+: /, ''));
  });
  const { stats, values } = readBlocks(file, split.records, errors);
  if (errors.length > 0) return { records: [], diagnostics: errors };
  // Column positions come from the first block's header (the stats block).
  const firstHeader = split.records.find((r) => /^metric$/i.test((r.fields[0] ?? '').trim()));
  const columns = (firstHeader?.fields ?? []).map((f) => f.trim().toLowerCase());
  const c: Cells = { file, sourceLines: text.split('\n'), columns, stats, values, errors, warnings: [] };

  const notes: string[] = [];
  const ttft = timeRow(c, 'time to first token');
  const tpot = timeRow(c, 'inter token latency');
  const itl = tool === 'aiperf' ? timeRow(c, 'inter chunk latency') : undefined;
  const e2e = timeRow(c, 'request latency');
  const isl = avgRow(c, 'input sequence length');
  const osl = avgRow(c, 'output sequence length');
  const outputTps = blockValue(c, 'output token throughput');
  const requestsPerSec = blockValue(c, 'request throughput');
  let totalTps = blockValue(c, 'total token throughput');
  const count = blockValue(c, 'request count');

  if (ttft !== undefined) notes.push('TTFT from the "Time To First Token" row');
  if (tpot !== undefined) {
    notes.push(
      `TPOT from the "Inter Token Latency" row: ${tool}'s per-request (latency − ttft)/(output tokens − 1)`,
    );
  }
  if (itl !== undefined)
    notes.push('ITL from the "Inter Chunk Latency" row (gaps between streamed chunks, pooled)');
  if (tool === 'genai-perf')
    notes.push('no ITL: genai-perf does not export the gaps between streamed chunks');
  if (e2e !== undefined) notes.push('E2E latency from the "Request Latency" row');
  if (totalTps === undefined) totalTps = deriveTotal(outputTps, requestsPerSec, isl, notes);
  notes.push(
    'the CSV names neither the model nor the load (concurrency, rate): import the JSON export for those',
  );

  const inputTokens = wholeTokens(isl, 'input tokens (Input Sequence Length avg)', notes);
  const outputTokens = wholeTokens(osl, 'output tokens (Output Sequence Length avg)', notes);
  if (c.errors.length > 0) return { records: [], diagnostics: [...c.errors, ...c.warnings] };

  const metrics = prune<MeasuredMetrics>({
    ttftMs: ttft,
    tpotMs: tpot,
    itlMs: itl,
    e2eLatencyMs: e2e,
    outputTokensPerSec: outputTps,
    totalTokensPerSec: totalTps,
    requestsPerSec,
  });
  if (Object.keys(metrics).length === 0) {
    return { records: [], diagnostics: [importMessages.noMetrics({ file }, tool), ...c.warnings] };
  }
  const workload = prune<ScenarioFragment['workload']>({
    inputTokens,
    outputTokens,
    requests: positiveInt(count),
  } satisfies Loose<ScenarioFragment['workload']>);
  return { records: [{ tool, file, scenario: { workload }, metrics, notes }], diagnostics: c.warnings };
}
