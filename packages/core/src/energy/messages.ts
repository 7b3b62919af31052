/** Messages of the energy and cost model. Wording lives here. */
import type { DataPath } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';

export type EnergyCode =
  | 'cost.electricity-not-counted'
  | 'cost.no-price'
  | 'cost.power-unknown'
  | 'energy.no-tdp'
  | 'power.idle-above-tdp';

const warn = (code: EnergyCode, message: string, path?: DataPath) =>
  diagnostic('warning', code, message, path);
const info = (code: EnergyCode, message: string) => diagnostic('info', code, message);

export const energyMessages = {
  energyNoTdp: (hardwareId: string) =>
    info(
      'energy.no-tdp',
      `Hardware '${hardwareId}' has no tdpWatts, so power and energy are omitted. Set power.tdpWatts in the scenario, or tdpWatts in the hardware file.`,
    ),
  idleAboveTdp: (idleWatts: number, tdpWatts: number) =>
    warn(
      'power.idle-above-tdp',
      `power.idleWatts (${String(idleWatts)} W) exceeds the TDP (${String(tdpWatts)} W); idle is capped at the TDP. Lower power.idleWatts or raise power.tdpWatts.`,
      ['power', 'idleWatts'],
    ),
  costNoPrice: (hardwareId: string) =>
    info(
      'cost.no-price',
      `No price is known for hardware '${hardwareId}', so cost is omitted. Set cost.usdPerDeviceHour (price per device-hour; CLI --usd-per-hour), or cost.capitalUsdPerDevice with cost.lifetimeYears (and cost.electricityUsdPerKwh).`,
    ),
  costElectricityNotCounted: () =>
    info(
      'cost.electricity-not-counted',
      'The capital-cost path counts no electricity because cost.electricityUsdPerKwh is not set; set it (and cost.pue) to include power.',
    ),
  costPowerUnknown: (hardwareId: string) =>
    info(
      'cost.power-unknown',
      `Hardware '${hardwareId}' has no tdpWatts, so the capital-cost path leaves the devices' electricity out (host power, if set, is still counted). Set power.tdpWatts to include it.`,
    ),
};
