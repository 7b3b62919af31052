/**
 * End-to-end: the built static site in a real Chromium. Set RIDGELINE_SCREENSHOTS=<dir> to save
 * a screenshot of each view there.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROOT, startSession } from './harness';
import type { Session } from './harness';

const SHOTS = process.env['RIDGELINE_SCREENSHOTS'];
let session: Session;

beforeAll(async () => {
  session = await startSession();
});
afterAll(async () => {
  await session.close();
});

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function metric(page: Page, key: string): Promise<number> {
  const text = await page.locator(`.card[data-metric="${key}"] .value`).innerText();
  return Number(text.split(' ')[0]?.replace(/,/g, ''));
}

async function editorText(page: Page): Promise<string> {
  return page.locator('#scenario-text').inputValue();
}

describe('web app', () => {
  it('loads, estimates the default scenario and draws the roofline', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    expect(await metric(page, 'tpotMs')).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-chart="roofline"] svg').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="fits"]').innerText()).toMatch(
      /^fits.* usable \(the engine's share/,
    );
    // No shipped profile covers H100 with vLLM: the page says so instead of a bare 'none'.
    expect(await page.getByTestId('calibration').innerText()).toMatch(
      /no calibration profile covers h100-sxm with vllm/,
    );
    await shot(page, 'estimate');
    await page.close();
  });

  it('the form edits the scenario text and the estimate follows within a frame of engine time', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    const before = await metric(page, 'tpotMs');
    await page.getByLabel('TP', { exact: true }).fill('8');
    await page.getByLabel('GPUs', { exact: true }).fill('8');
    await expect.poll(() => editorText(page)).toMatch(/tp: 8/);
    expect(await editorText(page)).toMatch(/gpus: 8/);
    await expect.poll(() => metric(page, 'tpotMs')).toBeLessThan(before);
    // Once the engine is warm (the first estimates compile it), an edit costs well under a frame.
    const engineMs: number[] = [];
    for (const output of [300, 301, 302, 303, 304]) {
      await page.getByLabel('Output tokens').fill(String(output));
      await expect.poll(() => editorText(page)).toMatch(new RegExp(`outputTokens: ${output}`));
      await expect
        .poll(() => page.locator('.card[data-metric="e2eLatencyMs"]').getAttribute('data-output'))
        .toBe(String(output));
      const timing = await page.locator('[data-testid="timing"]').innerText();
      engineMs.push(Number(/engine ([\d.]+) ms/.exec(timing)?.[1]));
    }
    const median = [...engineMs].sort((a, b) => a - b)[2] ?? Infinity;
    expect(median, `engine ms per edit: ${engineMs.join(', ')}`).toBeLessThan(16);
    await page.close();
  });

  it('simulates 1,000 serving requests within 200 ms', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    await page.getByLabel('Workload', { exact: true }).selectOption('concurrency');
    await expect.poll(() => editorText(page)).toMatch(/requests: 1000/);
    await expect.poll(() => page.locator('text=1000 requests simulated').count()).toBe(1);
    const timing = await page.locator('[data-testid="timing"]').innerText();
    expect(Number(/engine ([\d.]+) ms/.exec(timing)?.[1])).toBeLessThan(200);
    await page.close();
  });

  it('shows the engine release, the TTFT parts, decode stalls and an overloaded warning', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    expect(await page.getByTestId('engine').innerText()).toBe('engine: vllm');
    await page.getByLabel('Engine', { exact: true }).selectOption('sglang@0.5.9');
    await expect.poll(() => editorText(page)).toMatch(/engine: sglang@0\.5\.9/);
    await expect.poll(() => page.getByTestId('engine').innerText()).toBe('engine: sglang@0.5.9');
    await page
      .locator('#scenario-text')
      .fill(
        'model: llama-3.1-8b\nhardware: h100-sxm\ngpus: 1\nengine: sglang@0.5.9\n' +
          'workload: { inputTokens: 1024, outputTokens: 256, requestRate: 100, requests: 1000 }\n',
      );
    await page.getByTestId('overloaded').waitFor();
    expect(await page.getByTestId('overloaded').innerText()).toMatch(
      /arrive at 100\/s but the deployment serves/,
    );
    expect(await page.getByTestId('overloaded').getAttribute('role')).toBe('alert');
    expect(await page.getByTestId('ttft-parts').innerText()).toMatch(
      /TTFT parts \(means\): 185 ms API server, [\d,.]+ ms queued, [\d,.]+ ms behind the step already scheduled, [\d,.]+ ms prompt steps/,
    );
    expect(await page.getByTestId('decode-stalls').innerText()).toMatch(/% of the run in prompt-only steps/);
    await shot(page, 'overloaded');
    await page.close();
  });

  it('a precision the scenario leaves unset shows the format core resolved it to', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    const text = await editorText(page);
    expect(text).toMatch(/precision: \{[^}]*\}/);
    await page
      .locator('#scenario-text')
      .fill(text.replace(/precision: \{[^}]*\}/, 'precision: { weights: fp8 }'));
    await expect.poll(() => editorText(page)).toMatch(/precision: \{ weights: fp8 \}/);
    // Core takes FP8 activations with FP8 weights: the picker shows that, not a BF16 placeholder.
    await expect
      .poll(() =>
        page
          .locator('label', { hasText: /^\s*Activations/ })
          .locator('select')
          .inputValue(),
      )
      .toBe('fp8');
    await page.close();
  });

  it('takes an uploaded config.json as the model', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    const file = join(WEB_ROOT, '..', '..', 'packages', 'core', 'data', 'models', 'hf', 'llama-3.1-8b.json');
    await page.getByTestId('config-upload').setInputFiles(file);
    await expect.poll(() => editorText(page)).toMatch(/LlamaForCausalLM/);
    await expect.poll(() => page.locator('.results h2').innerText()).toMatch(/^config\.json on 4×/);
    await page.close();
    // Dropped on the drop zone, the same file does the same.
    const dropped = await session.newPage();
    await dropped.locator('.card[data-metric="tpotMs"]').waitFor();
    const text = readFileSync(file, 'utf8');
    const transfer = await dropped.evaluateHandle((t) => {
      const d = new DataTransfer();
      d.items.add(new File([t], 'config.json', { type: 'application/json' }));
      return d;
    }, text);
    await dropped.locator('.drop').dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => dropped.locator('.results h2').innerText()).toMatch(/^config\.json on 4×/);
    await dropped.close();
  });

  it('shows bad input at its line', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    await page
      .locator('#scenario-text')
      .fill(
        'model: llama-3.1-70b\nhardware: h100-sxm\ngpus: -2\nworkload: { inputTokens: 128, outputTokens: 16, batch: 1 }\n',
      );
    const issue = page.locator('.issues li.error').first();
    await expect.poll(() => issue.innerText()).toMatch(/line 3:7/);
    expect(await issue.innerText()).toMatch(/gpus/);
    expect(await page.locator('.gutter .bad.error').innerText()).toBe('3');
    await page.locator('#scenario-text').fill('model: llama-3.1-70b\nhardware: h100-sxm\n  gpus: [\n');
    await expect
      .poll(() => page.locator('.issues li.error').first().innerText())
      .toMatch(/line \d+:\d+.*YAML/);
    await shot(page, 'error');
    await page.close();
  });

  it('round-trips the whole state through a shared link', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    await page.getByLabel('Output tokens').fill('777');
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/777/);
    await page.getByRole('tab', { name: 'Sweep' }).click();
    const link = await page.evaluate(() => location.href);
    const again = await session.context.newPage();
    await again.goto(link);
    expect(await again.getByRole('tab', { name: 'Sweep' }).getAttribute('aria-selected')).toBe('true');
    await again.getByRole('tab', { name: 'Estimate' }).click();
    await expect.poll(() => editorText(again)).toMatch(/outputTokens: 777/);
    await page.close();
    await again.close();
  });

  it('exports the results as JSON and the roofline as SVG', async () => {
    const page = await session.newPage();
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    const report = JSON.parse(await streamText(await json.createReadStream())) as { tpotMs: number };
    expect(report.tpotMs).toBeGreaterThan(0);
    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Roofline.* as SVG/ }).click(),
    ]);
    expect(await streamText(await svg.createReadStream())).toMatch(/^<svg/);
    await page.close();
  });

  for (const [view, chart] of [
    ['Compare', 'compare'],
    ['Sweep', 'sweep'],
    ['Catalogs', 'models'],
    ['Fidelity', 'fidelity-reference'],
    ['Requirements', 'requirements'],
    ['Plan', 'plan'],
  ] as const) {
    it(`${view} renders its chart`, async () => {
      const page = await session.newPage();
      await page.getByRole('tab', { name: view }).click();
      await page.locator(`[data-chart="${chart}"] svg`).last().waitFor({ timeout: 30_000 });
      if (view === 'Compare') expect(await page.locator('tr.differs').count()).toBeGreaterThan(0);
      if (view === 'Sweep') {
        await page.getByLabel('Chart').selectOption('heatmap');
        await page.locator('[data-chart="sweep"] svg rect').first().waitFor();
      }
      if (view === 'Catalogs') {
        await page.getByRole('radio', { name: 'Hardware' }).click();
        await page.locator('[data-chart="hardware"] svg').last().waitFor();
        expect(await page.locator('table.catalog tbody tr').count()).toBeGreaterThan(10);
      }
      if (view === 'Fidelity') {
        // reference.csv and training.csv come first and whole; serving-modern.csv then streams in
        // chunk by chunk with its progress shown (the whole of it takes ~20 s here).
        const t0 = Date.now();
        await page.getByTestId('progress-reference.csv').waitFor({ state: 'detached', timeout: 20_000 });
        await page.getByTestId('progress-training.csv').waitFor({ state: 'detached', timeout: 20_000 });
        expect(Date.now() - t0).toBeLessThan(20_000);
        expect(
          await page.locator('section[data-file="reference.csv"] table tbody tr').count(),
        ).toBeGreaterThan(3);
        expect(
          await page.locator('section[data-file="training.csv"] table tbody tr').count(),
        ).toBeGreaterThan(0);
        const progress = page.getByTestId('progress-serving-modern.csv');
        await expect
          .poll(async () => Number(/(\d+) of \d+ rows/.exec(await progress.innerText())?.[1] ?? 0), {
            timeout: 20_000,
          })
          .toBeGreaterThan(0);
        expect(await progress.locator('progress').count()).toBe(1);
        expect(
          await page.locator('section[data-file="serving-modern.csv"] table tbody tr').count(),
        ).toBeGreaterThan(0);
      }
      if (view === 'Requirements') expect(await page.getByTestId('binding').innerText()).not.toBe('');
      if (view === 'Plan') {
        // A click on a frontier point shows its configuration and launch command.
        const dot = page.locator('[data-chart="plan"] svg circle').first();
        await dot.hover({ force: true });
        await dot.click({ force: true });
        await expect.poll(() => page.getByTestId('launch').count()).toBe(1);
        expect(await page.getByTestId('launch').innerText()).toMatch(/Llama-3\.1-70B/);
        await page.getByRole('button', { name: 'Show configuration 1', exact: true }).click();
        expect(await page.getByTestId('selected').innerText()).toMatch(/tok\/s per user/);
        // With prices, the choice says what it costs per million output tokens.
        expect(await page.getByTestId('choice-cost').innerText()).toBe('no price given');
        await page.getByLabel('Prices').fill('h100-sxm=2.5, h200-sxm=3.5');
        await expect
          .poll(() => page.getByTestId('choice-cost').innerText(), { timeout: 30_000 })
          .toMatch(/^\$[\d.,]+ per M output tokens$/);
      }
      await shot(page, view.toLowerCase());
      await page.close();
    });
  }

  it("Fidelity validates the user's own benchmark file, and shows a malformed one's diagnostic", async () => {
    const page = await session.newPage();
    await page.getByRole('tab', { name: 'Fidelity' }).click();
    await page.getByLabel('Benchmark hardware').selectOption('h200-sxm');
    await page.getByLabel('Benchmark model').selectOption('llama-3.1-70b');
    await page.getByLabel('Benchmark engine').selectOption('sglang');
    await page.getByLabel('Benchmark TP').fill('4');
    const text = readFileSync(join(WEB_ROOT, '..', '..', 'examples', 'sglang-bench.jsonl'), 'utf8');
    const input = page.getByLabel('Benchmark file', { exact: true });
    await input.setInputFiles({
      name: 'sglang-bench.jsonl',
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    await page.getByTestId('benchmark-summary').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('benchmark-summary').innerText()).toMatch(
      /21 rows: 21 predicted, 0 skipped/,
    );
    expect(await page.locator('[data-testid="benchmark-rows"] tbody tr').count()).toBe(21);
    expect(await page.locator('[data-testid="benchmark-groups"] tbody tr').count()).toBe(3);
    await shot(page, 'fidelity-benchmark');
    const broken = text.split('\n').slice(0, 2).join('\n') + '\n{"backend": "sglang",\n';
    await input.setInputFiles({
      name: 'broken.jsonl',
      mimeType: 'application/json',
      buffer: Buffer.from(broken),
    });
    await page.getByTestId('benchmark-diagnostics').waitFor();
    expect(await page.getByTestId('benchmark-diagnostics').innerText()).toMatch(/broken\.jsonl:3:\d+/);
    expect(await page.getByTestId('benchmark-summary').count()).toBe(0);
    // The pickers are in the URL: a link to the view keeps them.
    await expect
      .poll(() => page.evaluate(() => decodeURIComponent(location.hash)))
      .toMatch(/"hardware":"h200-sxm"/);
    const link = await page.evaluate(() => location.href);
    const again = await session.context.newPage();
    await again.goto(link);
    await expect.poll(() => again.getByLabel('Benchmark hardware').inputValue()).toBe('h200-sxm');
    expect(await again.getByLabel('Benchmark model').inputValue()).toBe('llama-3.1-70b');
    expect(await again.getByLabel('Benchmark engine').inputValue()).toBe('sglang');
    expect(await again.getByLabel('Benchmark TP').inputValue()).toBe('4');
    await again.close();
    // A training CSV is read as one (validate's training table), the serving pickers ignored with a warning.
    const trainingCsv = readFileSync(
      join(WEB_ROOT, '..', '..', 'packages', 'core', 'data', 'measurements', 'training.csv'),
      'utf8',
    );
    await input.setInputFiles({
      name: 'training.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(trainingCsv),
    });
    await page.getByTestId('benchmark-summary').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('benchmark-summary').innerText()).toMatch(
      /training measurement CSV.*763 rows: 647 predicted, 116 skipped/s,
    );
    expect(await page.getByTestId('benchmark-diagnostics').innerText()).toMatch(
      /hardware: ignored for a training CSV/,
    );
    await page.close();
  });

  it('works on a phone, in the dark theme, from the keyboard', async () => {
    const page = await session.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(session.url);
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await page.getByRole('tab', { name: 'Estimate' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Compare' }).getAttribute('aria-selected')).toBe('true');
    await page.locator('[data-chart="compare"] svg').last().waitFor();
    await shot(page, 'phone-dark');
    await page.close();
  });

  it('keeps the first load within 300 KB of compressed JavaScript', async () => {
    const page = await session.context.newPage();
    const scripts: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('.js')) scripts.push(r.url());
    });
    await page.goto(session.url);
    await page.locator('.card[data-metric="tpotMs"]').waitFor();
    const { gzipSync } = await import('node:zlib');
    const { readFileSync } = await import('node:fs');
    const total = scripts
      .map((u) => readFileSync(join(WEB_ROOT, 'dist', new URL(u).pathname)))
      .reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0);
    expect(scripts.length).toBeGreaterThan(0);
    expect(total).toBeLessThan(300 * 1024);
    await page.close();
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
