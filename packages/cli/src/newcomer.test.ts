/**
 * The newcomer's path (issue 8 part 3): what a first-time user meets — version, help, defaults,
 * messages, limits — each fix with a test.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, cliIn, scratchDir } from '../test/cli-support.js';
import { captureIo } from './io.js';
import { MAX_CSV_DIAGNOSTICS, MAX_REQUESTS, ScenarioSchema } from '@ridgeline/core';
import { FLAG_FIELDS } from './commands/estimate.js';
import { EXAMPLES, VERSION, allCommands, buildProgram, run } from './main.js';

const tmp = scratchDir('ridgeline-newcomer-');
const cli = cliIn(tmp);

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

  it('every registered command and subcommand --help ends with an example of that command', async () => {
    const paths = allCommands(buildProgram(captureIo(tmp))).map(function path(c): string {
      const p = c.parent;
      return p === null || p.parent === null ? c.name() : `${path(p)} ${c.name()}`;
    });
    expect(paths).toContain('sweep merge');
    expect(Object.keys(EXAMPLES).sort()).toEqual([...paths].sort());
    for (const c of paths) {
      const r = await cli([...c.split(' '), '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Examples:');
      expect(r.out).toContain(`$ ridgeline ${c} `);
    }
  });

  it('every example parses and names only files the repository ships (or writes under out/)', async () => {
    for (const [c, examples] of Object.entries(EXAMPLES))
      for (const e of examples) {
        const argv = e.split(' > ')[0]?.trim().split(/\s+/).slice(1) ?? [];
        expect(argv.slice(0, c.split(' ').length).join(' '), e).toBe(c);
        for (const [k, a] of argv.entries()) {
          const written = argv[k - 1] === '-o' || a.startsWith('out/');
          if (/\.(ya?ml|jsonl?|csv|txt)$/.test(a) && !written)
            expect(existsSync(join(REPO, a)), `${e}: ${a}`).toBe(true);
        }
        const io = captureIo(REPO);
        expect(await run(argv, io, { parseOnly: true }), `${e}\n${io.err()}`).toBe(0);
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
    expect(r.out).toMatch(/ideal[\s\S]*optimistic\s+bound/);
  });
});

describe('formats the device lacks', () => {
  it('FP8 on a device without FP8 math offers weight-only FP8 with 16-bit math', async () => {
    const args = ['--model', 'llama-3.1-8b', '--hardware', 'a100-sxm-80gb', '--weights', 'fp8'];
    const load = ['--input', '128', '--output', '16', '--batch', '1'];
    const r = await cli(['estimate', ...args, ...load]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--activations bf16');
    expect(r.err).toContain('weight-only FP8');
    const ok = await cli(['estimate', ...args, ...load, '--activations', 'bf16']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/weights fp8 \(emulated: dequantized to BF16 math\)/);
  });

  it('int4 emulation is stated on the precision line of the report', async () => {
    const r = await cli(
      ['estimate', '--model', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--weights', 'int4'].concat([
        '--input',
        '128',
        '--output',
        '16',
        '--batch',
        '1',
      ]),
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/precision +weights int4 \(emulated: dequantized to BF16 math\)/);
  });
});

describe('models', () => {
  it('a model can be a directory holding config.json', async () => {
    const dir = join(tmp, 'Llama-3.1-8B');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(REPO, 'packages/core/data/models/hf/llama-3.1-8b.json'), join(dir, 'config.json'));
    for (const ref of ['Llama-3.1-8B', './Llama-3.1-8B/', dir]) {
      const r = await cli(['model', ref]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('provenance  hf-config');
    }
    const e = await cli(
      ['estimate', '--model', 'Llama-3.1-8B', '--hardware', 'h100-sxm'].concat([
        '--input',
        '128',
        '--output',
        '16',
        '--batch',
        '1',
      ]),
    );
    expect(e.code).toBe(0);
  });

  it('an unknown org/name id says that offline use needs the config path', async () => {
    const r = await cli(['model', 'meta-llama/Llama-9-70B']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('offline');
    expect(r.err).toContain('config.json');
    const plain = await cli(['model', 'llama-9']);
    expect(plain.err).not.toContain('offline');
  });

  it('model KV bytes per token agree with estimate for sliding-window models, with the full figure', async () => {
    for (const id of ['gpt-oss-20b', 'gpt-oss-120b']) {
      const m = await cli(['model', id, '--seq', '4096', '--json']);
      const stats = JSON.parse(m.out) as {
        kvCacheBytesPerToken: number;
        kvCacheBytesPerTokenAtSequence: number;
      };
      expect(stats.kvCacheBytesPerTokenAtSequence).toBeLessThan(stats.kvCacheBytesPerToken);
      const e = await cli(
        ['estimate', '--model', id, '--hardware', 'b200', '--weights', 'fp8'].concat([
          '--input',
          '4000',
          '--output',
          '96',
          '--batch',
          '1',
          '--json',
        ]),
      );
      expect(e.code).toBe(0);
      const memory = (JSON.parse(e.out) as { memory: { kvBytesPerSequence: number } }).memory;
      expect(memory.kvBytesPerSequence / 4096).toBeCloseTo(stats.kvCacheBytesPerTokenAtSequence, 6);
      const text = await cli(['model', id]);
      expect(text.out).toMatch(/at 4,096 tokens of context/);
      expect(text.out).toMatch(/with full attention on every layer/);
    }
  });
});

const SCENARIO_LINE = JSON.stringify({
  model: 'llama-3.1-8b',
  hardware: 'h100-sxm',
  engine: 'ideal',
  workload: { inputTokens: 128, outputTokens: 8, batch: 1 },
});

describe('batch', () => {
  it('skips blank lines and keeps the file line numbers', async () => {
    const file = join(tmp, 'blank.jsonl');
    writeFileSync(file, `\n${SCENARIO_LINE}\n\n   \nnot json\n${SCENARIO_LINE}\n\n`);
    const r = await cli(['batch', file]);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ error: { line: 5 } });
    expect(r.code).toBe(2);
  });

  it('waits for the reader (back-pressure) before computing more output', async () => {
    const file = join(tmp, 'many.jsonl');
    writeFileSync(file, `${SCENARIO_LINE}\n`.repeat(400));
    const io = captureIo(tmp);
    let writes = 0;
    let release: () => void = () => undefined;
    let held = 0;
    const slow = {
      ...io,
      stdout: (text: string) => {
        writes++;
        io.stdout(text);
      },
      drain: () => {
        held++;
        return new Promise<void>((done) => {
          release = done;
        });
      },
    };
    const running = run(['batch', file], slow);
    await new Promise((done) => setTimeout(done, 200));
    // One chunk written, then it waits for the reader: no further chunk until drained.
    expect(writes).toBe(1);
    expect(held).toBe(1);
    // The reader catches up: the rest follows.
    slow.drain = () => Promise.resolve();
    release();
    expect(await running).toBe(0);
    expect(io.out().trim().split('\n')).toHaveLength(400);
  });

  it('reads an endless input to a line-size cap, not forever', async () => {
    const r = await cli(['batch', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read \/dev\/zero: a line is longer than the limit/);
  });
});

describe('batch through a pipe (spawned)', () => {
  const MAIN = join(REPO, 'packages/cli/dist/main.js');
  const file = join(tmp, 'piped.jsonl');
  const LINES = 1500;

  it('a slow reader gets every line', async () => {
    writeFileSync(file, `${SCENARIO_LINE}\n`.repeat(LINES));
    const child = spawn(process.execPath, [MAIN, 'batch', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Read nothing for a while (the pipe fills), then read slowly.
    await new Promise((done) => setTimeout(done, 300));
    let newlines = 0;
    child.stdout.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) newlines++;
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 1);
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(newlines).toBe(LINES);
  }, 60_000);

  it('a reader that closes early (head) ends it quietly with exit 0', async () => {
    writeFileSync(file, `${SCENARIO_LINE}\n`.repeat(LINES));
    const child = spawn(process.execPath, [MAIN, 'batch', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});

describe('limits instead of hangs', () => {
  it('a request count above the cap is an error naming the cap', async () => {
    const r = await cli(
      ['estimate', '--model', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--input', '128'].concat([
        '--output',
        '16',
        '--request-rate',
        '5',
        '--requests',
        '1000000000',
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('workload.requests');
    expect(r.err).toContain(`at most ${MAX_REQUESTS.toLocaleString('en-US')} requests`);
  });

  it('a scenario file that never ends (/dev/zero) fails at the input size cap', async () => {
    const r = await cli(['estimate', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read /dev/zero: it is larger than the 256 MiB limit for input files');
  });

  it('validate on millions of malformed lines gives a summary, not a stack overflow', async () => {
    const file = join(tmp, 'garbage.csv');
    const csv = readFileSync(join(REPO, 'packages/core/data/measurements/reference.csv'), 'utf8');
    const header = csv.slice(0, csv.indexOf('\n') + 1);
    writeFileSync(file, header + 'a,"b"c\n'.repeat(400_000) + 'x,y\n'.repeat(400_000));
    const r = await cli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('call stack');
    const lines = r.err.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(MAX_CSV_DIAGNOSTICS + 1);
    expect(lines[lines.length - 1]).toMatch(/and [\d]+ more problem/);
  });
});

describe('Poisson load', () => {
  const rate = (r: string, n: string): string[] =>
    ['estimate', '--model', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--weights', 'fp8'].concat([
      '--input',
      '2048',
      '--output',
      '512',
      '--request-rate',
      r,
      '--requests',
      n,
      '--json',
    ]);
  const saturated = async (args: string[]): Promise<string[]> => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { diagnostics: { code: string; message: string }[] };
    return report.diagnostics.filter((d) => d.code === 'serving.saturated').map((d) => d.message);
  };

  it('a rate the deployment keeps up with is not flagged because of the drain at the end', async () => {
    // 200 requests at 9/s: requests over the whole run is 8.2/s (the drain counts), TTFT stays flat.
    expect(await saturated(rate('9', '200'))).toEqual([]);
  });

  it('a rate above the service rate is flagged, with the rate served while requests arrive', async () => {
    const [message] = await saturated(rate('20', '1000'));
    expect(message).toMatch(/arrive at 20\.0\/s but the deployment serves about [\d.]+\/s while they arrive/);
  });
});

/** The zod schema at a dotted path, through optional/default wrappers; undefined when absent. */
function schemaAt(schema: unknown, path: readonly string[]): unknown {
  let s: unknown = schema;
  for (const key of path) {
    for (;;) {
      const def = (s as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
      const inner = def?.innerType ?? def?.in;
      if (inner === undefined) break;
      s = inner;
    }
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (shape === undefined || !(key in shape)) return undefined;
    s = shape[key];
  }
  return s;
}

describe('flags and scenario-file fields', () => {
  it('every estimate flag maps to an existing scenario-schema path', () => {
    expect(schemaAt(ScenarioSchema, ['workload', 'nope'])).toBeUndefined();
    for (const [flag, field] of FLAG_FIELDS) {
      expect(schemaAt(ScenarioSchema, field.split('.')), `${flag} → ${field}`).toBeDefined();
    }
  });

  it('every estimate option is in the table (or is no scenario field), and help and docs show it', async () => {
    const help = (await cli(['estimate', '--help'])).out;
    const options = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);
    const mapped = new Set(FLAG_FIELDS.map(([flag]) => flag));
    const notFields = ['--calibration', '--json', '--help'];
    expect(options.filter((o) => o !== undefined && !mapped.has(o) && !notFields.includes(o))).toEqual([]);
    const docs = readFileSync(join(REPO, 'docs/serving.md'), 'utf8');
    for (const [flag, field] of FLAG_FIELDS) {
      expect(help).toMatch(new RegExp(`${flag} +${field.replace(/\./g, '\\.')}`));
      expect(docs).toContain(`| \`${flag}\` | \`${field}\``);
    }
  });

  it('the bandwidth flag says bytes, not bits, and its old name still works', async () => {
    const help = (await cli(['estimate', '--help'])).out;
    expect(help).toMatch(/--scale-out-bandwidth <GB\/s>[\s\S]*bytes,\s+not\s+bits/);
    const disagg = ['--model', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--input', '64', '--output', '8'];
    const run1 = await cli(['estimate', ...disagg, '--batch', '1', '--scale-out-bandwidth', '50']);
    const run2 = await cli(['estimate', ...disagg, '--batch', '1', '--scale-out-gbps', '50']);
    expect(run1.code).toBe(0);
    expect(run2.out).toBe(run1.out);
    const bad = await cli(['estimate', ...disagg, '--batch', '1', '--scale-out-bandwidth', '0']);
    expect(bad.err).toContain('--scale-out-bandwidth must be a positive number');
  });
});

describe('unknown keys in a scenario file', () => {
  it('each gets file:line:column at the key and a did-you-mean', async () => {
    const file = join(tmp, 'typos.yaml');
    writeFileSync(
      file,
      [
        'model: llama-3.1-8b',
        'hardware: h100-sxm',
        'parallelism:',
        '  tp: 1',
        '  ppp: 2',
        'workload:',
        '  inputTokens: 12',
        '  outputTokens: 4',
        '  batch: 1',
        'engin: vllm',
        'colour: blue',
        '',
      ].join('\n'),
    );
    const r = await cli(['estimate', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("typos.yaml:5:3: parallelism.ppp: unknown field. Did you mean 'pp'?");
    expect(r.err).toContain("typos.yaml:10:1: engin: unknown field. Did you mean 'engine'?");
    // Nothing close: no guess, the fields that exist instead.
    expect(r.err).toMatch(/typos\.yaml:11:1: colour: unknown field\. Fields here: model, hardware/);
  });
});

describe('reports', () => {
  const DISAGG = [
    'model: llama-3.1-70b',
    'hardware: h100-sxm',
    'gpus: 8',
    'precision: { weights: fp8 }',
    'serving:',
    '  disaggregation: { prefill: { tp: 2, dp: 1 }, decode: { tp: 2, dp: 3 } }',
    'topology: { scaleOutBandwidthBytesPerSecond: 50e9 }',
    'workload: { inputTokens: 2048, outputTokens: 128, requestRate: 2, requests: 200 }',
    'cost: { usdPerDeviceHour: 2.5 }',
    '',
  ].join('\n');

  it('a disaggregated run shows both pools’ parallelism (text and JSON)', async () => {
    const file = join(tmp, 'disagg.yaml');
    writeFileSync(file, DISAGG);
    const r = await cli(['estimate', file]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/parallelism +prefill pool: tp 2, pp 1, ep 1, dp 1 \(2 devices\)/);
    expect(r.out).toMatch(/\n +decode pool: tp 2, pp 1, ep 1, dp 3 \(6 devices\)/);
    const json = await cli(['estimate', file, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({
      scenario: { disaggregation: { prefill: { tp: 2, dp: 1 }, decode: { tp: 2, dp: 3 } } },
    });
  });

  it('each max batch line says which limit it is, and costs say what they include', async () => {
    const file = join(tmp, 'disagg.yaml');
    writeFileSync(file, DISAGG);
    const r = await cli(['estimate', file]);
    expect(r.out).toMatch(
      /max batch +\d+ sequences running at once in one replica \(the peak seen in the run, not a limit\)/,
    );
    expect(r.out).toMatch(/max batch +[\d,]+ sequences of 2,176 tokens \(KV-cache limit/);
    expect(r.out).toMatch(/input +\$[\d.]+ per million input tokens \(the prefill share of device time\)/);
    expect(r.out).toMatch(/output +\$[\d.]+ per million output tokens \(the decode share of device time\)/);
    expect(r.out).toMatch(/blended +\$[\d.]+ per million tokens \(all device time of the run/);
    expect(r.out).toMatch(/per request +\$[\d.]+ \(all device time over requests\)/);
  });
});
