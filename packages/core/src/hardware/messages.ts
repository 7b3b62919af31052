/** Messages about hardware: catalog look-ups and what a device lacks. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/closest.js';

export type HardwareCode =
  'hardware.invalid-spec' | 'hardware.no-interconnect' | 'hardware.pcie-tensor-parallel' | 'hardware.unknown';

const err = (code: HardwareCode, message: string, path?: DataPath) =>
  diagnostic('error', code, message, path);

export const hardwareMessages = {
  unknownHardware: (id: string, closest: readonly string[]) =>
    err(
      'hardware.unknown',
      `Unknown hardware '${id}'.${didYouMean(closest)} Run 'ridgeline hardware' for the list.`,
      ['hardware'],
    ),
  pcieTensorParallel: (hardwareId: string, link: string, peerToPeer: boolean, devices: number) =>
    diagnostic(
      'info',
      'hardware.pcie-tensor-parallel',
      `Hardware '${hardwareId}' has no NVLink-class link: the ${String(devices)} devices of the tp × pp group exchange data over ${link}${peerToPeer ? ', peer-to-peer' : ' through host memory (no peer-to-peer: each transfer crosses the link twice, at half its bandwidth)'}, all in one host.`,
      ['parallelism', 'tp'],
    ),
  noInterconnect: (hardwareId: string) =>
    err(
      'hardware.no-interconnect',
      `Hardware '${hardwareId}' has no scale-up or scale-out bandwidth in its catalog entry, so tensor parallelism across devices cannot be costed. Use tp=1 or give the hardware a scaleUp section.`,
      ['parallelism', 'tp'],
    ),
};
