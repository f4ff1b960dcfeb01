/**
 * SecAgg+'s communication graph (Bell et al. 2020): the clinics in a random order (the caller
 * shuffles with the CSPRNG and announces the order), each joined to the `degree` nearest in that
 * circular order, half on each side: a Harary graph H(degree, n). With `degree` >= n - 1 every pair
 * is joined (Bonawitz et al.'s complete graph), which is what small consortia use.
 */
export function neighbourGraph(order: readonly string[], degree: number): Map<string, string[]> {
  const n = order.length;
  if (new Set(order).size !== n) throw new RangeError('a clinic appears twice in the order');
  // Written so that NaN is refused too: it would otherwise build a graph with no neighbours at all.
  if (!(degree >= n - 1) && !(Number.isInteger(degree) && degree >= 2 && degree % 2 === 0)) {
    throw new RangeError(`the neighbour degree must be an even whole number >= 2 (or at least n - 1 for all pairs), got ${degree}`);
  }
  const graph = new Map<string, string[]>();
  for (const [i, id] of order.entries()) {
    if (degree >= n - 1) {
      graph.set(
        id,
        order.filter((other) => other !== id),
      );
      continue;
    }
    const neighbours: string[] = [];
    for (let offset = 1; offset <= degree / 2; offset++) neighbours.push(order[(i + offset) % n]!, order[(i - offset + n) % n]!);
    graph.set(id, neighbours);
  }
  return graph;
}

/** SecAgg+'s degree for n clinics: 2·ceil(log2 n) rounded to even, or all pairs when that covers everyone. */
export function defaultDegree(n: number): number {
  const degree = 2 * Math.ceil(Math.log2(Math.max(2, n)));
  return degree >= n - 1 ? n - 1 : degree;
}

/**
 * The smallest degree at which a round, losing each clinic independently with probability
 * `dropout`, still leaves every clinic more than half of its neighbours (the threshold t = k/2 + 1
 * that keeps both kinds of a clinic's shares out of any one party's reach) with probability at least
 * 1 - `failureProbability` (union bound over the n clinics); never below SecAgg+'s 2·ceil(log2 n),
 * and every pair (n - 1) when nothing smaller will do.
 */
export function degreeForDropout(n: number, dropout: number, failureProbability = 1e-6): number {
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`the dropout rate must be in [0, 1), got ${dropout}`);
  for (let k = defaultDegree(n); k < n - 1; k += 2) {
    if (n * binomialBelow(k, 1 - dropout, Math.floor(k / 2) + 1) <= failureProbability) return k;
  }
  return n - 1;
}

/** P(X < t) for X ~ Binomial(k, p), summed in log space. */
function binomialBelow(k: number, p: number, t: number): number {
  if (p === 1) return 0;
  let logChoose = 0;
  let total = 0;
  for (let j = 0; j < t; j++) {
    if (j > 0) logChoose += Math.log((k - j + 1) / j);
    total += Math.exp(logChoose + j * Math.log(p) + (k - j) * Math.log1p(-p));
  }
  return total;
}
