/** Unit constants. Internally everything is SI: bytes, seconds, FLOPs, bytes per second. */
export const GIB = 2 ** 30;
