/** Number formatting for the page: units in the label, three significant digits. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(digits - 1);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toString();
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal bytes (GB = 1e9 bytes). */
export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  let k = 0;
  let x = v;
  while (Math.abs(x) >= 1000 && k < BYTE_UNITS.length - 1) {
    x /= 1000;
    k++;
  }
  return `${num(x)} ${BYTE_UNITS[k] ?? ''}`;
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${num(v)}%`;
}

/** Large counts: 70.6 B, 1.2 T (parameters, FLOP/s). */
export function si(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const steps: [number, string][] = [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [f, p] of steps) if (Math.abs(v) >= f) return `${num(v / f)} ${p}${unit}`;
  return `${num(v)} ${unit}`.trim();
}

/**
 * The calibration a report ran under, in words: the profiles applied, or why none was (the
 * shipped profiles apply by default, and none may cover the scenario's device and engine).
 */
export function calibrationNote(s: { calibration: string; hardware: string; engine: string }): string {
  if (s.calibration !== 'none') return s.calibration;
  return `none: no calibration profile covers ${s.hardware} with ${s.engine} (or the scenario asks for none), so the raw model ran`;
}

/** What a report's phases and operators describe: the static batch, or one step at the mean batch of a simulation. */
export function breakdownNote(w: { kind: string; batch: number }): string {
  return w.kind === 'batch'
    ? ''
    : `one static step at the simulated mean batch of ${num(w.batch)}: where time goes, not the simulated step mix`;
}
