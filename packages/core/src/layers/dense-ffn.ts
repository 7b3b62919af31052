/**
 * Dense FFN: gated (SwiGLU/GeGLU: gate and up packed in one column-parallel GEMM, then down) or
 * plain (up, down), split over attnTp devices.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Operator } from '../graph/operator.js';
import { elementwise, gemm, type StepContext } from '../graph/ops.js';
import type { ModelSpec } from '../model/schema.js';
import { NO_DIAGNOSTICS, type Layer, type LayerKind, type LayerParams } from './types.js';

/** Weights of the dense FFN of one layer (with the biases of models that have them). */
export function denseFfnParams(model: ModelSpec): number {
  const bias = model.linearBias ? model.ffn.intermediateSize + model.hiddenSize : 0;
  return (model.ffn.gated ? 3 : 2) * model.hiddenSize * model.ffn.intermediateSize + bias;
}

class DenseFfnLayer implements Layer {
  readonly kind = 'dense-ffn';
  readonly key = 'dense-ffn';

  params(model: ModelSpec): LayerParams {
    const p = denseFfnParams(model);
    return { total: p, activePerToken: p, replicated: 0, routedExperts: 0 };
  }

  cacheElements(): number {
    return 0;
  }

  contextFlopsPerToken(): number {
    return 0;
  }

  activationElementsPerToken(model: ModelSpec, attnTp: number): number {
    return (3 * model.ffn.intermediateSize) / attnTp;
  }

  operators(c: StepContext, n: number, out: Operator[]): void {
    const t = c.tokens;
    const width = c.model.ffn.intermediateSize / c.tp;
    const gated = c.model.ffn.gated;
    out.push(gemm(c, gated ? 'gate_up_proj' : 'up_proj', n, t, (gated ? 2 : 1) * width, c.model.hiddenSize));
    out.push(elementwise(c, 'activation', n, t * (gated ? 2 : 1) * width, t * width, 8));
    out.push(gemm(c, 'down_proj', n, t, c.model.hiddenSize, width));
  }

  checkSplit(): readonly Diagnostic[] {
    return NO_DIAGNOSTICS;
  }

  checkCacheLayerInput(): readonly Diagnostic[] {
    return NO_DIAGNOSTICS;
  }

  skipsBlockAllReduce(): boolean {
    return false;
  }
}

const DENSE = new DenseFfnLayer();

/** Every layer that no other FFN kind claims: register it last. */
export const denseFfn: LayerKind = {
  kind: 'dense-ffn',
  role: 'ffn',
  select: () => DENSE,
};
