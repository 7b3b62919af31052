/** Messages of the input reader (YAML/JSON text to data). */
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export type InputCode =
  'file.syntax' | 'file.unreadable' | 'file.unwritable' | 'file.not-found' | 'file.not-an-object';

const err = (code: InputCode, message: string): Diagnostic => ({ code, severity: 'error', message });

export const inputMessages = {
  syntax: (kind: 'JSON' | 'YAML', message: string) => err('file.syntax', `${kind} syntax: ${message}`),
  unreadable: (name: string, reason: string) => err('file.syntax', `cannot read ${name}: ${reason}`),
};
