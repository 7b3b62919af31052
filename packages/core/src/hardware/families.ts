/**
 * Device families as data. A hardware entry names its family (`family` in the catalog CSV and in
 * user files); the family carries the default efficiencies (how much of a datasheet peak real
 * kernels reach, each traced to a measurement in data/measurements/reference.csv, ids in
 * brackets) and the family's quirks. A device may override single efficiencies
 * (`efficiency` in its entry). Adding a device is adding a row; adding a family is adding an
 * entry to FAMILY_TRAITS (and the name to HARDWARE_FAMILIES). These are model parameters, not
 * specs; calibration (issue 4) refits them per hardware and engine.
 */
import type { HardwareFamily, HardwareSpec } from './schema.js';

type DeviceEfficiency = NonNullable<HardwareSpec['efficiency']>;

export type { HardwareFamily } from './schema.js';

export interface EfficiencyProfile {
  /** Family the defaults come from. */
  readonly family: string;
  /** Best GEMM throughput as a fraction of the dense peak, 16-bit formats. */
  readonly gemmPeakFraction: number;
  /** Same for 8-bit and narrower formats (FP8 GEMMs reach a lower fraction). */
  readonly gemmLowPrecisionPeakFraction: number;
  /**
   * Same for block-scaled FP4 GEMMs (NVFP4, MXFP4) at the FP4 rate; undefined: the 8-bit
   * fraction. The block scales cost bytes (units/formats.ts), not FLOPs; what the tensor cores
   * lose to them (loading each 16- or 32-element block's scale beside its operands, the shorter
   * main loop per K at twice the FP8 rate) shows here. No family has an FP4 kernel measurement in
   * reference.csv: Blackwell's is fitted to the NVFP4 serving rows (sources below), the others
   * leave it unset.
   */
  readonly gemmFp4PeakFraction?: number | undefined;
  /**
   * Same for block-scaled FP8 GEMMs (DeepSeek-V3/R1 checkpoints: one FP32 scale per 128×128
   * weight block and per 1×128 activation group, so the kernel rescales its FP32 accumulators
   * once per 128 of K instead of once per output tile) at the FP8 rate; undefined: the 8-bit
   * fraction. The scale bytes are charged apart (graph/build.ts). Hopper keeps the 8-bit fraction:
   * the DeepGEMM rows [M1005-M1050] are block-scaled and match it. CDNA3/CDNA4 are fitted to the
   * InferenceX DeepSeek-R1 FP8 TTFT rows (sources below).
   */
  readonly gemmBlockFp8PeakFraction?: number | undefined;
  /**
   * Concurrent GEMM output tiles (one per SM/CU) for wave quantization; 0 disables it. Fitted to
   * the small-M DeepGEMM rows (Hopper) and the LLMCompass shape sweep (Ampere); the fitted value
   * lands on the SM count.
   */
  readonly gemmWaveSlots: number;
  /**
   * Smallest M tile (rows) the family's GEMM kernels pad a few rows to: the tile sizes are this,
   * doubling up to 128, and a GEMM of m rows runs in the smallest that holds m (cost/efficiency.ts
   * gemmTileRows). 64 on Hopper (the DeepGEMM M=64 rows [M1005-M1016]) and the families without
   * a fit; 32 on CDNA3/CDNA4, fitted (sources below).
   */
  readonly gemmMinTileRows: number;
  /**
   * Grouped (MoE) GEMMs reach this fraction of a plain GEMM of the same per-group shape: the
   * kernel maps tiles to experts, sets up each expert's operands and, in the masked layout,
   * issues tiles for rows it then skips.
   */
  readonly groupedGemmFraction: number;
  /**
   * Rows per group at which a grouped GEMM reaches half of groupedGemmFraction: each expert's
   * group restarts the pipeline (tile scheduling, the expert's operand and scale set-up), a cost
   * worth this many rows of work. The fraction is groupedGemmFraction · m / (m + this), so a few
   * tokens per expert run far below a plain GEMM of the same shape.
   */
  readonly groupedGemmRowsHalf: number;
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
  /**
   * Time every kernel takes beyond its roofline terms even when launched back to back (CUDA
   * graph replay, no host gap): filling and draining the memory pipeline (the first bytes arrive
   * a DRAM latency after the kernel starts, and the last CTAs leave SMs idle), GEMM prologue and
   * epilogue, block scheduling; s. Added once per kernel of every non-collective operator, on top
   * of the engine's launch cost. It dominates decode steps of small batches, where a layer runs
   * 20–30 kernels of a few microseconds of roofline work each.
   */
  readonly kernelFixedSeconds: number;
  /**
   * Decode attention over a latent (MLA) cache: the most work-groups a kernel splits one
   * sequence's cache into (flash-decoding KV splits). A decode step of B sequences keeps
   * min(1, B · splits / gemmWaveSlots) of the compute units streaming the cache
   * (cost/roofline.ts decodeAttentionOccupancy), so a few sequences read it at a fraction of the
   * bandwidth. Undefined: the kernel splits until every compute unit has work (FlashMLA and
   * FlashInfer size their splits to the SM count).
   */
  readonly mlaDecodeSplits?: number | undefined;
  readonly sources: Readonly<Record<string, string>>;
}

