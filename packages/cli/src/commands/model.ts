/**
 * `ridgeline model <id|path>`: parameter counts, weight and KV-cache bytes, FLOPs per token and
 * the architecture of a catalog model or a model file (HF config.json or a model spec).
 */
import type { Command } from 'commander';
import type { LayerGroup, ModelSpec, ModelStats } from '@ridgeline/core';
import { closestMatches, findModel, layerGroupsOf, messages, modelIds, modelStats } from '@ridgeline/core';
import type { Loaded } from '../files.js';
import { failed, loaded, resolveContext, resolveModelRef } from '../files.js';
import { count, diagnosticLines, fields, gb, gib, grouped, num } from '../format.js';
import type { Io } from '../io.js';
import { FlagReader, failWith, printJson } from './common.js';

interface ModelOptions {
  readonly json?: boolean;
  readonly weights: string;
  readonly kv: string;
  readonly seq: string;
}

/** A catalog model by id or alias, or the model a file describes. */
export function lookupModel(io: Io, ref: string): Loaded<ModelSpec> {
  const r = resolveModelRef(resolveContext(io), ref, []);
  if (!r.ok) return r;
  if (typeof r.value !== 'string') return loaded(r.value, r.diagnostics);
  const found = findModel(ref);
  return found !== undefined
    ? loaded(found)
    : failed([messages.unknownModel(ref, closestMatches(ref, modelIds()))]);
}

function billions(x: number): string {
  return `${num(x / 1e9)} B`;
}

function attentionText(m: ModelSpec): string {
  const a = m.attention;
  if (a.kind === 'gqa') {
    const kind = a.numKvHeads === a.numHeads ? 'MHA' : a.numKvHeads === 1 ? 'MQA' : 'GQA';
    const bias = a.qkvBias ? ', QKV bias' : '';
    return `${kind}: ${grouped(a.numHeads)} query heads, ${grouped(a.numKvHeads)} KV heads, head dim ${grouped(a.headDim)}${bias}`;
  }
  const q = a.qLoraRank === null ? 'direct query projection' : `query rank ${grouped(a.qLoraRank)}`;
  return (
    `MLA: ${grouped(a.numHeads)} heads, KV latent ${grouped(a.kvLoraRank)} + RoPE key ${grouped(a.qkRopeHeadDim)}, ` +
    `${q}, QK head dim ${grouped(a.qkNopeHeadDim)} + ${grouped(a.qkRopeHeadDim)}, V head dim ${grouped(a.vHeadDim)}`
  );
}

function moeText(m: ModelSpec): string | undefined {
  const moe = m.moe;
  if (moe === undefined) return undefined;
  const parts = [
    `${grouped(moe.numExperts)} routed experts, top-${grouped(moe.topK)}`,
    `expert width ${grouped(moe.expertIntermediateSize)}`,
  ];
  if (moe.numSharedExperts > 0) {
    const width = moe.sharedExpertIntermediateSize ?? moe.expertIntermediateSize;
    parts.push(`${grouped(moe.numSharedExperts)} shared (width ${grouped(width)})`);
  }
  if (moe.firstDenseLayers > 0) parts.push(`first ${grouped(moe.firstDenseLayers)} layers dense`);
  if (moe.layerStep > 1) parts.push(`MoE every ${grouped(moe.layerStep)} layers`);
  return parts.join(', ');
}

function groupText(g: LayerGroup): string {
  return `${grouped(g.count)} × ${g.attention} attention, ${g.moe ? 'MoE' : 'dense'} FFN`;
}

/** KV bytes per token at the stated context (what estimate allocates), and the full-attention figure. */
function kvRows(m: ModelSpec, s: ModelStats): [string, string][] {
  const bytes = (b: number): string => `${count(b)} bytes per token (${num(b / 1024)} KiB)`;
  if (s.kvCacheBytesPerTokenAtSequence === s.kvCacheBytesPerToken)
    return [[`KV cache (${s.kvFormat})`, `${bytes(s.kvCacheBytesPerToken)}, any context`]];
  return [
    [
      `KV cache (${s.kvFormat})`,
      `${bytes(s.kvCacheBytesPerTokenAtSequence)} at ${grouped(s.sequenceLength)} tokens of context (sliding-window layers hold at most ${grouped(m.slidingWindow ?? 0)})`,
    ],
    ['', `${bytes(s.kvCacheBytesPerToken)} with full attention on every layer`],
  ];
}

