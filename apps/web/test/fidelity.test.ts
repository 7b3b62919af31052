import { describe, expect, it } from 'vitest';
import { fidelity } from '../src/worker/fidelity';

describe('fidelity', () => {
  it('predicts every shipped validation file, with its error tables', () => {
    const files = fidelity();
    expect(files.map((f) => f.file)).toEqual(['reference.csv', 'serving-modern.csv', 'training.csv']);
    for (const f of files) {
      expect(f.error).toBeUndefined();
      expect(f.rows).toBe(f.used + f.skipped);
      expect(f.groups.length).toBeGreaterThan(0);
    }
    const reference = files[0];
    expect(reference?.used).toBeGreaterThan(100);
    expect(reference?.medianErrorPct).toBeGreaterThan(0);
    expect(reference?.points.every((p) => p.predicted > 0 && Number.isFinite(p.errorPct))).toBe(true);
    expect(files[2]?.used).toBeGreaterThan(0);
  });
});
