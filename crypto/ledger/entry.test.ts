import { beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { conventionByName } from '../dp/index.js';
import { createIdentity, verifyDetached } from '../identity/index.js';
import {
  accountantRecord,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  LEDGER_VERSION,
  LedgerChain,
  LedgerError,
  signatureValid,
  signEntry,
  type AccountantRecord,
  type LedgerEntry,
} from './index.js';

const clinic = createIdentity('leuven');
// Fixtures are built in beforeEach, not at load time: what a test file computes while loading counts
// as 'static' in mutation testing, and every static mutant reruns every test.
let accountant: AccountantRecord;
beforeEach(() => {
  accountant = accountantRecord(conventionByName('dp-accounting'));
});

function refusal(): LedgerEntry {
  return LedgerChain.empty(clinic).append({
    kind: 'refusal',
    studyId: 's',
    round: 1,
    mechanism: null,
    accountant,
    delta: 1e-5,
    capEpsilon: 1,
    reason: 'not DP',
  });
}

describe('ledger entries: canonical JSON, signatures and hashes', () => {
  it('the constants entries are written with', () => {
    expect(LEDGER_VERSION).toBe(1);
    expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
  });

  it('canonical JSON sorts keys at every level, drops undefined fields and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, 2], c: true }, e: undefined, f: null, g: 'x"y' })).toBe(
      '{"a":{"c":true,"d":[3,1,2]},"b":1,"f":null,"g":"x\\"y"}',
    );
    expect(canonicalJson({ ba: 1, b: 2, a: 3, aa: 4 })).toBe('{"a":3,"aa":4,"b":2,"ba":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(-0.5)).toBe('-0.5');
  });

  it('canonical JSON refuses what JSON would silently change', () => {
    expect(() => canonicalJson({ a: [NaN] })).toThrow(new LedgerError('a ledger entry cannot hold the number NaN'));
    expect(() => canonicalJson(-Infinity)).toThrow(new LedgerError('a ledger entry cannot hold the number -Infinity'));
    expect(() => canonicalJson({ a: 1n })).toThrow(new LedgerError('a ledger entry cannot hold a bigint'));
    expect(() => canonicalJson(undefined)).toThrow(new LedgerError('a ledger entry cannot hold a undefined'));
  });

  it('a LedgerError is named as such', () => {
    expect(new LedgerError('x').name).toBe('LedgerError');
    expect(new LedgerError('x')).toBeInstanceOf(Error);
  });

  it('an entry hash is sha256 over the canonical JSON with the signature', () => {
    const entry = refusal();
    expect(entryHash(entry)).toBe(createHash('sha256').update(canonicalJson(entry)).digest('hex'));
    expect(entryHash({ ...entry, signature: 'AAAA' })).not.toBe(entryHash(entry));
  });

  it('signs the body under the ledger context and verifies only the unaltered entry with the right key', () => {
    const entry = refusal();
    expect(signatureValid(entry, clinic.signing.publicKey)).toBe(true);
    expect(signatureValid({ ...entry, round: 2 }, clinic.signing.publicKey)).toBe(false);
    expect(signatureValid(entry, createIdentity('leuven').signing.publicKey)).toBe(false);
    // The signature covers the body only: signing the signed entry again gives the same signature.
    expect(signEntry(clinic, entry).signature).toBe(entry.signature);
    const { signature: _, ...body } = entry;
    expect(signEntry(clinic, body)).toEqual(entry);
  });

  it('the signature is Ed25519 over the context cohort/ledger/v1, a zero byte and the canonical JSON of the body', () => {
    const entry = refusal();
    const { signature, ...body } = entry;
    const statement = new TextEncoder().encode(`cohort/ledger/v1\0${canonicalJson(body)}`);
    expect(verifyDetached(statement, Buffer.from(signature, 'base64'), clinic.signing.publicKey)).toBe(true);
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
  });

  it('a clinic cannot sign an entry of another clinic', () => {
    const { signature: _, ...body } = refusal();
    expect(() => signEntry(createIdentity('ghent'), body)).toThrow(new LedgerError('clinic ghent cannot sign an entry of clinic leuven'));
  });
});