/** Grouped-GEMM asymptote and half-rows, fitted to the DeepGEMM H800 grouped rows [M1041-M1050]. */
const GROUPED_FRACTION = 0.9;
const GROUPED_ROWS_HALF = 48;

const HOPPER: EfficiencyProfile = {
  family: 'nvidia-hopper',
  gemmPeakFraction: 0.82,
  gemmLowPrecisionPeakFraction: 0.76,
  gemmWaveSlots: 132,
  gemmMinTileRows: 64,
  groupedGemmFraction: GROUPED_FRACTION,
  groupedGemmRowsHalf: GROUPED_ROWS_HALF,
  gemmKHalf: 128,
  memoryBandwidthFraction: 0.85,
  attentionPeakFraction: 0.6,
  collectiveBandwidthFraction: 0.75,
  collectiveLatencySeconds: 8e-6,
  kernelFixedSeconds: 2e-6,
  sources: {
    gemmPeakFraction:
      'ml-engineering MAMF: H100 BF16 794.5/989.5 = 0.80 [M1079], GH200 BF16 828.6/989 = 0.84 [M1077]',
    gemmLowPrecisionPeakFraction:
      'MAMF FP8: H100 0.71 [M1091], H200 0.73 [M1089], GH200 0.78 [M1086]; DeepGEMM H800 FP8 up to 1520/1979 = 0.77 [M1035]',
    gemmBlockFp8PeakFraction:
      'unset (the 8-bit fraction): the DeepGEMM H800 rows [M1005-M1050] are block-scaled FP8 (128x128 weight blocks, 1x128 activation groups: "fine-grained scaling") and the 8-bit fraction matches them; the InferenceX DeepSeek-R1 FP8 rows on H200 (same checkpoint) add 1.0-1.2x the modelled TTFT per prompt token',
    gemmWaveSlots: 'fitted to DeepGEMM small-M rows on H800 [M1005-M1028]',
    gemmMinTileRows:
      '64: the smallest M the DeepGEMM rows run [M1005-M1016] (M=64), which the model matches with 64-row tiles and 128 beyond (wave slots and fixed time fitted with them)',
    groupedGemmFraction:
      'DeepGEMM H800 FP8 grouped GEMMs (contiguous and masked layouts) [M1041-M1050]: the fraction of a plain GEMM of the per-group shape each row needs is 0.87-0.93 at 4096-8192 rows per group, 0.84-0.91 at 1024, 0.79-0.86 at 256-512; 0.9 with groupedGemmRowsHalf 48',
    groupedGemmRowsHalf:
      'fitted with groupedGemmFraction (grid 0.87-0.94 x 0-96 rows) to the DeepGEMM H800 grouped rows [M1041-M1050] (256 to 8192 rows per group; median 3.9 -> 3.4%) and the TensorRT-LLM perf-overview rows (6.6 -> 6.3%); charged on the padded tile; no measurement below 256 rows per group',
    memoryBandwidthFraction:
      'FlashMLA dense decode up to 3000/3350 GB/s = 0.90 [M1071]; DeepGEMM M=64..128 GEMMs 0.5-0.78 [M1006-M1028]',
    attentionPeakFraction:
      'FlashMLA 660/989.5 = 0.67 compute-bound [M1072]; FlashMLA sparse prefill 640 [M1074]',
    collectiveLatencySeconds:
      'LLMCompass 4xA100 decode all-reduce 26 us at 196 KB [M1134], less the bandwidth term',
    kernelFixedSeconds:
      'fitted to the DeepGEMM H800 rows (kernel time, no launch) [M1005-M1050]: 0, 1, 2, 3, 4 us give median errors 9.7/6.0/4.2/5.1/6.3% (TFLOPS) and 15.4/9.1/5.2/5.5/9.3% (GB/s); the M=64/128 GEMMs of 15-30 MB take 1-4 us longer than bytes / bandwidth. The same 2 us lowers the TensorRT-LLM perf-overview Hopper rows (H200 8.8 -> 6.7%) and lands the InferenceX H200 SGLang rows at a median ratio of 1.0',
  },
};

