import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, cliIn, scratchDir } from '../test/cli-support.js';

const tmp = scratchDir('ridgeline-sweep-');
const cli = cliIn(tmp);

const SPEC = `base:
  model: llama-3.1-8b
  hardware: h100-sxm
  workload: { inputTokens: 1024, outputTokens: 128, batch: 1 }
axes:
  hardware: [h100-sxm, h200-sxm]
  workload.batch: [1, 8, 64]
  workload.inputTokens: { from: 128, to: 8192, steps: 4, scale: log }
`;
writeFileSync(join(tmp, 'spec.yaml'), SPEC);

describe('sweep', () => {
  it('writes one JSONL row per point, in order, with the axis values first', async () => {
    const r = await cli(['sweep', 'spec.yaml']);
    expect(r.code).toBe(0);
    const rows = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(24);
    expect(Object.keys(rows[0] ?? {}).slice(0, 5)).toEqual([
      'hardware',
      'workload.batch',
      'workload.inputTokens',
      'ttftMs',
      'tpotMs',
    ]);
    expect(rows[23]).toMatchObject({
      hardware: 'h200-sxm',
      'workload.batch': 64,
      'workload.inputTokens': 8192,
    });
    expect(rows[0]?.['bound']).toBe('memory');
  });

  it('writes CSV and a table, with --fields', async () => {
    const csv = await cli(['sweep', 'spec.yaml', '--format', 'csv', '--fields', 'ttftMs,memory.fits']);
    const lines = csv.out.trimEnd().split('\n');
    expect(lines[0]).toBe('hardware,workload.batch,workload.inputTokens,ttftMs,memory.fits,error');
    expect(lines).toHaveLength(25);
    expect(lines[1]).toMatch(/^h100-sxm,1,128,[\d.]+,true,$/);
    const table = await cli(['sweep', 'spec.yaml', '--format', 'table', '--fields', 'tpotMs']);
    expect(table.out.split('\n')[0]).toMatch(/hardware\s+workload\.batch\s+workload\.inputTokens\s+tpotMs/);
  });

  it('sizes a table column to its axis values, so an object value keeps the columns aligned', async () => {
    writeFileSync(
      join(tmp, 'objects.yaml'),
      'base:\n  model: llama-3.1-8b\n  hardware: h100-sxm\n  workload: { inputTokens: 128, outputTokens: 8, batch: 1 }\naxes:\n  parallelism: [{ tp: 1 }, { tp: 2, dp: 2 }]\n',
    );
    const r = await cli(['sweep', 'objects.yaml', '--format', 'table', '--fields', 'tpotMs']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // Every line ends the parallelism column, and the tpotMs column, at the same place.
    const ends = lines.map((l) => l.length);
    expect(new Set(ends).size).toBe(1);
    expect(lines[2]).toContain('{"tp":2,"dp":2}');
  });

  it('reports spec errors at file:line:column and exits 2', async () => {
    writeFileSync(
      join(tmp, 'bad.yaml'),
      'base:\n  model: llama-3.1-8b\n  hardware: h100-sxm\n  gpus: 0\n  workload: { inputTokens: 8, outputTokens: 8, batch: 1 }\naxes:\n  workload.batch: { from: 1, to: 8, steps: 0 }\n',
    );
    const r = await cli(['sweep', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:7:\d+.*steps/);
    writeFileSync(
      join(tmp, 'base.yaml'),
      'base:\n  model: llama-3.1-8b\n  hardware: h100-sxm\n  gpus: 0\n  workload: { inputTokens: 8, outputTokens: 8, batch: 1 }\naxes:\n  workload.batch: [1, 2]\n',
    );
    const b = await cli(['sweep', 'base.yaml']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/base\.yaml:4:9.*gpus/);
    const flags = await cli(['sweep', 'spec.yaml', '--shard', '4/3', '--format', 'xml']);
    expect(flags.code).toBe(2);
    expect(flags.err).toMatch(/--shard/);
    expect(flags.err).toMatch(/--format/);
  });

  it('gives error rows for points that cannot run, and goes on', async () => {
    writeFileSync(
      join(tmp, 'rows.yaml'),
      'base: { model: llama-3.1-70b, hardware: h100-sxm, workload: { inputTokens: 8, outputTokens: 8, batch: 1 } }\naxes:\n  parallelism.tp: [1, 8]\n',
    );
    const r = await cli(['sweep', 'rows.yaml', '--format', 'csv', '--fields', 'ttftMs']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^1,,"The weights need .*"$/);
    expect(lines[2]).toMatch(/^8,[\d.]+,$/);
  });

  it('shards join, by sweep merge, into what one run writes', async () => {
    for (const format of ['jsonl', 'csv']) {
      const whole = join(tmp, `whole.${format}`);
      expect((await cli(['sweep', 'spec.yaml', '--format', format, '-o', whole])).code).toBe(0);
      const parts = [];
      for (const k of [1, 2, 3, 4, 5]) {
        const part = join(tmp, `part-${k}.${format}`);
        parts.push(part);
        expect(
          (await cli(['sweep', 'spec.yaml', '--format', format, '--shard', `${k}/5`, '-o', part])).code,
        ).toBe(0);
      }
      const merged = join(tmp, `merged.${format}`);
      expect((await cli(['sweep', 'merge', ...parts, '-o', merged])).code).toBe(0);
      expect(readFileSync(merged, 'utf8')).toBe(readFileSync(whole, 'utf8'));
      // Out of order (as a shell glob puts part-10 before part-2): joined as given, with a warning.
      const swapped = await cli(['sweep', 'merge', parts[1] ?? '', parts[0] ?? '']);
      expect(swapped.err).toMatch(/not in numeric order/);
    }
  });

  it('merge refuses an unfinished shard', async () => {
    writeFileSync(join(tmp, 'cut.jsonl'), '{"a":1}\n{"a":');
    const r = await cli(['sweep', 'merge', 'cut.jsonl']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/mid-line/);
  });

  it('--resume continues a cut output to the bytes of a whole run', async () => {
    for (const format of ['jsonl', 'csv']) {
      const whole = join(tmp, `r-whole.${format}`);
      await cli(['sweep', 'spec.yaml', '--format', format, '-o', whole]);
      const expected = readFileSync(whole, 'utf8');
      for (const cut of [0, 10, expected.length >> 1, expected.length - 3]) {
        const out = join(tmp, `r-cut.${format}`);
        writeFileSync(out, expected.slice(0, cut));
        const r = await cli(['sweep', 'spec.yaml', '--format', format, '-o', out, '--resume']);
        expect(r.code).toBe(0);
        expect(readFileSync(out, 'utf8')).toBe(expected);
      }
    }
    // Another sweep's file is not continued.
    writeFileSync(join(tmp, 'other.jsonl'), '{"x":1}\n');
    const r = await cli(['sweep', 'spec.yaml', '-o', 'other.jsonl', '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not written by this sweep/);
  });
});

describe('batch --fields', () => {
  it('prints only the fields asked for', async () => {
    writeFileSync(
      join(tmp, 'b.jsonl'),
      '{"model":"llama-3.1-8b","hardware":"h100-sxm","workload":{"inputTokens":100,"outputTokens":10,"batch":1}}\n',
    );
    const r = await cli(['batch', 'b.jsonl', '--fields', 'ttftMs,memory.fits,bound']);
    expect(r.code).toBe(0);
    const row = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(['ttftMs', 'memory.fits', 'bound']);
    expect(row['memory.fits']).toBe(true);
  });
});

// The built CLI with worker threads, killed with SIGKILL mid-run and resumed (needs `npm run build`;
// `npm run check` builds before it tests).
const MAIN = join(REPO, 'packages/cli/dist/main.js');
describe.runIf(existsSync(join(REPO, 'packages/cli/dist/sweep-worker.js')))(
  'sweep, built, with workers',
  () => {
    const big = join(tmp, 'big.yaml');
    writeFileSync(
      big,
      SPEC.replace('[1, 8, 64]', '{ from: 1, to: 256, steps: 40 }').replace('steps: 4,', 'steps: 120,'),
    );

    it('after kill -9, --resume ends byte-identical to an uninterrupted run', async () => {
      const whole = join(tmp, 'k-whole.jsonl');
      const w = spawnSync('node', [MAIN, 'sweep', big, '-o', whole, '--workers', '2'], { encoding: 'utf8' });
      expect(w.status).toBe(0);
      const expected = readFileSync(whole);
      expect(expected.toString('utf8').split('\n')).toHaveLength(2 * 40 * 120 + 1);
      // Single-threaded gives the same bytes as the pool.
      const one = join(tmp, 'k-one.jsonl');
      expect(spawnSync('node', [MAIN, 'sweep', big, '-o', one, '--workers', '1']).status).toBe(0);
      expect(readFileSync(one).equals(expected)).toBe(true);

      const out = join(tmp, 'k-cut.jsonl');
      const child = spawn('node', [MAIN, 'sweep', big, '-o', out, '--workers', '2'], { stdio: 'ignore' });
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (existsSync(out) && statSync(out).size > expected.length / 4) {
            clearInterval(poll);
            child.kill('SIGKILL');
            resolve();
          }
        }, 5);
      });
      await new Promise((resolve) => child.on('exit', resolve));
      const size = statSync(out).size;
      expect(size).toBeLessThan(expected.length);
      // Cut mid-line too, as a kill during a write would.
      truncateSync(out, size - 7);
      const r = spawnSync('node', [MAIN, 'sweep', big, '-o', out, '--resume', '--workers', '2']);
      expect(r.status).toBe(0);
      expect(readFileSync(out).equals(expected)).toBe(true);
    });
  },
);

