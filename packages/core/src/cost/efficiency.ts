/**
 * Efficiency parameters: how much of a datasheet peak real kernels reach. Each default is
 * traced to a measurement in data/measurements/reference.csv (ids in brackets); calibration
 * (issue 4) refits them per hardware and engine. These are model parameters, not specs.
 */
import type { HardwareSpec } from '../hardware/schema.js';

export interface EfficiencyProfile {
  /** Family the defaults come from. */
  readonly family: string;
  /** Best GEMM throughput as a fraction of the dense peak, 16-bit formats. */
  readonly gemmPeakFraction: number;
  /** Same for 8-bit and narrower formats (FP8 GEMMs reach a lower fraction). */
  readonly gemmLowPrecisionPeakFraction: number;
  /**
   * Concurrent GEMM output tiles (one per SM/CU) for wave quantization; 0 disables it. Fitted to
   * the small-M DeepGEMM rows (Hopper) and the LLMCompass shape sweep (Ampere); the fitted value
   * lands on the SM count.
   */
  readonly gemmWaveSlots: number;
  /** K at which the GEMM main loop reaches half of its asymptotic rate (prologue/epilogue cost). */
  readonly gemmKHalf: number;
  /** Achieved fraction of memory bandwidth for streaming reads. */
  readonly memoryBandwidthFraction: number;
  /** FlashAttention-style kernels: achieved fraction of the dense peak in compute-bound prefill. */
  readonly attentionPeakFraction: number;
  /** Achieved fraction of the scale-up link bandwidth in collectives (bus bandwidth / link). */
  readonly collectiveBandwidthFraction: number;
  /** Fixed time of one collective (launch, synchronization, link latency hops), s. */
  readonly collectiveLatencySeconds: number;
  readonly sources: Readonly<Record<string, string>>;
}

const HOPPER: EfficiencyProfile = {
  family: 'nvidia-hopper',
  gemmPeakFraction: 0.82,
  gemmLowPrecisionPeakFraction: 0.76,
  gemmWaveSlots: 132,
  gemmKHalf: 128,
  memoryBandwidthFraction: 0.85,
  attentionPeakFraction: 0.6,
  collectiveBandwidthFraction: 0.75,
  collectiveLatencySeconds: 8e-6,
  sources: {
    gemmPeakFraction:
      'ml-engineering MAMF: H100 BF16 794.5/989.5 = 0.80 [M1079], GH200 BF16 828.6/989 = 0.84 [M1077]',
    gemmLowPrecisionPeakFraction:
      'MAMF FP8: H100 0.71 [M1091], H200 0.73 [M1089], GH200 0.78 [M1086]; DeepGEMM H800 FP8 up to 1520/1979 = 0.77 [M1035]',
    gemmWaveSlots: 'fitted to DeepGEMM small-M rows on H800 [M1005-M1028]',
    memoryBandwidthFraction:
      'FlashMLA dense decode up to 3000/3350 GB/s = 0.90 [M1071]; DeepGEMM M=64..128 GEMMs 0.5-0.78 [M1006-M1028]',
    attentionPeakFraction:
      'FlashMLA 660/989.5 = 0.67 compute-bound [M1072]; FlashMLA sparse prefill 640 [M1074]',
    collectiveLatencySeconds:
      'LLMCompass 4xA100 decode all-reduce 26 us at 196 KB [M1134], less the bandwidth term',
  },
};

const AMPERE: EfficiencyProfile = {
  family: 'nvidia-ampere',
  gemmPeakFraction: 0.92,
  gemmLowPrecisionPeakFraction: 0.85,
  gemmWaveSlots: 108,
  gemmKHalf: 128,
  memoryBandwidthFraction: 0.85,
  attentionPeakFraction: 0.55,
  collectiveBandwidthFraction: 0.75,
  collectiveLatencySeconds: 15e-6,
  sources: {
    gemmPeakFraction: 'LLMCompass A100 FP16 GEMM sweep up to 293/312 = 0.94 [M1110]; MAMF A100 0.87 [M1076]',
    gemmWaveSlots: 'fitted to LLMCompass A100 shape sweep [M1092-M1111]',
    memoryBandwidthFraction: 'LLMCompass M=64 GEMM, 302 MB of weights in 0.19 ms [M1092]',
    collectiveLatencySeconds: 'LLMCompass 4xA100 decode all-reduce 26 us at 196 KB [M1134]',
  },
};

