/**
 * The categorical conditions of a band, shared by the scenario lookup (scenario-bands.ts) and the
 * residual rows (scripts/residuals.mjs), so that both classify alike.
 */
import type { ModelSpec } from '../model/schema.js';
import { isNumericFormat, rateClassOf } from '../units/formats.js';
import type { ModelClass } from './types.js';

/** MLA (DeepSeek, also mixture-of-experts), mixture-of-experts, or dense. */
export function modelClassOf(model: Pick<ModelSpec, 'attention' | 'moe'>): ModelClass {
  if (model.attention.kind === 'mla') return 'mla';
  return model.moe !== undefined ? 'moe' : 'dense';
}

/**
 * The rate class of a weights format, with the two 16-bit formats as one ('16-bit'): block
 * formats (nvfp4, mxfp4) are 'fp4'.
 */
export function formatClass(format: string): string {
  if (!isNumericFormat(format)) return format;
  const rate = rateClassOf(format);
  return rate === 'bf16' || rate === 'fp16' ? '16-bit' : rate;
}
