import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STATE,
  decodeState,
  encodeState,
  idList,
  optionalNumber,
  parsePrices,
  parseValues,
} from '../src/lib/state';
import type { AppState } from '../src/lib/state';

describe('URL state', () => {
  it('the default state is the empty hash', () => {
    expect(encodeState(DEFAULT_STATE)).toBe('');
    expect(decodeState('')).toEqual(DEFAULT_STATE);
  });

  it('round-trips every field through the hash', () => {
    const s: AppState = {
      view: 'sweep',
      scenario:
        'model: llama-3.1-8b\nhardware: h200-sxm # comment & = ?\nworkload: { inputTokens: 1, outputTokens: 2, batch: 3 }\n',
      compare: ['a: 1\n', 'b: 2\n', 'c: 3\n'],
      sweep: { x: { path: 'gpus', values: '1, 2' }, metric: 'ttftMs', chart: 'heatmap' },
      catalog: 'hardware',
      require: { ttftMs: '', tpotMs: '25', requestsPerSec: '3.5', devices: 'b200' },
      plan: {
        hardware: 'mi300x',
        maxGpus: 16,
        requestRate: '',
        ttftMs: '2000',
        tpotMs: '',
        prices: 'mi300x=2',
      },
      benchmark: {
        hardware: 'h200-sxm',
        model: 'llama-3.1-70b',
        engine: 'sglang',
        tp: '4',
        calibration: 'none',
      },
    };
    const hash = encodeState(s);
    expect(hash.startsWith('#')).toBe(true);
    expect(decodeState(hash)).toEqual(s);
  });

  it('falls back to the defaults for unknown or missing values', () => {
    const s = decodeState('#view=nope&chart=pie&c0=only-one&rq={"tpotMs":5,"devices":"x"}&pl=[');
    expect(s.view).toBe('estimate');
    expect(s.sweep.chart).toBe(DEFAULT_STATE.sweep.chart);
    expect(s.compare).toEqual(DEFAULT_STATE.compare);
    expect(s.require).toEqual({ ...DEFAULT_STATE.require, devices: 'x' });
    expect(s.plan).toEqual(DEFAULT_STATE.plan);
  });

  it("keeps the benchmark file's pickers, and only 'shipped' or 'none' for its calibration", () => {
    const s = decodeState('#view=fidelity&bf={"hardware":"b200","tp":"8","calibration":"raw","engine":3}');
    expect(s.benchmark).toEqual({ ...DEFAULT_STATE.benchmark, hardware: 'b200', tp: '8' });
    expect(encodeState({ ...DEFAULT_STATE, benchmark: { ...DEFAULT_STATE.benchmark } })).toBe('');
  });
});

describe('axis values', () => {
  it('reads numbers and names', () => {
    expect(parseValues('1, 2,4  8e3')).toEqual([1, 2, 4, 8000]);
    expect(parseValues('fp8, bf16')).toEqual(['fp8', 'bf16']);
    expect(parseValues(' ')).toEqual([]);
  });
});

describe('targets as typed', () => {
  it('reads optional positive numbers and id lists', () => {
    expect(optionalNumber(' 40 ')).toBe(40);
    expect(optionalNumber('')).toBeUndefined();
    expect(optionalNumber('-1')).toBeUndefined();
    expect(optionalNumber('abc')).toBeUndefined();
    expect(idList('h100-sxm, h200-sxm  b200')).toEqual(['h100-sxm', 'h200-sxm', 'b200']);
  });
});

describe('prices as typed', () => {
  it('reads id=USD entries and names the ones it cannot read', () => {
    expect(parsePrices('h100-sxm=2.5, b200=5.5')).toEqual({
      prices: { 'h100-sxm': 2.5, b200: 5.5 },
      bad: [],
    });
    expect(parsePrices('')).toEqual({ prices: {}, bad: [] });
    expect(parsePrices('h100-sxm=abc b200 =3 mi300x=-1').bad).toEqual([
      'h100-sxm=abc',
      'b200',
      '=3',
      'mi300x=-1',
    ]);
  });
});
