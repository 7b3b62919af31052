import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Issues from '../src/components/Issues.svelte';
import Pending from '../src/views/Pending.svelte';

describe('components', () => {
  it('Issues lists each issue with its line and field', () => {
    const { body } = render(Issues, {
      props: {
        issues: [{ severity: 'error', message: 'must be positive', field: 'gpus', line: 3, column: 7 }],
      },
    });
    expect(body).toContain('line 3:7');
    expect(body).toContain('<code>gpus</code>');
    expect(body).toContain('must be positive');
    expect(render(Issues, { props: { issues: [] } }).body).not.toContain('<li');
  });

  it('Pending names the API it waits for', () => {
    expect(render(Pending, { props: { which: 'plan' } }).body).toContain('plan');
  });
});
