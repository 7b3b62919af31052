/** Messages about hardware: catalog look-ups and what a device lacks. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/closest.js';

export type HardwareCode = 'hardware.invalid-spec' | 'hardware.no-interconnect' | 'hardware.unknown';

const err = (code: HardwareCode, message: string, path?: DataPath) =>
  diagnostic('error', code, message, path);

export const hardwareMessages = {
  unknownHardware: (id: string, closest: readonly string[]) =>
    err(
      'hardware.unknown',
      `Unknown hardware '${id}'.${didYouMean(closest)} Run 'ridgeline hardware' for the list.`,
      ['hardware'],
    ),
  noInterconnect: (hardwareId: string) =>
    err(
      'hardware.no-interconnect',
      `Hardware '${hardwareId}' has no scale-up or scale-out bandwidth in its catalog entry, so tensor parallelism across devices cannot be costed. Use tp=1 or give the hardware a scaleUp section.`,
      ['parallelism', 'tp'],
    ),
};
