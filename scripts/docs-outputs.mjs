// Quoted command outputs in README.md and docs/*.md: rewrites every section between
// `<!-- output: npx ridgeline ARGS -->` and `<!-- /output -->` with what the command prints now
// (stdout, then stderr), from the repository root. Run with `npm run docs` (builds first);
// `--check` exits 1 instead of writing when a document is out of date. The test
// packages/cli/src/docs.test.ts fails on the same condition.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { docFiles, extractOutputs, outputBody, replaceOutputs } from '../packages/cli/dist/doc-commands.js';
import { captureIo } from '../packages/cli/dist/io.js';
import { run } from '../packages/cli/dist/main.js';
import { scriptArgs } from './args.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const check =
  scriptArgs('node scripts/docs-outputs.mjs [--check]', { flags: ['check'] }).values.check === true;
let stale = 0;
let problems = 0;
for (const file of docFiles(root)) {
  const path = `${root}${file}`;
  const text = readFileSync(path, 'utf8');
  const sections = extractOutputs(file, text);
  if (sections.length === 0) continue;
  const bodies = new Map();
  for (const s of sections) {
    if (s.argv === undefined) {
      process.stderr.write(`${file}:${String(s.line)}: output marker \`${s.text}\` ${s.problem}\n`);
      problems++;
      continue;
    }
    const io = captureIo(root);
    await run(s.argv, io);
    const generated = outputBody(io.out(), io.err(), s.sections);
    if (generated.body === undefined) {
      process.stderr.write(`${file}:${String(s.line)}: output of \`${s.text}\`: ${generated.problem}\n`);
      problems++;
      continue;
    }
    bodies.set(s.line, generated.body);
  }
  const next = replaceOutputs(file, text, (s) => bodies.get(s.line) ?? s.body);
  if (next === text) continue;
  stale++;
  if (check) process.stderr.write(`${file}: quoted outputs are out of date (npm run docs)\n`);
  else {
    writeFileSync(path, next);
    process.stderr.write(`${file}: ${String(sections.length)} output(s) rewritten\n`);
  }
}
if (problems > 0 || (check && stale > 0)) process.exitCode = 1;
