/**
 * The form and the editor edit the same YAML text: the form reads fields from it and writes
 * them back in place (comments and layout kept).
 */
import { parseDocument as parseYamlDocument, isMap } from 'yaml';

/** The value at a dotted path, or undefined when the text does not parse or lacks it. */
export function readField(text: string, path: string): unknown {
  const doc = parseYamlDocument(text);
  if (doc.errors.length > 0) return undefined;
  const v: unknown = doc.getIn(path.split('.'));
  return typeof v === 'object' && v !== null && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
}

/** Sets (or with undefined, deletes) the field at a dotted path; text that does not parse is returned as is. */
export function writeField(text: string, path: string, value: unknown): string {
  const doc = parseYamlDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  const keys = path.split('.');
  if (value === undefined) doc.deleteIn(keys);
  else doc.setIn(keys, value);
  return doc.toString({ flowCollectionPadding: true, lineWidth: 0 });
}

/** A pasted or uploaded Hugging Face config.json becomes the scenario's model. */
export function withModelConfig(text: string, configJson: string): { text: string } | { error: string } {
  let config: unknown;
  try {
    config = JSON.parse(configJson);
  } catch (e) {
    return { error: `config.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    return { error: 'config.json must hold a JSON object' };
  const doc = parseYamlDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return { error: 'fix the scenario text first' };
  doc.set('model', doc.createNode(config, { flow: false }));
  return { text: doc.toString({ lineWidth: 0 }) };
}
