import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo, memoryIo } from './io.js';
import { runCaptured } from './main.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const cli = (args: string[], io = captureIo(REPO)) => runCaptured(args, io);

const JOB = [
  '--model',
  'llama-3.1-8b',
  '--hardware',
  'h100-sxm',
  '--gpus',
  '8',
  '--seq',
  '4096',
  '--global-batch',
  '32',
];

describe('ridgeline train', () => {
  it('prints memory, step breakdown, MFU and run time', async () => {
    const r = await cli(['train', ...JOB, '--zero', '3', '--tokens', '1e9']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Memory per GPU');
    expect(r.out).toContain('DP communication');
    expect(r.out).toMatch(/MFU \(megatron\)\s+\d+\.\d%/);
    expect(r.out).toContain('GPU-hours');
  });

  it('--json gives the report as data', async () => {
    const r = await cli(['train', ...JOB, '--zero', '3', '--recompute', 'full', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { tokensPerSecondPerGpu: number; memory: { fits: boolean } };
    expect(report.tokensPerSecondPerGpu).toBeGreaterThan(0);
    expect(report.memory.fits).toBe(true);
  });

  it('exits 2 naming the field of a bad flag or layout', async () => {
    const bad = await cli(['train', ...JOB, '--recompute', 'most']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--recompute');
    const layout = await cli(['train', ...JOB, '--tp', '3']);
    expect(layout.code).toBe(2);
    expect(layout.err).toContain('tp (3)');
    const missing = await cli(['train', '--model', 'llama-3.1-8b']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--global-batch');
  });

  it('reads a YAML job and points at the offending line', async () => {
    const io = memoryIo({
      '/data/job.yaml':
        'model: llama-3.1-8b\nhardware: h100-sxm\ngpus: 8\nsequenceLength: 4096\nglobalBatch: 12\n',
    });
    const r = await cli(['train', 'job.yaml'], io);
    expect(r.code).toBe(2);
    expect(r.err).toContain('job.yaml:5:');
    expect(r.err).toContain('globalBatch');
  });

  it('--search lists layouts with fit and bottleneck', async () => {
    const r = await cli(['train', ...JOB, '--search', '--top', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\d+ layouts evaluated/);
    expect(r.out).toContain('bottleneck');
  });

  it('validate recognizes a training CSV by its header', async () => {
    const r = await cli(['validate', 'packages/core/data/measurements/training.csv', '--worst', '0']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('training predictions');
    expect(r.out).toContain('mosaicml/llm-foundry');
    // Where the efficiency parameters come from, true of the user's own training file too.
    expect(r.out).toContain('fitted on the shipped training.csv');
    expect(r.out).not.toContain('fitted on these rows');
  });
});