const AMPERE: EfficiencyProfile = {
  family: 'nvidia-ampere',
  gemmPeakFraction: 0.92,
  gemmLowPrecisionPeakFraction: 0.85,
  gemmWaveSlots: 108,
  gemmMinTileRows: 64,
  groupedGemmFraction: GROUPED_FRACTION,
  groupedGemmRowsHalf: GROUPED_ROWS_HALF,
  gemmKHalf: 128,
  memoryBandwidthFraction: 0.85,
  attentionPeakFraction: 0.55,
  collectiveBandwidthFraction: 0.75,
  collectiveLatencySeconds: 15e-6,
  kernelFixedSeconds: 2e-6,
  sources: {
    gemmPeakFraction: 'LLMCompass A100 FP16 GEMM sweep up to 293/312 = 0.94 [M1110]; MAMF A100 0.87 [M1076]',
    gemmWaveSlots: 'fitted to LLMCompass A100 shape sweep [M1092-M1111]',
    groupedGemmFraction:
      'no grouped-GEMM measurement on Ampere: assumed equal to Hopper (DeepGEMM [M1041-M1050]), a kernel-structure overhead',
    groupedGemmRowsHalf:
      'no grouped-GEMM measurement on Ampere: Hopper value (DeepGEMM [M1041-M1050]), assumed',
    memoryBandwidthFraction: 'LLMCompass M=64 GEMM, 302 MB of weights in 0.19 ms [M1092]',
    collectiveLatencySeconds: 'LLMCompass 4xA100 decode all-reduce 26 us at 196 KB [M1134]',
    kernelFixedSeconds:
      'no Ampere kernel-latency measurement: the Hopper DeepGEMM fit (2 us), assumed; with it the A100 perf-overview rows go 14.1 -> 13.3% and the LLMCompass A100 sweep stays at 2.9%',
  },
};

