/**
 * Seeded, reproducible pseudo-randomness for model initialisation and data shuffling.
 * Not for anything secret: noise, masks and keys use node:crypto (crypto/).
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** splitmix32 over a 32-bit state: fast, passes the usual statistical batteries, enough for shuffling. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/** Mixes a base seed with labels (clinic, round, ...) into an independent 32-bit seed. */
export function deriveSeed(base: number, ...labels: (string | number)[]): number {
  let h = (base ^ 0x811c9dc5) >>> 0;
  for (const ch of labels.join('\u0000')) {
    h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  }
  return seededRandom(h).int(0x7fffffff);
}

/** Fisher-Yates shuffle of 0..n-1, from any source of uniform integers (seeded, or a CSPRNG). */
export function permutation(n: number, random: Pick<SeededRandom, 'int'>): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
