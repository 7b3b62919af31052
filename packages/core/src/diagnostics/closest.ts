/** Closest-match suggestions for unknown ids (Levenshtein distance on lower-cased names). */

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(above + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = above;
    }
  }
  return prev[b.length] ?? 0;
}

/** Up to `limit` candidates ordered by similarity; substring matches rank first. */
export function closestMatches(query: string, candidates: readonly string[], limit = 3): string[] {
  const q = query.toLowerCase();
  return candidates
    .map((c) => {
      const l = c.toLowerCase();
      const contains = l.includes(q) || q.includes(l) ? -100 : 0;
      return { c, score: editDistance(q, l) + contains };
    })
    .sort((x, y) => x.score - y.score || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((x) => x.c);
}

/** " Did you mean 'a', 'b'?" for a message, or nothing when there are no matches. */
export function didYouMean(matches: readonly string[]): string {
  return matches.length > 0 ? ` Did you mean ${matches.map((m) => `'${m}'`).join(', ')}?` : '';
}
