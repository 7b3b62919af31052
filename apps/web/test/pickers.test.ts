import { ENGINE_IDS, ENGINE_REFS, NUMERIC_FORMATS, engineReleaseRefs } from '@ridgeline/core';
import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '../src/lib/state';
import { app, shared } from '../src/lib/store.svelte';
import Estimate from '../src/views/Estimate.svelte';
import { catalogs } from '../src/worker/engine';

/** The options of the Estimate view's select in the label `label`, and the one selected. */
function picker(label: string): { options: string[]; selected: string[] } {
  const body = render(Estimate).body;
  const select = new RegExp(`>${label}\\s*<select[^>]*>([\\s\\S]*?)</select>`).exec(body)?.[1];
  expect(select, `a select labelled ${label}`).toBeDefined();
  const options = [...(select ?? '').matchAll(/<option value="([^"]*)"( selected="")?/g)];
  return {
    options: options.map((m) => m[1] ?? ''),
    selected: options.filter((m) => m[2] !== undefined).map((m) => m[1] ?? ''),
  };
}

describe('Estimate pickers take their lists from core', () => {
  afterEach(() => {
    shared.catalogs = undefined;
    app.scenario = DEFAULT_SCENARIO;
  });

  it("the engine picker offers exactly core's engine references, releases with a profile included", () => {
    shared.catalogs = catalogs();
    const { options, selected } = picker('Engine');
    expect(options).toEqual([...ENGINE_REFS]);
    for (const id of ENGINE_IDS) expect(options).toEqual(expect.arrayContaining(engineReleaseRefs(id)));
    expect(options).toEqual(
      expect.arrayContaining(['trtllm@0.6.1', 'trtllm@0.17', 'sglang@0.5.9', 'sglang@0.5.12']),
    );
    expect(selected).toEqual(['vllm']);
  });

  it("a scenario without an engine shows core's default engine, the one it runs", () => {
    shared.catalogs = catalogs();
    app.scenario = DEFAULT_SCENARIO.replace('engine: vllm\n', '');
    expect(picker('Engine').selected).toEqual([catalogs().defaultEngine]);
    expect(catalogs().defaultEngine).toBe('vllm');
  });

  it('before the catalogs arrive, a picker offers only the value shown (no copy of a core list)', () => {
    app.scenario = DEFAULT_SCENARIO.replace('engine: vllm', 'engine: trtllm@0.6.1');
    expect(picker('Engine')).toEqual({ options: ['trtllm@0.6.1'], selected: ['trtllm@0.6.1'] });
    app.scenario = DEFAULT_SCENARIO.replace('engine: vllm\n', '');
    expect(picker('Engine').options).toEqual([]);
  });

  it("the precision pickers offer exactly core's numeric formats", () => {
    shared.catalogs = catalogs();
    const { options, selected } = picker('Weights');
    expect(options).toEqual([...NUMERIC_FORMATS]);
    expect(selected).toEqual(['fp8']);
  });
});