const BLACKWELL: EfficiencyProfile = {
  ...HOPPER,
  family: 'nvidia-blackwell',
  gemmPeakFraction: 0.78,
  gemmLowPrecisionPeakFraction: 0.76,
  gemmFp4PeakFraction: 0.64,
  gemmWaveSlots: 148,
  kernelFixedSeconds: 3e-6,
  sources: {
    ...HOPPER.sources,
    gemmPeakFraction: 'MAMF BF16: B200 0.78 [M1081], B300 0.79 [M1080], GB200 0.73 [M1082]',
    gemmLowPrecisionPeakFraction: 'MAMF FP8: B200 0.76 [M1087], B300 0.75 [M1088], GB200 0.72 [M1090]',
    gemmFp4PeakFraction:
      'no FP4 kernel measurement in reference.csv: fitted to the dense Llama NVFP4 rows of MLPerf v5.1 on B200 and GB200 (serving-modern.csv, TensorRT-LLM; mean and p99 TTFT of the Server and Interactive runs, 16 rows, set by prefill GEMMs): 0.76 (the FP8 fraction), 0.70, 0.66, 0.64, 0.62, 0.60, 0.55 give median predicted/measured mean TTFT 0.77/0.85/0.92/0.96/1.00/1.05/1.21 and p99 TTFT 0.82/0.94/0.96/1.00/1.05/1.10/1.25; 0.64 centres both (0.98). Offline throughput goes 1.23 -> 1.13 (405B and 8B still fast, Llama-2-70B slow from its input-length preset, docs/fidelity.md); serving-modern.csv median error 17.6 -> 16.9% raw, 16.8 -> 15.9% with the shipped profiles; below 0.6 the TTFT rows overshoot and Server runs tip into overload. The DeepSeek-R1 NVFP4 rows (InferenceX, decode-bound) move by under 1 point. Against Hopper FP8 on the same MLPerf benchmarks (H200, TensorRT-LLM), B200 NVFP4 had been 1.2-1.4x too fast relative, while the B200 FP8 rows (InferenceX DeepSeek-R1 0.98-1.02; Krai Llama-3.1-70B 0.76, like every OpenOrca row) show no general Blackwell over-prediction. MXFP4 on Blackwell takes the same fraction: no measurement',
    gemmKHalf: 'no Blackwell measurement: Hopper value, assumed',
    gemmMinTileRows:
      "Hopper's 64, assumed: no Blackwell kernel measurement or ISA document in the repository. Fitted as a check with groupedGemmRowsHalf scaled to the tile (16 rows, 12) on the InferenceX DeepSeek-R1 rows (serving-modern.csv, raw): it moves the Blackwell FP8 groups by at most 3 points of median error (B200 SGLang FP8 1024/1024 TPOT 0.94 -> 0.91 of the measurement, already too fast), so the data does not ask for it",
    gemmBlockFp8PeakFraction:
      "unset (the 8-bit fraction): the FP8 prompt excess on Blackwell is SGLang's, not the family's. On the InferenceX DeepSeek-R1 FP8 rows (raw, median predicted/measured), 0.5, 0.35, 0.25 (with 16-row tiles) lift B200 SGLang 8192/1024 TTFT 0.53 -> 0.56/0.61/0.67 and B300 0.65 -> 0.69/0.76/0.85, but take B200 TensorRT-LLM 8192/1024 TTFT from 0.86 to 0.92/1.03/1.17 and the Dynamo GB200 FP8 8192/1024 throughput from 27.1% to 29.8/41.4/38.5% median error; with 64-row tiles 0.35 also raises B300 SGLang TPOT 1.07 -> 1.22. Same checkpoint, same family, another engine: an engine-specific kernel rate, which a family fraction cannot express (docs/fidelity.md)",
    memoryBandwidthFraction:
      'no Blackwell bandwidth measurement in reference.csv: Hopper value (0.85), assumed',
    attentionPeakFraction:
      'Hopper value (0.60), kept: FlashMLA sparse MLA prefill on B200 reaches 1450/2250 = 0.64 of the BF16 peak [M1075], as on H800 (640/989.5 = 0.65 [M1074]). Its sparse decode kernel over an FP8 cache reaches "up to 350 TFlops on B200 (not really optimized yet)", 0.16, against 410 on H800 (0.41) [M1073]: a port TensorRT-LLM does not run. 0.3 would take the MLPerf DeepSeek-R1 Offline rows (compute-bound MLA decode) from 1.61/1.76 to 1.24/1.36 of the measured throughput (B200/GB200) but worsen the Dynamo GB200 FP8 rows (docs/fidelity.md, Blackwell at large batch)',
    collectiveBandwidthFraction: 'no Blackwell collective measurement: Hopper value, assumed',
    collectiveLatencySeconds: 'no Blackwell collective measurement: Hopper value, assumed',
    groupedGemmFraction:
      'no Blackwell grouped-GEMM measurement: Hopper DeepGEMM value [M1041-M1050], assumed',
    groupedGemmRowsHalf:
      'no Blackwell grouped-GEMM measurement: Hopper DeepGEMM value [M1041-M1050], assumed',
    kernelFixedSeconds:
      'no Blackwell kernel-latency measurement in reference.csv: fitted to the single-node InferenceX DeepSeek-R1 rows on B200/B300 (serving-modern.csv, SGLang and TensorRT-LLM, FP8 and NVFP4, 58 tpot_ms rows): 2, 3, 4, 5 us give median predicted/measured TPOT 0.89/0.99/1.07/1.12; 3 us',
  },
};

