import { describe, expect, it } from '@jest/globals';
import { defineStrategy } from './definition.js';
import { FEDADAM } from './fedadam.js';
import { FEDAVG } from './fedavg.js';
import { StrategyRegistry, STRATEGIES } from './registry.js';
import { POSITIVE, StrategyConfigError } from './settings.js';

const KNOWN = STRATEGIES.names.join(', ');

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StrategyConfigError);
    return (error as StrategyConfigError).problems;
  }
  throw new Error('expected a StrategyConfigError');
};

describe('the strategy registry', () => {
  it('lists the shipped strategies, sorted', () => {
    expect(STRATEGIES.names).toEqual(expect.arrayContaining(['fedadagrad', 'fedadam', 'fedavg', 'fedyogi']));
    expect(STRATEGIES.names).toEqual([...STRATEGIES.names].sort());
    expect(new StrategyRegistry([FEDAVG, FEDADAM]).names).toEqual(['fedadam', 'fedavg']);
  });

  it('parses a configuration into its effective form, every default filled in', () => {
    expect(STRATEGIES.parse({ name: 'fedadam', serverLearningRate: 0.02 })).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.02,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
    });
    expect(STRATEGIES.parse({ name: 'fedavg' })).toEqual({ name: 'fedavg', serverLearningRate: 1 });
  });

  it('names the problem: not an object, no name, an unknown name, bad settings', () => {
    expect(problemsOf(() => STRATEGIES.parse('fedavg'))).toEqual(['must be an object, got "fedavg"']);
    expect(problemsOf(() => STRATEGIES.parse(null))).toEqual(['must be an object, got null']);
    expect(problemsOf(() => STRATEGIES.parse([]))).toEqual(['must be an object, got []']);
    expect(problemsOf(() => STRATEGIES.parse({ beta1: 0.9 }))).toEqual([`name must be one of ${KNOWN}, got undefined`]);
    expect(problemsOf(() => STRATEGIES.parse({ name: 'fedmagic' }))).toEqual([`name "fedmagic" is unknown (known: ${KNOWN})`]);
    expect(problemsOf(() => STRATEGIES.create({ name: 'fedmagic' }))).toEqual([`name "fedmagic" is unknown (known: ${KNOWN})`]);
    expect(problemsOf(() => STRATEGIES.parse({ name: 'fedadam', tau: 0, gamma: 1 }))).toEqual([
      'gamma is not a setting of fedadam (its settings: serverLearningRate, beta1, tau, beta2)',
      'tau must be a number > 0, got 0',
    ]);
  });

  it('creates the named strategy with its defaults for what the configuration leaves out', () => {
    const strategy = STRATEGIES.create({ name: 'fedadam', serverLearningRate: 1 });
    expect(strategy.name).toBe('fedadam');
    // First step from zero moments: 1 * 0.1 d / (sqrt(0.001 d^2) + 1e-8) with the default beta2 0.999.
    expect(strategy.serverStep(new Float32Array([0]), new Float32Array([2]), null).parameters[0]).toBeCloseTo(0.1 / Math.sqrt(0.001), 5);
    expect(() => STRATEGIES.create({ name: 'fedavg', serverLearningRate: -1 })).toThrow('serverLearningRate must be a number > 0, got -1');
  });

  it('takes any set of definitions, each name once', () => {
    const single = new StrategyRegistry([FEDAVG]);
    expect(single.names).toEqual(['fedavg']);
    expect(single.definition('fedavg')).toBe(FEDAVG);
    expect(() => new StrategyRegistry([FEDAVG, FEDADAM, FEDAVG])).toThrow('two strategies are named "fedavg"');
  });

  it('builds definitions whose defaults, parse and create agree', () => {
    let created: unknown;
    const demo = defineStrategy({
      name: 'demo',
      summary: 'a test strategy',
      settings: { rate: { summary: 'r', default: 2, range: POSITIVE } },
      create: (settings) => {
        created = settings;
        return FEDAVG.create({ name: 'fedavg', serverLearningRate: settings.rate });
      },
    });
    expect(demo.name).toBe('demo');
    expect(demo.summary).toBe('a test strategy');
    expect(demo.settings['rate']!.default).toBe(2);
    expect(demo.defaults).toEqual({ name: 'demo', rate: 2 });
    expect(demo.parse({ name: 'demo', rate: 3 })).toEqual({ name: 'demo', rate: 3 });
    demo.create({ name: 'demo' });
    expect(created).toEqual({ rate: 2 });
    expect(() => demo.create({ name: 'demo', rate: 0 })).toThrow('rate must be a number > 0, got 0');
  });

  it('describes every shipped strategy and setting in a line (docs and help show them)', () => {
    for (const name of STRATEGIES.names) {
      const definition = STRATEGIES.definition(name);
      expect(definition.summary).toMatch(new RegExp(`^${definition.name.replace('-', '[- ]')}`, 'i'));
      expect(definition.summary.length).toBeGreaterThan(20);
      for (const [setting, spec] of Object.entries(definition.settings)) expect([setting, spec.summary.length > 10]).toEqual([setting, true]);
    }
  });
});
