/**
 * Numeric formats: storage bits per element including block/group scales, and the rate class a
 * GEMM runs at. Block-scale overheads follow the OCP Microscaling (MX) spec v1.0 (32-element
 * blocks with an 8-bit E8M0 scale), NVIDIA NVFP4 (16-element blocks with an FP8 E4M3 scale) and
 * GPTQ/AWQ-style int4 (128-element groups with an fp16 scale and an int4 zero point).
 */

export const NUMERIC_FORMATS = [
  'fp32',
  'tf32',
  'bf16',
  'fp16',
  'fp8',
  'int8',
  'int4',
  'fp4',
  'mxfp4',
  'nvfp4',
  'int2',
] as const;
export type NumericFormat = (typeof NUMERIC_FORMATS)[number];

/** Formats a hardware catalog entry can list a dense peak rate for. */
export const RATE_FORMATS = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'] as const;
export type RateFormat = (typeof RATE_FORMATS)[number];

interface FormatInfo {
  /** Bits of one element, without scales. */
  readonly elementBits: number;
  /** Extra bits per element spent on block/group scales (and zero points). */
  readonly scaleBitsPerElement: number;
  /** The tensor-core rate class this format multiplies in when both operands use it. */
  readonly rate: RateFormat;
  readonly isFloat: boolean;
}

const FORMAT_INFO: Readonly<Record<NumericFormat, FormatInfo>> = {
  fp32: { elementBits: 32, scaleBitsPerElement: 0, rate: 'fp32', isFloat: true },
  tf32: { elementBits: 32, scaleBitsPerElement: 0, rate: 'tf32', isFloat: true },
  bf16: { elementBits: 16, scaleBitsPerElement: 0, rate: 'bf16', isFloat: true },
  fp16: { elementBits: 16, scaleBitsPerElement: 0, rate: 'fp16', isFloat: true },
  // Per-tensor or per-channel scales: negligible per element.
  fp8: { elementBits: 8, scaleBitsPerElement: 0, rate: 'fp8', isFloat: true },
  int8: { elementBits: 8, scaleBitsPerElement: 0, rate: 'int8', isFloat: false },
  // Group 128: one fp16 scale and one int4 zero point per group = 20/128 bits.
  int4: { elementBits: 4, scaleBitsPerElement: 20 / 128, rate: 'int4', isFloat: false },
  // Generic fp4 (E2M1) with MX-style 32-element E8M0 scales.
  fp4: { elementBits: 4, scaleBitsPerElement: 8 / 32, rate: 'fp4', isFloat: true },
  mxfp4: { elementBits: 4, scaleBitsPerElement: 8 / 32, rate: 'fp4', isFloat: true },
  // 16-element blocks with an E4M3 scale.
  nvfp4: { elementBits: 4, scaleBitsPerElement: 8 / 16, rate: 'fp4', isFloat: true },
  // KIVI-style 2-bit asymmetric quantization, group 32 with fp16 scale and zero point.
  int2: { elementBits: 2, scaleBitsPerElement: 32 / 32, rate: 'int8', isFloat: false },
};

export function bitsPerElement(format: NumericFormat): number {
  const info = FORMAT_INFO[format];
  return info.elementBits + info.scaleBitsPerElement;
}

export function bytesPerElement(format: NumericFormat): number {
  return bitsPerElement(format) / 8;
}

/**
 * Bytes per element spent on block/group scales (included in bytesPerElement): NVFP4 one E4M3
 * per 16 elements (1/16 B), MXFP4 one E8M0 per 32 (1/32 B); NVFP4's per-tensor FP32 scale is
 * 4 bytes per tensor, nothing per element. Read with the elements, so they cost memory time.
 */
export function scaleBytesPerElement(format: NumericFormat): number {
  return FORMAT_INFO[format].scaleBitsPerElement / 8;
}

export function rateClassOf(format: NumericFormat): RateFormat {
  return FORMAT_INFO[format].rate;
}

export function isNumericFormat(value: string): value is NumericFormat {
  return (NUMERIC_FORMATS as readonly string[]).includes(value);
}

/** Width order of rate classes: a GEMM runs at the rate of its widest operand. */
const RATE_WIDTH: Readonly<Record<RateFormat, number>> = {
  fp64: 64,
  fp32: 32,
  tf32: 19,
  bf16: 16,
  fp16: 16,
  fp8: 8,
  int8: 8,
  int4: 4,
  fp4: 4,
};

/**
 * The rate class a GEMM with these operand formats runs at: the wider of the two, because the
 * narrower operand is dequantized to the wider one before the multiply (weight-only int4 with
 * bf16 activations runs at bf16). Mixed int/float pairs of equal width run in the float class.
 */
export function gemmRateFormat(weights: NumericFormat, activations: NumericFormat): RateFormat {
  const w = rateClassOf(weights);
  const a = rateClassOf(activations);
  if (RATE_WIDTH[w] > RATE_WIDTH[a]) return w;
  if (RATE_WIDTH[a] > RATE_WIDTH[w]) return a;
  if (w === a) return w;
  return FORMAT_INFO[activations].isFloat ? a : w;
}