const CDNA3: EfficiencyProfile = {
  ...HOPPER,
  family: 'amd-cdna3',
  gemmPeakFraction: 0.56,
  gemmLowPrecisionPeakFraction: 0.5,
  gemmBlockFp8PeakFraction: 0.22,
  gemmWaveSlots: 304,
  gemmMinTileRows: 32,
  groupedGemmRowsHalf: 12,
  memoryBandwidthFraction: 0.75,
  attentionPeakFraction: 0.4,
  kernelFixedSeconds: 6e-6,
  mlaDecodeSplits: 8,
  sources: {
    gemmPeakFraction:
      'MAMF BF16: MI300X 668.4/1307 = 0.51 [M1085], MI325X 0.60 [M1084]; their mean for a CDNA3 device without its own measurement (CATALOG_DEVICE_EFFICIENCY)',
    gemmLowPrecisionPeakFraction:
      'no FP8 measurement: assumed below the BF16 fraction (MI300X and MI325X scale it by their own MAMF fractions, CATALOG_DEVICE_EFFICIENCY)',
    gemmBlockFp8PeakFraction:
      "no block-scaled FP8 kernel measurement: fitted with gemmMinTileRows and groupedGemmRowsHalf to the single-node InferenceX DeepSeek-R1 rows on MI300X, MI325X and MI355X (serving-modern.csv, SGLang and ATOM, 128x128-block FP8 checkpoint; the MXFP4 rows of the same devices and images do not read it), one value for CDNA3 and CDNA4; criterion: the least sum of the two families' median errors over TTFT, TPOT and throughput with no recipe (device and engine, all metrics) worse than before by more than the gate's 2 points. With 32-row tiles and 12 rows of group restart (raw; CDNA3 TTFT/TPOT/throughput median error, CDNA4 the same): unset (0.46-0.60) 21.9/14.2/17.3% and 15.1/6.7/7.1%; 0.26 21.3/9.1/8.4% and 14.3/7.1/5.8%; 0.24 20.6/10.9/9.0% and 13.4/6.8/6.7%; 0.22 19.3/13.1/10.8% and 13.0/7.0/7.1%; 0.2 18.5/13.6/12.7% and 12.4/7.0/7.3%; 0.18 17.2/14.2/13.3% and 12.6/7.7/6.6%; from 0.24 up the MI325X SGLang rows go from 18.3% to 20.5-22.0%; before the tiles (64 rows, 48 restart, unset) 21.7/13.7/14.8% and 16.1/5.6/5.8%. Against the model before the change, 0.22 lifts the 8192/1024 TTFT (median predicted/measured) on MI300X 0.57 -> 0.71, MI325X 0.68 -> 0.83, MI355X 0.64 -> 0.80 while the 1024/1024 and 8192/1024 TPOT stay at 0.98-1.10 (0.93-1.12 before): with 32-row tiles the decode expert GEMMs (1-3 rows per expert) are memory-bound and the block rate reaches prefill only. At 4 clients the SGLang 8192/1024 TTFT stays low (MI300X 0.45 -> 0.53, MI325X 0.60 -> 0.72, MI355X 0.51 -> 0.57; ATOM 0.70 -> 0.90): part of the SGLang excess at few clients is not this rate. 16-row tiles fit better overall (at 0.2: CDNA3 TPOT 6.1%, throughput 5.9%) but take the MI325X SGLang rows from 18.3 to 24.2% (its SGLang v0.5.9 1024/8192 rows, which decode about 25% slower than the model at any tile)",
    gemmMinTileRows:
      "fitted (no CDNA kernel measurement or ISA document in the repository says which M tiles ROCm's GEMM and fused-MoE kernels use): 16, 32, 64 rows with the block-FP8 fraction and the group restart (grid above and below). 64 (Hopper's) makes the decode expert GEMMs (1-3 tokens per expert, padded) compute-bound, so any block-FP8 fraction slows decode as much as prefill, which the TPOT rows refuse (0.4 down to 0.15: MI300X 1024/1024 TPOT 1.12 -> 1.20-2.02); 32 and 16 leave them memory-bound. 32 is the smallest that keeps every CDNA recipe within 2 points of its median error before the change (with 0.22: MI300X SGLang 16.1 -> 13.1%, MI325X 18.3 -> 17.5%, MI355X ATOM 11.4 -> 11.2%, MI355X SGLang 5.3 -> 5.7%, all metrics, raw)",
    memoryBandwidthFraction: 'no measurement in reference.csv: assumed',
    attentionPeakFraction: 'no measurement in reference.csv: assumed',
    collectiveBandwidthFraction: 'no CDNA collective measurement: Hopper value, assumed',
    collectiveLatencySeconds: 'no CDNA collective measurement: Hopper value, assumed',
    groupedGemmFraction: 'no CDNA grouped-GEMM measurement: Hopper DeepGEMM value [M1041-M1050], assumed',
    groupedGemmRowsHalf:
      "no CDNA grouped-GEMM measurement: fitted with gemmMinTileRows and gemmBlockFp8PeakFraction. Hopper's 48 rows (DeepGEMM [M1041-M1050]) are 0.75 of its 64-row tile; at 32-row tiles 0, 6, 12, 24 rows give (CDNA3 TTFT/TPOT/throughput median error, raw, block-FP8 fraction 0.2) 18.3/9.3/7.7%, 18.2/12.3/10.3%, 18.5/13.6/12.7%, 17.1/15.0/13.2%, but MI325X SGLang 22.2/18.9/14.1/14.1% (all metrics); 12, the least that keeps every recipe within 2 points. Charged on the padded tile in rows of work at the block rate, it is what couples decode to the block-FP8 fraction at few rows per expert",
    gemmKHalf: 'no CDNA measurement: Hopper value, assumed',
    kernelFixedSeconds:
      "no CDNA3 kernel-latency measurement in reference.csv: fitted with mlaDecodeSplits to the single-node InferenceX DeepSeek-R1 SGLang rows on MI300X/MI325X (serving-modern.csv, 24 tpot_ms and 24 output_tok_s_per_gpu rows). With 8 splits, 4, 5, 6, 7, 8 us give median predicted/measured TPOT 0.96/1.02/1.08/1.14/1.19 on the 14 SGLang v0.5.12 rows (1024/1024 and 8192/1024) and 0.73/0.76/0.78/0.81/0.84 on the 10 v0.5.9 rows (1024/8192); 6 us is the value at which every CDNA3 source improves (MI300X 17.6 -> 16.0%, MI325X 17.2 -> 16.8%, all metrics, raw). It also carries the dispatch gap between graph-replayed kernels on ROCm, which the engines' 1.5 us graph launch (measured on CUDA) leaves out. The v0.5.9 rows stay about 25% too fast: that ROCm build decodes slower at every concurrency (4 clients: 25.1 ms at a mean context of about 4,600 tokens against v0.5.12's 19.4 ms at about 8,600), while on H200 and MI355X the two releases agree within 10%",
    mlaDecodeSplits:
      'fitted with kernelFixedSeconds to the InferenceX DeepSeek-R1 SGLang v0.5.12 rows on MI300X/MI325X: the TPOT added by 7,168 more tokens of context per sequence (8192/1024 against 1024/1024 at the same client count) is 4.5, 5.8, 8.9, 17.3, 36.2 ms at 4, 8, 16, 32, 64 clients on MI300X (4.1, 5.7 on MI325X): 157 ns per added token at 4 clients, 75-80 from 16 on, where the latent cache streamed at the bandwidth costs 18. H200 adds 38-42 ns at 4-8 clients and MI355X 31-80 ns at 4 (where any cap worsens its rows, CDNA4 below). Splits 4, 8, 16, 32, unbounded (6 us): v0.5.12 TPOT median error 20.0/9.0/5.5/8.0/8.0%, throughput 17.5/6.0/7.0/10.5/10.5%; at 5 us 8 splits gives 4.0% and 3.0%. By source (all metrics, raw, 6 us), 8 splits: MI300X 16.0%, MI325X 16.8%; 16 splits: 17.5%, 18.9%. Applied to MLA only: no GQA decode row on CDNA3 at few sequences (the MLPerf Llama rows run hundreds, which fill the device at any split count)',
  },
};

