import { describe, expect, it } from 'vitest';
import { readField, withModelConfig, writeField } from '../src/lib/scenario-text';

const TEXT =
  '# my scenario\nmodel: llama-3.1-8b # the model\nworkload: { inputTokens: 128, outputTokens: 16, batch: 4 }\n';

describe('scenario text', () => {
  it('reads fields by dotted path', () => {
    expect(readField(TEXT, 'model')).toBe('llama-3.1-8b');
    expect(readField(TEXT, 'workload.batch')).toBe(4);
    expect(readField(TEXT, 'workload')).toEqual({ inputTokens: 128, outputTokens: 16, batch: 4 });
    expect(readField('model: [', 'model')).toBeUndefined();
  });

  it('writes fields in place, keeping comments', () => {
    const out = writeField(TEXT, 'workload.batch', 64);
    expect(out).toContain('# my scenario');
    expect(out).toContain('# the model');
    expect(readField(out, 'workload.batch')).toBe(64);
    expect(readField(writeField(out, 'parallelism.tp', 2), 'parallelism.tp')).toBe(2);
    expect(readField(writeField(out, 'workload.batch', undefined), 'workload.batch')).toBeUndefined();
  });

  it('leaves text that does not parse alone', () => {
    expect(writeField('model: [', 'gpus', 2)).toBe('model: [');
  });

  it('puts a config.json under model, or says why not', () => {
    const out = withModelConfig(TEXT, '{"architectures":["LlamaForCausalLM"],"hidden_size":64}');
    expect('text' in out && readField(out.text, 'model.architectures')).toEqual(['LlamaForCausalLM']);
    expect(withModelConfig(TEXT, '{nope')).toMatchObject({
      error: expect.stringMatching(/not valid JSON/) as unknown,
    });
    expect(withModelConfig(TEXT, '[1]')).toEqual({ error: 'config.json must hold a JSON object' });
  });
});
