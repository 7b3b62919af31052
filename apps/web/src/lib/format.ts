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
