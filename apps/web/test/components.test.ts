import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Chart from '../src/components/Chart.svelte';
import Issues from '../src/components/Issues.svelte';
import Overloaded from '../src/components/Overloaded.svelte';
import ServingDetails from '../src/components/ServingDetails.svelte';

/** Rendered HTML with runs of white space as one space. */
const flat = (html: string): string => html.replace(/\s+/g, ' ');

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

  it('ServingDetails shows the TTFT parts and decode stalls; Overloaded warns', () => {
    const serving = {
      requests: 1000,
      durationSeconds: 30,
      steps: 900,
      maxBatch: 64,
      preemptions: 0,
      kvCapacityTokens: 400_000,
      ttftParts: { requestOverheadMs: 185, queueMs: 1613.2, overlapWaitMs: 21.4, prefillMs: 168.2 },
      decodeStallShare: 0.452,
    };
    const plain = flat(render(ServingDetails, { props: { serving } }).body);
    expect(plain).toContain(
      'TTFT parts (means): 185 ms API server, 1,613 ms queued, 21.4 ms behind the step already scheduled, 168 ms prompt steps',
    );
    expect(plain).toContain('45.2% of the run in prompt-only steps');
    expect(plain).not.toContain('Overloaded');
    const quiet = render(ServingDetails, { props: { serving: { ...serving, decodeStallShare: 0 } } }).body;
    expect(quiet).not.toContain('prompt-only');
    const overloaded = flat(
      render(Overloaded, { props: { overloaded: { requestsPerSecond: 100, servedRequestsPerSecond: 27.9 } } })
        .body,
    );
    expect(overloaded).toContain('role="alert"');
    expect(overloaded).toContain('requests arrive at 100/s but the deployment serves 27.9/s');
  });
});
