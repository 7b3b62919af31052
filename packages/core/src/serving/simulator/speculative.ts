/** Speculative decoding's expected yield per verify step. */

/** Expected tokens a verify step yields with k proposals at acceptance rate a. */
export function expectedAcceptedTokens(k: number, a: number): number {
  if (k <= 0) return 1;
  if (a >= 1) return k + 1;
  return (1 - Math.pow(a, k + 1)) / (1 - a);
}
