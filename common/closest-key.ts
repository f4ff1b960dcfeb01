/**
 * The known name a misspelt one was probably meant to be, for "did you mean" hints: `epsilon` is
 * `targetEpsilon`, `grpcPort` is `grpc-port`, `lerningRate` is `learningRate`. No dependency: a
 * plain edit distance over names with case, `-` and `_` ignored, then a whole-word containment.
 */

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** A name as compared: lower case, without the `-` and `_` that separate words in kebab, snake and camel case alike. */
function normalised(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** The words of a name: `targetEpsilon`, `target-epsilon` and `TARGET_EPSILON` are target, epsilon. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/**
 * The known name closest to `name`, or undefined when none is close: within a third of the longer
 * name's length in edits (at least 1, at most 3) once case and separators are ignored; failing
 * that, the shortest known name that has every word of `name` among its own (`epsilon` in
 * `targetEpsilon`). Ties go to the first in `known`.
 */
export function closestKey(name: string, known: Iterable<string>): string | undefined {
  const target = normalised(name);
  let best: { key: string; distance: number } | undefined;
  const candidates = [...known];
  for (const key of candidates) {
    if (key === name) continue;
    const distance = editDistance(target, normalised(key));
    const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(target.length, normalised(key).length) / 3)));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  if (best) return best.key;
  const given = words(name);
  if (given.length === 0 || given.join('').length < 3) return undefined;
  const containing = candidates.filter((key) => {
    const own = words(key);
    return key !== name && given.every((word) => own.includes(word));
  });
  return containing.sort((a, b) => a.length - b.length)[0];
}

/** ` (did you mean X?)` for the known name closest to `name`, or an empty string. */
export function didYouMean(name: string, known: Iterable<string>, show: (key: string) => string = (key) => key): string {
  const closest = closestKey(name, known);
  return closest === undefined ? '' : ` (did you mean ${show(closest)}?)`;
}