const CDNA4: EfficiencyProfile = {
  ...CDNA3,
  family: 'amd-cdna4',
  gemmPeakFraction: 0.68,
  gemmLowPrecisionPeakFraction: 0.6,
  gemmWaveSlots: 256,
  kernelFixedSeconds: 3.5e-6,
  mlaDecodeSplits: undefined,
  sources: {
    ...CDNA3.sources,
    gemmPeakFraction: 'MAMF BF16: MI355X 1565/2300 = 0.68 [M1083]',
    gemmLowPrecisionPeakFraction: 'no FP8 measurement on MI355X: assumed below the BF16 fraction',
    gemmFp4PeakFraction:
      'no MXFP4 kernel measurement in reference.csv: FP4 GEMMs use the 8-bit fraction until the MXFP4 serving rows validate and calibrate it',
    gemmBlockFp8PeakFraction:
      "CDNA3's 0.22, fitted to both families together (see the CDNA3 source): on MI355X alone, 0.15, 0.2, 0.25 give TTFT/TPOT/throughput median error 13.1/7.4/7.0%, 12.3/7.7/6.6%, 14.5/6.9/5.8% (16-row tiles); ATOM's FP8 rows on MI355X read it too (11.4 -> 11.2%, all metrics); the MXFP4 rows do not (FP4 fraction, unset)",
    kernelFixedSeconds:
      'no CDNA4 kernel-latency measurement in reference.csv: fitted to the single-node InferenceX DeepSeek-R1 rows on MI355X (serving-modern.csv, SGLang and ATOM, FP8 and MXFP4, 34 tpot_ms rows): 2, 3, 4 us give median predicted/measured TPOT 0.86/0.95/1.05; 3.5 us',
    mlaDecodeSplits:
      'unbounded (the kernels fill the device): capping the splits at 32, 16, 8 moves the InferenceX MI355X SGLang rows from 6.0% to 6.0/7.0/10.5% (TPOT and throughput median error)',
  },
};

