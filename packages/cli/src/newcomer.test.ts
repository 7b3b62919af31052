/**
 * The newcomer's path (issue 8 part 3): what a first-time user meets — version, help, defaults,
 * messages, limits — each fix with a test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from './io.js';
import { EXAMPLES, VERSION, run } from './main.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ridgeline-newcomer-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function cli(args: string[], cwd = tmp): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd);
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

const COMMANDS = ['estimate', 'batch', 'model', 'models', 'hardware', 'validate', 'import', 'calibrate'];

describe('first contact', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });

  it('bare ridgeline prints the help and exits 0', async () => {
    const r = await cli([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: ridgeline');
    for (const c of COMMANDS) expect(r.out).toContain(c);
  });

  it('every subcommand --help ends with an example of that command', async () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...COMMANDS].sort());
    for (const c of COMMANDS) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Examples:');
      expect(r.out).toContain(`$ ridgeline ${c} `);
    }
  });
});

const LLAMA_8B_FP8 = [
  '--model',
  'llama-3.1-8b',
  '--hardware',
  'h100-sxm',
  '--weights',
  'fp8',
  '--input',
  '512',
  '--output',
  '64',
  '--batch',
  '4',
  '--json',
];

interface Report {
  scenario: { engine: string; precision: { weights: string; activations: string; kvCache: string } };
}

describe('defaults', () => {
  it('the default engine is vllm and FP8 weights leave the KV cache at its 16-bit default', async () => {
    const r = await cli(['estimate', ...LLAMA_8B_FP8]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Report;
    expect(report.scenario.engine).toBe('vllm');
    expect(report.scenario.precision).toMatchObject({ weights: 'fp8', kvCache: 'bf16' });
  });

  it('--kv sets the KV format, with any engine', async () => {
    for (const engine of ['ideal', 'vllm', 'trtllm', 'sglang']) {
      const r = await cli(['estimate', ...LLAMA_8B_FP8, '--engine', engine, '--kv', 'fp8']);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as Report).scenario.precision.kvCache).toBe('fp8');
    }
  });

  it('estimate --help names ideal as the optimistic bound and vllm as the default', async () => {
    const r = await cli(['estimate', '--help']);
    expect(r.out).toMatch(/default vllm/);
    expect(r.out).toMatch(/ideal.*optimistic bound/s);
  });
});
