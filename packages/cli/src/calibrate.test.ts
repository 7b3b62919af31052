import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CalibrationProfile, CrossValidationReport } from '@ridgeline/core';
import {
  SHIPPED_PROFILES,
  guardedCrossValidate,
  observationsFromRows,
  parseMeasurementCsv,
} from '@ridgeline/core';
import { memoryIo } from './io.js';
import { captureIo } from './io.js';
import { run, runCaptured } from './main.js';
// Real benchmark-tool outputs: packages/core/test/fixtures/formats (README.md there gives their origin).
import { formats } from '../../core/test/formats-support.js';

const VLLM = formats('vllm/benchmark_serving-2025-04-results-llama3.1-8b-h100.jsonl');
const TRTLLM_017 = formats('trtllm-bench/v0.17.0-llama3.1-8b-fp8-throughput-summary.FROM-DOCS.txt');
const TRTLLM_021 = formats(
  'trtllm-bench/v0.21.0rc0-llama3.1-8b-pytorch-streaming-throughput-summary.FROM-NVIDIA-BLOG.txt',
);
const REFERENCE = readFileSync(
  new URL('../../core/data/measurements/reference.csv', import.meta.url),
  'utf8',
);
const CALIBRATION_DIR = new URL('../../core/data/calibration/', import.meta.url);

const ridgeline = (args: string[], files: Record<string, string>) => runCaptured(args, memoryIo(files));

interface CalibrateJson {
  profile: CalibrationProfile;
  rows: { id: string; metric: string; errorPctBefore: number; errorPctAfter: number }[];
  skipped: { reason: string }[];
}

