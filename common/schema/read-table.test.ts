import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMapping } from './mapping.js';
import { formatProblems, readTable, readTableFile } from './read-table.js';
import { parseStudySchema, schemaFeatureOrder } from './study-schema.js';

const schema = parseStudySchema({
  task: 'binary',
  features: [
    { name: 'age', type: 'number', unit: 'years', range: [18, 110] },
    { name: 'sex', type: 'category', levels: ['male', 'female'] },
    { name: 'albumin', type: 'number', unit: 'g/dL', missing: 'indicator' },
    { name: 'stage', type: 'category', levels: ['I', 'II', 'III'], missing: 'impute-mode' },
    { name: 'smoker', type: 'boolean' },
  ],
  target: { column: 'died', levels: ['alive', 'dead'] },
  treatment: { column: 'arm', levels: ['placebo', 'drug'] },
  subgroups: [{ name: 'site', levels: ['north', 'south'] }],
});

const mapping = parseMapping(
  {
    columns: { age: 'Alter', sex: 'Geschlecht', albumin: 'alb', stage: 'Stadium', smoker: 'Raucher', died: 'verstorben', arm: 'Arm', site: 'Standort' },
    codes: {
      sex: { m: 'male', w: 'female' },
      smoker: { ja: true, nein: false },
      died: { '0': 'alive', '1': 'dead' },
      arm: { P: 'placebo', V: 'drug' },
      site: { N: 'north', S: 'south' },
    },
    missing: ['', 'NA', 'k.A.'],
    exclude: [{ line: 6, reason: 'withdrew consent' }],
  },
  schema,
);

const HEADER = 'Alter,Geschlecht,alb,Stadium,Raucher,verstorben,Arm,Standort';
const PATIENTS = [
  HEADER,
  '54,m,4.1,I,nein,0,P,N',
  '67,w,NA,III,ja,1,V,N',
  '71,w,3.2,k.A.,nein,1,V,S',
  '45,m,"3,9",II,ja,0,P,S', // a decimal comma, but the mapping says comma is the delimiter: quoted, so one cell
  '80,m,2.9,III,ja,1,P,N',
  '38,w,4.4,I,nein,0,V,S',
  '59,m,3.7,II,1,0,P,N',
].join('\n');

