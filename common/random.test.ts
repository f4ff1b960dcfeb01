import { describe, expect, it } from '@jest/globals';
import { deriveSeed, permutation, seededRandom } from './random.js';
import { initialParameters, modelSpec, parameterCount } from './model-spec.js';

describe('seeded randomness', () => {
  it('is reproducible and seed-dependent', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('derives distinct seeds per label and permutes every index once', () => {
    expect(deriveSeed(42, 'cleveland', 1)).not.toBe(deriveSeed(42, 'cleveland', 2));
    expect(deriveSeed(42, 'va', 1)).toBe(deriveSeed(42, 'va', 1));
    const order = permutation(100, seededRandom(7));
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('model spec', () => {
  it('counts parameters in the dense layout and initialises within PyTorch bounds', () => {
    const spec = modelSpec('mlp', 13, [8], 1);
    expect(parameterCount(spec)).toBe(13 * 8 + 8 + 8 + 1);
    const params = initialParameters(spec, 1);
    expect(Math.max(...params.slice(0, 112).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(13));
    expect(Math.max(...params.slice(112).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(8));
    expect(initialParameters(spec, 1)).toEqual(params);
  });

  it('rejects nonsense specs with the reason', () => {
    expect(() => modelSpec('resnet', 13)).toThrow(/unknown model architecture "resnet"/);
    expect(() => modelSpec('mlp', 13)).toThrow(/at least one hidden layer/);
    expect(() => modelSpec('logistic-regression', 0)).toThrow(/positive integers/);
  });
});
