/** `ridgeline models`: the model catalog, with what is left out of it and why. */
import type { Command } from 'commander';
import { MISSING_MODELS, MODEL_CATALOG, REFUSED_MODELS, countParams, modelIds } from '@ridgeline/core';
import { num, table } from '../format.js';
import type { Io } from '../io.js';
import { printJson } from './common.js';

interface ModelsOptions {
  readonly json?: boolean;
}

function runModels(io: Io, o: ModelsOptions): void {
  const rows = modelIds().flatMap((id) => {
    const m = MODEL_CATALOG.get(id);
    if (m === undefined) return [];
    const params = countParams(m);
    return [
      {
        id,
        name: m.name,
        totalParams: params.total,
        activeParams: params.activePerToken,
        provenance: m.provenance.kind,
      },
    ];
  });
  if (o.json === true) {
    printJson(io, {
      models: rows,
      refused: REFUSED_MODELS.map((r) => ({ id: r.id, hfRepo: r.hfRepo, reason: r.reason })),
      missing: MISSING_MODELS,
    });
    return;
  }
  io.stdout(
    table(
      [
        { header: 'id' },
        { header: 'name' },
        { header: 'params (B)', align: 'right' },
        { header: 'active (B)', align: 'right' },
        { header: 'provenance' },
      ],
      rows.map((r) => [r.id, r.name, num(r.totalParams / 1e9), num(r.activeParams / 1e9), r.provenance]),
      '',
    ),
  );
  const left = [
    ...REFUSED_MODELS.map((r) => `note: ${r.id} is not in the catalog: ${r.reason}\n`),
    ...MISSING_MODELS.map((r) => `note: ${r.id} is not in the catalog: ${r.reason}\n`),
  ];
  if (left.length > 0) io.stdout('\n' + left.join(''));
}

export function registerModels(program: Command, io: Io): void {
  program
    .command('models')
    .description('list the model catalog')
    .option('--json', 'print as JSON')
    .action((options: ModelsOptions) => {
      runModels(io, options);
    });
}
