// "Did you mean": the nearest known name to a misspelled one, by edit distance.

/** Levenshtein distance: insertions, deletions and substitutions of one character. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The known name nearest to `name` (ties go to the first), if it is within max(2, ⌊|name|/3⌋) edits, the
 * rule of the CLI's option hints; never a one-letter name, nor one that differs in every letter.
 */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.length > 1 ? editDistance(name, k) : Infinity;
    if (d < bestD) ((best = k), (bestD = d));
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) && bestD < Math.max(name.length, best.length) ? best : undefined;
}
