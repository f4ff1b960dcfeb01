import { describe, expect, it } from '@jest/globals';
import { differentiallyPrivate, encrypts, parsePrivacyMode, PRIVACY_MODES, privacyModeName, PrivacyModeError, securelyAggregates } from './privacy-mode.js';

describe('privacy modes', () => {
  it('splits each mode name into its transport and its DP layer', () => {
    expect(PRIVACY_MODES.map((mode) => [mode, parsePrivacyMode(mode)])).toEqual([
      ['none', { transport: 'plain', dp: 'none' }],
      ['he', { transport: 'ckks', dp: 'none' }],
      ['dp', { transport: 'plain', dp: 'dp-sgd' }],
      ['he+dp', { transport: 'ckks', dp: 'dp-sgd' }],
      ['secagg', { transport: 'secagg', dp: 'none' }],
      ['secagg+dp', { transport: 'secagg', dp: 'distributed' }],
    ]);
  });

  it('names the mode of each combination it offers, and refuses the others', () => {
    for (const mode of PRIVACY_MODES) expect(privacyModeName(parsePrivacyMode(mode))).toBe(mode);
    expect(() => privacyModeName({ transport: 'plain', dp: 'distributed' })).toThrow('no privacy mode combines transport "plain" with dp "distributed"');
    expect(() => privacyModeName({ transport: 'secagg', dp: 'dp-sgd' })).toThrow(PrivacyModeError);
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => parsePrivacyMode('ckks')).toThrow('privacy "ckks" is not available (known: none, he, dp, he+dp, secagg, secagg+dp)');
  });

  it('answers the three questions callers ask of a mode', () => {
    expect(PRIVACY_MODES.filter(encrypts)).toEqual(['he', 'he+dp']);
    expect(PRIVACY_MODES.filter(securelyAggregates)).toEqual(['secagg', 'secagg+dp']);
    expect(PRIVACY_MODES.filter(differentiallyPrivate)).toEqual(['dp', 'he+dp', 'secagg+dp']);
  });
});
