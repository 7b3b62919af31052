import { describe, expect, it } from 'vitest';
import type { CostedOperator } from '../src/cost/roofline.js';
import { operatorSeconds, operatorSecondsOverContexts } from '../src/cost/roofline.js';
import type { Operator } from '../src/graph/operator.js';
import { intIn, rng } from './random.js';

function costed(r: () => number): CostedOperator {
  const op: Operator = {
    name: 'attention',
    kind: 'attention',
    count: 1,
    flops: r() * 1e9,
    bytes: r() * 1e8,
    flopsPerContext: r() * 1e6,
    bytesPerContext: r() * 1e5,
    contextCap: r() < 0.5 ? Number.POSITIVE_INFINITY : intIn(r, 1, 5000),
    rate: 'bf16',
    shape: undefined,
    collective: undefined,
    part: 'decode',
    kernels: 1,
  };
  return {
    op,
    flopsPerSecond: 1e12 * (0.1 + r()),
    bytesPerSecond: 1e12 * (0.1 + r()),
    fixedSeconds: r() * 1e-5,
    communicationSeconds: 0,
  };
}

describe('closed-form sum of decode-step times', () => {
  it('equals the step-by-step sum for random operators and ranges', () => {
    const r = rng(42);
    for (let i = 0; i < 500; i++) {
      const c = costed(r);
      const lo = intIn(r, 1, 4000);
      const hi = lo + intIn(r, -1, 3000);
      let loop = 0;
      for (let x = lo; x <= hi; x++) loop += operatorSeconds(c, x);
      expect(operatorSecondsOverContexts(c, lo, hi)).toBeCloseTo(loop, 9);
    }
  });
});
