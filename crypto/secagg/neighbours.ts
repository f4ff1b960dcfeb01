/**
 * SecAgg+'s communication graph (Bell et al. 2020): the clinics in a random order (the caller
 * shuffles with the CSPRNG and announces the order), each joined to the `degree` nearest in that
 * circular order, half on each side: a Harary graph H(degree, n). With `degree` >= n - 1 every pair
 * is joined (Bonawitz et al.'s complete graph), which is what small consortia use.
 */
export function neighbourGraph(order: readonly string[], degree: number): Map<string, string[]> {
  const n = order.length;
  if (new Set(order).size !== n) throw new RangeError('a clinic appears twice in the order');
  if (!(Number.isInteger(degree) && degree >= 2 && degree % 2 === 0) && degree < n - 1) {
    throw new RangeError(`the neighbour degree must be an even whole number >= 2 (or at least n - 1 for all pairs), got ${degree}`);
  }
  const graph = new Map<string, string[]>();
  for (const [i, id] of order.entries()) {
    if (degree >= n - 1) {
      graph.set(id, order.filter((other) => other !== id));
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
