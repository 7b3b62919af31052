/**
 * The scenario contract as a JSON Schema (draft 2020-12), generated from the zod schema so
 * editors validate scenario files (`ridgeline schema`, scenario.schema.json at the repository
 * root, docs/scenario.md). The zod schema stays the one validator: the JSON Schema is what zod
 * derives for the input side (fields with a default are optional), plus a description per field
 * for editor hovers. Cross-field rules (one workload kind, one cost path) are checked by zod only.
 */
import { z } from 'zod';
import { ScenarioSchema } from './schema.js';

/**
 * Hover text per field, by dotted path. Units and defaults as in docs/scenario.md. A path that
 * no longer names a field fails the scenario-schema test; a field without an entry has none.
 */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  model:
    'Catalog id (ridgeline models), Hugging Face repo id, path to a config.json (CLI), or an inline model object.',
  hardware:
    'Catalog id (ridgeline hardware), path to a hardware YAML/JSON (CLI), or an inline hardware object.',
  gpus: 'Devices used. Default: tp·pp·dp; with disaggregation, both pools’ devices.',
  parallelism: 'How the model is split across devices.',
  'parallelism.tp': 'Tensor parallelism: heads and FFN columns split across devices. Default 1.',
  'parallelism.pp': 'Pipeline parallelism: layers split into stages. Default 1.',
  'parallelism.ep': 'Expert parallelism for MoE layers (inside the TP group). Default 1.',
  'parallelism.dp': 'Data-parallel replicas. Default 1.',
  'parallelism.attentionDp':
    'Attention data-parallel across the TP group (SGLang --enable-dp-attention, TensorRT-LLM enable_attention_dp). Default false.',
  'parallelism.microBatches': 'Pipeline micro-batches in flight. Default: pp.',
  precision: 'Numeric formats of weights, activations and KV cache.',
  'precision.weights': 'Weight storage format. Default bf16.',
  'precision.activations': 'Activation format of GEMMs. Default: fp8 when weights are fp8, else bf16.',
  'precision.kvCache': 'KV-cache format. Default: fp8 when activations are fp8, else bf16.',
  'precision.cacheLayerInput':
    'XQuant: cache each layer’s input instead of K and V and recompute them every step. GQA/MHA only. Default false.',
  engine: 'Serving engine profile: scheduling, memory and overheads.',
  workload:
    'Requests: inputTokens, outputTokens and exactly one of batch, concurrency, requestRate, maxThroughput: true.',
  'workload.inputTokens': 'Prompt tokens per request.',
  'workload.outputTokens': 'Generated tokens per request (the first comes from prefill).',
  'workload.batch': 'Static batch: this many requests start together.',
  'workload.concurrency':
    'Closed loop: this many clients, each sending its next request when the last one ends.',
  'workload.requestRate': 'Open loop: Poisson arrivals, requests per second.',
  'workload.requests': 'Requests to simulate (concurrency, requestRate, maxThroughput). Default 1000.',
  'workload.seed': 'Random seed of the arrivals. Default 0.',
  'workload.maxThroughput': 'Offline: every request queued at once.',
  serving: 'Engine settings (override the engine profile) and serving techniques.',
  'serving.maxBatchedTokens': 'Per-step token budget. Default: the engine profile’s.',
  'serving.maxSequences': 'Maximum sequences in flight. Default: the engine profile’s.',
  'serving.memoryFraction':
    'Fraction of device memory the engine may use, (0, 1]. Default: the engine profile’s.',
  'serving.chunkedPrefill': 'Split long prompts across steps. Default: the engine profile’s.',
  'serving.mixedBatches':
    'Prompt chunks share a step with the running decodes; false: a step runs waiting prompts only and the decodes stall (SGLang). Default: the engine profile’s.',
  'serving.overlapScheduler':
    'The scheduler builds the next step while the current one runs (SGLang/TensorRT-LLM overlap scheduler, vLLM async scheduling), so an arrival waits one more step. Default: the engine profile’s.',
  'serving.apiServer':
    'Requests pass the OpenAI-compatible HTTP server (tokenization, streaming), costing the profile’s per-request overhead. Default true; false for in-process harnesses (trtllm-bench, MLPerf LoadGen SUTs).',
  'serving.prefixCacheHitRate': 'Fraction of prompt tokens found in the prefix cache, 0..1. Default 0.',
  'serving.speculative': 'Speculative decoding.',
  'serving.speculative.method': "'draft' (a separate draft model) or 'mtp' (the model's own MTP heads).",
  'serving.speculative.draftModel': "Draft model (catalog id or inline model); required for method 'draft'.",
  'serving.speculative.tokens': 'Tokens proposed per step, 1..16.',
  'serving.speculative.acceptanceRate': 'Probability that each proposed token is accepted, 0..1.',
  'serving.disaggregation': 'Separate prefill and decode pools; the KV cache moves between them.',
  'serving.disaggregation.prefill.ep': 'Expert parallelism of the prefill pool. Default: parallelism.ep.',
  'serving.disaggregation.prefill.attentionDp':
    'Attention DP in the prefill pool. Default: parallelism.attentionDp.',
  'serving.disaggregation.decode.ep': 'Expert parallelism of the decode pool. Default: parallelism.ep.',
  'serving.disaggregation.decode.attentionDp':
    'Attention DP in the decode pool. Default: parallelism.attentionDp.',
  'serving.disaggregation.kvTransferLink': "Link the KV cache crosses. Default 'scale-out'.",
  topology: 'The network the devices sit on; overrides the hardware entry.',
  'topology.scaleUpDomainSize': 'Devices in one scale-up domain. Default: the hardware’s.',
  'topology.scaleUpBandwidthBytesPerSecond':
    'Per-device scale-up bandwidth, one direction, bytes/s. Default: the hardware’s.',
  'topology.scaleOutBandwidthBytesPerSecond': 'Per-device scale-out (NIC) bandwidth, one direction, bytes/s.',
  'topology.scaleOutLatencySeconds':
    'Fixed time of one message across the scale-out network, s. Default 10e-6.',
  offload: 'Weights or KV cache held off the device and streamed in layer by layer.',
  'offload.weightsFraction': 'Share of the weights held off-device, 0..1. Default 0.',
  'offload.kvCacheFraction': 'Share of the KV cache held off-device, 0..1. Default 0.',
  'offload.tier': "A hardware offload tier by name ('host'), or an inline tier.",
  power: 'Power model parameters (docs/energy-cost.md).',
  'power.tdpWatts': 'Board/module power limit, W. Default: the hardware’s.',
  'power.idleWatts': 'Power of an idle device holding the model, W. Default idleFractionOfTdp · TDP.',
  'power.idleFractionOfTdp': 'Idle power as a fraction of TDP. Default 0.2.',
  'power.dynamicFractionAtFullCompute': 'Share of (TDP − idle) drawn at peak FLOP/s. Default 1.',
  'power.dynamicFractionAtFullBandwidth':
    'Share of (TDP − idle) drawn at peak memory bandwidth. Default 0.5.',
  'power.busyFloorFraction':
    'Share of (TDP − idle) drawn while kernels run, before any achieved FLOP/s or bandwidth; the utilization terms share the rest. Default 0.22 (fitted, docs/energy-cost.md).',
  cost: 'A price per device-hour, or capital cost amortized over a lifetime (docs/energy-cost.md).',
  'cost.usdPerDeviceHour': 'Price per device-hour, USD.',
  'cost.priceSource': 'Where usdPerDeviceHour comes from; shown with the cost.',
  'cost.capitalUsdPerDevice': 'Purchase price of one device, USD (capital path; needs lifetimeYears).',
  'cost.lifetimeYears': 'Years over which capital is amortized.',
  'cost.lifetimeBusyFraction': 'Fraction of lifetime hours doing paid work. Default 1.',
  'cost.electricityUsdPerKwh': 'Electricity price, USD/kWh (capital path).',
  'cost.pue': 'Power usage effectiveness, ≥ 1 (capital path). Default 1.',
  'cost.hostCapitalUsdPerDevice': 'Host share per device, USD. Default 0.',
  'cost.hostWattsPerDevice': 'Host power per device, W. Default 0.',
  efficiency: 'Overrides of the efficiency parameters (docs/modeling.md).',
  calibration:
    "Calibration profiles: 'shipped' (default) applies the profiles fitted to the shipped measurements for this device and engine under the efficiency overrides; 'none' is the raw model; a path or a list of profile files in a scenario file (the CLI applies them) (docs/calibration.md).",
};

