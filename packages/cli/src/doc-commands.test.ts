import { describe, expect, it } from 'vitest';
import {
  extractCommands,
  extractOutputs,
  extractQuotes,
  outputBody,
  replaceOutputs,
  selectSections,
  splitCommand,
} from './doc-commands.js';

describe('splitCommand', () => {
  it('splits words and honours quotes', () => {
    expect(splitCommand(`npx ridgeline estimate a.yaml --model "x y" --gpus '8'`).argv).toEqual([
      'estimate',
      'a.yaml',
      '--model',
      'x y',
      '--gpus',
      '8',
    ]);
  });

  it('refuses shell syntax and placeholders', () => {
    expect(splitCommand('npx ridgeline models | head').problem).toContain("'|'");
    expect(splitCommand('npx ridgeline import trtllm-bench/*.txt').problem).toContain("'*'");
    expect(splitCommand('npx ridgeline estimate ... --calibration shipped').problem).toContain('...');
    expect(splitCommand('npx ridgeline validate <csv>').problem).toContain("'<'");
  });
});

describe('extractCommands', () => {
  const md = [
    'Text `npx ridgeline models` outside a block is not a command.',
    '```sh',
    'npm ci && npx ridgeline estimate --model llama-3.1-8b   # a comment',
    '$ npx ridgeline estimate x.yaml \\',
    '    --json',
    '```',
    '',
    '<!-- exit: 2 -->',
    '<!-- slow -->',
    '',
    '```sh',
    'npx ridgeline estimate bad.yaml',
    '```',
    '```',
    'npx ridgeline models',
    '```',
  ].join('\n');
  const commands = extractCommands('x.md', md);

  it('takes the ridgeline part of each block line, joins continuations, drops comments', () => {
    expect(commands.map((c) => [c.line, c.argv])).toEqual([
      [3, ['estimate', '--model', 'llama-3.1-8b']],
      [4, ['estimate', 'x.yaml', '--json']],
      [12, ['estimate', 'bad.yaml']],
      [15, ['models']],
    ]);
  });

  it('reads the exit and slow markers of the next block only', () => {
    expect(commands.map((c) => [c.expectedExit, c.slow])).toEqual([
      [0, false],
      [0, false],
      [2, true],
      [0, false],
    ]);
  });
});

describe('not-run blocks', () => {
  const md = [
    '<!-- not run: a Slurm script -->',
    '```sh',
    '#SBATCH --array=1-16',
    'npx ridgeline sweep s.yaml --shard ${SLURM_ARRAY_TASK_ID}/16',
    '```',
    '```sh',
    'npx ridgeline models',
    '```',
    '<!-- not run -->',
    '```sh',
    'npx ridgeline models',
    '```',
  ].join('\n');
  const commands = extractCommands('x.md', md);

  it('skips the commands of the marked block, with the reason, and only that block', () => {
    expect(commands.map((c) => [c.line, c.notRun, c.argv, c.problem])).toEqual([
      [4, 'a Slurm script', undefined, undefined],
      [7, undefined, ['models'], undefined],
      [11, undefined, undefined, expect.stringContaining('without a reason') as unknown],
    ]);
  });
});

describe('outputs', () => {
  const md = ['a', '<!-- output: npx ridgeline models -->', 'old', '<!-- /output -->', 'b'].join('\n');

  it('finds marked sections and replaces their bodies', () => {
    const [section] = extractOutputs('x.md', md);
    expect(section).toMatchObject({ line: 2, argv: ['models'], body: 'old' });
    const next = replaceOutputs('x.md', md, () => outputBody('new\n', '').body ?? '');
    expect(next).toBe(
      [
        'a',
        '<!-- output: npx ridgeline models -->',
        '',
        '```text',
        'new',
        '```',
        '',
        '<!-- /output -->',
        'b',
      ].join('\n'),
    );
    expect(extractOutputs('x.md', next)[0]?.body).toBe(outputBody('new\n', '').body);
  });

  it('reports a section that is never closed', () => {
    expect(extractOutputs('x.md', '<!-- output: npx ridgeline models -->\n')[0]?.problem).toContain(
      'closing',
    );
  });
});

describe('sections', () => {
  const printed = 'Title\n  a 1\n\nLatency\n  b 2\n\nMemory\n  c 3';

  it('keeps the named paragraphs, in output order', () => {
    expect(selectSections(printed, ['Memory', 'Latency']).text).toBe('Latency\n  b 2\n\nMemory\n  c 3');
  });

  it('names a section the output lacks', () => {
    expect(selectSections(printed, ['Energy']).problem).toContain("'Energy'");
  });

  it('reads the section list of a marker', () => {
    const md = '<!-- output[Latency; Memory]: npx ridgeline models -->\nx\n<!-- /output -->';
    expect(extractOutputs('x.md', md)[0]).toMatchObject({
      sections: ['Latency', 'Memory'],
      argv: ['models'],
    });
  });
});

describe('extractQuotes', () => {
  it('reads blocks that start with # examples/FILE as that file', () => {
    const md = [
      '```yaml',
      '# examples/a.yaml',
      'x: 1',
      '```',
      '```yaml',
      '# not a quote',
      'y: 2',
      '```',
    ].join('\n');
    expect(extractQuotes('x.md', md)).toEqual([
      { file: 'x.md', line: 2, path: 'examples/a.yaml', content: 'x: 1\n' },
    ]);
  });
});
