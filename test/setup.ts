/** Fails any test that writes to the console: core returns data, it never prints. */
import type { MockInstance } from 'vitest';
import { afterEach, beforeEach, vi } from 'vitest';

const methods = ['log', 'warn', 'error', 'info'] as const;
const spies: MockInstance[] = [];

beforeEach(() => {
  for (const m of methods) spies.push(vi.spyOn(console, m));
});

afterEach(() => {
  const calls = spies.reduce((n, s) => n + s.mock.calls.length, 0);
  for (const s of spies.splice(0)) s.mockRestore();
  if (calls > 0) throw new Error(`test wrote to the console (${String(calls)} calls)`);
});
