/**
 * GEMM efficiency by shape: the fraction of a device's peak a GEMM of a given shape reaches, from
 * its family's asymptotic fraction (hardware/families.ts) with tile padding, wave quantization
 * and a main-loop ramp in K.
 */
import type { EfficiencyProfile } from '../hardware/families.js';

export type { EfficiencyProfile } from '../hardware/families.js';
export { efficiencyFor } from '../hardware/families.js';

/**
 * M tile (rows) a GEMM of m rows runs in: the smallest of minTileRows, 2·minTileRows, … 128 that
 * holds m (128 beyond). Hopper and Blackwell: 64 or 128.
 */
export function gemmTileRows(m: number, minTileRows: number): number {
  let tile = minTileRows > 0 && minTileRows < 128 ? minTileRows : 128;
  while (tile < 128 && m > tile) tile *= 2;
  return tile;
}

/**
 * Share of a grouped (MoE) GEMM group's time spent on its rows: padded rows over padded rows plus
 * the per-group pipeline restart (groupedGemmRowsHalf rows of work). Serving (roofline.ts) and
 * training (training/step.ts) both apply `groupedGemmFraction · groupRamp`.
 */
export function groupRamp(m: number, rowsHalf: number, minTileRows: number): number {
  const tile = gemmTileRows(m, minTileRows);
  const padded = Math.ceil(m / tile) * tile;
  return padded / (padded + rowsHalf);
}

/**
 * Fraction of peak a GEMM of shape [m × k]·[k × n] reaches: the asymptotic fraction, times tile
 * padding (rows rounded up to the family's M tile, gemmTileRows; columns to 128), times wave quantization (the last wave
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
  const tileM = gemmTileRows(m, profile.gemmMinTileRows);
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