/**
 * Measured efficiencies of single catalog devices that differ from their family's, by catalog id:
 * the catalog entry carries them as its own `efficiency` (hardware/catalog.ts, for a device of that
 * family), so a copy of the entry keeps them. MI300X and MI325X are the same CDNA3 die at the same
 * datasheet peaks (datasheets.csv: "same compute as MI300X, but more memory and more power"); the
 * MI325X board is allowed 1000 W against the MI300X's 750 W, so under a sustained GEMM it holds its
 * matrix clock closer to the one the peak assumes: MAMF BF16 0.51 of the peak on MI300X [M1085],
 * 0.60 on MI325X [M1084] (the family's 0.56 is their mean). No FP8 GEMM measurement exists on
 * either; the same clock drives the FP8 units, so each device's FP8 fraction keeps the family's
 * FP8/BF16 ratio (0.50/0.56): MI300X 0.46, MI325X 0.54. The MLPerf v5.1 AMD runs on the two boards
 * (same harness, engine and datasets) measure MI325X 1.24-1.30x MI300X; the model gave 1.01-1.22x
 * with the family's one fraction, and 1.15-1.27x with each board's own.
 */
const CDNA3_FP8_TO_BF16 = CDNA3.gemmLowPrecisionPeakFraction / CDNA3.gemmPeakFraction;
export const CATALOG_DEVICE_EFFICIENCY: Readonly<
  Record<string, { family: HardwareFamily; efficiency: DeviceEfficiency }>
> = {
  mi300x: {
    family: 'amd-cdna3',
    efficiency: {
      gemmPeakFraction: 0.51,
      gemmLowPrecisionPeakFraction: Math.round(0.51 * CDNA3_FP8_TO_BF16 * 100) / 100,
      sources: {
        gemmPeakFraction: 'MAMF BF16: MI300X 668.4/1307 = 0.51 [M1085] (750 W board)',
        gemmLowPrecisionPeakFraction:
          'no FP8 measurement: the BF16 fraction [M1085] times the family FP8/BF16 ratio 0.50/0.56 (the same clock drives both)',
      },
    },
  },
  mi325x: {
    family: 'amd-cdna3',
    efficiency: {
      gemmPeakFraction: 0.6,
      gemmLowPrecisionPeakFraction: Math.round(0.6 * CDNA3_FP8_TO_BF16 * 100) / 100,
      sources: {
        gemmPeakFraction: 'MAMF BF16: MI325X 784.9/1307 = 0.60 [M1084] (1000 W board, same die as MI300X)',
        gemmLowPrecisionPeakFraction:
          'no FP8 measurement: the BF16 fraction [M1084] times the family FP8/BF16 ratio 0.50/0.56 (the same clock drives both)',
      },
    },
  },
};

const GENERIC: EfficiencyProfile = {
  family: 'generic',
  gemmPeakFraction: 0.7,
  gemmLowPrecisionPeakFraction: 0.65,
  gemmWaveSlots: 0,
  gemmMinTileRows: 64,
  groupedGemmFraction: GROUPED_FRACTION,
  groupedGemmRowsHalf: GROUPED_ROWS_HALF,
  gemmKHalf: 128,
  memoryBandwidthFraction: 0.8,
  attentionPeakFraction: 0.5,
  collectiveBandwidthFraction: 0.7,
  collectiveLatencySeconds: 10e-6,
  kernelFixedSeconds: 2e-6,
  sources: { all: 'no measurement for this family: conservative defaults between the measured families' },
};

