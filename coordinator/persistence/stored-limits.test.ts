import { describe, expect, it } from '@jest/globals';
import { parseStudyConfig } from '../config/study-config.js';
import { INTEGER_COLUMN_MAX } from './stored-limits.js';

describe('a study config the studies table cannot hold', () => {
  const study = (extra: Record<string, unknown>) => () => parseStudyConfig({ dataset: 'fed-heart-disease', ...extra });

  it('is refused when parsed, naming the field and its bound (PostgreSQL would refuse it at insert, SQLite store it)', () => {
    expect(study({ name: 'x'.repeat(129) })).toThrow('invalid study: name must be at most 128 characters, got 129');
    expect(study({ seed: 2 ** 31 })).toThrow(`invalid study: seed must be at most ${INTEGER_COLUMN_MAX}, got 2147483648`);
    expect(study({ rounds: 2 ** 40 })).toThrow(`rounds must be at most ${INTEGER_COLUMN_MAX}`);
  });

  it('is taken up to the bounds', () => {
    expect(study({ name: 'x'.repeat(128), seed: INTEGER_COLUMN_MAX })()).toMatchObject({ seed: INTEGER_COLUMN_MAX });
  });
});
