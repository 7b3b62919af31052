import { describe, expect, it } from 'vitest';
import { hardwareName, modelName } from './read.js';

describe('catalog names in benchmark files', () => {
  it('reads an alias as its catalog id, with a note', () => {
    const notes: string[] = [];
    expect(modelName(' meta-llama/Llama-3.3-70B-Instruct ', notes)).toBe('llama-3.3-70b');
    expect(notes).toEqual([
      "model 'meta-llama/Llama-3.3-70B-Instruct' read as catalog model 'llama-3.3-70b'",
    ]);
  });

  it('keeps a catalog id without a note, and a name the catalog lacks as written, noted', () => {
    const notes: string[] = [];
    expect(hardwareName('h100-sxm', notes)).toBe('h100-sxm');
    expect(hardwareName('my-accelerator', notes)).toBe('my-accelerator');
    expect(notes).toEqual(["hardware 'my-accelerator' is not in the catalog; kept as written"]);
  });

  it('reads an empty name, and N/A for hardware, as not stated', () => {
    const notes: string[] = [];
    expect(modelName('  ', notes)).toBeUndefined();
    expect(hardwareName('N/A', notes)).toBeUndefined();
    expect(notes).toEqual([]);
  });
});