export interface FamilyTraits {
  readonly efficiency: EfficiencyProfile;
  /**
   * Tensor cores run FP8 at the dense INT8 rate (Hopper). Used where a catalog entry lists INT8
   * but no FP8 rate (h800-sxm) and a measurement ran FP8 kernels on it (SOURCES.md §13: "H800
   * has H100-SXM compute but reduced NVLink").
   */
  readonly fp8RateIsInt8Rate: boolean;
}

const plain = (efficiency: EfficiencyProfile): FamilyTraits => ({ efficiency, fp8RateIsInt8Rate: false });

/**
 * Traits per family. Families without a measurement in reference.csv (Ada, GeForce, CDNA2, TPU,
 * Gaudi, Jetson, Apple) use the generic defaults until one is added. GeForce parts accumulate
 * FP16 products in FP32 at half the datacenter rate, so datacenter fractions do not transfer.
 */
export const FAMILY_TRAITS: Readonly<Record<HardwareFamily, FamilyTraits>> = {
  'nvidia-ampere': plain(AMPERE),
  'nvidia-hopper': { efficiency: HOPPER, fp8RateIsInt8Rate: true },
  'nvidia-blackwell': plain(BLACKWELL),
  'nvidia-ada': plain(GENERIC),
  'nvidia-geforce': plain(GENERIC),
  'nvidia-jetson': plain(GENERIC),
  'amd-cdna2': plain(GENERIC),
  'amd-cdna3': plain(CDNA3),
  'amd-cdna4': plain(CDNA4),
  'google-tpu': plain(GENERIC),
  'intel-gaudi': plain(GENERIC),
  'apple-silicon': plain(GENERIC),
  generic: plain(GENERIC),
};

export function familyTraits(hardware: Pick<HardwareSpec, 'family'>): FamilyTraits {
  return FAMILY_TRAITS[hardware.family];
}

const merged = new WeakMap<HardwareSpec, EfficiencyProfile>();

/**
 * The efficiency defaults of a device: its family's, with the device's own overrides
 * (`efficiency` in its entry; CATALOG_DEVICE_EFFICIENCY for catalog devices) on top. Cached per
 * hardware object.
 */
export function efficiencyFor(hardware: HardwareSpec): EfficiencyProfile {
  const base = FAMILY_TRAITS[hardware.family].efficiency;
  const own = hardware.efficiency;
  if (own === undefined) return base;
  const hit = merged.get(hardware);
  if (hit !== undefined) return hit;
  const profile: EfficiencyProfile = {
    family: base.family,
    gemmPeakFraction: own.gemmPeakFraction ?? base.gemmPeakFraction,
    gemmLowPrecisionPeakFraction: own.gemmLowPrecisionPeakFraction ?? base.gemmLowPrecisionPeakFraction,
    gemmFp4PeakFraction: own.gemmFp4PeakFraction ?? base.gemmFp4PeakFraction,
    gemmBlockFp8PeakFraction: own.gemmBlockFp8PeakFraction ?? base.gemmBlockFp8PeakFraction,
    gemmWaveSlots: own.gemmWaveSlots ?? base.gemmWaveSlots,
    gemmMinTileRows: base.gemmMinTileRows,
    groupedGemmFraction: own.groupedGemmFraction ?? base.groupedGemmFraction,
    groupedGemmRowsHalf: own.groupedGemmRowsHalf ?? base.groupedGemmRowsHalf,
    gemmKHalf: own.gemmKHalf ?? base.gemmKHalf,
    memoryBandwidthFraction: own.memoryBandwidthFraction ?? base.memoryBandwidthFraction,
    attentionPeakFraction: own.attentionPeakFraction ?? base.attentionPeakFraction,
    collectiveBandwidthFraction: own.collectiveBandwidthFraction ?? base.collectiveBandwidthFraction,
    collectiveLatencySeconds: own.collectiveLatencySeconds ?? base.collectiveLatencySeconds,
    kernelFixedSeconds: own.kernelFixedSeconds ?? base.kernelFixedSeconds,
    mlaDecodeSplits: base.mlaDecodeSplits,
    sources: { ...base.sources, ...own.sources },
  };
  merged.set(hardware, profile);
  return profile;
}
