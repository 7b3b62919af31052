import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, cliIn, scratchDir } from '../test/cli-support.js';

const tmp = scratchDir('ridgeline-cli-');
const cli = cliIn(tmp);

const LLAMA_70B = [
  '--model',
  'llama-3.1-70b',
  '--hardware',
  'h100-sxm',
  '--gpus',
  '8',
  '--tp',
  '8',
  '--input',
  '2048',
  '--output',
  '256',
  '--batch',
  '64',
];

describe('estimate', () => {
  it('prints the tables for a scenario given by flags', async () => {
    const r = await cli(['estimate', ...LLAMA_70B]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('TTFT');
    expect(r.out).toContain('TPOT');
    expect(r.out).toContain('qkv_proj');
    expect(r.out).toMatch(/\b(compute|memory)\b/);
    expect(r.out).toContain('Memory per device');
    expect(r.out).toContain('Prefill operators');
    expect(r.out).toContain('Decode operators');
    // GEMM shapes: m×n×k
    expect(r.out).toMatch(/\d[\d,]*×\d[\d,]*×\d[\d,]*/);
  });

  it('says what the text assumes: why no calibration applied, the usable memory, a serving breakdown at the mean batch', async () => {
    const byDefault = await cli(['estimate', ...LLAMA_70B]);
    expect(byDefault.out).toMatch(/calibration +none: no calibration profile covers h100-sxm with vllm/);
    expect(byDefault.out).toMatch(/total .* GiB of .* GiB \(\d.*%\), the usable memory: the engine's share/);
    expect(byDefault.out).toMatch(/\nPhases\n/);
    const asked = await cli(['estimate', ...LLAMA_70B, '--calibration', 'none']);
    expect(asked.out).toMatch(/calibration +none \(the raw model, as asked\)/);
    const serving = await cli([
      'estimate',
      ...LLAMA_70B.slice(0, -2),
      '--request-rate',
      '2',
      '--requests',
      '50',
      '--seed',
      '1',
    ]);
    expect(serving.code).toBe(0);
    expect(serving.out).toMatch(
      /workload +open loop, Poisson arrivals \(workload.requestRate\), .*; mean batch \d+ in flight/,
    );
    expect(serving.out).toMatch(/\nPhases \(one static step at the simulated mean batch of \d+: /);
  });

  it('an offload without a tier names the tier to give', async () => {
    const r = await cli(['estimate', ...LLAMA_70B, '--offload-kv', '0.5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/offload\.tier: required with any offload: .*--offload-tier host/);
  });

  it('prints the report as JSON with --json', async () => {
    const r = await cli(['estimate', ...LLAMA_70B, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Record<string, unknown>;
    expect(typeof report['ttftMs']).toBe('number');
    expect(typeof report['tpotMs']).toBe('number');
    expect(report['memory']).toMatchObject({ fits: true });
    expect(report['scenario']).toMatchObject({ model: 'llama-3.1-70b', gpus: 8 });
  });

  it('reads a YAML scenario file and lets flags override it', async () => {
    const file = join(tmp, 'ok.yaml');
    writeFileSync(
      file,
      [
        'model: llama-3.1-8b',
        'hardware: h100-sxm',
        'parallelism:',
        '  tp: 1',
        'workload:',
        '  inputTokens: 512',
        '  outputTokens: 64',
        '  batch: 4',
        '',
      ].join('\n'),
    );
    const r = await cli(['estimate', file, '--batch', '8', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { scenario: { workload: { batch: number; inputTokens: number } } };
    expect(report.scenario.workload).toMatchObject({ batch: 8, inputTokens: 512 });
  });

  it('points a wrong type in a YAML file at its line and column', async () => {
    const file = join(tmp, 'scenario.yaml');
    writeFileSync(
      file,
      [
        '# a scenario',
        'model: llama-3.1-70b',
        'hardware: h100-sxm',
        'parallelism:',
        '  tp: eight',
        'workload: {inputTokens: 2048, outputTokens: 256, batch: 64}',
        '',
      ].join('\n'),
    );
    const r = await cli(['estimate', file]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error: .*scenario\.yaml:5:7: parallelism\.tp: /m);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('points a YAML syntax error at its line', async () => {
    const file = join(tmp, 'broken.yaml');
    writeFileSync(file, 'model: llama-3.1-8b\nworkload: [1, 2\nhardware: h100-sxm\n');
    const r = await cli(['estimate', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.yaml:\d+:\d+: YAML syntax/);
  });

  it('reports a JSON scenario error as JSON with --json', async () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(
      file,
      '{\n  "model": "llama-3.1-8b",\n  "hardware": "h100-sxm",\n  "workload": {"inputTokens": -1, "outputTokens": 8, "batch": 1}\n}\n',
    );
    const r = await cli(['estimate', file, '--json']);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out) as {
      error: { diagnostics: { path: unknown[]; file: string; line: number }[] };
    };
    const d = body.error.diagnostics[0];
    expect(d?.path).toEqual(['workload', 'inputTokens']);
    expect(d?.file).toContain('bad.json');
    expect(d?.line).toBe(4);
  });

  it('suggests a close id for an unknown model', async () => {
    const r = await cli(['estimate', ...LLAMA_70B.map((a) => (a === 'llama-3.1-70b' ? 'llama-3.1-70' : a))]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown model 'llama-3.1-70'");
    expect(r.err).toContain("'llama-3.1-70b'");
  });

  it('rejects a tp that does not divide the heads with a plain message', async () => {
    const args = [...LLAMA_70B];
    args[args.indexOf('--tp') + 1] = '3';
    args.splice(args.indexOf('--gpus'), 2);
    const r = await cli(['estimate', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: tp=3 does not divide');
    expect(r.err).not.toContain('    at ');
  });

  it('simulates a closed loop and prints latency percentiles', async () => {
    const args = LLAMA_70B.slice(0, -2);
    const r = await cli(['estimate', ...args, '--concurrency', '8', '--requests', '64']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('p99');
    const j = await cli(['estimate', ...args, '--concurrency', '8', '--requests', '64', '--json']);
    const report = JSON.parse(j.out) as { latency: { ttft: { p90: number } }; serving: { requests: number } };
    expect(report.serving.requests).toBe(64);
    expect(report.latency.ttft.p90).toBeGreaterThan(0);
  });

  it('names a flag with a bad number', async () => {
    const args = [...LLAMA_70B];
    args[args.indexOf('--tp') + 1] = 'abc';
    const r = await cli(['estimate', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--tp must be a positive integer, got 'abc'");
  });

  it('says which flags are missing without a file', async () => {
    const r = await cli(['estimate', '--model', 'llama-3.1-8b', '--input', '128']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--hardware');
    expect(r.err).toContain('--output');
    expect(r.err).toContain('--batch');
    expect(r.err).not.toContain('--model,');
  });

  it('reads the model from an HF config file and the hardware from a YAML file', async () => {
    copyFileSync(join(REPO, 'packages/core/data/models/hf/llama-3.1-8b.json'), join(tmp, 'my-llama.json'));
    writeFileSync(
      join(tmp, 'gpu.yaml'),
      [
        'name: Test GPU',
        'peakFlopsPerSecond:',
        '  bf16: 989.4e12',
        'memory: {name: HBM3, capacityBytes: 80e9, bandwidthBytesPerSecond: 3.35e12}',
        '',
      ].join('\n'),
    );
    const r = await cli(
      [
        'estimate',
        '--model',
        'my-llama.json',
        '--hardware',
        'gpu.yaml',
        '--input',
        '128',
        '--output',
        '16',
        '--batch',
        '1',
        '--json',
      ],
      tmp,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { scenario: { model: string; hardware: string } };
    expect(report.scenario).toMatchObject({ model: 'my-llama', hardware: 'gpu' });
  });

  it('locates an error inside a hardware file', async () => {
    writeFileSync(join(tmp, 'bad-gpu.yaml'), 'name: x\npeakFlopsPerSecond: {bf16: -1}\nmemory: {}\n');
    const scenario = join(tmp, 'uses-bad-gpu.yaml');
    writeFileSync(
      scenario,
      'model: llama-3.1-8b\nhardware: bad-gpu.yaml\nworkload: {inputTokens: 8, outputTokens: 8, batch: 1}\n',
    );
    const r = await cli(['estimate', scenario], REPO);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-gpu\.yaml:2:\d+: peakFlopsPerSecond\.bf16/);
  });
});

describe('batch', () => {
  it('writes one line per input line, errors in place', async () => {
    const good = {
      model: 'llama-3.1-8b',
      hardware: 'h100-sxm',
      workload: { inputTokens: 128, outputTokens: 32, batch: 2 },
    };
    const file = join(tmp, 'runs.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify(good)}\n{not json\n${JSON.stringify({ ...good, engine: 'vllm' })}\n`,
    );
    const r = await cli(['batch', file]);
    expect(r.code).toBe(2);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toHaveProperty('ttftMs');
    expect(parsed[1]).toMatchObject({ error: { line: 2 } });
    expect(parsed[2]).toMatchObject({ scenario: { engine: 'vllm' } });
  });

  it('runs every workload kind, one simulation per line', async () => {
    const w = { inputTokens: 256, outputTokens: 32, requests: 50 };
    const lines = [
      { ...w, concurrency: 4 },
      { ...w, requestRate: 3, seed: 1 },
      { ...w, maxThroughput: true },
      { inputTokens: 256, outputTokens: 32, batch: 4 },
    ].map((workload) =>
      JSON.stringify({ model: 'llama-3.1-8b', hardware: 'h100-sxm', engine: 'vllm', workload }),
    );
    const file = join(tmp, 'kinds.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await cli(['batch', file]);
    expect(r.code).toBe(0);
    const kinds = r.out
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { scenario: { workload: { kind: string } } }).scenario.workload.kind);
    expect(kinds).toEqual(['concurrency', 'requestRate', 'maxThroughput', 'batch']);
  });

  it('keeps line numbers across blank lines and exits 0 when all succeed', async () => {
    const good = JSON.stringify({
      model: 'qwen3-8b',
      hardware: 'h100',
      workload: { inputTokens: 64, outputTokens: 8, batch: 1 },
    });
    const file = join(tmp, 'ok.jsonl');
    writeFileSync(file, `${good}\n${good}\n`);
    expect((await cli(['batch', file])).code).toBe(0);
    // Blank lines are skipped; an error names the line of the file.
    writeFileSync(file, `${good}\n\n${good}\n\n{`);
    const r = await cli(['batch', file]);
    expect(r.code).toBe(2);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] ?? '')).toMatchObject({
      error: { line: 5, diagnostics: [{ code: 'batch.invalid-json' }] },
    });
  });
});

describe('model', () => {
  it('gives the DeepSeek-V3 KV-cache bytes per token', async () => {
    const r = await cli(['model', 'deepseek-v3', '--json']);
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.out) as Record<string, unknown>;
    expect(stats['kvCacheBytesPerToken']).toBe(70272);
    expect(stats['totalParams']).toBeGreaterThan(6.7e11);
  });

  it('prints the architecture summary', async () => {
    const r = await cli(['model', 'deepseek-v3']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('MLA');
    expect(r.out).toContain('256 routed experts, top-8');
    expect(r.out).toContain('layer groups');
    expect(r.out).toContain('GFLOPs');
  });

  it('reads an HF config.json file', async () => {
    const dir = mkdtempSync(join(tmp, 'hf-'));
    const file = join(dir, 'llama-3.1-8b.json');
    copyFileSync(join(REPO, 'packages/core/data/models/hf/llama-3.1-8b.json'), file);
    const r = await cli(['model', file, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.out) as Record<string, unknown>;
    expect(stats['id']).toBe('llama-3.1-8b');
    expect(stats['kvCacheBytesPerToken']).toBe(131072);
  });

  it('suggests close ids for an unknown model', async () => {
    const r = await cli(['model', 'llama-3.1-70']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Did you mean 'llama-3.1-70b'");
  });

  it('validates its flags', async () => {
    const r = await cli(['model', 'llama-3.1-8b', '--weights', 'fp7', '--seq', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--weights must be one of');
    expect(r.err).toContain('--seq must be a positive integer');
  });
});

describe('catalog listings', () => {
  it('lists models and hardware', async () => {
    const models = await cli(['models']);
    expect(models.code).toBe(0);
    expect(models.out).toContain('llama-3.1-70b');
    expect(models.out).toContain('hf-config');
    const hw = await cli(['hardware']);
    expect(hw.code).toBe(0);
    expect(hw.out).toContain('h100-sxm');
  });

  it('shows one device with its sources', async () => {
    const r = await cli(['hardware', 'h100-sxm']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Sources');
    expect(r.out).toContain('TFLOPS');
    expect(r.out).toMatch(/family\s+nvidia-hopper/);
    const j = await cli(['hardware', 'h100', '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ id: 'h100-sxm', family: 'nvidia-hopper' });
    const bad = await cli(['hardware', 'h100-sxn']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'h100-sxm'");
  });
});

describe('command line', () => {
  it('exits 2 on an unknown option or command', async () => {
    const opt = await cli(['estimate', '--frobnicate']);
    expect(opt.code).toBe(2);
    expect(opt.err).toContain("unknown option '--frobnicate'");
    const cmd = await cli(['estimat']);
    expect(cmd.code).toBe(2);
    expect(cmd.err).toContain("unknown command 'estimat'");
  });

  it('exits 0 for --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('estimate');
  });

  it('never prints NaN or Infinity', async () => {
    const scenarios = [
      ['estimate', ...LLAMA_70B],
      [
        'estimate',
        '--model',
        'llama-3.1-8b',
        '--hardware',
        'h100-sxm',
        '--input',
        '1',
        '--output',
        '1',
        '--batch',
        '1',
      ],
      [
        'estimate',
        '--model',
        'deepseek-v3',
        '--hardware',
        'h200-sxm',
        '--tp',
        '8',
        '--weights',
        'fp8',
        '--input',
        '1024',
        '--output',
        '128',
        '--batch',
        '16',
      ],
      [
        'estimate',
        '--model',
        'qwen3-30b-a3b',
        '--hardware',
        'mi300x',
        '--input',
        '4096',
        '--output',
        '2',
        '--batch',
        '512',
      ],
      [
        'estimate',
        '--model',
        'gpt-oss-20b',
        '--hardware',
        'rtx-4090',
        '--input',
        '100000',
        '--output',
        '10',
        '--batch',
        '1',
      ],
      ['model', 'gpt-oss-120b'],
      ['model', 'llama-4-maverick-17b-128e', '--seq', '1'],
      ['models'],
      ['hardware'],
      ['hardware', 'tpu-v5e'],
    ];
    for (const args of scenarios) {
      const r = await cli(args);
      expect([0, 2], args.join(' ')).toContain(r.code);
      expect(r.out + r.err, args.join(' ')).not.toMatch(/NaN|Infinity/);
    }
  });
});
