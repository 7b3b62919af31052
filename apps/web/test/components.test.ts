import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Chart from '../src/components/Chart.svelte';
import Issues from '../src/components/Issues.svelte';

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

  it('Chart labels its figure and its export buttons', () => {
    const { body } = render(Chart, {
      props: { name: 'roofline', label: 'Roofline', render: () => ({}) as Element },
    });
    expect(body).toContain('aria-label="Roofline"');
    expect(body).toContain('Download Roofline as SVG');
    expect(body).toContain('Download Roofline as PNG');
    expect(body).toContain('data-chart="roofline"');
  });
});
