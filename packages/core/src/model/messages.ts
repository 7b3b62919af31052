/** Messages about models: catalog look-ups (and the codes of the Hugging Face importer, model/hf-import.ts). Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';

export type ModelCode =
  | 'model.approximated-field'
  | 'model.defaulted-field'
  | 'model.encoder-unsupported'
  | 'model.invalid-config'
  | 'model.invalid-field'
  | 'model.invalid-spec'
  | 'model.missing-field'
  | 'model.unknown'
  | 'model.unknown-architecture'
  | 'model.unsupported-feature';

const err = (code: ModelCode, message: string, path?: DataPath) => diagnostic('error', code, message, path);
const suggest = (matches: readonly string[]): string =>
  matches.length > 0 ? ` Did you mean ${matches.map((m) => `'${m}'`).join(', ')}?` : '';

export const modelMessages = {
  unknownModel: (id: string, closest: readonly string[]) =>
    err('model.unknown', `Unknown model '${id}'.${suggest(closest)} Run 'ridgeline models' for the list.`, [
      'model',
    ]),
};
