import { epsilonFromRdp, type Conversion, type EpsilonResult } from './conversion.js';
import { sampledGaussianRdp, type FractionalSeries } from './rdp.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const tenths = Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10);

/** Order grids of the libraries whose published numbers the conventions reproduce. */
export const ORDER_GRIDS = {
  /** Google dp_accounting DEFAULT_RDP_ORDERS (156 orders). */
  'dp-accounting': [...tenths, ...range(11, 63), 128, 256, 512, 1024],
  /** Opacus RDPAccountant.DEFAULT_ALPHAS (151 orders). */
  opacus: [...tenths, ...range(12, 63)],
  /** TF Privacy compute_dp_sgd_privacy. */
  'tf-privacy': [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...range(5, 63), 128, 256, 512],
} as const satisfies Record<string, readonly number[]>;

export interface AccountingConvention {
  name: ConventionName;
  orders: readonly number[];
  conversion: Conversion;
  series: FractionalSeries;
}

export const CONVENTIONS = {
  'dp-accounting': { name: 'dp-accounting', orders: ORDER_GRIDS['dp-accounting'], conversion: 'improved', series: 'abs' },
  opacus: { name: 'opacus', orders: ORDER_GRIDS.opacus, conversion: 'improved', series: 'signed' },
  'tf-privacy': { name: 'tf-privacy', orders: ORDER_GRIDS['tf-privacy'], conversion: 'improved', series: 'abs' },
  'tf-privacy-legacy': { name: 'tf-privacy-legacy', orders: ORDER_GRIDS['tf-privacy'], conversion: 'classic', series: 'signed' },
} as const;

export type ConventionName = keyof typeof CONVENTIONS;
export const DEFAULT_CONVENTION: ConventionName = 'dp-accounting';

export function conventionByName(name: string): AccountingConvention {
  // Own keys only: 'toString' or 'constructor' must not pass as conventions.
  const convention = Object.hasOwn(CONVENTIONS, name) ? (CONVENTIONS as Record<string, AccountingConvention>)[name] : undefined;
  if (!convention) throw new RangeError(`unknown accounting convention "${name}" (known: ${Object.keys(CONVENTIONS).join(', ')})`);
  return convention;
}

/** One kind of step: `steps` applications of the sampled Gaussian mechanism with rate `q` and noise `noiseMultiplier`. */
export interface GaussianSteps {
  q: number;
  noiseMultiplier: number;
  steps: number;
}

/**
 * An RDP accountant for the sampled Gaussian mechanism. Steps compose by adding RDP per order, so
 * heterogeneous schedules (noise or sampling rate changing between rounds) are exact.
 *
 * @example
 * const accountant = new RdpAccountant('dp-accounting');
 * accountant.compose({ q: 0.01, noiseMultiplier: 1.1, steps: 1000 });
 * accountant.epsilon(1e-5); // { epsilon, bestOrder }
 */
export class RdpAccountant {
  readonly convention: AccountingConvention;
  private readonly rdp: number[];

  constructor(convention: ConventionName | AccountingConvention = DEFAULT_CONVENTION) {
    this.convention = typeof convention === 'string' ? conventionByName(convention) : convention;
    this.rdp = this.convention.orders.map(() => 0);
  }

  compose({ q, noiseMultiplier, steps }: GaussianSteps): this {
    if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`steps must be a whole number >= 0, got ${steps}`);
    this.convention.orders.forEach((order, k) => {
      this.rdp[k]! += steps * sampledGaussianRdp(q, noiseMultiplier, order, this.convention.series);
    });
    return this;
  }

  /** An independent accountant holding the same steps, to ask what further steps would cost. */
  copy(): RdpAccountant {
    const copy = new RdpAccountant(this.convention);
    copy.rdp.splice(0, copy.rdp.length, ...this.rdp);
    return copy;
  }

  /** The RDP curve so far, one value per order of the convention's grid. */
  curve(): readonly number[] {
    return [...this.rdp];
  }

  epsilon(delta: number): EpsilonResult {
    return epsilonFromRdp(this.convention.orders, this.rdp, delta, this.convention.conversion);
  }
}

/** ε after `steps` homogeneous steps. */
export function epsilonFor(steps: GaussianSteps, delta: number, convention: ConventionName = DEFAULT_CONVENTION): EpsilonResult {
  return new RdpAccountant(convention).compose(steps).epsilon(delta);
}

/**
 * The smallest noise multiplier whose ε after `steps` steps of rate `q` is at most `targetEpsilon`,
 * to a relative precision of `tolerance` (the returned value always meets the target).
 */
export function calibrateNoise(
  targetEpsilon: number,
  q: number,
  steps: number,
  delta: number,
  convention: ConventionName = DEFAULT_CONVENTION,
  tolerance = 1e-6,
): { noiseMultiplier: number; epsilon: number; bestOrder: number } {
  if (!(targetEpsilon > 0)) throw new RangeError(`target epsilon must be > 0, got ${targetEpsilon}`);
  const at = (noiseMultiplier: number) => epsilonFor({ q, noiseMultiplier, steps }, delta, convention);
  let high = 1;
  while (at(high).epsilon > targetEpsilon) {
    high *= 2;
    if (high > 1e6) throw new RangeError(`no noise multiplier up to 1e6 reaches epsilon ${targetEpsilon} with q=${q}, ${steps} steps, delta=${delta}`);
  }
  let low = 0;
  while (high - low > tolerance * high) {
    const middle = (low + high) / 2;
    if (at(middle).epsilon > targetEpsilon) low = middle;
    else high = middle;
  }
  return { noiseMultiplier: high, ...at(high) };
}
