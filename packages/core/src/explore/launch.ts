/**
 * The command that launches a planned configuration on its engine: `vllm serve …`,
 * `python -m sglang.launch_server …` or `trtllm-serve …`. The flags and their sources are listed
 * in packages/core/data/engines/launch-flags.md (launch.test.ts checks every flag against it).
 */
import type { NumericFormat } from '../units/formats.js';

export type LaunchEngine = 'vllm' | 'sglang' | 'trtllm';

/**
 * Engines whose launch command can hold redundant expert replicas (EPLB), so that the planner
 * proposes `parallelism.redundantExperts` for them: SGLang (`--ep-num-redundant-experts`) and
 * TensorRT-LLM (wide-EP load-balancer slots). vLLM is not among them: its EPLB options are not
 * recorded in the repository's engine facts (launch-flags.md, defaults.md), so none is written.
 */
export const EPLB_ENGINES: ReadonlySet<LaunchEngine> = new Set<LaunchEngine>(['sglang', 'trtllm']);

export interface LaunchConfig {
  readonly engine: LaunchEngine;
  /** Hugging Face repo id (or catalog id when the model has none). */
  readonly model: string;
  readonly tp: number;
  readonly pp: number;
  readonly ep: number;
  readonly attentionDp: boolean;
  /** Redundant expert replicas (EPLB) over the ep ranks; `experts` is then the routed-expert count. */
  readonly redundantExperts?: number;
  readonly experts?: number;
  readonly maxSequences: number;
  readonly maxBatchedTokens: number;
  readonly memoryFraction: number;
  readonly kvCache: NumericFormat;
  /** MTP speculative decoding with this many draft tokens per step. */
  readonly speculativeTokens?: number;
  /** Disaggregated serving: the pool this command starts (prefill or decode). */
  readonly disaggregation?: 'prefill' | 'decode';
}

export interface LaunchCommand {
  /** The command line of one replica. */
  readonly command: string;
  /** The argument vector (program words first). */
  readonly argv: readonly string[];
  /** TensorRT-LLM: the YAML file passed with --extra_llm_api_options, as key paths and values. */
  readonly extraOptions?: Readonly<Record<string, unknown>>;
  /** Disaggregated serving: the pool this command starts. */
  readonly role?: 'prefill' | 'decode';
}

const isFp8 = (f: NumericFormat): boolean => f === 'fp8';

function vllm(c: LaunchConfig): string[] {
  const a = ['vllm', 'serve', c.model];
  // Attention DP in vLLM: dp attention ranks of tp 1 with expert parallelism over them.
  if (c.attentionDp) a.push('--tensor-parallel-size', '1', '--data-parallel-size', String(c.tp));
  else a.push('--tensor-parallel-size', String(c.tp));
  if (c.pp > 1) a.push('--pipeline-parallel-size', String(c.pp));
  if (c.ep > 1) a.push('--enable-expert-parallel');
  a.push('--max-num-seqs', String(c.maxSequences), '--max-num-batched-tokens', String(c.maxBatchedTokens));
  a.push('--gpu-memory-utilization', String(c.memoryFraction));
  if (isFp8(c.kvCache)) a.push('--kv-cache-dtype', 'fp8');
  if (c.speculativeTokens !== undefined)
    a.push(
      '--speculative-config',
      JSON.stringify({ method: 'mtp', num_speculative_tokens: c.speculativeTokens }),
    );
  // The KV connector is not pinned (launch-flags.md); NIXL is the one vLLM's P/D examples use.
  if (c.disaggregation !== undefined)
    a.push('--kv-transfer-config', JSON.stringify({ kv_connector: 'NixlConnector', kv_role: 'kv_both' }));
  return a;
}

function sglang(c: LaunchConfig): string[] {
  const a = ['python', '-m', 'sglang.launch_server', '--model-path', c.model, '--tp-size', String(c.tp)];
  if (c.pp > 1) a.push('--pp-size', String(c.pp));
  if (c.attentionDp) a.push('--dp-size', String(c.tp), '--enable-dp-attention');
  if (c.ep > 1) a.push('--ep-size', String(c.ep));
  const r = c.redundantExperts ?? 0;
  if (c.ep > 1 && r > 0) a.push('--enable-eplb', '--ep-num-redundant-experts', String(r));
  a.push(
    '--max-running-requests',
    String(c.maxSequences),
    '--chunked-prefill-size',
    String(c.maxBatchedTokens),
  );
  a.push('--mem-fraction-static', String(c.memoryFraction));
  if (isFp8(c.kvCache)) a.push('--kv-cache-dtype', 'fp8_e4m3');
  if (c.speculativeTokens !== undefined)
    a.push(
      '--speculative-algorithm',
      'EAGLE',
      '--speculative-num-draft-tokens',
      String(c.speculativeTokens + 1),
    );
  if (c.disaggregation !== undefined) a.push('--disaggregation-mode', c.disaggregation);
  return a;
}

function trtllm(c: LaunchConfig): { argv: string[]; extra: Record<string, unknown> } {
  const a = ['trtllm-serve', c.model, '--tp_size', String(c.tp)];
  if (c.pp > 1) a.push('--pp_size', String(c.pp));
  if (c.ep > 1) a.push('--ep_size', String(c.ep));
  a.push('--max_batch_size', String(c.maxSequences), '--max_num_tokens', String(c.maxBatchedTokens));
  a.push('--kv_cache_free_gpu_memory_fraction', String(c.memoryFraction));
  const extra: Record<string, unknown> = {};
  if (c.attentionDp) extra['enable_attention_dp'] = true;
  // Wide EP: the MoE load balancer's slots are the experts plus the redundant replicas.
  const r = c.redundantExperts ?? 0;
  if (c.ep > 1 && r > 0 && c.experts !== undefined) {
    extra['moe_config.backend'] = 'WIDEEP';
    extra['moe_config.load_balancer.num_slots'] = c.experts + r;
  }
  if (isFp8(c.kvCache)) extra['kv_cache_config.dtype'] = 'fp8';
  if (c.speculativeTokens !== undefined)
    extra['speculative_config'] = { decoding_type: 'MTP', num_nextn_predict_layers: c.speculativeTokens };
  if (c.disaggregation !== undefined) extra['cache_transceiver_config'] = { backend: 'DEFAULT' };
  if (Object.keys(extra).length > 0) a.push('--extra_llm_api_options', 'extra-llm-api-options.yaml');
  return { argv: a, extra };
}

const quote = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The launch command of one replica of a configuration. */
export function launchCommand(c: LaunchConfig): LaunchCommand {
  const role = c.disaggregation !== undefined ? { role: c.disaggregation } : {};
  if (c.engine === 'trtllm') {
    const { argv, extra } = trtllm(c);
    return {
      command: argv.map(quote).join(' '),
      argv,
      ...(Object.keys(extra).length > 0 ? { extraOptions: extra } : {}),
      ...role,
    };
  }
  const argv = c.engine === 'vllm' ? vllm(c) : sglang(c);
  return { command: argv.map(quote).join(' '), argv, ...role };
}
