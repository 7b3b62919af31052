/** scenario.schema.json at the repository root is what `ridgeline schema` prints today. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { captureIo } from './io.js';
import { run } from './main.js';

const COMMITTED = new URL('../../../scenario.schema.json', import.meta.url);

describe('ridgeline schema', () => {
  it('prints the committed scenario.schema.json (regenerate with `npm run schema`)', async () => {
    const io = captureIo();
    expect(await run(['schema'], io)).toBe(0);
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(
      io.out() === committed,
      'scenario.schema.json is out of date: run `npm run schema` and commit the result',
    ).toBe(true);
    expect(JSON.parse(io.out())).toHaveProperty('title', 'Ridgeline scenario');
  });

  it('shows an example in its help', async () => {
    const io = captureIo();
    expect(await run(['schema', '--help'], io)).toBe(0);
    expect(io.out()).toContain('ridgeline schema > scenario.schema.json');
    expect(io.out()).toContain('yaml-language-server: $schema=');
  });
});
