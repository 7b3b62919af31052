/**
 * Reading a measurement row's free-text fields: model and hardware names to catalog entries,
 * precision text to numeric formats, integers out of annotated cells. Names the catalogs alias
 * resolve directly; the only extra normalization here is dropping parenthesized remarks from a
 * model name ("Llama-2-70B (one layer's ops; ...)" → "Llama-2-70B").
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { validateScenario } from '../estimate.js';
import { findHardware } from '../hardware/catalog.js';
import { familyTraits } from '../hardware/families.js';
import type { HardwareSpec } from '../hardware/schema.js';
import { findModel } from '../model/catalog.js';
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
  return findModel(name) ?? findModel(stripRemarks(name));
}

export interface RowHardware {
  readonly spec: HardwareSpec;
  /** Set when the catalog entry was completed for this row (see hardwareForRate). */
  readonly note?: string;
}

/** A catalog device for a row's hardware name, or undefined. */
export function resolveRowHardware(name: string): HardwareSpec | undefined {
  return findHardware(name);
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
