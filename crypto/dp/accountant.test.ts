import { describe, expect, it } from '@jest/globals';
import { calibrateNoise, conventionByName, CONVENTIONS, DEFAULT_CONVENTION, epsilonFor, ORDER_GRIDS, RdpAccountant } from './accountant.js';
import { epsilonFromRdp } from './conversion.js';
import { gaussianNoise } from './gaussian-noise.js';
import { sampledGaussianRdp } from './rdp.js';
import { logNdtr } from './log-math.js';

/** Relative error, the acceptance measure for published values. */
const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('RDP accountant: published reference values (../shared/reference/dp-accounting.md), relative error 1e-9', () => {
  it('TF Privacy compute_dp_sgd_privacy Test0 and Test1 (improved conversion, its order grid)', () => {
    const test0 = epsilonFor({ q: 150 / 60000, noiseMultiplier: 1.3, steps: 6000 }, 1e-5, 'tf-privacy');
    expect(test0.bestOrder).toBe(19);
    expect(relative(test0.epsilon, 0.7242234026109595)).toBeLessThan(1e-9);
    const test1 = epsilonFor({ q: 0.001, noiseMultiplier: 1.0, steps: 30000 }, 1e-7, 'tf-privacy');
    expect(test1.bestOrder).toBe(13);
    expect(relative(test1.epsilon, 1.4154988495444842)).toBeLessThan(1e-9);
  });

  it('Opacus test_rdp_accountant: signed series at a fractional best order; the abs series gives the larger bound', () => {
    const opacus = epsilonFor({ q: 0.04, noiseMultiplier: 1.5, steps: 2250 }, 1e-5, 'opacus');
    expect(opacus.bestOrder).toBeCloseTo(3.9, 12);
    expect(relative(opacus.epsilon, 7.32911117143)).toBeLessThan(1e-9);
    const abs = new RdpAccountant({ name: 'opacus', orders: [3.9], conversion: 'improved', series: 'abs' });
    expect(abs.compose({ q: 0.04, noiseMultiplier: 1.5, steps: 2250 }).epsilon(1e-5).epsilon).toBeCloseTo(7.32933, 5);
  });

  it('dp_accounting test_compute_rdp_poisson_sampled_gaussian (abs series), fractional and integer orders', () => {
    const expected: [number, number][] = [
      [1.5, 6.70579741e-4],
      [2.5, 1.0854871e-3],
      [5, 2.18075656e-3],
      [50, 2.38460375e-2],
      [100, 1.67416308e2],
    ];
    for (const [order, value] of expected) {
      // Published to 9 significant digits: compare at the precision they were given.
      expect({ order, error: relative(50 * sampledGaussianRdp(0.01, 2.5, order, 'abs'), value) < 1e-8 }).toEqual({ order, error: true });
    }
    // The signed series at α = 1.5 is the exact value (numerical integration: 6.5007090e-4).
    expect(relative(50 * sampledGaussianRdp(0.01, 2.5, 1.5, 'signed'), 6.500709e-4)).toBeLessThan(1e-7);
  });

  it('dp_accounting test_compute_epsilon_delta_pure_dp and test_compute_epsilon_delta_gaussian', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const pure = epsilonFromRdp(
      orders,
      orders.map(() => 1.1),
      1e-5,
      'improved',
    );
    expect(pure.bestOrder).toBe(32);
    expect(relative(pure.epsilon, 1.32783806176)).toBeLessThan(1e-9);
    const fine = Array.from({ length: 99000 }, (_, i) => 0.001 * (i + 1000)).filter((order) => order > 1);
    const gaussian = epsilonFromRdp(
      fine,
      fine.map((order) => sampledGaussianRdp(1, 4.530877117, order, 'abs')),
      1e-6,
      'improved',
    );
    // The library asserts 7 decimal places for this one.
    expect(Math.abs(gaussian.epsilon - 1)).toBeLessThan(5e-8);
  });

  it('the classic conversion gives the older, larger ε (0.9419 for Test0)', () => {
    expect(epsilonFor({ q: 150 / 60000, noiseMultiplier: 1.3, steps: 6000 }, 1e-5, 'tf-privacy-legacy').epsilon).toBeCloseTo(0.9419, 4);
  });
});

