/** Fails any test that writes to the console: core returns data, it never prints. */
import { afterEach, beforeEach, vi } from 'vitest';

const methods = ['log', 'warn', 'error', 'info'] as const;

beforeEach(() => {
  for (const m of methods) vi.spyOn(console, m);
});

afterEach(() => {
  for (const m of methods) {
    const spy = console[m] as unknown as { mock: { calls: unknown[][] } };
    const calls = spy.mock.calls.length;
    vi.mocked(console[m]).mockRestore();
    if (calls > 0) throw new Error(`test wrote to console.${m} (${String(calls)} calls)`);
  }
});
