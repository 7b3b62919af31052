/** Unit constants. Internally everything is SI: bytes, seconds, FLOPs, bytes per second. */
export const GB = 1e9;
export const GIB = 2 ** 30;
export const TERA = 1e12;
export const MICROSECOND = 1e-6;
export const MILLISECOND = 1e-3;
