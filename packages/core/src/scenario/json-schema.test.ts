import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema, staleScenarioDescriptions } from './json-schema.js';
import { ScenarioSchema } from './schema.js';

describe('scenarioJsonSchema', () => {
  const schema = scenarioJsonSchema();
  const properties = schema.properties as Record<string, Record<string, unknown>>;

  it('has every top-level field of the zod schema, and only model, hardware and workload are required', () => {
    expect(Object.keys(properties).sort()).toEqual(Object.keys(ScenarioSchema.shape).sort());
    expect(schema.required).toEqual(['model', 'hardware', 'workload']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('describes every top-level field, and every description names a field', () => {
    for (const [key, value] of Object.entries(properties)) {
      expect(typeof value.description, key).toBe('string');
    }
    expect(staleScenarioDescriptions()).toEqual([]);
  });

  it('states defaults and bounds as the zod schema does', () => {
    const workload = properties.workload?.properties as Record<string, Record<string, unknown>>;
    expect(workload.inputTokens).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(workload.inputTokens).not.toHaveProperty('maximum');
    expect(properties.engine?.enum).toEqual([
      'ideal',
      'vllm',
      'trtllm',
      'sglang',
      'trtllm@0.6.1',
      'trtllm@0.17',
      'sglang@0.5.9',
      'sglang@0.5.12',
    ]);
    expect(properties.engine).toHaveProperty('default');
  });

  it('lets an inline model or hardware object leave out id and name (the CLI fills them in)', () => {
    const hardware = properties.hardware?.anyOf as Record<string, unknown>[];
    const inline = hardware.find((b) => b.type === 'object');
    expect(inline?.required).not.toContain('id');
    expect(inline?.required).not.toContain('name');
  });
});
