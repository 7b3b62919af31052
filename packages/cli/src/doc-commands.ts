/**
 * The `npx ridgeline …` commands written in README.md and docs/*.md, and the command outputs
 * quoted there. docs.test.ts runs every command and checks its exit code; scripts/docs-outputs.mjs
 * (`npm run docs`) rewrites every quoted output from what the command prints now, and the test
 * checks that they agree, so the docs cannot go stale.
 *
 * Conventions in the Markdown:
 * - A line inside a fenced code block that contains `npx ridgeline ` is a command: the text from
 *   `npx ridgeline` on, without a trailing `# comment` (so `npm ci && npx ridgeline …` and
 *   `$ npx ridgeline …` count too). A line ending in `\` continues on the next line.
 * - `<!-- exit: N -->` on a line before a fenced block: its commands are expected to exit with N
 *   (default 0). `<!-- slow -->`: its commands are parsed but run only when RIDGELINE_SLOW_DOCS=1.
 * - `<!-- not run: REASON -->` on a line before a fenced block: its commands are neither parsed
 *   nor run (a cluster script, say, with `$VARS` and pipes, that cannot run here). The reason is
 *   required and shows in the test listing; the marker without one makes every command of the
 *   block a problem.
 * - `<!-- output: npx ridgeline ARGS -->` … `<!-- /output -->`: generated text, a fenced `text`
 *   block with what the command prints (stdout, then stderr). `<!-- output[A; B]: … -->` keeps
 *   only the paragraphs (blank-line separated) whose first line starts with `A` or `B`.
 * - A fenced block whose first line is `# examples/FILE` quotes that file: the rest of the block is
 *   its whole content.
 * Commands are plain words: quotes are honoured, but pipes, redirections, globs and `...` are
 * refused, so that every command runs verbatim from the repository root.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface DocCommand {
  /** Path relative to the repository root, e.g. `docs/serving.md`. */
  readonly file: string;
  /** 1-based line of the command's first line. */
  readonly line: number;
  /** The command as written, from `npx ridgeline` on. */
  readonly text: string;
  /** Arguments after `npx ridgeline`, or undefined when `problem` says why they cannot be read. */
  readonly argv?: readonly string[];
  readonly problem?: string;
  readonly expectedExit: number;
  readonly slow: boolean;
  /** Why the command is not run, from a `<!-- not run: REASON -->` marker before its block. */
  readonly notRun?: string;
}

export interface DocOutput {
  readonly file: string;
  /** 1-based line of the opening marker. */
  readonly line: number;
  readonly text: string;
  readonly argv?: readonly string[];
  readonly problem?: string;
  /** Paragraphs of the output to keep (by the start of their first line); all when absent. */
  readonly sections?: readonly string[];
  /** Everything between the markers, as written. */
  readonly body: string;
}

const PREFIX = 'npx ridgeline';
const OUTPUT_OPEN = /^<!-- output(?:\[([^\]]*)\])?: (.*) -->$/;
const OUTPUT_CLOSE = '<!-- /output -->';

/** README.md and docs/*.md under `root`, as paths relative to it. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Splits a command line into words (single and double quotes), or says why it cannot. */
export function splitCommand(text: string): { argv?: string[]; problem?: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (const c of text) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if ('|<>;&`$*?'.includes(c)) {
      return { problem: `uses the shell character '${c}'; write a command that runs as plain words` };
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) return { problem: 'has an unclosed quote' };
  if (inWord) words.push(word);
  if (words[0] !== 'npx' || words[1] !== 'ridgeline') return { problem: `does not start with '${PREFIX}'` };
  const argv = words.slice(2);
  const ellipsis = argv.find((w) => w.includes('...') || w.includes('…') || /^<.*>$/.test(w));
  if (ellipsis !== undefined)
    return { problem: `has the placeholder '${ellipsis}'; write a runnable command` };
  return { argv };
}