type JsonObject = Record<string, unknown>;

const isObject = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Walks the schema: drops the ±2^53−1 bounds zod writes on every integer, relaxes the inline
 * model and hardware objects (the CLI fills in id and name), and attaches the descriptions.
 * Returns the description paths it used.
 */
function decorate(node: JsonObject, path: string, used: Set<string>): void {
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = node[key];
    if (Array.isArray(branches)) for (const b of branches) if (isObject(b)) decorate(b, path, used);
  }
  if (isObject(node.items)) decorate(node.items, path, used);
  const properties = node.properties;
  if (!isObject(properties)) return;
  if ((path === 'model' || path === 'hardware') && Array.isArray(node.required)) {
    node.required = node.required.filter((k) => k !== 'id' && k !== 'name');
  }
  for (const [key, child] of Object.entries(properties)) {
    if (!isObject(child)) continue;
    const childPath = path === '' ? key : `${path}.${key}`;
    decorate(child, childPath, used);
    const text = DESCRIPTIONS[childPath];
    if (text !== undefined) {
      // Description first, so it reads first in the committed file.
      properties[key] = { description: text, ...child };
      used.add(childPath);
    }
  }
}

/** Description paths that name no field of the schema (empty when the table is current). */
export function staleScenarioDescriptions(): string[] {
  const used = new Set<string>();
  decorate(rawSchema(), '', used);
  return Object.keys(DESCRIPTIONS).filter((p) => !used.has(p));
}

function rawSchema(): JsonObject {
  return z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' });
}

/** The JSON Schema of a scenario file (YAML or JSON), as plain data. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = rawSchema();
  decorate(schema, '', new Set());
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'Ridgeline scenario',
    description:
      'A Ridgeline scenario: model, hardware, parallelism, numeric formats, engine and workload (docs/scenario.md). Units are SI: bytes, seconds, bytes per second.',
    ...rest,
  };
}
