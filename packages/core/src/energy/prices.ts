/**
 * Default prices per device-hour, keyed by hardware catalog id. A price is a quote on a date from
 * a named provider, so every entry carries its source and the date it was read.
 *
 * The table is empty on purpose. Ridgeline's source data (the datasheets behind the hardware
 * catalog, packages/core/data/hardware) holds no price, and a price without a source would be an invented number.
 * Until a sourced price is added here, cost comes out only when the scenario gives one
 * (cost.usdPerDeviceHour, or cost.capitalUsdPerDevice with cost.lifetimeYears) or the hardware
 * file sets priceUsdPerHour; otherwise the result omits cost with an info diagnostic naming the
 * field to set. To add a price: `'h100-sxm': { usdPerHour, source: 'provider, page, plan', asOf: 'YYYY-MM-DD' }`.
 */

export interface DevicePrice {
  /** Price of one device for one hour, USD. */
  readonly usdPerHour: number;
  /** Provider, page or document, and the plan (on-demand, reserved) the price is for. */
  readonly source: string;
  /** Date the price was read, ISO 8601 (YYYY-MM-DD): prices change. */
  readonly asOf: string;
}

export type PriceTable = Readonly<Partial<Record<string, DevicePrice>>>;

export const DEFAULT_PRICES: PriceTable = {};
