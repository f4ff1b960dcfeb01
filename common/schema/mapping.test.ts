import { describe, expect, test } from '@jest/globals';
import { parseMapping } from './mapping.js';
import { SchemaError } from './problems.js';
import { parseStudySchema } from './study-schema.js';

const schema = parseStudySchema({
  task: 'survival',
  features: [
    { name: 'age', type: 'number' },
    { name: 'sex', type: 'category', levels: ['male', 'female'] },
    { name: 'smoker', type: 'boolean' },
  ],
  target: { time: 'days', event: 'status', competingCodes: [2], competing: 'censored' },
  treatment: { column: 'arm', levels: ['placebo', 'drug'] },
  subgroups: [{ name: 'site', levels: ['north', 'south'] }],
});

const columns = { age: 'Alter', sex: 'Geschlecht', smoker: 'Raucher', days: 'Tage', status: 'Status', arm: 'Arm', site: 'Standort' };

function problemsOf(json: unknown): readonly string[] {
  try {
    parseMapping(json, schema);
  } catch (error) {
    if (error instanceof SchemaError) return error.problems;
    throw error;
  }
  throw new Error('mapping accepted');
}

describe('parseMapping', () => {
  test('defaults: missing tokens "", NA and ?, comma, nothing excluded', () => {
    expect(parseMapping({ columns }, schema)).toEqual({
      columns: new Map(Object.entries(columns)),
      codes: new Map(),
      missing: ['', 'NA', '?'],
      delimiter: ',',
      exclude: [],
    });
  });

  test('codes, missing tokens, delimiter and exclusions as given', () => {
    const mapping = parseMapping(
      {
        columns,
        codes: { sex: { m: 'male', w: 'female' }, smoker: { ja: true, nein: 0 }, status: { tot: 1 }, age: { '>90': 95 } },
        missing: ['k.A.', ' '],
        delimiter: ';',
        exclude: [{ line: 7, reason: 'withdrew consent' }],
      },
      schema,
    );
    expect(mapping.codes).toEqual(
      new Map<string, Map<string, unknown>>([
        [
          'sex',
          new Map<string, unknown>([
            ['m', 'male'],
            ['w', 'female'],
          ]),
        ],
        [
          'smoker',
          new Map<string, unknown>([
            ['ja', true],
            ['nein', 0],
          ]),
        ],
        ['status', new Map([['tot', 1]])],
        ['age', new Map([['>90', 95]])],
      ]),
    );
    expect(mapping.missing).toEqual(['k.A.', '']);
    expect(mapping.delimiter).toBe(';');
    expect(mapping.exclude).toEqual([{ line: 7, reason: 'withdrew consent' }]);
  });

  test('lists every problem at once, each with its path', () => {
    expect(
      problemsOf({
        columns: { ...columns, site: undefined, arm: 'Alter', weight: 'Gewicht' },
        codes: { sex: { m: 'man' }, status: { tot: 3 }, smoker: { ja: 'yes' }, age: { alt: 'old' }, arm: { v: 'drug' }, bmi: {} },
        missing: 'NA',
        delimiter: '"',
        exclude: [{ line: 1, reason: 'header' }, { line: 5 }, { line: 6, reason: 'x' }, { line: 6, reason: 'y' }],
        sep: ';',
      }),
    ).toEqual([
      'sep: unknown key (known: columns, codes, missing, delimiter, exclude)',
      'columns.arm: "Alter" is already the column of age',
      'columns.weight: not a column of the study schema (columns: age, sex, smoker, days, status, arm, site)',
      'columns.site: is required: every column of the study schema needs its local column',
      'codes.sex.m: must be one of the levels male, female, got "man"',
      'codes.status.tot: must be one of the event codes 1, 2, 0, got 3',
      'codes.smoker.ja: must be true, false, 0 or 1, got "yes"',
      'codes.age.alt: must be a finite number, got "old"',
      'codes.bmi: not a column of the study schema (columns: age, sex, smoker, days, status, arm, site)',
      'missing: must be a list of strings (the cell texts meaning missing), got "NA"',
      'delimiter: must be a non-empty string without quotes or line breaks, got "\\""',
      'exclude[0].line: must be a line number >= 2 (line 1 is the header), got 1',
      'exclude[1].reason: is required (a non-empty string)',
      'exclude[3].line: line 6 is excluded twice',
    ]);
  });

  test.each([
    ['not an object', 'columns', ['(top level): must be an object, got "columns"']],
    ['no columns', {}, ['columns: must be an object, got undefined']],
    ['codes not an object', { columns, codes: [] }, ['codes: must be an object, got []']],
    ['a code table not an object', { columns, codes: { sex: 'm' } }, ['codes.sex: must be an object, got "m"']],
    ['exclude not a list', { columns, exclude: 7 }, ['exclude: must be a list of { line, reason }, got 7']],
    ['an exclusion not an object', { columns, exclude: [7] }, ['exclude[0]: must be an object, got 7']],
  ])('%s', (_name, json, expected) => {
    expect(problemsOf(json)).toEqual(expected);
  });

  test('a binary target without levels takes codes to 0 or 1, a regression target to numbers', () => {
    const binary = parseStudySchema({ task: 'binary', features: [{ name: 'age', type: 'number' }], target: { column: 'died' } });
    expect(() => parseMapping({ columns: { age: 'a', died: 'd' }, codes: { died: { ja: 1, nein: 2 } } }, binary)).toThrow(
      'codes.died.nein: must be 0 or 1, got 2',
    );
    const regression = parseStudySchema({ task: 'regression', features: [{ name: 'age', type: 'number' }], target: { column: 'bp' } });
    expect(parseMapping({ columns: { age: 'a', bp: 'b' }, codes: { bp: { hoch: 180 } } }, regression).codes.get('bp')).toEqual(new Map([['hoch', 180]]));
  });
});
