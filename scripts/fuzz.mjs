#!/usr/bin/env node
// Long seeded fuzz runs: node scripts/fuzz.mjs [--seed N] [--cases N] [--cli] [--trace FILE]
// Runs the fuzz tests (packages/core/test/fuzz.test.ts, and with --cli
// packages/cli/src/fuzz.test.ts) with FUZZ_SEED and FUZZ_CASES set: the same generators and
// checks as `npm test`, on another seed and as many cases as asked. A failure prints the seed,
// the case number and the input that broke a property; rerun with the same seed to reproduce it.
// --trace FILE keeps the scenario being checked in FILE, to find the input of a run that hangs.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const seed = value('--seed', String(Date.now() % 1_000_000));
const cases = value('--cases', '20000');
if (!/^-?\d+$/.test(seed) || !/^\d+$/.test(cases) || Number(cases) < 1) {
  console.error('usage: node scripts/fuzz.mjs [--seed N] [--cases N] [--cli] [--trace FILE]');
  process.exit(2);
}
const files = ['packages/core/test/fuzz.test.ts'];
if (args.includes('--cli')) files.push('packages/cli/src/fuzz.test.ts');
console.log(`fuzz: seed ${seed}, ${cases} cases per property`);
const r = spawnSync('npx', ['vitest', 'run', ...files, '-t', 'fuzz'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_SEED: seed,
    FUZZ_CASES: cases,
    ...(args.includes('--trace') ? { FUZZ_TRACE: value('--trace', 'fuzz-trace.txt') } : {}),
  },
});
process.exit(r.status ?? 1);
