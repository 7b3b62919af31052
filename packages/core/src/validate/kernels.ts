/**
 * Kernel ceilings: one GEMM (or grouped GEMM) of a measured shape, costed by the roofline with
 * the device's efficiencies and no launch overhead. Predicted TFLOPS = flops / time and GB/s =
 * bytes / time, where time = max(flops / rate, bytes / bandwidth) (cost/roofline.ts).
 */
import { costOperator, operatorTime } from '../cost/roofline.js';
import type { Operator } from '../graph/operator.js';
import type { MeasurementRow } from '../measurements/csv.js';
import { skipReasons } from './messages.js';
import type { Prediction, PredictOptions } from './predict-types.js';
import { profileParametersFor } from '../calibrate/profile.js';
import {
  firstError,
  formatOf,
  hardwareForRate,
  normalizeInput,
  resolveRowHardware,
} from '../measurements/resolve.js';
import { gemmRateFormat } from '../units/formats.js';

export interface GemmCase {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly groups: number;
  /** Run by a grouped (MoE) kernel, even with one group (DeepGEMM's masked layout). */
  readonly grouped?: boolean;
}

/**
 * The GEMM shape stated in a row's notes: "#groups=4 M_per_group=8192 N=4096 K=7168" (grouped),
 * "MxNxK=1024x10240x5120" (best shape) or "M=64 N=2112 K=7168".
 */
export function gemmShapeFromNotes(notes: string): GemmCase | undefined {
  const grouped = /#groups=(\d+)\s+M_per_group=(\d+)\s+N=(\d+)\s+K=(\d+)/.exec(notes);
  if (grouped !== null) {
    const [, g, m, n, k] = grouped.map(Number);
    if (g !== undefined && m !== undefined && n !== undefined && k !== undefined)
      return { m, n, k, groups: g, grouped: true };
  }
  const best = /MxNxK=(\d+)x(\d+)x(\d+)/.exec(notes);
  const plain = best ?? /\bM=(\d+)\s+N=(\d+)\s+K=(\d+)/.exec(notes);
  if (plain !== null) {
    const [, m, n, k] = plain.map(Number);
    if (m !== undefined && n !== undefined && k !== undefined) return { m, n, k, groups: 1 };
  }
  return undefined;
}

/** A GEMM operator: FP8 inputs are 1 byte with a 16-bit output, other formats 2 bytes throughout. */
export function gemmOperator(shape: GemmCase, inputBytes: number, rate: Operator['rate']): Operator {
  const { m, n, k, groups } = shape;
  const grouped = shape.grouped === true || groups > 1;
  const outputBytes = 2;
  return {
    name: 'gemm',
    kind: grouped ? 'grouped-gemm' : 'gemm',
    count: 1,
    flops: 2 * m * n * k * groups,
    bytes: groups * (k * n * inputBytes + m * k * inputBytes + m * n * outputBytes),
    flopsPerContext: 0,
    bytesPerContext: 0,
    contextCap: Number.POSITIVE_INFINITY,
    rate,
    shape: { m, n, k, groups },
    collective: undefined,
    part: 'shared',
    kernels: 1,
  };
}

/** Notes of a row measured at the best of searched shapes. */
const BEST_SHAPE = /\bbest shape\b/i;

export function predictGemmRow(row: MeasurementRow, options: PredictOptions = {}): Prediction {
  const shape = gemmShapeFromNotes(row.notes);
  if (shape === undefined) return { skip: skipReasons.noShape };
  const format = formatOf(row.precisionWeights);
  if (format === undefined) return { skip: skipReasons.unsupportedPrecision(row.precisionWeights) };
  const found = resolveRowHardware(row.hardware);
  if (found === undefined) return { skip: skipReasons.hardwareNotInCatalog(row.hardware) };
  const hw = hardwareForRate(found, format);
  const ns = normalizeInput({
    model: 'llama-3.1-8b',
    hardware: hw.spec,
    precision: { weights: format, activations: format },
    engine: 'ideal',
    workload: { batch: 1, inputTokens: 1, outputTokens: 1 },
    efficiency: profileParametersFor(options.profiles, hw.spec.id, 'ideal'),
    calibration: 'none',
  });
  if (!ns.ok) return { skip: skipReasons.estimateFailed(firstError(ns)) };
  const inputBytes = format === 'fp8' ? 1 : 2;
  const shaped = gemmOperator(shape, inputBytes, gemmRateFormat(format, format));
  // A shape found by brute-force search for the best rate (ml-engineering MAMF) is one at which
  // the library's tiles fill whole waves: the asymptotic fraction applies, not the shape terms.
  const op = BEST_SHAPE.test(row.notes) ? { ...shaped, shape: undefined } : shaped;
  const seconds = operatorTime(costOperator(ns.value, op, 0), 0).seconds;
  const predicted = row.metric === 'achieved_bw_gbs' ? op.bytes / seconds / 1e9 : op.flops / seconds / 1e12;
  return hw.note === undefined ? { predicted } : { predicted, note: hw.note };
}
