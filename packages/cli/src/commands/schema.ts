/** `ridgeline schema`: the JSON Schema of scenario files, for editors (docs/scenario.md). */
import type { Command } from 'commander';
import { scenarioJsonSchema } from '@ridgeline/core';
import type { Io } from '../io.js';
import { printJson } from './common.js';

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (YAML or JSON)')
    .addHelpText(
      'after',
      `
Then, as the first line of a scenario YAML file, for editors with the YAML language server:
  # yaml-language-server: $schema=./scenario.schema.json`,
    )
    .action(() => {
      printJson(io, scenarioJsonSchema());
    });
}
