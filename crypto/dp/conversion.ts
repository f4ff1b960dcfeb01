// Math's functions as module constants: in a vm context (Jest) every `Math.x` is a slow global lookup.
const { expm1, log, log1p, max } = Math;

/**
 * RDP to (ε, δ)-DP.
 * - `improved` (Balle et al. 2020 Thm 21; Canonne, Kamath, Steinke 2020): ε = min over orders of
 *   r + log1p(-1/α) - log(δα)/(α - 1), with dp_accounting's guards (r < 0 or the KL bound give 0;
 *   orders ≤ 1.01 are numerically unstable and excluded).
 * - `classic` (Mironov 2017 Prop. 3): ε = min over orders of r + log(1/δ)/(α - 1).
 */
export type Conversion = 'improved' | 'classic';

export interface EpsilonResult {
  epsilon: number;
  /** The order attaining the minimum. */
  bestOrder: number;
}

export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number, conversion: Conversion): EpsilonResult {
  if (orders.length !== rdp.length || orders.length === 0)
    throw new RangeError(`need one RDP value per order, got ${orders.length} orders and ${rdp.length} values`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  let best: EpsilonResult = { epsilon: Infinity, bestOrder: orders[0]! };
  orders.forEach((order, k) => {
    const epsilon = conversion === 'classic' ? rdp[k]! + log(1 / delta) / (order - 1) : improvedEpsilon(order, rdp[k]!, delta);
    if (epsilon < best.epsilon) best = { epsilon, bestOrder: order };
  });
  return { epsilon: max(0, best.epsilon), bestOrder: best.bestOrder };
}

function improvedEpsilon(order: number, r: number, delta: number): number {
  if (r < 0) return 0;
  // KL divergence is at most the RDP at any order, and δ ≤ sqrt(1 - e^{-KL}).
  if (delta * delta + expm1(-r) > 0) return 0;
  if (order > 1.01) return r + log1p(-1 / order) - log(delta * order) / (order - 1);
  return Infinity;
}
