/**
 * Every user-facing diagnostic of the estimate pipeline, as a function. Wording lives in one
 * module per domain (model, hardware, scenario, memory, serving, energy, uncertainty; input,
 * measurements, validate and calibrate have their own); this object gathers the first seven for
 * the callers that use them all.
 */
import { energyMessages } from '../energy/messages.js';
import { hardwareMessages } from '../hardware/messages.js';
import { memoryMessages } from '../memory/messages.js';
import { modelMessages } from '../model/messages.js';
import { scenarioMessages } from '../scenario/messages.js';
import { servingMessages } from '../serving/messages.js';
import { uncertaintyMessages } from '../uncertainty/messages.js';

export const messages = {
  ...modelMessages,
  ...hardwareMessages,
  ...scenarioMessages,
  ...memoryMessages,
  ...servingMessages,
  ...energyMessages,
  ...uncertaintyMessages,
};
