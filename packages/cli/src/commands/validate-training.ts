/**
 * `ridgeline validate` on a training measurement file (the columns of
 * packages/core/data/measurements/training.csv): per source and metric, rows used and skipped,
 * median and p90 absolute error, and the median signed error (bias).
 * `--cross-validate` refits the three global training efficiency parameters without each
 * source and predicts it (leave-one-source-out).
 */
import type { TrainingCrossValidation, TrainingValidationReport } from '@ridgeline/core';
import {
  crossValidateTraining,
  parseTrainingCsv,
  readsAsTrainingCsv,
  validateTrainingRows,
} from '@ridgeline/core';
import { atCsvLine } from '../files.js';
import { num, table } from '../format.js';
import type { Io } from '../io.js';
import { countReasons, failWith, printJson } from './common.js';
import { groupTable, pct } from './validate-tables.js';

/** True when the first line of a CSV names the training columns. */
export function looksLikeTraining(text: string): boolean {
  return readsAsTrainingCsv(text);
}

export function formatTrainingValidation(file: string, r: TrainingValidationReport, worst: number): string {
  const out: string[] = [];
  const t = r.totals;
  out.push(`Ridgeline training predictions against ${file}\n`);
  out.push(
    `${String(t.rows)} rows: ${String(t.used)} predicted, ${String(t.skipped)} skipped. Median over sources of the per-source median ` +
      `absolute error: ${pct(t.medianOfSourceMediansPct)}. The three global training efficiency parameters are fitted on the shipped training.csv (docs/training.md): its rows are predicted in-sample, another file's out of sample; 'ridgeline validate <file> --cross-validate' refits them without each source of the file and gives the leave-one-source-out errors.\n`,
  );
  out.push('\nPer source and metric\n');
  out.push(groupTable(r.groups, true));
  const reasons = countReasons(r.skipped);
  if (reasons.size > 0) {
    out.push('\nSkipped rows, by reason\n');
    out.push(
      table(
        [{ header: 'rows', align: 'right' }, { header: 'reason' }],
        [...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [String(v), k]),
      ),
    );
  }
  if (worst > 0 && r.rows.length > 0) {
    out.push('\nLargest errors\n');
    out.push(
      table(
        [
          { header: 'id' },
          { header: 'metric' },
          { header: 'measured', align: 'right' },
          { header: 'predicted', align: 'right' },
          { header: 'error', align: 'right' },
        ],
        [...r.rows]
          .sort((a, b) => b.errorPct - a.errorPct)
          .slice(0, worst)
          .map((x) => [x.id, x.metric, num(x.measured), num(x.predicted), pct(x.signedErrorPct)]),
      ),
    );
  }
  return out.join('');
}

export function formatTrainingCrossValidation(file: string, cv: TrainingCrossValidation): string {
  const out: string[] = [];
  const f = (e: { gemmScale: number; attentionScale: number; overlapSlowdown: number }) =>
    `gemmScale ${num(e.gemmScale)}, attentionScale ${num(e.attentionScale)}, overlapSlowdown ${num(e.overlapSlowdown)}`;
  out.push(`Leave-one-source-out cross-validation of the training efficiency parameters on ${file}\n`);
  out.push(
    `Fitted on all sources: ${f(cv.fitted)}. For each source the parameters are refitted without its rows and the source ` +
      `is predicted with them (held-out: the figure to quote). Median over sources of the per-source median error: ` +
      `shipped defaults ${pct(cv.defaults.totals.medianOfSourceMediansPct)}, in-sample ${pct(cv.inSample.totals.medianOfSourceMediansPct)}, ` +
      `held-out ${pct(cv.heldOut.totals.medianOfSourceMediansPct)}.\n`,
  );
  out.push('\nPer source and metric (median absolute error)\n');
  out.push(
    table(
      [
        { header: 'source' },
        { header: 'metric' },
        { header: 'rows', align: 'right' },
        { header: 'defaults', align: 'right' },
        { header: 'in-sample', align: 'right' },
        { header: 'held-out', align: 'right' },
        { header: 'held-out bias', align: 'right' },
      ],
      cv.heldOut.groups.map((g) => {
        const d = cv.defaults.groups.find((x) => x.source === g.source && x.metric === g.metric);
        const i = cv.inSample.groups.find((x) => x.source === g.source && x.metric === g.metric);
        return [
          g.source,
          g.metric,
          String(g.used),
          pct(d?.medianErrorPct ?? null),
          pct(i?.medianErrorPct ?? null),
          pct(g.medianErrorPct),
          pct(g.medianSignedErrorPct),
        ];
      }),
    ),
  );
  const c = cv.coverage;
  out.push(
    `\nBand coverage: each row's p10–p90 band drawn from the other sources' held-out errors (as 'ridgeline train' shows them) ` +
      `holds the measured value for ${pct(c.perRow === null ? null : 100 * c.perRow)} of rows, ${pct(c.perSourceMean === null ? null : 100 * c.perSourceMean)} per source (target 80%).\n`,
  );
  out.push(
    table(
      [
        { header: 'source' },
        { header: 'band' },
        { header: 'rows', align: 'right' },
        { header: 'inside', align: 'right' },
        { header: 'coverage', align: 'right' },
      ],
      c.groups.map((g) => [g.source, g.metricClass, String(g.rows), String(g.inside), pct(100 * g.fraction)]),
    ),
  );
  out.push('\nParameters refitted without each source\n');
  out.push(
    table(
      [{ header: 'held-out source' }, { header: 'parameters' }],
      Object.entries(cv.heldOutParameters).map(([s, e]) => [s, f(e)]),
    ),
  );
  return out.join('');
}

export function runTrainingValidation(
  io: Io,
  shown: string,
  text: string,
  json: boolean,
  worst: number,
  crossValidate = false,
): void {
  const parsed = parseTrainingCsv(text);
  if (!parsed.ok)
    failWith(
      io,
      parsed.diagnostics.map((d) => atCsvLine(shown, d)),
      json,
    );
  if (crossValidate) {
    const cv = crossValidateTraining(parsed.value);
    if (json) printJson(io, { file: shown, kind: 'training', ...cv });
    else io.stdout(formatTrainingCrossValidation(shown, cv));
    return;
  }
  const report = validateTrainingRows(parsed.value);
  if (json) printJson(io, { file: shown, kind: 'training', ...report });
  else io.stdout(formatTrainingValidation(shown, report, worst));
}
