/**
 * "Did you mean": the known word closest to a typo. Distance is the optimal string alignment
 * (Damerau-Levenshtein without repeated edits of one substring): a swap of two neighbours is one edit,
 * so `lsit` is one edit from `list` (plain Levenshtein counts two, as for `init`).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The candidate closest to `typed`, when it is close enough to be a typo of it: at most a third of its
 * letters changed (and at least one edit allowed). Ties go to the first candidate.
 */
export function closestMatch(typed: string, candidates: readonly string[]): string | undefined {
  let best: { word: string; distance: number } | undefined;
  for (const word of candidates) {
    const distance = editDistance(typed, word);
    if (!best || distance < best.distance) best = { word, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(typed.length / 3)) ? best.word : undefined;
}
