/**
 * Engine releases with a profile of their own. An engine's profile in engines.ts describes its
 * newest release listed here; an older release lists only what the measurements show differing
 * from it, each with the evidence. A release is added only where data shows behaviour changing
 * between releases (docs/serving.md §3, "Engine releases").
 */
import type { EngineId } from './schema.js';

/** Profile fields a release may change. */
export interface EngineReleaseChanges {
  readonly requestOverheadSeconds?: number;
  readonly requestOverheadSecondsByVendor?: Readonly<Record<string, number>>;
  readonly decodeKvReadsPerQueryHead?: boolean;
  readonly fp8Attention?: boolean;
}

export interface EngineRelease {
  /** Release number as the engine tags it, without a leading 'v' ('0.5.12'). */
  readonly version: string;
  /** What differs from the newest profile (empty for the newest). */
  readonly changes: EngineReleaseChanges;
  readonly evidence: string;
}

/** Releases with a profile, oldest first; the last is the newest (the engine id alone). */
export const ENGINE_RELEASES: Readonly<Record<EngineId, readonly EngineRelease[]>> = {
  ideal: [],
  vllm: [],
  // TensorRT-LLM 1.2.0rc6 and 1.3.0rc14 rows of serving-modern.csv (InferenceX, B200 FP8 TP8 and
  // NVFP4 TP4 at 4 clients) show the same TTFT (193 / 190 ms, 162 / 161 ms) and TPOT within the
  // output-length difference: no release profile between them.
  trtllm: [
    {
      version: '0.6.1',
      changes: { decodeKvReadsPerQueryHead: true, fp8Attention: false },
      evidence:
        'reference.csv TensorRT-LLM performance.md @138f96d v0.6.1 static-batch rows: Llama-2-70B (GQA, 8 KV heads) at TP2/TP4 on H100 FP8 [M0826-M0829] and A100 FP16 [M0842-M0844] were predicted 1.1-2.1x too fast, most where decode attention dominates (long outputs, large batches), while GPT-J-6B and Llama-2-7B (multi-head attention, nothing to share) in the same tables fit within 1-12%; with the generation kernel reading the cache once per query head they come within the spread of the MHA rows (docs/fidelity.md). The release that first shared K/V across a group (the XQA generation kernel) was not read at a pinned commit: 0.17 is the first release in the data that fits without it. No FP8 attention kernels: the FP8 cache of the v0.5/v0.6.1 FP8 rows (--fp8_kv_cache) is read into 16-bit attention; FP8 context attention (use_fp8_context_fmha, opt-in, set in the NVIDIA MLPerf v5.1 configurations of serving-modern.csv) came in a later release, not read at a pinned commit',
    },
    {
      version: '0.17',
      changes: {},
      evidence:
        'the newest profile (engines.ts ENGINE_PROFILES.trtllm); the 319 perf-overview 0.17 rows of reference.csv (GQA models) fit with the cache read once per KV head: read once per query head, their median error would go from 6.3% to 43.5% (raw model)',
    },
  ],
  sglang: [
    {
      version: '0.5.9',
      changes: { requestOverheadSeconds: 0.185, requestOverheadSecondsByVendor: { 'AMD fp8': 0.43 } },
      evidence:
        'serving-modern.csv InferenceX rows of lmsysorg/sglang:v0.5.9 images at 1k-token prompts and 4-8 clients: TTFT minus the simulated engine time is 151-204 ms on H200/B200 (4 rows, median 185) and 242-554 ms on MI300X/MI325X/MI355X (6 rows, median 430, all with the FP8 checkpoint: applied to FP8 weights on AMD only, as on v0.5.12); the same fit on v0.5.12 rows gives 100 and 315 ms',
    },
    {
      version: '0.5.12',
      changes: {},
      evidence: 'the newest profile (engines.ts ENGINE_PROFILES.sglang)',
    },
  ],
};

/** The releases of an engine that have a profile, as 'id@version'. */
export function engineReleaseRefs(id: EngineId): string[] {
  return ENGINE_RELEASES[id].map((r) => `${id}@${r.version}`);
}

function versionParts(v: string): number[] {
  return (/^\d+(?:\.\d+)*/.exec(v)?.[0] ?? '').split('.').map(Number);
}

/** Compares release numbers by their numeric parts (suffixes such as 'rc14' or '.post2' ignored). */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The profile a measured release runs with: the newest release with a profile that is not newer
 * than it, or the oldest when it predates them all (with a note); the engine id alone when the
 * engine has no release profiles or the release is unknown.
 */
export function engineRefForRelease(
  id: EngineId,
  version: string | undefined,
): { readonly ref: EngineId | `${EngineId}@${string}`; readonly note?: string } {
  const releases = ENGINE_RELEASES[id];
  if (version === undefined || releases.length === 0) return { ref: id };
  let chosen: EngineRelease | undefined;
  for (const r of releases) if (compareVersions(r.version, version) <= 0) chosen = r;
  const oldest = releases[0];
  if (chosen === undefined && oldest !== undefined)
    return {
      ref: `${id}@${oldest.version}`,
      note: `${id} ${version} run with the ${id}@${oldest.version} profile (the oldest with one)`,
    };
  return chosen === undefined ? { ref: id } : { ref: `${id}@${chosen.version}` };
}

/** The release in a framework cell: an image tag ('sglang:v0.5.9-cu130', 'release:1.3.0rc14') or 'SGLang v0.4.9'. */
export function releaseOfFramework(framework: string): string | undefined {
  const m =
    /(?:sglang|vllm-openai|vllm)[:\s]v?(\d+\.\d+(?:\.\d+)?)/i.exec(framework) ??
    /tensorrt-llm\/release:(\d+\.\d+(?:\.\d+)?)/i.exec(framework) ??
    /TensorRT-LLM\s+(\d+\.\d+(?:\.\d+)?)/i.exec(framework);
  return m?.[1];
}
