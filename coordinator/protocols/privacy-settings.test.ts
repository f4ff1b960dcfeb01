import { describe, expect, it } from '@jest/globals';
import { FieldReader } from '../../common/json-fields.js';
import { checkPrivacyQuorum, DEFAULT_DP, DEFAULT_SECAGG, readPrivacy } from './privacy-settings.js';

function read(raw: Record<string, unknown>) {
  const problems: string[] = [];
  const settings = readPrivacy(new FieldReader(raw, problems), problems);
  return { settings, problems };
}

describe("a study definition's privacy", () => {
  it('keeps the existing JSON: each mode gets the settings of the parts it uses, defaults filled in', () => {
    expect(read({}).settings).toEqual({ privacy: 'none', encryption: null, dp: null, secagg: null });
    expect(read({ privacy: 'he+dp', dp: { targetEpsilon: 2 } }).settings).toEqual({
      privacy: 'he+dp',
      encryption: { parameterSet: 'n8192-q60-s40' },
      dp: { ...DEFAULT_DP, targetEpsilon: 2 },
      secagg: null,
    });
    expect(read({ privacy: 'secagg+dp', secagg: { clipRange: 4 } }).settings).toEqual({
      privacy: 'secagg+dp',
      encryption: null,
      dp: DEFAULT_DP,
      secagg: { ...DEFAULT_SECAGG, clipRange: 4 },
    });
    expect(read({ privacy: 'secagg' }).problems).toEqual([]);
  });

  it('refuses settings of a part the mode does not use, and an unknown mode, naming them', () => {
    expect(read({ privacy: 'secagg', dp: {}, encryption: {} }).problems).toEqual([
      'dp settings need privacy "dp", "he+dp" or "secagg+dp", the study\'s privacy is "secagg"',
      'encryption settings need privacy "he" or "he+dp", the study\'s privacy is "secagg"',
    ]);
    expect(read({ privacy: 'dp', secagg: { degree: 4 } }).problems).toEqual([
      'secagg settings need privacy "secagg" or "secagg+dp", the study\'s privacy is "dp"',
    ]);
    expect(read({ privacy: 'ckks' }).problems).toEqual(['privacy "ckks" is not available (known: none, he, dp, he+dp, secagg, secagg+dp)']);
    expect(read({ privacy: 'he', encryption: { parameterSet: 'tiny' }, dp: { delta: 2 } }).problems).toEqual([
      'encryption.parameterSet "tiny" is unknown (known: n8192-q60-s40, n8192-q60-s30)',
      'dp.delta must be below 1, got 2',
      'dp settings need privacy "dp", "he+dp" or "secagg+dp", the study\'s privacy is "he"',
    ]);
  });

  it('needs a quorum of 3 for secure aggregation only', () => {
    const problems: string[] = [];
    checkPrivacyQuorum('secagg+dp', 2, problems);
    checkPrivacyQuorum('secagg', 3, problems);
    checkPrivacyQuorum('he', 1, problems);
    expect(problems).toEqual(["secure aggregation needs a quorum of at least 3 clinics (with 2, each learns the other's update from the sum), got 2"]);
  });
});