describe('readTable', () => {
  test('encodes the rows in schemaFeatureOrder and reports the excluded line', () => {
    expect(schemaFeatureOrder(schema)).toEqual(['age', 'sex=female', 'albumin', 'albumin:missing', 'stage=II', 'stage=III', 'smoker', 'treatment']);
    const fixed = PATIENTS.replace('"3,9"', '3.9');
    expect(readTable(fixed, 'patients.csv', schema, mapping)).toEqual({
      ok: true,
      rows: [
        { line: 2, x: [54, 0, 4.1, 0, 0, 0, 0, 0], target: 0, treatment: 0, subgroups: { site: 'north' } },
        { line: 3, x: [67, 1, NaN, 1, 0, 1, 1, 1], target: 1, treatment: 1, subgroups: { site: 'north' } },
        { line: 4, x: [71, 1, 3.2, 0, NaN, NaN, 0, 1], target: 1, treatment: 1, subgroups: { site: 'south' } },
        { line: 5, x: [45, 0, 3.9, 0, 1, 0, 1, 0], target: 0, treatment: 0, subgroups: { site: 'south' } },
        { line: 7, x: [38, 1, 4.4, 0, 0, 0, 0, 1], target: 0, treatment: 1, subgroups: { site: 'south' } },
        { line: 8, x: [59, 0, 3.7, 0, 1, 0, 1, 0], target: 0, treatment: 0, subgroups: { site: 'north' } },
      ],
      excluded: [{ line: 6, reason: 'withdrew consent' }],
    });
  });

  test('a decimal comma is not a number, and then no row is returned at all', () => {
    const result = readTable(PATIENTS, 'patients.csv', schema, mapping);
    expect(result).toEqual({
      ok: false,
      problems: [{ file: 'patients.csv', line: 5, column: 'alb', value: '3,9', message: 'patients.csv line 5, column "alb" (albumin): "3,9" is not a number' }],
    });
  });

  test('lists every problem of every row', () => {
    const text = [
      HEADER,
      '17,m,4.1,I,nein,0,P,N', // age out of range
      ',x,4.0,IV,vielleicht,2,Q,O', // age missing (refuse), unknown sex, stage, smoker, died, arm and site codes
      '50,m,4.0,I,nein,NA,P,N', // target missing
      '50,m,4.0,I,nein,0,P', // a cell short
      '60,m,abc,II,nein,0,P,N', // not a number
    ].join('\n');
    const result = readTable(text, 'patients.csv', schema, { ...mapping, exclude: [{ line: 40, reason: 'duplicate record' }] });
    expect(result.ok).toBe(false);
    expect(formatProblems(result.ok ? [] : result.problems).split('\n')).toEqual([
      'patients.csv line 2, column "Alter" (age): "17" is out of range [18, 110]',
      'patients.csv line 3, column "Alter" (age): "" is missing, and age\'s missing policy is refuse',
      'patients.csv line 3, column "Geschlecht" (sex): "x" is not a level of sex (levels: male, female; map local codes under codes.sex)',
      'patients.csv line 3, column "Stadium" (stage): "IV" is not a level of stage (levels: I, II, III; map local codes under codes.stage)',
      'patients.csv line 3, column "Raucher" (smoker): "vielleicht" is not a boolean (0, 1, true or false; map local codes under codes.smoker)',
      'patients.csv line 3, column "verstorben" (died): "2" is not a level of died (levels: alive, dead; map local codes under codes.died)',
      'patients.csv line 3, column "Arm" (arm): "Q" is not a level of arm (levels: placebo, drug; map local codes under codes.arm)',
      'patients.csv line 3, column "Standort" (site): "O" is not a level of site (levels: north, south; map local codes under codes.site)',
      'patients.csv line 4, column "verstorben" (died): "NA" is missing, and this column is required in every row',
      'patients.csv line 5: the record has 7 cells, the header has 8',
      'patients.csv line 6, column "alb" (albumin): "abc" is not a number',
      'patients.csv line 40: the mapping excludes this line ("duplicate record"), but no record starts on it',
    ]);
    expect(result.ok ? [] : result.problems[1]).toEqual({
      file: 'patients.csv',
      line: 3,
      column: 'Alter',
      value: '',
      message: 'patients.csv line 3, column "Alter" (age): "" is missing, and age\'s missing policy is refuse',
    });
  });

  test('a header without a mapped column is a problem on line 1, and the other columns are still checked', () => {
    const text = 'Alter,Geschlecht,Stadium,Raucher,verstorben,Arm,Standort,Standort\n54,m,I,nein,0,P,N,N\n40,m,I,nein,0,P,N,N\n200,m,I,nein,0,P,N,N';
    expect(readTable(text, 'p.csv', schema, { ...mapping, exclude: [] })).toEqual({
      ok: false,
      problems: [
        {
          file: 'p.csv',
          line: 1,
          column: 'alb',
          value: '',
          message:
            'p.csv line 1, column "alb" (albumin): no such column in the header (header: Alter, Geschlecht, Stadium, Raucher, verstorben, Arm, Standort, Standort)',
        },
        { file: 'p.csv', line: 1, column: 'Standort', value: '', message: 'p.csv line 1, column "Standort" (site): appears 2 times in the header' },
        { file: 'p.csv', line: 4, column: 'Alter', value: '200', message: 'p.csv line 4, column "Alter" (age): "200" is out of range [18, 110]' },
      ],
    });
  });

  test('an empty file has no header; an unclosed quote is reported with the line reading stopped at', () => {
    expect(readTable('\n\n', 'p.csv', schema, mapping)).toEqual({
      ok: false,
      problems: [{ file: 'p.csv', line: 1, column: '', value: '', message: 'p.csv line 1: no header row (the file is empty)' }],
    });
    const broken = readTable(`${HEADER}\n54,m,"4.1,I,nein,0,P,N\n`, 'p.csv', schema, mapping);
    expect(broken.ok ? [] : broken.problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([[2, 'p.csv line 2']]);
  });

  test('a file without a header row reads with the header given: its first line is a record, lines stay its own', () => {
    const headerless = PATIENTS.split('\n').slice(1, 4).join('\n');
    const result = readTable(headerless, 'p.data', schema, { ...mapping, exclude: [{ line: 1, reason: 'left out' }] }, { header: HEADER.split(',') });
    expect(result.ok && result.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(result.ok && result.excluded).toEqual([{ line: 1, reason: 'left out' }]);
    const short = readTable('54,m,4.1\n', 'p.data', schema, { ...mapping, exclude: [] }, { header: HEADER.split(',') });
    expect(short.ok ? [] : short.problems.map((p) => p.message)).toEqual(['p.data line 1: the record has 3 cells, the header has 8']);
  });

  test('readTableFile names the file by its base name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-schema-'));
    try {
      await writeFile(join(dir, 'site-a.csv'), `${HEADER}\n54,m,4.1,I,nein,0,P,N\n`);
      await expect(readTableFile(join(dir, 'site-a.csv'), schema, { ...mapping, exclude: [] })).resolves.toEqual({
        ok: true,
        rows: [{ line: 2, x: [54, 0, 4.1, 0, 0, 0, 0, 0], target: 0, treatment: 0, subgroups: { site: 'north' } }],
        excluded: [],
      });
      await writeFile(join(dir, 'site-b.csv'), `${HEADER}\nx,m,4.1,I,nein,0,P,N\n`);
      const bad = await readTableFile(join(dir, 'site-b.csv'), schema, { ...mapping, exclude: [] });
      expect(bad.ok ? [] : bad.problems.map((p) => p.message)).toEqual(['site-b.csv line 2, column "Alter" (age): "x" is not a number']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readTable, other targets', () => {
  const survival = (competing: 'censored' | 'event') =>
    parseStudySchema({
      task: 'survival',
      features: [{ name: 'age', type: 'number' }],
      target: { time: 'days', event: 'status', eventCodes: [1], competingCodes: [2], competing, censoredCode: 0 },
    });
  const text = 'age;days;status\n50;100;0\n60;200;1\n70;300;2\n80;12.5;tod\n';
  const codes = { columns: { age: 'age', days: 'days', status: 'status' }, codes: { status: { tod: 1 } }, delimiter: ';' };

  test('a competing event counts as censored or as the event, as the schema says', () => {
    const censored = readTable(text, 's.csv', survival('censored'), parseMapping(codes, survival('censored')));
    const event = readTable(text, 's.csv', survival('event'), parseMapping(codes, survival('event')));
    const outcomes = (r: typeof censored) => (r.ok ? r.rows.map((row) => row.target) : r.problems);
    expect(outcomes(censored)).toEqual([
      { time: 100, event: 0 },
      { time: 200, event: 1 },
      { time: 300, event: 0 },
      { time: 12.5, event: 1 },
    ]);
    expect(outcomes(event)).toEqual([
      { time: 100, event: 0 },
      { time: 200, event: 1 },
      { time: 300, event: 1 },
      { time: 12.5, event: 1 },
    ]);
  });

  test('a follow-up of 0 or less and an unknown event code are refused', () => {
    const s = survival('censored');
    const result = readTable('age;days;status\n50;0;1\n60;-3;1\n70;5;9\n80;Infinity;1\n', 's.csv', s, parseMapping(codes, s));
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([
      's.csv line 2, column "days": "0" is not a time > 0 (a follow-up of 0 or less is refused)',
      's.csv line 3, column "days": "-3" is not a time > 0 (a follow-up of 0 or less is refused)',
      's.csv line 4, column "status": "9" is not a known event code (codes: 1, 2, 0)',
      's.csv line 5, column "days": "Infinity" is not a number',
    ]);
  });

  test('multiclass targets are level indices, regression targets values, binary without levels 0 or 1', () => {
    const multi = parseStudySchema({
      task: 'multiclass',
      features: [{ name: 'age', type: 'number' }],
      target: { column: 'grade', levels: ['low', 'mid', 'high'] },
    });
    const m = readTable('age,grade\n50,high\n51,low\n', 'm.csv', multi, parseMapping({ columns: { age: 'age', grade: 'grade' } }, multi));
    expect(m.ok && m.rows.map((r) => r.target)).toEqual([2, 0]);
    const reg = parseStudySchema({ task: 'regression', features: [{ name: 'age', type: 'number' }], target: { column: 'bp' } });
    const r = readTable('age,bp\n50,120.5\n51,hoch\n', 'r.csv', reg, parseMapping({ columns: { age: 'age', bp: 'bp' }, codes: { bp: { hoch: 180 } } }, reg));
    expect(r.ok && r.rows.map((row) => row.target)).toEqual([120.5, 180]);
    const bin = parseStudySchema({ task: 'binary', features: [{ name: 'age', type: 'number', missing: 'impute-mean' }], target: { column: 'y' } });
    const b = readTable('age,y\n?,1\n51,2\n', 'b.csv', bin, parseMapping({ columns: { age: 'age', y: 'y' } }, bin));
    expect(b.ok ? [] : b.problems.map((p) => p.message)).toEqual(['b.csv line 3, column "y": "2" is not 0 or 1 (map local codes under codes.y)']);
    const b2 = readTable('age,y\n?,1\n', 'b.csv', bin, parseMapping({ columns: { age: 'age', y: 'y' } }, bin));
    expect(b2.ok && b2.rows).toEqual([{ line: 2, x: [NaN], target: 1, subgroups: {} }]);
  });
});

describe('readTable for prediction', () => {
  // The clinic's training mapping as it is (it names the outcome, the arm and the site too).
  const raw = {
    columns: { age: 'Alter', sex: 'Geschlecht', albumin: 'alb', stage: 'Stadium', smoker: 'Raucher', died: 'verstorben', arm: 'Arm', site: 'Standort' },
    codes: { sex: { m: 'male', w: 'female' }, smoker: { ja: true, nein: false }, died: { '0': 'alive', '1': 'dead' }, arm: { P: 'placebo', V: 'drug' } },
    missing: ['', 'NA', 'k.A.'],
  };

  test('reads the features of new patients without outcome, arm or subgroup: no target, control arm', () => {
    const predicting = parseMapping(raw, schema, 'prediction');
    expect([...predicting.columns.keys()]).toEqual(['age', 'sex', 'albumin', 'stage', 'smoker', 'arm']);
    const text = 'Alter,Geschlecht,alb,Stadium,Raucher\n54,m,4.1,I,nein\n67,w,NA,III,ja\n';
    expect(readTable(text, 'new.csv', schema, predicting, { purpose: 'prediction' })).toEqual({
      ok: true,
      rows: [
        { line: 2, x: [54, 0, 4.1, 0, 0, 0, 0, 0], target: NaN, treatment: 0, subgroups: {} },
        { line: 3, x: [67, 1, NaN, 1, 0, 1, 1, 0], target: NaN, treatment: 0, subgroups: {} },
      ],
      excluded: [],
    });
    // A mapping with only the features serves for prediction, not for training.
    const featuresOnly = { ...raw, columns: { age: 'Alter', sex: 'Geschlecht', albumin: 'alb', stage: 'Stadium', smoker: 'Raucher' } };
    expect(parseMapping(featuresOnly, schema, 'prediction').columns.size).toBe(5);
    expect(() => parseMapping(featuresOnly, schema)).toThrow(/columns\.died: is required/);
    // A feature is still required, in the mapping and in the file.
    expect(() => parseMapping({ ...raw, columns: { ...raw.columns, age: undefined } }, schema, 'prediction')).toThrow(/columns\.age: is required/);
    const noAge = readTable('Geschlecht,alb,Stadium,Raucher\nm,4.1,I,nein\n', 'new.csv', schema, predicting, { purpose: 'prediction' });
    expect(noAge.ok ? [] : noAge.problems.map((p) => p.message)).toEqual([
      'new.csv line 1, column "Alter" (age): no such column in the header (header: Geschlecht, alb, Stadium, Raucher)',
    ]);
  });
});