describe('RDP accountant: composition and calibration', () => {
  it('heterogeneous steps compose per order: the same as one accountant per kind, added', () => {
    const mixed = new RdpAccountant().compose({ q: 0.01, noiseMultiplier: 1.1, steps: 300 }).compose({ q: 0.02, noiseMultiplier: 0.9, steps: 200 });
    const a = new RdpAccountant().compose({ q: 0.01, noiseMultiplier: 1.1, steps: 300 }).curve();
    const b = new RdpAccountant().compose({ q: 0.02, noiseMultiplier: 0.9, steps: 200 }).curve();
    mixed.curve().forEach((r, k) => expect(relative(r, a[k]! + b[k]!)).toBeLessThan(1e-12));
    expect(mixed.epsilon(1e-5).epsilon).toBeGreaterThan(new RdpAccountant().compose({ q: 0.01, noiseMultiplier: 1.1, steps: 300 }).epsilon(1e-5).epsilon);
  });

  it('special cases: no sampling costs nothing, no noise costs everything, q = 1 is the plain Gaussian', () => {
    expect(sampledGaussianRdp(0, 1, 2, 'abs')).toBe(0);
    expect(sampledGaussianRdp(0.1, 0, 2, 'abs')).toBe(Infinity);
    expect(sampledGaussianRdp(1, 2, 3, 'abs')).toBe(3 / 8);
    expect(() => sampledGaussianRdp(1.5, 1, 2, 'abs')).toThrow('sampling rate must be in [0, 1], got 1.5');
    expect(() => new RdpAccountant('nope' as never)).toThrow(
      'unknown accounting convention "nope" (known: dp-accounting, opacus, tf-privacy, tf-privacy-legacy)',
    );
  });

  it('calibration returns the smallest noise multiplier that meets the target', () => {
    const { noiseMultiplier, epsilon } = calibrateNoise(1, 0.01, 1000, 1e-5);
    expect(epsilon).toBeLessThanOrEqual(1);
    expect(epsilonFor({ q: 0.01, noiseMultiplier: noiseMultiplier * (1 - 1e-5), steps: 1000 }, 1e-5).epsilon).toBeGreaterThan(1);
  });

  it('log Φ is accurate in both tails and at the centre', () => {
    expect(logNdtr(0)).toBeCloseTo(Math.log(0.5), 15);
    expect(relative(logNdtr(-10), -53.23128515051247)).toBeLessThan(1e-13);
    // Far tail: the asymptotic series -x²/2 - log x - log √(2π) + log(1 - 1/x² + 3/x⁴ - …) is exact to double precision here.
    expect(relative(logNdtr(-38), -726.5572160188202)).toBeLessThan(1e-13);
    expect(relative(logNdtr(3), -0.0013508099647481938)).toBeLessThan(1e-12);
    expect(relative(logNdtr(-2), Math.log(0.022750131948179195))).toBeLessThan(1e-13);
  });
});

describe('Gaussian noise from the CSPRNG', () => {
  it('has mean 0 and the requested standard deviation, and never repeats', () => {
    const noise = gaussianNoise(200_001, 2);
    const mean = noise.reduce((s, x) => s + x, 0) / noise.length;
    const sd = Math.sqrt(noise.reduce((s, x) => s + (x - mean) ** 2, 0) / (noise.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 2)).toBeLessThan(0.03);
    expect(gaussianNoise(4)).not.toEqual(gaussianNoise(4));
    expect(() => gaussianNoise(-1)).toThrow('count must be a whole number >= 0, got -1');
  });
});

