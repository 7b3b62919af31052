/**
 * Golden reports: `estimate --json` of reference scenarios against test/golden/<name>.json.
 * A missing file (or UPDATE_GOLDEN=1) writes it; a mismatch writes <name>-changed.json beside it
 * for review and fails. Numbers compare with a relative tolerance of 1e-9.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from './io.js';
import { run } from './main.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
const TOLERANCE = 1e-9;

const SCENARIOS: Readonly<Record<string, readonly string[]>> = {
  'llama-3.1-8b-h100-tp1-b1-trtllm': [
    '--model',
    'llama-3.1-8b',
    '--hardware',
    'h100-sxm',
    '--tp',
    '1',
    '--batch',
    '1',
    '--input',
    '128',
    '--output',
    '128',
    '--engine',
    'trtllm',
  ],
  'llama-3.1-70b-h100-tp8-b64': [
    '--model',
    'llama-3.1-70b',
    '--hardware',
    'h100-sxm',
    '--gpus',
    '8',
    '--tp',
    '8',
    '--batch',
    '64',
    '--input',
    '2048',
    '--output',
    '256',
    '--engine',
    'ideal',
  ],
  'deepseek-v3-h200-tp8-fp8-b16': [
    '--model',
    'deepseek-v3',
    '--hardware',
    'h200-sxm',
    '--gpus',
    '8',
    '--tp',
    '8',
    '--weights',
    'fp8',
    '--batch',
    '16',
    '--input',
    '1024',
    '--output',
    '128',
    '--engine',
    'ideal',
    '--kv',
    'fp8',
  ],
  // The default engine (vllm) and its default KV format (16-bit, though the weights are FP8).
  'llama-3.1-8b-h100-fp8-c32-default-engine': [
    '--model',
    'llama-3.1-8b',
    '--hardware',
    'h100-sxm',
    '--weights',
    'fp8',
    '--concurrency',
    '32',
    '--requests',
    '200',
    '--input',
    '1024',
    '--output',
    '256',
  ],
};

/** Paths where `actual` differs from `expected` (numbers within the relative tolerance agree). */
function differences(expected: unknown, actual: unknown, path = '$'): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (expected === actual) return [];
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    return Math.abs(expected - actual) <= TOLERANCE * scale
      ? []
      : [`${path}: ${String(expected)} → ${String(actual)}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return [`${path}: length ${String(expected.length)} → ${String(actual.length)}`];
    }
    return expected.flatMap((e: unknown, i) => differences(e, actual[i], `${path}[${String(i)}]`));
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => {
      if (!(k in actual)) return [`${path}.${k}: removed`];
      if (!(k in expected)) return [`${path}.${k}: added`];
      return differences(expected[k], actual[k], `${path}.${k}`);
    });
  }
  return Object.is(expected, actual)
    ? []
    : [`${path}: ${JSON.stringify(expected)} → ${JSON.stringify(actual)}`];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

describe('golden estimate reports', () => {
  for (const [name, args] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const io = captureIo();
      const code = await run(['estimate', ...args, '--json'], io);
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const actual = JSON.parse(io.out()) as unknown;
      const text = JSON.stringify(actual, null, 2) + '\n';
      const file = join(GOLDEN_DIR, `${name}.json`);
      const changed = join(GOLDEN_DIR, `${name}-changed.json`);
      if (!existsSync(file) || process.env['UPDATE_GOLDEN'] === '1') {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, text);
        rmSync(changed, { force: true });
        return;
      }
      const diff = differences(JSON.parse(readFileSync(file, 'utf8')), actual);
      if (diff.length > 0) {
        writeFileSync(changed, text);
        expect.fail(
          `${name}: report differs from test/golden/${name}.json (new report in ${name}-changed.json; ` +
            `UPDATE_GOLDEN=1 accepts it):\n${diff.slice(0, 20).join('\n')}`,
        );
      }
      rmSync(changed, { force: true });
    });
  }
});
