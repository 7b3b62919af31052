import { describe, expect, it } from 'vitest';
import { energyMessages } from '../energy/messages.js';
import { hardwareMessages } from '../hardware/messages.js';
import { memoryMessages } from '../memory/messages.js';
import { modelMessages } from '../model/messages.js';
import { scenarioMessages } from '../scenario/messages.js';
import { servingMessages } from '../serving/messages.js';
import { uncertaintyMessages } from '../uncertainty/messages.js';
import { messages } from './messages.js';

const domains = {
  model: modelMessages,
  hardware: hardwareMessages,
  scenario: scenarioMessages,
  memory: memoryMessages,
  serving: servingMessages,
  energy: energyMessages,
  uncertainty: uncertaintyMessages,
};

describe('messages', () => {
  it('gathers every domain message, and no two domains name a message alike', () => {
    const names = Object.values(domains).flatMap((d) => Object.keys(d));
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(messages).sort()).toEqual([...names].sort());
  });

  it('a message keeps its wording, code and path', () => {
    expect(messages.kvCacheTooSmall(100, 200)).toEqual({
      code: 'memory.kv-too-small',
      severity: 'error',
      message:
        'The KV cache holds 100 tokens per replica but one request needs 200: no request can run. Use more devices, a narrower KV or weight format, or shorter requests.',
      path: ['workload'],
    });
    const unknown = messages.unknownModel('llama', ['llama-3.1-8b']);
    expect(unknown.code).toBe('model.unknown');
    expect(unknown.message).toBe(
      "Unknown model 'llama'. Did you mean 'llama-3.1-8b'? Run 'ridgeline models' for the list.",
    );
    expect('path' in messages.energyNoTdp('x')).toBe(false);
  });
});