/** Drops a trailing `# comment` (a `#` after whitespace, outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line.charAt(i - 1)))) return line.slice(0, i);
  }
  return line;
}

/** Every command in fenced code blocks of one Markdown text. */
export function extractCommands(file: string, markdown: string): DocCommand[] {
  const lines = markdown.split('\n');
  const out: DocCommand[] = [];
  let fence: string | undefined;
  interface Marks {
    exit: number;
    slow: boolean;
    /** The reason of a not-run marker ('' when the marker has none). */
    notRun?: string;
  }
  const none: Marks = { exit: 0, slow: false };
  let block: Marks = none;
  let pending: Marks = none;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (fence === undefined) {
      const open = /^(`{3,}|~{3,})/.exec(trimmed);
      if (open?.[1] !== undefined) {
        fence = open[1];
        block = pending;
        pending = none;
        continue;
      }
      const exit = /^<!-- exit: (\d+) -->$/.exec(trimmed);
      const notRun = /^<!-- not run(?::(.*))? -->$/.exec(trimmed);
      if (exit?.[1] !== undefined) pending = { ...pending, exit: Number(exit[1]) };
      else if (trimmed === '<!-- slow -->') pending = { ...pending, slow: true };
      else if (notRun !== null) pending = { ...pending, notRun: (notRun[1] ?? '').trim() };
      else if (trimmed !== '' && !trimmed.startsWith('<!--')) pending = none;
      continue;
    }
    if (trimmed.startsWith(fence) && trimmed.slice(fence.length).trim() === '') {
      fence = undefined;
      continue;
    }
    const at = line.indexOf(`${PREFIX} `);
    if (at < 0) continue;
    const start = i;
    let text = stripComment(line.slice(at)).trimEnd();
    while (text.endsWith('\\') && i + 1 < lines.length) {
      i++;
      text = `${text.slice(0, -1).trimEnd()} ${stripComment(lines[i] ?? '').trim()}`.trimEnd();
    }
    const common = { file, line: start + 1, text, expectedExit: block.exit, slow: block.slow };
    if (block.notRun === undefined) out.push({ ...common, ...splitCommand(text) });
    else if (block.notRun === '')
      out.push({
        ...common,
        problem: 'is in a block marked <!-- not run --> without a reason (<!-- not run: REASON -->)',
      });
    else out.push({ ...common, notRun: block.notRun });
  }
  return out;
}

/** Every generated-output section of one Markdown text. */
export function extractOutputs(file: string, markdown: string): DocOutput[] {
  const lines = markdown.split('\n');
  const out: DocOutput[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OUTPUT_OPEN.exec((lines[i] ?? '').trim());
    if (open?.[2] === undefined) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === OUTPUT_CLOSE);
    const text = open[2].trim();
    const sections = open[1]
      ?.split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const common = { file, line: i + 1, text, ...(sections === undefined ? {} : { sections }) };
    if (end < 0) {
      out.push({ ...common, problem: `has no closing ${OUTPUT_CLOSE}`, body: '' });
      continue;
    }
    out.push({ ...common, ...splitCommand(text), body: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** The paragraphs of `printed` whose first line starts with one of `sections`, in output order. */
export function selectSections(
  printed: string,
  sections: readonly string[],
): { text?: string; problem?: string } {
  const paragraphs = printed.split(/\n\s*\n/);
  const missing = sections.filter((s) => !paragraphs.some((p) => p.trimStart().startsWith(s)));
  if (missing.length > 0)
    return { problem: `the output has no paragraph starting with '${missing.join("', '")}'` };
  return { text: paragraphs.filter((p) => sections.some((s) => p.trimStart().startsWith(s))).join('\n\n') };
}

/**
 * The text placed between the output markers for what a command printed (all of it, or the
 * named sections), or why it cannot be made.
 */
export function outputBody(
  stdout: string,
  stderr: string,
  sections?: readonly string[],
): { body?: string; problem?: string } {
  let printed = (stdout + stderr).replace(/\s+$/, '');
  if (sections !== undefined) {
    const selected = selectSections(printed, sections);
    if (selected.text === undefined) return { problem: selected.problem ?? 'no output' };
    printed = selected.text;
  }
  const longest = Math.max(2, ...[...printed.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return { body: `\n${fence}text\n${printed}\n${fence}\n` };
}

/** Replaces every output section of `markdown` with `body(section)`. */
export function replaceOutputs(file: string, markdown: string, body: (section: DocOutput) => string): string {
  const sections = extractOutputs(file, markdown);
  const lines = markdown.split('\n');
  // From the last section up, so earlier line numbers stay valid.
  for (const s of [...sections].reverse()) {
    if (s.problem !== undefined) continue;
    const end = lines.findIndex((l, j) => j >= s.line && l.trim() === OUTPUT_CLOSE);
    lines.splice(s.line, end - s.line, ...body(s).split('\n'));
  }
  return lines.join('\n');
}

export interface DocQuote {
  readonly file: string;
  /** 1-based line of the `# examples/FILE` line. */
  readonly line: number;
  /** The quoted file, relative to the repository root. */
  readonly path: string;
  readonly content: string;
}

/** Fenced blocks that quote a file of examples/ (first line `# examples/FILE`). */
export function extractQuotes(file: string, markdown: string): DocQuote[] {
  const lines = markdown.split('\n');
  const out: DocQuote[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})/.exec((lines[i] ?? '').trim());
    if (open?.[1] === undefined) continue;
    const fence = open[1];
    const end = lines.findIndex((l, j) => j > i && l.trim() === fence);
    if (end < 0) break;
    const quoted = /^# (examples\/\S+)$/.exec((lines[i + 1] ?? '').trim());
    if (quoted?.[1] !== undefined) {
      out.push({ file, line: i + 2, path: quoted[1], content: lines.slice(i + 2, end).join('\n') + '\n' });
    }
    i = end;
  }
  return out;
}

/** Commands and outputs of every doc file under `root`. */
export function readDocs(root: string): { commands: DocCommand[]; outputs: DocOutput[]; quotes: DocQuote[] } {
  const commands: DocCommand[] = [];
  const outputs: DocOutput[] = [];
  const quotes: DocQuote[] = [];
  for (const file of docFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    commands.push(...extractCommands(file, text));
    outputs.push(...extractOutputs(file, text));
    quotes.push(...extractQuotes(file, text));
  }
  return { commands, outputs, quotes };
}
