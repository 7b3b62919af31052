/**
 * The CSV twins of the genai-perf and AIPerf JSON exports: a block of per-request metrics
 * (`Metric,avg,min,max,...`, labels with the unit in parentheses, genai-perf cells formatted
 * `f"{value:,.2f}"` so "1,019.69" arrives quoted with a thousands separator), a blank line, then
 * a `Metric,Value` block of run-level values. AIPerf 0.12 appends a GPU telemetry block, ignored.
 * Neither CSV names the model or the load; the JSON written beside it does.
 */
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
  const sourceLines = text.split('\n');
  const cellAt = (line: number, index: number, field: string): Location => {
    const column = fieldColumns((sourceLines[line - 1] ?? '').replace(/\r$/, ''))[index];
    return column === undefined ? { file, line, field } : { file, line, column, field };
  };

  // Blocks start at a header whose first cell is "Metric"; the telemetry block (first cell "Endpoint") ends reading.
  let header: readonly string[] | undefined;
  const stats: Row[] = [];
  const values: Row[] = [];
  for (const rec of split.records) {
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
  if (errors.length > 0) return { records: [], diagnostics: errors };

  const warnings: MeasurementDiagnostic[] = [];
  /** A cell as a number; blank cells (stats a metric lacks) are undefined. */
  const cell = (row: Row, index: number, column: string): number | undefined => {
    const raw = row.cells[index];
    if (raw === undefined || raw.trim() === '') return undefined;
    const n = parseNumberText(raw);
    const at = cellAt(row.line, index, `${row.label} ${column}`);
    if (n === undefined) {
      errors.push(importMessages.wrongType(at, 'a number', raw));
      return undefined;
    }
    if (!Number.isFinite(n)) {
      warnings.push(importMessages.nonFinite(at, raw));
      return undefined;
    }
    if (n < 0) {
      errors.push(importMessages.negative(at, n));
      return undefined;
    }
    return n;
  };

  // Column positions come from the first block's header (the stats block).
  const firstHeader = split.records.find((r) => /^metric$/i.test((r.fields[0] ?? '').trim()));
  const columns = (firstHeader?.fields ?? []).map((f) => f.trim().toLowerCase());
  const col = (name: string) => {
    const i = columns.indexOf(name);
    return i < 0 ? undefined : i;
  };
  const find = (rows: readonly Row[], name: string) => rows.find((r) => r.name === name);

  const timeRow = (name: string): LatencyStats | undefined => {
    const row = find(stats, name);
    if (row === undefined) return undefined;
    const per = msPerUnit(row.unit ?? 'ms');
    if (per === undefined) {
      errors.push(
        importMessages.unknownUnit(
          { file, line: row.line, column: 1, field: row.label },
          row.unit ?? '',
          'a time unit',
        ),
      );
      return undefined;
    }
    const read = (stat: string) => {
      const i = col(stat);
      const v = i === undefined ? undefined : cell(row, i, stat);
      return v === undefined ? undefined : v * per;
    };
    return latency({ mean: read('avg'), p50: read('p50'), p90: read('p90'), p99: read('p99') });
  };
  const avgRow = (name: string): number | undefined => {
    const row = find(stats, name);
    const i = col('avg');
    return row === undefined || i === undefined ? undefined : cell(row, i, 'avg');
  };
  const value = (name: string): number | undefined => {
    const row = find(values, name);
    return row === undefined ? undefined : cell(row, 1, 'Value');
  };

  const notes: string[] = [];
  const ttft = timeRow('time to first token');
  const tpot = timeRow('inter token latency');
  const itl = tool === 'aiperf' ? timeRow('inter chunk latency') : undefined;
  const e2e = timeRow('request latency');
  const isl = avgRow('input sequence length');
  const osl = avgRow('output sequence length');
  const outputTps = value('output token throughput');
  const requestsPerSec = value('request throughput');
  let totalTps = value('total token throughput');
  const count = value('request count');

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
  if (errors.length > 0) return { records: [], diagnostics: [...errors, ...warnings] };

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
    return { records: [], diagnostics: [importMessages.noMetrics({ file }, tool), ...warnings] };
  }
  const workload = prune<ScenarioFragment['workload']>({
    inputTokens,
    outputTokens,
    requests: positiveInt(count),
  } satisfies Loose<ScenarioFragment['workload']>);
  return { records: [{ tool, file, scenario: { workload }, metrics, notes }], diagnostics: warnings };
}