describe('RDP accountant: steps, copies and conventions', () => {
  it('refuses negative or fractional steps: they would refund budget', () => {
    const accountant = new RdpAccountant().compose({ q: 0.01, noiseMultiplier: 1.1, steps: 100 });
    const before = accountant.curve();
    for (const steps of [-1, -100, 0.5, NaN]) {
      expect(() => accountant.compose({ q: 0.01, noiseMultiplier: 1.1, steps })).toThrow(new RangeError(`steps must be a whole number >= 0, got ${steps}`));
    }
    expect(accountant.curve()).toEqual(before);
  });

  it('zero steps cost nothing; n steps cost n times one step at every order', () => {
    const zero = new RdpAccountant().compose({ q: 0.01, noiseMultiplier: 1.1, steps: 0 }).curve();
    expect(zero).toHaveLength(156);
    expect(zero.every((r) => r === 0)).toBe(true);
    const one = new RdpAccountant('opacus').compose({ q: 0.01, noiseMultiplier: 1.1, steps: 1 }).curve();
    const many = new RdpAccountant('opacus').compose({ q: 0.01, noiseMultiplier: 1.1, steps: 250 }).curve();
    expect(one).toHaveLength(151);
    expect(one.every((r) => r > 0)).toBe(true);
    many.forEach((r, k) => expect(relative(r, 250 * one[k]!)).toBeLessThan(1e-12));
  });

  it('a copy holds the same curve and composes on its own', () => {
    const accountant = new RdpAccountant('tf-privacy').compose({ q: 0.01, noiseMultiplier: 1.1, steps: 100 });
    const copy = accountant.copy();
    expect(copy.convention).toBe(accountant.convention);
    expect(copy.curve()).toEqual(accountant.curve());
    copy.compose({ q: 0.01, noiseMultiplier: 1.1, steps: 100 });
    copy.curve().forEach((r, k) => expect(relative(r, 2 * accountant.curve()[k]!)).toBeLessThan(1e-12));
    expect(accountant.epsilon(1e-5)).toEqual(epsilonFor({ q: 0.01, noiseMultiplier: 1.1, steps: 100 }, 1e-5, 'tf-privacy'));
  });

  it('the order grids of the libraries the conventions reproduce', () => {
    const tenths = Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(ORDER_GRIDS['dp-accounting']).toEqual([...tenths, ...range(11, 63), 128, 256, 512, 1024]);
    expect(ORDER_GRIDS['dp-accounting']).toHaveLength(156);
    expect(ORDER_GRIDS['dp-accounting'].slice(0, 3)).toEqual([1.1, 1.2, 1.3]);
    expect(ORDER_GRIDS['dp-accounting'][98]).toBe(10.9);
    expect(ORDER_GRIDS.opacus).toHaveLength(151);
    expect(ORDER_GRIDS.opacus.slice(97, 101)).toEqual([10.8, 10.9, 12, 13]);
    expect(ORDER_GRIDS.opacus.at(-1)).toBe(63);
    expect(ORDER_GRIDS['tf-privacy']).toEqual([1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...range(5, 63), 128, 256, 512]);
  });

  it('each convention names its grid, conversion and series; dp-accounting is the default', () => {
    expect(conventionByName('dp-accounting')).toEqual({ name: 'dp-accounting', orders: ORDER_GRIDS['dp-accounting'], conversion: 'improved', series: 'abs' });
    expect(conventionByName('opacus')).toEqual({ name: 'opacus', orders: ORDER_GRIDS.opacus, conversion: 'improved', series: 'signed' });
    expect(conventionByName('tf-privacy')).toEqual({ name: 'tf-privacy', orders: ORDER_GRIDS['tf-privacy'], conversion: 'improved', series: 'abs' });
    expect(conventionByName('tf-privacy-legacy')).toEqual({
      name: 'tf-privacy-legacy',
      orders: ORDER_GRIDS['tf-privacy'],
      conversion: 'classic',
      series: 'signed',
    });
    expect(Object.keys(CONVENTIONS)).toEqual(['dp-accounting', 'opacus', 'tf-privacy', 'tf-privacy-legacy']);
    expect(DEFAULT_CONVENTION).toBe('dp-accounting');
    expect(new RdpAccountant().convention.name).toBe('dp-accounting');
    expect(epsilonFor({ q: 0.01, noiseMultiplier: 1.1, steps: 100 }, 1e-5)).toEqual(
      new RdpAccountant('dp-accounting').compose({ q: 0.01, noiseMultiplier: 1.1, steps: 100 }).epsilon(1e-5),
    );
    // Names inherited from Object.prototype are not conventions.
    for (const name of ['toString', 'constructor', '__proto__']) {
      expect(() => conventionByName(name)).toThrow(
        new RangeError(`unknown accounting convention "${name}" (known: dp-accounting, opacus, tf-privacy, tf-privacy-legacy)`),
      );
    }
  });

  it('calibration refuses a target it cannot meet or that is not positive', () => {
    for (const target of [0, -1, NaN])
      expect(() => calibrateNoise(target, 0.01, 100, 1e-5)).toThrow(new RangeError(`target epsilon must be > 0, got ${target}`));
    // The classic conversion never goes below log(1/δ)/(α - 1) at the grid's largest order.
    expect(() => calibrateNoise(1e-9, 1, 1, 1e-5, 'tf-privacy-legacy')).toThrow(
      new RangeError('no noise multiplier up to 1e6 reaches epsilon 1e-9 with q=1, 1 steps, delta=0.00001'),
    );
  });

  it('calibration brackets from 1 upwards and bisects to the requested precision', () => {
    // Noise 1 already meets a loose target: the answer lies in (0, 1].
    const loose = calibrateNoise(50, 0.01, 10, 1e-5, 'dp-accounting', 1e-3);
    expect(loose.noiseMultiplier).toBeLessThanOrEqual(1);
    expect(loose.epsilon).toBeLessThanOrEqual(50);
    expect(epsilonFor({ q: 0.01, noiseMultiplier: loose.noiseMultiplier * (1 - 2e-3), steps: 10 }, 1e-5).epsilon).toBeGreaterThan(50);
    const fine = calibrateNoise(2, 1, 1, 1e-5, 'tf-privacy');
    expect(fine.noiseMultiplier).toBeGreaterThan(2);
    expect(fine).toEqual({
      noiseMultiplier: fine.noiseMultiplier,
      ...epsilonFor({ q: 1, noiseMultiplier: fine.noiseMultiplier, steps: 1 }, 1e-5, 'tf-privacy'),
    });
    expect(epsilonFor({ q: 1, noiseMultiplier: fine.noiseMultiplier * (1 - 2e-6), steps: 1 }, 1e-5, 'tf-privacy').epsilon).toBeGreaterThan(2);
  });
});
