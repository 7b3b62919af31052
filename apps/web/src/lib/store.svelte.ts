/** The page state (runes), kept in the URL hash. */
import { decodeState, encodeState } from './state';
import type { AppState } from './state';
import type { Catalogs } from '../worker/engine';
import { request } from './client';

export const app: AppState = $state(decodeState(typeof location === 'undefined' ? '' : location.hash));

export const shared: { catalogs: Catalogs | undefined } = $state({ catalogs: undefined });

/** Loads the catalogs once (model and hardware pickers, roofline ceilings, the Catalogs view). */
export function loadCatalogs(): void {
  if (shared.catalogs !== undefined) return;
  void request('catalogs', {}).then((c) => {
    shared.catalogs = c;
  });
}

export function urlOf(s: AppState): string {
  return `${location.origin}${location.pathname}${encodeState(s)}`;
}
