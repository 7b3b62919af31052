/** Messages about models: catalog look-ups (and the codes of the Hugging Face importer, model/hf-import.ts). Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/closest.js';

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

export const modelMessages = {
  unknownModel: (id: string, closest: readonly string[]) =>
    err(
      'model.unknown',
      `Unknown model '${id}'.${didYouMean(closest)} Run 'ridgeline models' for the list.` +
        // An org/name id looks like a Hugging Face repo: Ridgeline runs offline, it reads the config.
        (id.includes('/')
          ? ` A Hugging Face repo id is not downloaded (Ridgeline works offline): download the repo's config.json and give its path, or the directory holding it.`
          : ''),
      ['model'],
    ),
};