export function formatModel(m: ModelSpec, s: ModelStats): string {
  const out: string[] = [];
  out.push(`${m.name} (${m.id})\n`);
  const head: [string, string][] = [
    ['family', m.family],
    ['provenance', `${m.provenance.kind}: ${m.provenance.source}`],
  ];
  if (m.provenance.hfRepo !== undefined) head.push(['HF repo', m.provenance.hfRepo]);
  out.push(fields(head));

  out.push('\nSize\n');
  out.push(
    fields([
      ['total parameters', billions(s.totalParams)],
      ['active parameters', `${billions(s.activeParams)} per token`],
      ['embedding parameters', billions(s.embeddingParams)],
      [`weights (${s.weightFormat})`, `${gb(s.weightBytes)} (${gib(s.weightBytes)})`],
      ...kvRows(m, s),
      [
        `forward FLOPs`,
        `${num(s.forwardFlopsPerToken / 1e9)} GFLOPs per token at ${grouped(s.sequenceLength)} tokens`,
      ],
      [`training FLOPs`, `${num(s.trainingFlopsPerToken / 1e9)} GFLOPs per token (3 × forward)`],
    ]),
  );

  out.push('\nArchitecture\n');
  const arch: [string, string][] = [
    ['layers', grouped(m.numLayers)],
    ['hidden size', grouped(m.hiddenSize)],
    ['vocabulary', `${grouped(m.vocabSize)}${m.tiedEmbeddings ? ' (tied embeddings)' : ''}`],
    ['attention', attentionText(m)],
  ];
  if (m.slidingWindow !== undefined)
    arch.push(['window', `${grouped(m.slidingWindow)} tokens (sliding/chunked layers)`]);
  arch.push([
    'FFN',
    `${grouped(m.ffn.intermediateSize)} wide, ${m.ffn.gated ? 'gated' : 'not gated'}, ${m.ffn.activation}`,
  ]);
  const moe = moeText(m);
  if (moe !== undefined) arch.push(['MoE', moe]);
  layerGroupsOf(m).forEach((g, i) => arch.push([i === 0 ? 'layer groups' : '', groupText(g)]));
  arch.push([
    'norm',
    `${m.norm === 'rms' ? 'RMSNorm' : 'LayerNorm'}${m.parallelBlock ? ', parallel attention/FFN block' : ''}`,
  ]);
  arch.push([
    'positions',
    `${m.positionEmbedding}${m.maxPositionEmbeddings === undefined ? '' : `, max ${grouped(m.maxPositionEmbeddings)}`}`,
  ]);
  out.push(fields(arch));
  return out.join('');
}

function runModel(io: Io, ref: string, o: ModelOptions): void {
  const json = o.json === true;
  const f = new FlagReader();
  const weightFormat = f.format('--weights', o.weights);
  const kvFormat = f.format('--kv', o.kv);
  const sequenceLength = f.positiveInt('--seq', o.seq);
  if (
    f.errors.length > 0 ||
    weightFormat === undefined ||
    kvFormat === undefined ||
    sequenceLength === undefined
  ) {
    failWith(io, f.errors, json);
  }
  const found = lookupModel(io, ref);
  if (!found.ok) failWith(io, found.diagnostics, json);
  const m = found.value;
  const stats = modelStats(m, { weightFormat, kvFormat, sequenceLength });
  if (json) {
    printJson(io, {
      id: m.id,
      name: m.name,
      family: m.family,
      provenance: m.provenance,
      ...stats,
      layerGroups: layerGroupsOf(m),
      spec: m,
      diagnostics: found.diagnostics,
    });
  } else {
    io.stdout(formatModel(m, stats));
    if (found.diagnostics.length > 0) io.stdout('\n' + diagnosticLines(found.diagnostics));
  }
}

export function registerModel(program: Command, io: Io): void {
  program
    .command('model')
    .description(
      'parameters, memory and FLOPs of a model (catalog id or alias, HF config.json, or model file)',
    )
    .argument('<id|path>', 'catalog id, alias, or file')
    .option('--weights <format>', 'weight format for the weight bytes', 'bf16')
    .option('--kv <format>', 'KV-cache format for the bytes per token', 'bf16')
    .option('--seq <tokens>', 'context (sequence length) for the KV bytes and FLOPs per token', '4096')
    .option('--json', 'print as JSON')
    .action((ref: string, options: ModelOptions) => {
      runModel(io, ref, options);
    });
}
