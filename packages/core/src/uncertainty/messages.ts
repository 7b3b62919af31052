/** Messages of the uncertainty bands. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import type { Extrapolation } from './band.js';

export type UncertaintyCode = 'uncertainty.extrapolation';

const warn = (code: UncertaintyCode, message: string, path?: DataPath) =>
  diagnostic('warning', code, message, path);
const info = (code: UncertaintyCode, message: string) => diagnostic('info', code, message);

export const uncertaintyMessages = {
  uncertaintyExtrapolation: (reasons: readonly Extrapolation[]) => {
    const text = reasons.map(extrapolationText).join('; ');
    const message = `The uncertainty band is extrapolated and widened: ${text}. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).`;
    return reasons.some((r) => r.kind === 'family')
      ? warn('uncertainty.extrapolation', message)
      : info('uncertainty.extrapolation', message);
  },
};

/** A count or size for a message: whole numbers from 10 up, two significant digits below. */
const amount = (x: number): string => (x >= 10 ? String(Math.round(x)) : String(Number(x.toPrecision(2))));

function extrapolationText(r: Extrapolation): string {
  if (r.kind === 'family') {
    return `no serving measurement on ${r.hardware} or its family (${r.family}; measured: ${r.measuredFamilies.join(', ')}), so the band is symmetric and ×${String(r.factor)} wider`;
  }
  const what =
    r.kind === 'batch'
      ? 'batch (sequences in flight per replica)'
      : r.kind === 'context'
        ? 'context (input + output tokens)'
        : 'tp';
  const side = r.value > r.max ? 'above' : 'below';
  return `${what} ${amount(r.value)} is ${side} the measured ${amount(r.min)}–${amount(r.max)}`;
}
