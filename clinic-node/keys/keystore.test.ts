import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardOf, createIdentity, fingerprint } from '../../crypto/index.js';
import { Keystore } from './keystore.js';

describe('clinic keystore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-keystore-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates an identity once, readable only by its owner, and reopens it', () => {
    const keystore = Keystore.create(join(dir, 'a'), 'clinic-a');
    expect(statSync(join(dir, 'a', 'identity.json')).mode & 0o777).toBe(0o600);
    expect(() => Keystore.create(join(dir, 'a'), 'clinic-a')).toThrow('already holds a clinic identity; refusing to replace it');
    expect(fingerprint(Keystore.open(join(dir, 'a')).card)).toBe(fingerprint(keystore.card));
    expect(() => Keystore.open(join(dir, 'nowhere'))).toThrow(/no clinic identity in .*nowhere: create one with `cohort keys init/);
  });

  it('pins a peer on first use and refuses other keys for it, or for itself, later', () => {
    const keystore = Keystore.open(join(dir, 'a'));
    const peer = cardOf(createIdentity('clinic-b'));
    expect(keystore.pinnedClinics()).toEqual([]);
    expect(keystore.trust(peer)).toBe(true);
    expect(keystore.trust(peer)).toBe(false);
    expect(keystore.pinnedClinics()).toEqual(['clinic-b']);
    const impostor = cardOf(createIdentity('clinic-b'));
    expect(() => keystore.trust(impostor)).toThrow(
      `keys offered for clinic-b (${fingerprint(impostor)}) differ from the pinned ones (${fingerprint(peer)}): refusing`,
    );
    const fakeSelf = cardOf(createIdentity('clinic-a'));
    expect(() => keystore.trust(fakeSelf)).toThrow(`differ from the keystore's own ones (${fingerprint(keystore.card)})`);
    expect(keystore.trust(keystore.card)).toBe(false);
  });

  it('keeps study keys, owner-readable, and refuses a path-like study id', () => {
    const keystore = Keystore.open(join(dir, 'a'));
    const key = { studyId: 'study-1', keyId: 'ab'.repeat(16), parameterSet: 'n8192-q60-s40', secretKey: Uint8Array.from([1, 2, 3]) };
    expect(keystore.studyKey('study-1')).toBeNull();
    keystore.saveStudyKey(key);
    expect(keystore.studyKey('study-1')).toEqual(key);
    expect(statSync(join(dir, 'a', 'studies', 'study-1.json')).mode & 0o777).toBe(0o600);
    expect(() => keystore.studyKey('../identity')).toThrow('study id "../identity" is not a study id');
  });
});
