/**
 * Every `npx ridgeline …` command in README.md and docs/*.md runs verbatim from the repository
 * root with the exit code the doc states, and every quoted output between
 * `<!-- output: … -->` markers is what the command prints today (`npm run docs` rewrites them).
 * Conventions: doc-commands.ts. Commands in a block marked `<!-- slow -->` are only parsed
 * (command, options and their arity, without running) unless RIDGELINE_SLOW_DOCS=1; those in a
 * block marked `<!-- not run: REASON -->` are listed as skipped, with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { outputBody, readDocs } from './doc-commands.js';
import { captureIo } from './io.js';
import { run } from './main.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUN_SLOW = process.env.RIDGELINE_SLOW_DOCS === '1';
const { commands, outputs, quotes } = readDocs(ROOT);

const tail = (text: string) => text.trimEnd().split('\n').slice(-8).join('\n');

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}
/** Commands are deterministic: one written twice (a command and its quoted output) runs once. */
const ran = new Map<string, Promise<Ran>>();
function runOnce(argv: readonly string[], parseOnly = false): Promise<Ran> {
  const key = JSON.stringify([argv, parseOnly]);
  let result = ran.get(key);
  if (result === undefined) {
    const io = captureIo(ROOT);
    result = run(argv, io, { parseOnly }).then((code) => ({ code, out: io.out(), err: io.err() }));
    ran.set(key, result);
  }
  return result;
}

describe('doc commands', () => {
  it('finds the commands of README.md and docs/*.md', () => {
    expect(commands.filter((c) => c.file === 'README.md').length).toBeGreaterThan(5);
    expect(new Set(commands.map((c) => c.file)).size).toBeGreaterThan(4);
  });

  it('parses without running when asked: options are checked, the file is not read', async () => {
    const io = captureIo(ROOT);
    expect(await run(['validate', 'no-such.csv', '--cross-validate'], io, { parseOnly: true })).toBe(0);
    expect(await run(['validate', 'no-such.csv', '--no-such-flag'], io, { parseOnly: true })).toBe(2);
    expect(await run(['no-such-command'], io, { parseOnly: true })).toBe(2);
  });

  // One test per command, in document order: a command may read a file an earlier one wrote.
  for (const c of commands) {
    const where = `${c.file}:${String(c.line)}`;
    if (c.notRun !== undefined) {
      it.skip(`${where} (not run: ${c.notRun}) ${c.text}`, () => undefined);
      continue;
    }
    const parseOnly = c.slow && !RUN_SLOW;
    it(
      `${where} ${parseOnly ? '(parsed only) ' : ''}${c.text}`,
      async () => {
        if (c.argv === undefined) {
          expect.fail(`${where}: \`${c.text}\` ${c.problem ?? 'cannot be read'}`);
          return;
        }
        const { code, err } = await runOnce(c.argv, parseOnly);
        const expected = parseOnly ? 0 : c.expectedExit;
        expect(
          code,
          `${where}: \`${c.text}\` exited ${String(code)}, the doc expects ${String(expected)}` +
            (expected === 0 ? '' : ' (<!-- exit: N --> before its block)') +
            `; stderr:\n${tail(err)}`,
        ).toBe(expected);
      },
      c.slow ? 600_000 : undefined,
    );
  }
});

describe('doc outputs', () => {
  for (const o of outputs) {
    const where = `${o.file}:${String(o.line)}`;
    it(`${where} output of ${o.text}`, async () => {
      if (o.argv === undefined) {
        expect.fail(`${where}: output marker \`${o.text}\` ${o.problem ?? 'cannot be read'}`);
        return;
      }
      const { out, err } = await runOnce(o.argv);
      const generated = outputBody(out, err, o.sections);
      if (generated.body === undefined) {
        expect.fail(`${where}: output of \`${o.text}\`: ${generated.problem ?? 'none'}`);
        return;
      }
      expect(
        o.body,
        `${where}: the quoted output of \`${o.text}\` is out of date; run \`npm run docs\` and review the diff`,
      ).toBe(generated.body);
    });
  }
});

describe('doc quotes of example files', () => {
  it('finds the quoted example files', () => {
    expect(quotes.map((q) => q.path)).toContain('examples/scenario.yaml');
  });

  for (const q of quotes) {
    it(`${q.file}:${String(q.line)} quotes ${q.path} whole`, () => {
      expect(
        q.content,
        `${q.file}:${String(q.line)}: the block differs from ${q.path}; copy the file into it`,
      ).toBe(readFileSync(join(ROOT, q.path), 'utf8'));
    });
  }
});