describe('compare', () => {
  const scenario = (parallelism: string): string =>
    `model: llama-3.1-70b\nhardware: h100-sxm\ngpus: 8\nparallelism: ${parallelism}\nworkload: { inputTokens: 2048, outputTokens: 256, batch: 32 }\n`;
  writeFileSync(join(tmp, 'tp8.yaml'), scenario('{ tp: 8 }'));
  writeFileSync(join(tmp, 'tp4dp2.yaml'), scenario('{ tp: 4, dp: 2 }'));

  it('puts scenarios side by side and marks the rows that differ', async () => {
    const r = await cli(['compare', 'tp8.yaml', 'tp4dp2.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\* parallelism\.tp\s+8\s+4$/m);
    expect(r.out).toMatch(/^ {2}model\s+llama-3\.1-70b\s+llama-3\.1-70b$/m);
    expect(r.out).toMatch(/^\* ttftMs\s+[\d,.]+\s+[\d,.]+ \(×[\d.]+\)$/m);
  });

  it('--json gives the comparison object, with --fields', async () => {
    const r = await cli(['compare', 'tp8.yaml', 'tp4dp2.yaml', '--json', '--fields', 'ttftMs,memory.fits']);
    const c = JSON.parse(r.out) as {
      names: string[];
      metrics: { field: string; values: unknown[]; differs: boolean; ratios?: number[] }[];
    };
    expect(c.names).toEqual(['tp8.yaml', 'tp4dp2.yaml']);
    expect(c.metrics.map((m) => m.field)).toEqual(['ttftMs', 'memory.fits']);
    expect(c.metrics[0]?.differs).toBe(true);
    expect(c.metrics[0]?.ratios?.[0]).toBe(1);
    expect(c.metrics[1]?.differs).toBe(false);
  });

  it('names the file and field of a scenario that cannot run', async () => {
    writeFileSync(join(tmp, 'bad-tp.yaml'), scenario('{ tp: 0 }'));
    const r = await cli(['compare', 'tp8.yaml', 'bad-tp.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-tp\.yaml:4:\d+/);
  });
});
