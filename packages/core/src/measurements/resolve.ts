/**
 * Reading a measurement row's free-text fields: model and hardware names to catalog entries,
 * precision text to numeric formats, integers out of annotated cells. Names the catalogs alias
 * resolve directly; the only extra normalization here is dropping parenthesized remarks from a
 * model name ("Llama-2-70B (one layer's ops; ...)" → "Llama-2-70B").
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { validateScenario } from '../estimate.js';
import { closestMatches } from '../diagnostics/closest.js';
import { findHardware, hardwareIds } from '../hardware/catalog.js';
import { familyTraits } from '../hardware/families.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { findModel, modelIds } from '../model/catalog.js';
import type { ModelSpec } from '../model/schema.js';
import type { NormalizedScenario } from '../scenario/normalize.js';
import { normalizeScenario } from '../scenario/normalize.js';
import type { EngineId } from '../scenario/schema.js';
import type { NumericFormat } from '../units/formats.js';

function stripRemarks(s: string): string {
  let t = s;
  for (let prev = ''; prev !== t;) {
    prev = t;
    t = t.replace(/\([^()]*\)/g, ' ');
  }
  return t.replace(/\s+/g, ' ').trim();
}

/** A catalog model for a row's model name, or undefined. */
export function resolveRowModel(name: string): ModelSpec | undefined {
  return resolveRowModelNamed(name)?.model;
}

/**
 * Suffixes people add to a model's name that leave its architecture alone: the chat or instruct
 * fine-tune, a version tag, a dated weight refresh (DeepSeek-R1-0528).
 */
const MODEL_SUFFIXES: readonly RegExp[] = [
  /[-_ ]v\d+(\.\d+)*$/i,
  /[-_ ](chat|instruct|it|hf|base)$/i,
  /[-_ ]\d{4}$/,
];

/**
 * A catalog model for a row's model name, trying the name as written, without remarks, then
 * without the suffixes of MODEL_SUFFIXES; `dropped` names what was dropped to find it.
 */
export function resolveRowModelNamed(name: string): { model: ModelSpec; dropped?: string } | undefined {
  const direct = findModel(name) ?? findModel(stripRemarks(name));
  if (direct !== undefined) return { model: direct };
  let t = stripRemarks(name);
  const dropped: string[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const re of MODEL_SUFFIXES) {
      const m = re.exec(t);
      if (m === null) continue;
      dropped.unshift(m[0].replace(/^[-_ ]/, ''));
      t = t.slice(0, m.index);
      changed = true;
      const found = findModel(t);
      if (found !== undefined) return { model: found, dropped: dropped.join('-') };
    }
  }
  return undefined;
}

/** Catalog model ids closest to an unknown name. */
export function closestModelIds(name: string): string[] {
  return closestMatches(stripRemarks(name).toLowerCase(), modelIds());
}

/** Catalog hardware ids closest to an unknown name. */
export function closestHardwareIds(name: string): string[] {
  return closestMatches(stripRemarks(name).toLowerCase().replace(/\s+/g, '-'), hardwareIds());
}

export interface RowHardware {
  readonly spec: HardwareSpec;
  /** Set when the catalog entry was completed for this row (see hardwareForRate). */
  readonly note?: string;
}

const GIB = 2 ** 30;

/**
 * A catalog device for a row's hardware name, or undefined. A memory size written in the name
 * ("B200 180GB", "MI300X 192GB", "H100 SXM 80GB") is dropped when the device found without it
 * has that much memory (within 10%, in GB or GiB): "A100 40GB" never becomes the 80 GB part.
 */
export function resolveRowHardware(name: string): HardwareSpec | undefined {
  const direct = findHardware(name);
  if (direct !== undefined) return direct;
  const bare = stripRemarks(name);
  const m = /\b(\d+(?:\.\d+)?)\s*GB\b/i.exec(bare);
  const candidates = [bare];
  if (m !== null) candidates.push(bare.replace(m[0], ' ').replace(/\s+/g, ' ').trim());
  for (const c of candidates) {
    const hw = findHardware(c) ?? findHardware(c.replace(/\bSXM\d?\b/i, '').trim());
    if (hw === undefined) continue;
    if (m === null || c === bare) return hw;
    const stated = Number(m[1]);
    const bytes = hw.memory.capacityBytes;
    const near = (x: number) => Math.abs(x - stated) <= 0.1 * stated;
    if (near(bytes / GIB) || near(bytes / 1e9)) return hw;
  }
  return undefined;
}

/**
 * The device as the row needs it. Hopper parts run FP8 at their dense INT8 rate (a family quirk,
 * hardware/families.ts); a Hopper catalog entry that lists INT8 but no FP8 (h800-sxm) gets
 * FP8 = INT8 here so FP8 kernels measured on it can be costed (SOURCES.md §13: "H800 has H100-SXM compute but reduced NVLink").
 */
export function hardwareForRate(hw: HardwareSpec, format: NumericFormat | undefined): RowHardware {
  const peaks = hw.peakFlopsPerSecond;
  if (
    format === 'fp8' &&
    peaks.fp8 === undefined &&
    peaks.int8 !== undefined &&
    familyTraits(hw).fp8RateIsInt8Rate
  ) {
    return {
      spec: { ...hw, peakFlopsPerSecond: { ...peaks, fp8: peaks.int8 } },
      note: `${hw.id} has no FP8 rate in the catalog; used its INT8 dense rate (Hopper FP8 = INT8)`,
    };
  }
  return { spec: hw };
}

/** Numeric format named at the start of a precision cell ("FP8 (E4M3, ...)" → fp8), or undefined. */
export function formatOf(text: string): NumericFormat | undefined {
  const t = text.trim().toLowerCase();
  if (t.startsWith('fp16/bf16') || t.startsWith('bf16')) return 'bf16';
  if (t.startsWith('fp16')) return 'fp16';
  if (t.startsWith('fp8')) return 'fp8';
  if (t.startsWith('fp32')) return 'fp32';
  if (t.startsWith('nvfp4')) return 'nvfp4';
  if (t.startsWith('mxfp4')) return 'mxfp4';
  if (t.startsWith('fp4')) return 'fp4';
  if (t.startsWith('int8')) return 'int8';
  if (t.startsWith('int4')) return 'int4';
  return undefined;
}

/** A cell that is exactly a positive integer, else undefined. */
export function intCell(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 ? n : undefined;
}

/** The integer after `label=` (or `label `) in a text, e.g. num_tokens=4096, 'KV len 3072'. */
export function intAfter(text: string, label: string): number | undefined {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}\\s*[=:]?\\s*(\\d+)`, 'i').exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Serving engine profile for a framework cell. */
export function engineOf(framework: string): EngineId {
  const f = framework.toLowerCase();
  if (f.includes('tensorrt-llm') || f.includes('trt-llm') || f.includes('trtllm')) return 'trtllm';
  if (f.includes('sglang')) return 'sglang';
  if (f.includes('vllm')) return 'vllm';
  // AMD ATOM has no profile of its own: vLLM's (continuous batching, paged KV, CUDA/HIP graphs) is the closest.
  if (/\batom\b/.test(f)) return 'vllm';
  return 'ideal';
}

/** validate + normalize a scenario object (the first two pipeline phases). */
export function normalizeInput(input: unknown): Result<NormalizedScenario> {
  const scenario = validateScenario(input);
  return scenario.ok ? normalizeScenario(scenario.value) : scenario;
}

/** The first error message of a failed result. */
export function firstError(r: { readonly diagnostics: readonly { severity: string; message: string }[] }) {
  return (r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0])?.message ?? 'unknown error';
}
