/**
 * The candidate a mistyped name most likely meant, for "did you mean": the
 * same name in another case, a name it abbreviates (`prod` -> `production`),
 * or the nearest within two edits (`stagin` -> `staging`; one for names of
 * up to three letters, `cii` -> `ci` but not `qa` -> `ci`). Undefined when
 * nothing is close, so a message never suggests a random name.
 *
 * @example suggestName('prod', ['staging', 'production']) // 'production'
 */
export function suggestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const exact = candidates.find((candidate) => candidate.toLowerCase() === wanted);
  if (exact !== undefined) return exact;
  if (wanted.length >= 3) {
    const prefixed = candidates.filter((candidate) => candidate.toLowerCase().startsWith(wanted));
    if (prefixed.length === 1) return prefixed[0];
  }
  // Two edits turn any two-letter name into any other: short names get one.
  let best: string | undefined;
  let bestDistance = wanted.length <= 3 ? 2 : 3;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
