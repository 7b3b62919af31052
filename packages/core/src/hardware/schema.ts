/**
 * The hardware schema: one accelerator as the model sees it. Rates are dense (no structured
 * sparsity) peak FLOP/s per numeric format; bandwidths are bytes/s, decimal. The catalog gives
 * each number its source; user files (YAML/JSON) use the same shape.
 */
import { z } from 'zod';

const positive = z.number().positive();

export const PeakRatesSchema = z
  .object({
    fp64: positive.optional(),
    fp32: positive.optional(),
    tf32: positive.optional(),
    bf16: positive.optional(),
    fp16: positive.optional(),
    fp8: positive.optional(),
    int8: positive.optional(),
    int4: positive.optional(),
    fp4: positive.optional(),
  })
  .strict();

export const MemoryTierSchema = z.object({
  name: z.string(),
  capacityBytes: positive,
  bandwidthBytesPerSecond: positive,
});

/**
 * Device families (architecture lines). A family carries default efficiencies and quirks
 * (hardware/families.ts); 'generic' is for devices of no listed family.
 */
export const HARDWARE_FAMILIES = [
  'nvidia-ampere',
  'nvidia-hopper',
  'nvidia-blackwell',
  'nvidia-ada',
  'nvidia-geforce',
  'nvidia-jetson',
  'amd-cdna2',
  'amd-cdna3',
  'amd-cdna4',
  'google-tpu',
  'intel-gaudi',
  'apple-silicon',
  'generic',
] as const;

export const HardwareFamilySchema = z.enum(HARDWARE_FAMILIES);
export type HardwareFamily = z.output<typeof HardwareFamilySchema>;

const fraction = positive.max(1);

/** One device's own efficiencies, over its family's defaults (each with a source). */
export const DeviceEfficiencySchema = z
  .object({
    gemmPeakFraction: fraction.optional(),
    gemmLowPrecisionPeakFraction: fraction.optional(),
    gemmFp4PeakFraction: fraction.optional(),
    gemmBlockFp8PeakFraction: fraction.optional(),
    gemmWaveSlots: z.number().int().nonnegative().optional(),
    groupedGemmFraction: fraction.optional(),
    groupedGemmRowsHalf: z.number().nonnegative().optional(),
    gemmKHalf: z.number().nonnegative().optional(),
    memoryBandwidthFraction: fraction.optional(),
    attentionPeakFraction: fraction.optional(),
    collectiveBandwidthFraction: fraction.optional(),
    collectiveLatencySeconds: z.number().nonnegative().optional(),
    kernelFixedSeconds: z.number().nonnegative().optional(),
    /** Source of each override, keyed by parameter. */
    sources: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const HardwareSpecSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  vendor: z.string().default('unknown'),
  /** Architecture family: default efficiencies and quirks. Default 'generic'. */
  family: HardwareFamilySchema.default('generic'),
  /** Efficiencies of this device that differ from its family's defaults. */
  efficiency: DeviceEfficiencySchema.optional(),
  /** Dense peak FLOP/s (OP/s for integer formats) per format, tensor/matrix units. */
  peakFlopsPerSecond: PeakRatesSchema,
  /** Device memory (HBM/GDDR/unified): capacity in bytes and peak bandwidth in bytes/s. */
  memory: MemoryTierSchema,
  /** Slower tiers the device can stream from (host DRAM over PCIe/C2C, NVMe, flash). */
  offloadTiers: z.array(MemoryTierSchema).default([]),
  /** Largest on-chip cache or SRAM (L2, Infinity Cache, Gaudi SRAM), bytes. */
  onChipBytes: positive.optional(),
  /** Scale-up domain (NVLink/NVSwitch, Infinity Fabric, ICI). */
  scaleUp: z
    .object({
      link: z.string().default(''),
      /** Devices in one domain. */
      domainSize: z.number().int().positive(),
      /** Per-device bandwidth, one direction, bytes/s. */
      bandwidthBytesPerSecond: positive,
    })
    .optional(),
  /** Link to host memory (PCIe, NVLink-C2C), one direction, bytes/s: what offload streams over. */
  hostLink: z
    .object({
      link: z.string(),
      bandwidthBytesPerSecond: positive,
      /**
       * Whether devices on this link reach each other directly (PCIe peer-to-peer). Default true;
       * false sends device-to-device traffic through host memory, across the link twice.
       */
      peerToPeer: z.boolean().optional(),
    })
    .optional(),
  /** Scale-out network bandwidth per device, one direction, bytes/s. */
  scaleOut: z.object({ bandwidthBytesPerSecond: positive }).optional(),
  /** Maximum board/module power, W. */
  tdpWatts: positive.optional(),
  /** Rental price per device-hour, USD. */
  priceUsdPerHour: positive.optional(),
  launchYear: z.number().int().optional(),
  /** Source of every number, keyed by field (free text: repository @ commit, datasheet page). */
  sources: z.record(z.string(), z.string()).default({}),
  notes: z.string().optional(),
});

export type HardwareSpecInput = z.input<typeof HardwareSpecSchema>;
export type HardwareSpec = z.output<typeof HardwareSpecSchema>;
