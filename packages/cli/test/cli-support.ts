// Helpers shared by the CLI tests that run commands in a scratch directory of their own: the
// repository root, the directory (removed after the test file), and the CLI run in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { captureIo } from '../src/io.js';
import { runCaptured } from '../src/main.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A new directory under the system's temporary one, removed after the test file's tests. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Runs the CLI in `dir` (or the `cwd` given), its exit code and output captured. */
export function cliIn(dir: string) {
  return (args: string[], cwd = dir) => runCaptured(args, captureIo(cwd));
}