const BLACKWELL: EfficiencyProfile = {
  ...HOPPER,
  family: 'nvidia-blackwell',
  gemmPeakFraction: 0.78,
  gemmLowPrecisionPeakFraction: 0.76,
  gemmWaveSlots: 148,
  sources: {
    ...HOPPER.sources,
    gemmPeakFraction: 'MAMF BF16: B200 0.78 [M1081], B300 0.79 [M1080], GB200 0.73 [M1082]',
    gemmLowPrecisionPeakFraction: 'MAMF FP8: B200 0.76 [M1087], B300 0.75 [M1088], GB200 0.72 [M1090]',
  },
};

const CDNA3: EfficiencyProfile = {
  ...HOPPER,
  family: 'amd-cdna3',
  gemmPeakFraction: 0.56,
  gemmLowPrecisionPeakFraction: 0.5,
  gemmWaveSlots: 304,
  memoryBandwidthFraction: 0.75,
  attentionPeakFraction: 0.4,
  sources: {
    gemmPeakFraction: 'MAMF BF16: MI300X 668.4/1307 = 0.51 [M1085], MI325X 0.60 [M1084]',
    gemmLowPrecisionPeakFraction: 'no FP8 measurement: assumed below the BF16 fraction',
    memoryBandwidthFraction: 'no measurement in reference.csv: assumed',
  },
};

const CDNA4: EfficiencyProfile = {
  ...CDNA3,
  family: 'amd-cdna4',
  gemmPeakFraction: 0.68,
  gemmLowPrecisionPeakFraction: 0.6,
  gemmWaveSlots: 256,
  sources: { ...CDNA3.sources, gemmPeakFraction: 'MAMF BF16: MI355X 1565/2300 = 0.68 [M1083]' },
};

const GENERIC: EfficiencyProfile = {
  family: 'generic',
  gemmPeakFraction: 0.7,
  gemmLowPrecisionPeakFraction: 0.65,
  gemmWaveSlots: 0,
  gemmKHalf: 128,
  memoryBandwidthFraction: 0.8,
  attentionPeakFraction: 0.5,
  collectiveBandwidthFraction: 0.7,
  collectiveLatencySeconds: 10e-6,
  sources: { all: 'no measurement for this family: conservative defaults between the measured families' },
};

/** Picks the measured family closest to a device, by id. */
export function efficiencyFor(hardware: HardwareSpec): EfficiencyProfile {
  const id = hardware.id.toLowerCase();
  if (/^(h100|h200|h800|h20|gh200)/.test(id)) return HOPPER;
  if (/^(a100|a800|a10|a30|a40)/.test(id)) return AMPERE;
  if (/^(b200|b300|gb200|gb300)/.test(id)) return BLACKWELL;
  if (/^(mi300|mi325)/.test(id)) return CDNA3;
  if (/^mi355/.test(id)) return CDNA4;
  return GENERIC;
}

/**
 * Fraction of peak a GEMM of shape [m × k]·[k × n] reaches: the asymptotic fraction, times tile
 * padding (rows/columns rounded up to 64/128-wide tiles), times wave quantization (the last wave
 * of tiles leaves slots idle), times a main-loop ramp in K.
 */
export function gemmEfficiency(
  m: number,
  n: number,
  k: number,
  peakFraction: number,
  profile: EfficiencyProfile,
  groups = 1,
): number {
  const tileM = m <= 64 ? 64 : 128;
  const tileN = 128;
  const mTiles = Math.ceil(m / tileM);
  const nTiles = Math.ceil(n / tileN);
  const padding = (m / (mTiles * tileM)) * (n / (nTiles * tileN));
  let wave = 1;
  const slots = profile.gemmWaveSlots;
  if (slots > 0) {
    // Too few output tiles to fill the device: libraries split K (split-K/stream-K) when K is long.
    const tiles = groups * mTiles * nTiles;
    const splits =
      tiles * 2 <= slots ? Math.max(1, Math.min(Math.floor(slots / tiles), Math.floor(k / 512))) : 1;
    const work = tiles * splits;
    wave = work / (Math.ceil(work / slots) * slots);
  }
  const ramp = k / (k + profile.gemmKHalf);
  return peakFraction * padding * wave * ramp;
}
