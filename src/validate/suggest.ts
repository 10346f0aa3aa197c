/**
 * "Did you mean": the closest known name to a misspelt one, by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours, each costing 1). A suggestion is offered only
 * when the distance is small against the name's length, so `id` never suggests `qty`.
 */

/** ` (did you mean "x"?)`, or '' when nothing is close enough. */
export function didYouMean(name: string, known: readonly string[]): string {
  const best = closest(name, known);
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(best)}?)`;
}

/** Past this many names no suggestion is looked for, so validate stays linear in its errors. */
const MAX_SCAN = 1000;

/** `maxDistance` caps the edits allowed (by default up to 3, a third of the name's length). */
export function closest(name: string, known: readonly string[], maxDistance = 3): string | undefined {
  const plain = (s: string): string => s.toLowerCase().replace(/-/g, '_');
  if (known.length > MAX_SCAN) return undefined;
  const limit = Math.max(1, Math.min(maxDistance, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    if (k === name) continue;
    // Case and separators are the commonest slips: `Name`, `on-conflict`.
    if (plain(k) === plain(name)) return k;
    if (Math.abs(k.length - name.length) >= bestDistance) continue;
    const d = distance(name, k, bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance; stops early (returns `cap`) once every row exceeds it. */
function distance(a: string, b: string, cap: number): number {
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= cap) return cap;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] ?? cap;
}

/** A list for a message: every name when there are few, else the first few and a count. */
export function listNames(names: readonly string[], max = 12): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … (${names.length} in all)`;
}
