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
    const message = `The uncertainty band is extrapolated: ${text}. Treat the band as a rough guide; measurements near this scenario would narrow it (docs/uncertainty.md).`;
    return reasons.some((r) => r.kind === 'family')
      ? warn('uncertainty.extrapolation', message)
      : info('uncertainty.extrapolation', message);
  },
};

/** A count or size for a message: whole numbers from 10 up, two significant digits below. */
const amount = (x: number): string => (x >= 10 ? String(Math.round(x)) : String(Number(x.toPrecision(2))));

/** How a widening factor is named in a message. */
const FACTOR_NAMES = { modelClass: 'model class', format: 'weights format', engine: 'engine' } as const;

function extrapolationText(r: Extrapolation): string {
  if (r.kind === 'family') {
    return `no serving measurement on ${r.hardware} or its family (${r.family}; measured: ${r.measuredFamilies.join(', ')}): the band is symmetric and ×${Math.exp(r.factor).toFixed(2)} wider on each side for an unmeasured family (learned with each family held out)`;
  }
  if (r.kind === 'unseen') {
    return `no serving measurement with the ${FACTOR_NAMES[r.factor]} ${r.value} (measured: ${r.measured.join(', ')}): the band is symmetric and ×${Math.exp(r.widening).toFixed(2)} wider on each side (learned with each ${FACTOR_NAMES[r.factor]} held out)`;
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
