import { describe, expect, test } from '@jest/globals';
import { SchemaError } from './problems.js';
import { parseStudySchema, schemaColumns, schemaFeatureOrder } from './study-schema.js';

const features = [
  { name: 'age', type: 'number', unit: 'years', range: [18, 110] },
  { name: 'sex', type: 'category', levels: ['male', 'female'] },
];

/** The problems parseStudySchema reports for `json`; fails the test when it accepts the schema. */
function problemsOf(json: unknown): readonly string[] {
  try {
    parseStudySchema(json);
  } catch (error) {
    if (error instanceof SchemaError) return error.problems;
    throw error;
  }
  throw new Error('schema accepted');
}

describe('parseStudySchema', () => {
  test('fills in defaults', () => {
    expect(parseStudySchema({ task: 'binary', features, target: { column: 'died', levels: ['alive', 'dead'] } })).toEqual({
      task: 'binary',
      features: [
        { name: 'age', type: 'number', unit: 'years', range: [18, 110], missing: 'refuse' },
        { name: 'sex', type: 'category', levels: ['male', 'female'], missing: 'refuse' },
      ],
      target: { column: 'died', levels: ['alive', 'dead'] },
      subgroups: [],
      minSubgroupSize: 10,
    });
  });

  test('survival target defaults: event code 1, censored 0, no competing codes', () => {
    const schema = parseStudySchema({ task: 'survival', features, target: { time: 'days', event: 'status' } });
    expect(schema.target).toEqual({ time: 'days', event: 'status', eventCodes: [1], competingCodes: [], censoredCode: 0 });
  });

  test('lists every problem at once, each with its path', () => {
    const error = (() => {
      try {
        parseStudySchema({
          task: 'binary',
          features: [
            { name: 'age', type: 'number', unti: 'years' },
            { name: 'sex', type: 'category' },
            { name: 'stage', type: 'category', levels: ['I', 'I'] },
          ],
          target: { column: 'died' },
          minSubgroupSize: 0,
          colour: 'red',
        });
      } catch (e) {
        return e as SchemaError;
      }
    })();
    expect(error).toBeInstanceOf(SchemaError);
    expect(error!.problems).toEqual([
      'colour: unknown key (known: task, features, target, treatment, subgroups, minSubgroupSize)',
      'features[0].unti: unknown key (known: name, type, unit, range, levels, missing), did you mean unit?',
      'features[1].levels: must be a non-empty list of distinct strings',
      'features[2].levels: must be a non-empty list of distinct strings, got ["I","I"]',
      'minSubgroupSize: must be an integer >= 1, got 0',
    ]);
    expect(error!.message).toBe(`study schema has 5 problems:\n  ${error!.problems.join('\n  ')}`);
  });

  test.each([
    ['not an object', [], ['(top level): must be an object, got []']],
    ['no task', { features, target: { column: 'y' } }, ['task: is required, one of binary, multiclass, regression, survival']],
    ['unknown task', { task: 'cox', features, target: { column: 'y' } }, ['task: must be one of binary, multiclass, regression, survival, got "cox"']],
    ['no features', { task: 'regression', features: [], target: { column: 'y' } }, ['features: must be a non-empty list of features, got []']],
    ['feature not an object', { task: 'regression', features: ['age'], target: { column: 'y' } }, ['features[0]: must be an object, got "age"']],
    [
      'feature without name and type',
      { task: 'regression', features: [{}], target: { column: 'y' } },
      ['features[0].name: is required (a non-empty string)', 'features[0].type: is required, one of number, category, boolean'],
    ],
    [
      'duplicate feature name',
      { task: 'regression', features: [...features, { name: 'age', type: 'number' }], target: { column: 'y' } },
      ['features[2].name: "age" is already the name of features[0]'],
    ],
    [
      'bad range',
      { task: 'regression', features: [{ name: 'a', type: 'number', range: [5, 1] }], target: { column: 'y' } },
      ['features[0].range: must be [min, max] with finite numbers and min <= max, got [5,1]'],
    ],
    [
      'range on a category, levels on a number',
      {
        task: 'regression',
        features: [
          { name: 'a', type: 'category', levels: ['x'], range: [0, 1] },
          { name: 'b', type: 'number', levels: ['x'] },
        ],
        target: { column: 'y' },
      },
      [
        'features[0].range: only number features have a range (this one is category)',
        'features[1].levels: only category features have levels (this one is number)',
      ],
    ],
    [
      'unknown missing policy, impute-mean on a boolean, empty unit',
      {
        task: 'regression',
        features: [
          { name: 'a', type: 'number', missing: 'drop' },
          { name: 'b', type: 'boolean', missing: 'impute-mean', unit: '' },
        ],
        target: { column: 'y' },
      },
      [
        'features[0].missing: must be one of refuse, impute-mean, impute-mode, indicator, got "drop"',
        'features[1].unit: must be a non-empty string, got ""',
        'features[1].missing: impute-mean needs a number feature (this one is boolean); use impute-mode',
      ],
    ],
    ['target not an object', { task: 'binary', features, target: 'died' }, ['target: must be an object, got "died"']],
    [
      'binary with three levels',
      { task: 'binary', features, target: { column: 'y', levels: ['a', 'b', 'c'] } },
      ['target.levels: a binary target has exactly two levels (negative first), got 3'],
    ],
    [
      'multiclass without levels',
      { task: 'multiclass', features, target: { column: 'y' } },
      ['target.levels: must be a list of at least two distinct strings'],
    ],
    [
      'regression with levels',
      { task: 'regression', features, target: { column: 'y', levels: ['a', 'b'] } },
      ['target.levels: a regression target has no levels'],
    ],
    [
      'label target given survival keys',
      { task: 'binary', features, target: { time: 't', event: 'e' } },
      [
        'target.time: unknown key (known: column, levels)',
        'target.event: unknown key (known: column, levels)',
        'target.column: is required (a non-empty string)',
      ],
    ],
    [
      'survival: competing codes without a policy',
      { task: 'survival', features, target: { time: 't', event: 'e', competingCodes: [2] } },
      ['target.competing: is required with competingCodes: "censored" (cause-specific) or "event" (any event)'],
    ],
    [
      'survival: overlapping codes',
      { task: 'survival', features, target: { time: 't', event: 'e', eventCodes: [1, 2], competingCodes: [2], competing: 'event', censoredCode: 1 } },
      ['target.competingCodes: 2 also in eventCodes', 'target.censoredCode: 1 is also an event or competing code'],
    ],
    [
      'survival: bad code lists',
      { task: 'survival', features, target: { time: 't', event: 'e', eventCodes: [], competingCodes: [1.5], competing: 'both', censoredCode: 'c' } },
      [
        'target.eventCodes: must name at least one code',
        'target.competingCodes: must be a list of distinct integers, got [1.5]',
        'target.censoredCode: must be an integer, got "c"',
        'target.competing: must be one of censored, event, got "both"',
        'target.competing: only means something with competingCodes',
      ],
    ],
    [
      'treatment with three levels, unknown key',
      { task: 'binary', features, target: { column: 'y' }, treatment: { column: 'arm', levels: ['a', 'b', 'c'], dose: 1 } },
      ['treatment.dose: unknown key (known: column, levels)', 'treatment.levels: must be exactly [control, treated], got 3 levels'],
    ],
    [
      'subgroups',
      {
        task: 'binary',
        features,
        target: { column: 'y' },
        subgroups: [
          { name: 'site' },
          { name: 'sex', levels: ['female', 'male'] },
          { name: 'y', levels: ['0', '1'] },
          { name: 'region', levels: ['n'] },
          { name: 'region', levels: ['s'] },
        ],
      },
      [
        'subgroups[0].levels: must be a non-empty list of distinct strings',
        'subgroups[1].levels: "sex" is also a feature, so it must be a category with the same levels in the same order',
        'subgroups[4].name: "region" is listed twice',
      ],
    ],
    [
      'subgroups not a list',
      { task: 'binary', features, target: { column: 'y' }, subgroups: 'site' },
      ['subgroups: must be a list of { name, levels }, got "site"'],
    ],
    [
      'a column with two roles',
      { task: 'binary', features, target: { column: 'age' }, treatment: { column: 'sex', levels: ['a', 'b'] } },
      [
        'target: column "age" has two roles (feature, target or treatment); each column has one',
        'target: column "sex" has two roles (feature, target or treatment); each column has one',
      ],
    ],
    [
      'a subgroup that is the target',
      { task: 'binary', features, target: { column: 'y' }, subgroups: [{ name: 'y', levels: ['0', '1'] }] },
      ['subgroups[0].name: "y" is the target or treatment column; a subgroup is a feature or a column of its own'],
    ],
  ])('%s', (_name, json, expected) => {
    expect(problemsOf(json)).toEqual(expected);
  });
});

describe('schemaFeatureOrder', () => {
  test('numbers and booleans as one column, categories one-hot without the first level, indicators, treatment last', () => {
    const schema = parseStudySchema({
      task: 'survival',
      features: [
        { name: 'age', type: 'number' },
        { name: 'stage', type: 'category', levels: ['I', 'II', 'III'], missing: 'indicator' },
        { name: 'smoker', type: 'boolean', missing: 'impute-mode' },
        { name: 'alb', type: 'number', missing: 'indicator' },
      ],
      target: { time: 'days', event: 'status' },
      treatment: { column: 'arm', levels: ['placebo', 'drug'] },
      subgroups: [{ name: 'site', levels: ['a', 'b'] }],
    });
    expect(schemaFeatureOrder(schema)).toEqual(['age', 'stage=II', 'stage=III', 'stage:missing', 'smoker', 'alb', 'alb:missing', 'treatment']);
    expect(schemaColumns(schema)).toEqual(['age', 'stage', 'smoker', 'alb', 'days', 'status', 'arm', 'site']);
  });
});
