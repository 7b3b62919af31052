/**
 * Requirements and deployment plans (core `requirements` and `plan`) from the Estimate scenario:
 * its model, hardware, parallelism, formats and engine are the base, its workload gives the
 * request lengths.
 */
import { ENGINE_PROFILES, findModel, launchCommand, plan, requirements } from '@ridgeline/core';
import type { LaunchCommand, Plan, PlanPoint, Requirements, Targets } from '@ridgeline/core';
import type { Issue } from './engine.js';
import { prepare } from './engine.js';

export interface RequireArgs {
  readonly text: string;
  readonly targets: Targets;
  /** Catalog devices to list; empty for none. */
  readonly devices: readonly string[];
}

export type RequireOutcome =
  | { readonly ok: true; readonly value: Requirements }
  | { readonly ok: false; readonly issues: readonly Issue[] };

export interface PlanArgs {
  readonly text: string;
  readonly hardware: readonly string[];
  readonly maxGpus: number;
  readonly requestRate?: number;
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  /** Price per device-hour by hardware id, USD (the CLI's --usd-per-hour): cost per million tokens. */
  readonly usdPerHour?: Readonly<Record<string, number>>;
}

export type PlanOutcome =
  | { readonly ok: true; readonly value: Plan; readonly launches: readonly LaunchCommand[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** The routed experts of the model (1 when dense). */
function expertsOf(model: string | Record<string, unknown>): number {
  const m = typeof model === 'string' ? findModel(model) : model;
  const moe = (m as Record<string, unknown> | undefined)?.['moe'] as Record<string, unknown> | undefined;
  return typeof moe?.['numExperts'] === 'number' ? moe['numExperts'] : 1;
}

/** The launch command of one frontier point (one replica), as core's plan writes the chosen one's. */
function launchOf(model: string | Record<string, unknown>, p: PlanPoint): LaunchCommand {
  const c = p.config;
  const repo = typeof model === 'string' ? (findModel(model)?.provenance.hfRepo ?? model) : model['hfRepo'];
  return launchCommand({
    engine: c.engine,
    model: typeof repo === 'string' ? repo : 'model',
    tp: c.tp,
    pp: c.pp,
    ep: c.ep,
    ...(c.redundantExperts !== undefined
      ? { redundantExperts: c.redundantExperts, experts: expertsOf(model) }
      : {}),
    attentionDp: c.attentionDp,
    maxSequences: p.concurrency,
    maxBatchedTokens: c.maxBatchedTokens,
    memoryFraction: ENGINE_PROFILES[c.engine].memoryFraction,
    kvCache: c.kvCache,
    ...(c.speculativeTokens !== undefined ? { speculativeTokens: c.speculativeTokens } : {}),
  });
}

function lengths(s: Record<string, unknown>): { inputTokens: number; outputTokens: number } | undefined {
  const w = s['workload'];
  if (typeof w !== 'object' || w === null) return undefined;
  const { inputTokens, outputTokens } = w as Record<string, unknown>;
  return typeof inputTokens === 'number' && typeof outputTokens === 'number'
    ? { inputTokens, outputTokens }
    : undefined;
}

const NO_LENGTHS: Issue = {
  severity: 'error',
  message: 'the scenario needs workload.inputTokens and workload.outputTokens',
  field: 'workload',
};

function issuesOf(diagnostics: readonly { severity: Issue['severity']; message: string }[]): Issue[] {
  return diagnostics.map((d) => ({ severity: d.severity, message: d.message }));
}

export function requireText(a: RequireArgs): RequireOutcome {
  const p = prepare(a.text);
  if (!p.ok) return p;
  const len = lengths(p.scenario);
  if (len === undefined) return { ok: false, issues: [NO_LENGTHS] };
  const base = Object.fromEntries(Object.entries(p.scenario).filter(([k]) => k !== 'workload'));
  const r = requirements({ base, ...len, targets: a.targets, devices: a.devices, requests: 200 });
  return r.ok ? { ok: true, value: r.value } : { ok: false, issues: issuesOf(r.diagnostics) };
}

export function planText(a: PlanArgs): PlanOutcome {
  const p = prepare(a.text);
  if (!p.ok) return p;
  const len = lengths(p.scenario);
  if (len === undefined) return { ok: false, issues: [NO_LENGTHS] };
  const model = p.scenario['model'];
  if (typeof model !== 'string' && (typeof model !== 'object' || model === null))
    return {
      ok: false,
      issues: [{ severity: 'error', message: 'the scenario needs a model', field: 'model' }],
    };
  const r = plan({
    model: model as string | Record<string, unknown>,
    hardware: a.hardware,
    maxGpus: a.maxGpus,
    ...len,
    ...(a.requestRate !== undefined ? { requestRate: a.requestRate } : {}),
    slos: [
      {
        name: 'target',
        ...(a.ttftMs !== undefined ? { ttftMs: a.ttftMs } : {}),
        ...(a.tpotMs !== undefined ? { tpotMs: a.tpotMs } : {}),
      },
    ],
    requests: 200,
    ...(a.usdPerHour !== undefined && Object.keys(a.usdPerHour).length > 0
      ? { usdPerHour: a.usdPerHour }
      : {}),
  });
  if (!r.ok) return { ok: false, issues: issuesOf(r.diagnostics) };
  const m = model as string | Record<string, unknown>;
  return { ok: true, value: r.value, launches: r.value.frontier.map((p) => launchOf(m, p)) };
}