describe('ridgeline calibrate on real benchmark output', () => {
  it('fits a vLLM benchmark_serving result: 12 runs, throughput, TTFT and TPOT each', async () => {
    const r = await ridgeline(['calibrate', 'vllm.jsonl', '--hardware', 'h100-sxm', '--json'], {
      '/data/vllm.jsonl': VLLM,
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as CalibrateJson;
    expect(j.profile.hardware).toBe('h100-sxm');
    expect(j.profile.engine).toBeUndefined();
    expect(j.rows).toHaveLength(36);
    expect(new Set(j.rows.map((x) => x.metric))).toEqual(new Set(['output_tok_s', 'ttft_ms', 'tpot_ms']));
    const fit = j.profile.fit;
    expect(fit?.rows).toBe(36);
    expect(fit?.medianErrorPctAfter).toBeLessThan((fit?.medianErrorPctBefore ?? 0) / 2);
    expect(j.profile.source).toMatch(/^fitted by ridgeline calibrate from vllm\.jsonl @ \d{4}-\d{2}-\d{2}$/);
  });

  it('names the -o file it cannot write, and exits 2', async () => {
    const r = await ridgeline(
      ['calibrate', 'vllm.jsonl', '--hardware', 'h100-sxm', '-o', 'no-such-dir/h100.yaml'],
      { '/data/vllm.jsonl': VLLM },
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot write no-such-dir/h100.yaml: no such file');
  });

  it('prints the profile as YAML and the before/after table on stderr without -o', async () => {
    const r = await ridgeline(['calibrate', 'a.txt', 'b.txt', '--hardware', 'H100 SXM'], {
      '/data/a.txt': TRTLLM_017,
      '/data/b.txt': TRTLLM_021,
    });
    expect(r.code).toBe(0);
    const profile = parse(r.out) as CalibrationProfile;
    expect(profile.hardware).toBe('h100-sxm');
    expect(profile.fit?.rows).toBe(5);
    expect(r.err).toContain('Calibration of h100-sxm from 5 measurement(s)');
    expect(r.err).toMatch(/b\.txt ttft_ms\s+ttft_ms/);
  });

  it('fits reference-CSV rows of the device, and an engine profile from its engine only', async () => {
    const device = await ridgeline(['calibrate', 'ref.csv', '--hardware', 'gh200', '--json'], {
      '/data/ref.csv': REFERENCE,
    });
    expect(device.code).toBe(0);
    const d = JSON.parse(device.out) as CalibrateJson;
    // 35 TensorRT-LLM 0.17 max-throughput rows and 2 MAMF GEMM rows measured on GH200.
    expect(d.profile.fit?.rows).toBe(37);
    expect(d.profile.fit?.medianErrorPctAfter).toBeLessThan(d.profile.fit?.medianErrorPctBefore ?? 0);
    const engine = await ridgeline(
      ['calibrate', 'ref.csv', '--hardware', 'gh200', '--engine', 'trtllm', '--json'],
      { '/data/ref.csv': REFERENCE },
    );
    expect(engine.code).toBe(0);
    const e = JSON.parse(engine.out) as CalibrateJson;
    expect(e.profile.engine).toBe('trtllm');
    expect(e.profile.fit?.rows).toBe(35);
    expect(e.profile.parameters.stepOverheadSeconds).toBeGreaterThan(0);
  });
});

describe('ridgeline calibrate errors (exit 2)', () => {
  it('too few usable measurements, with the reasons', async () => {
    const r = await ridgeline(['calibrate', 'one.txt', '--hardware', 'h100-sxm'], {
      '/data/one.txt': TRTLLM_017,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: 1 usable measurement(s) on h100-sxm; calibration needs at least 3');
  });

  it('unknown hardware, with a suggestion', async () => {
    const r = await ridgeline(['calibrate', 'v.jsonl', '--hardware', 'h100-sx'], { '/data/v.jsonl': VLLM });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown hardware 'h100-sx'.*h100-sxm/);
    const missing = await ridgeline(['calibrate', 'v.jsonl'], { '/data/v.jsonl': VLLM });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('calibrate needs --hardware');
  });

  it('unreadable and malformed files, at file:line:col', async () => {
    const none = await ridgeline(['calibrate', 'nope.json', '--hardware', 'h100-sxm'], {});
    expect(none.code).toBe(2);
    expect(none.err).toBe('error: cannot read nope.json: no such file\n');
    const json = await ridgeline(['calibrate', 'bad.json', '--hardware', 'h100-sxm'], {
      '/data/bad.json': '{\n  "model_id": "x",\n  "output_throughput": 12,,\n}\n',
    });
    expect(json.code).toBe(2);
    expect(json.err).toMatch(/^error: bad\.json:3:\d+: /);
    const csv = await ridgeline(['calibrate', 'bad.csv', '--hardware', 'h100-sxm'], {
      '/data/bad.csv': `${REFERENCE.slice(0, REFERENCE.indexOf('\n'))}\nM1,s,H100,1\n`,
    });
    expect(csv.code).toBe(2);
    expect(csv.err).toMatch(/^error: bad\.csv:2:1: expected 16 fields/);
  });
});

describe('--calibration', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ridgeline-calibrate-'));
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('calibrate -o writes a profile that estimate, batch and validate apply', async () => {
    const io = captureIo(tmp);
    const src = join(tmp, 'vllm.jsonl');
    await import('node:fs').then((fs) => {
      fs.writeFileSync(src, VLLM);
    });
    expect(await run(['calibrate', src, '--hardware', 'h100-sxm', '-o', 'h100.yaml'], io)).toBe(0);
    expect(io.out()).toContain('Profile written to h100.yaml.');
    const profile = parse(readFileSync(join(tmp, 'h100.yaml'), 'utf8')) as CalibrationProfile;
    expect(profile.parameters.memoryBandwidthFraction).toBeLessThan(0.85);

    const args = ['estimate', '--model', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--input', '1000'];
    const est = async (extra: string[]) => {
      const o = captureIo(tmp);
      const code = await run([...args, '--output', '100', '--batch', '1', '--json', ...extra], o);
      expect(code).toBe(0);
      return JSON.parse(o.out()) as { tpotMs: number; scenario: { calibration: string } };
    };
    const plain = await est(['--calibration', 'none']);
    const calibrated = await est(['--calibration', 'h100.yaml']);
    // Part of a batch-1 step is the kernels' fixed time, which the bandwidth fraction leaves alone.
    expect(calibrated.tpotMs).toBeGreaterThan(plain.tpotMs * 1.05);
    expect(plain.scenario.calibration).toBe('none');
    expect(calibrated.scenario.calibration).toBe('h100.yaml');
    // By default the shipped profiles apply where one improved its evidence (a100-sxm-80gb with TensorRT-LLM) and
    // the report says so; on h100-sxm none did (npm run fit lists it as not shipped): the raw model.
    const byDefault = await est([]);
    expect(byDefault.tpotMs).toBe(plain.tpotMs);
    const a100Trt = async (extra: string[]) => {
      const o = captureIo(tmp);
      const h = [
        'estimate',
        '--model',
        'llama-3.1-8b',
        '--hardware',
        'a100-sxm-80gb',
        '--engine',
        'trtllm',
        '--input',
        '1000',
      ];
      expect(await run([...h, '--output', '100', '--batch', '1', '--json', ...extra], o)).toBe(0);
      return JSON.parse(o.out()) as { tpotMs: number; scenario: { calibration: string } };
    };
    const a100Default = await a100Trt([]);
    expect(a100Default.scenario.calibration).toContain('shipped a100-sxm-80gb');
    expect(a100Default.tpotMs).not.toBe((await a100Trt(['--calibration', 'none'])).tpotMs);
    const o = captureIo(tmp);
    expect(
      await run(
        [...args, '--output', '10', '--batch', '1', '--calibration', 'none', '--calibration', 'h100.yaml'],
        o,
      ),
    ).toBe(2);
    expect(o.err()).toContain("calibration 'none' (the raw model) cannot be combined with profiles");

    // A profile for another device is refused by estimate, skipped by batch.
    const other = captureIo(tmp);
    const a100 = ['estimate', '--model', 'llama-3.1-8b', '--hardware', 'a100-sxm-80gb', '--input', '10'];
    expect(await run([...a100, '--output', '10', '--batch', '1', '--calibration', 'h100.yaml'], other)).toBe(
      2,
    );
    expect(other.err()).toContain('no calibration profile holds for a100-sxm-80gb with engine vllm');
  });

  it('batch applies the shipped profiles by default to the lines on their devices; none gives the raw model', async () => {
    const line = (hardware: string, extra = '') =>
      `{"model":"llama-3.1-8b","hardware":"${hardware}"${extra},"workload":{"batch":1,"inputTokens":100,"outputTokens":100}}`;
    const jsonl = [
      line('a100-sxm-80gb', ',"engine":"trtllm"'),
      line('l40s'),
      line('a100-sxm-80gb', ',"engine":"trtllm","calibration":"none"'),
    ].join('\n');
    const byDefault = await ridgeline(['batch', 's.jsonl'], { '/data/s.jsonl': jsonl });
    const raw = await ridgeline(['batch', 's.jsonl', '--calibration', 'none'], { '/data/s.jsonl': jsonl });
    const shipped = await ridgeline(['batch', 's.jsonl', '--calibration', 'shipped'], {
      '/data/s.jsonl': jsonl,
    });
    expect(byDefault.code).toBe(0);
    expect(raw.code).toBe(0);
    const tpot = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { tpotMs: number }).tpotMs);
    const [d1, d2, d3] = tpot(byDefault.out);
    const [r1, r2, r3] = tpot(raw.out);
    expect(d1).not.toBe(r1);
    expect(d2).toBe(r2);
    expect(d3).toBe(r1);
    expect(r3).toBe(r1);
    // --calibration shipped is the default made explicit; with the line's own 'none' it is an error.
    const [s1, s2] = tpot(shipped.out);
    expect([s1, s2]).toEqual([d1, d2]);
    expect(shipped.out).toContain("calibration 'none' (the raw model) cannot be combined with profiles");
  });

  it('a malformed profile is reported at file:line:col', async () => {
    const r = await ridgeline(['validate', 'ref.csv', '--calibration', 'p.yaml'], {
      '/data/ref.csv': REFERENCE,
      '/data/p.yaml': 'hardware: h100-sxm\nparameters:\n  memoryBandwidthFraction: 1.3\nsource: me\n',
    });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'error: p.yaml:3:28: parameters.memoryBandwidthFraction: Too big: expected number to be <=1\n',
    );
  });

  it('validate --calibration predicts with the profiles and says so', async () => {
    const rows = REFERENCE.split('\n').filter(
      (l, i) => i === 0 || (l.includes('DeepGEMM') && l.includes('H800')),
    );
    const files = { '/data/ref.csv': rows.join('\n') };
    const plain = await ridgeline(['validate', 'ref.csv', '--json', '--calibration', 'none'], files);
    const shipped = await ridgeline(['validate', 'ref.csv', '--json', '--calibration', 'shipped'], files);
    const byDefault = await ridgeline(['validate', 'ref.csv', '--json'], files);
    const median = (out: string) =>
      (JSON.parse(out) as { totals: { medianErrorPct: number } }).totals.medianErrorPct;
    expect(median(shipped.out)).toBeLessThan(median(plain.out) + 1);
    expect(median(byDefault.out)).toBe(median(shipped.out));
    const text = await ridgeline(['validate', 'ref.csv'], files);
    expect(text.out).toMatch(/Calibration profiles applied: .*a100-sxm-80gb/);
    const none = await ridgeline(['validate', 'ref.csv', '--calibration', 'none'], files);
    expect(none.out).toContain('No calibration profile applied (the raw model).');
  });
});

describe('ridgeline validate --cross-validate', () => {
  it('reports uncalibrated, in-sample and held-out errors per source', async () => {
    // The A100 rows of two small sources: LLMCompass kernels and the TensorRT-LLM v0.6.1/v0.5 tables.
    const rows = REFERENCE.split('\n').filter(
      (l, i) => i === 0 || (/LLMCompass|docs\/source\/performance\.md/.test(l) && /A100/.test(l)),
    );
    const files = { '/data/ref.csv': rows.join('\n') };
    const r = await ridgeline(['validate', 'ref.csv', '--cross-validate', '--json'], files);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      groups: { source: string; metric: string; heldOut: { rows: number } }[];
      profiles: { hardware: string; fit: { leaveOneSourceOutMedianErrorPct: number } }[];
    };
    expect(j.groups.map((g) => g.metric)).toContain('op_latency_ms');
    expect(j.profiles.map((p) => p.hardware)).toContain('a100-sxm-80gb');
    const text = await ridgeline(['validate', 'ref.csv', '--cross-validate'], files);
    expect(text.out).toContain('Leave-one-source-out cross-validation of calibration on ref.csv');
    expect(text.out).toMatch(/uncalibrated\s+in-sample\s+held-out/);
    const both = await ridgeline(
      ['validate', 'ref.csv', '--cross-validate', '--calibration', 'shipped'],
      files,
    );
    expect(both.code).toBe(2);
  });

  it('reports the shipped default: the figures guardedCrossValidate (npm run fit, fidelity) computes', async () => {
    const rows = REFERENCE.split('\n').filter(
      (l, i) => i === 0 || (/LLMCompass|docs\/source\/performance\.md/.test(l) && /A100/.test(l)),
    );
    const csv = rows.join('\n');
    const r = await ridgeline(['validate', 'ref.csv', '--cross-validate', '--json'], {
      '/data/ref.csv': csv,
    });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      totals: CrossValidationReport['totals'];
      rows: { id: string; inSample: number; heldOut: number }[];
      profiles: { hardware: string; engine?: string; ships: boolean }[];
      everyProfile: CrossValidationReport['totals'];
    };
    // The shared path, on the same rows.
    const parsed = parseMeasurementCsv(csv);
    if (!parsed.ok) throw new Error('fixture does not parse');
    const g = guardedCrossValidate(observationsFromRows(parsed.value).observations);
    expect(j.totals.heldOut.medianErrorPct).not.toBeNull();
    expect(j.totals).toEqual(g.shipped.totals);
    expect(j.rows.map((x) => [x.id, x.inSample, x.heldOut])).toEqual(
      g.shipped.rows.map((x) => [x.id, x.inSample, x.heldOut]),
    );
    expect(j.profiles.map((p) => p.ships)).toEqual(g.decisions.map((d) => d.ships));
    // Beside it, every profile applied (the unguarded fit), over the same rows.
    expect(j.everyProfile).toEqual(g.fitted.totals);
    // With --also, the other file is fitted alongside (the rule reads its rows) but not reported.
    const split = (re: RegExp) => [rows[0], ...rows.slice(1).filter((l) => re.test(l))].join('\n');
    const [own, other] = [split(/LLMCompass/), split(/performance\.md/)];
    const also = await ridgeline(
      ['validate', 'own.csv', '--also', 'other.csv', '--cross-validate', '--json'],
      {
        '/data/own.csv': own,
        '/data/other.csv': other,
      },
    );
    const observationsOf = (text: string) => {
      const p = parseMeasurementCsv(text);
      if (!p.ok) throw new Error('fixture does not parse');
      return observationsFromRows(p.value).observations;
    };
    const ownObs = observationsOf(own);
    const shown = new Set(ownObs);
    const both = guardedCrossValidate([...ownObs, ...observationsOf(other)], { report: (x) => shown.has(x) });
    expect((JSON.parse(also.out) as { totals: unknown }).totals).toEqual(both.shipped.totals);
    expect(both.shipped.totals.heldOut.rows).toBe(ownObs.length);
  });
});

describe('shipped profiles', () => {
  it('the YAML files in data/calibration and the embedded module are the same profiles', () => {
    const files = readdirSync(CALIBRATION_DIR).filter((f) => f.endsWith('.yaml'));
    const fromFiles = files.map(
      (f) => parse(readFileSync(new URL(f, CALIBRATION_DIR), 'utf8')) as CalibrationProfile,
    );
    const byHardware = (a: CalibrationProfile, b: CalibrationProfile) =>
      `${a.hardware}/${a.engine ?? ''}`.localeCompare(`${b.hardware}/${b.engine ?? ''}`);
    expect([...fromFiles].sort(byHardware)).toEqual([...SHIPPED_PROFILES].sort(byHardware));
  });
});
