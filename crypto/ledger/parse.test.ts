import { beforeEach, describe, expect, it } from '@jest/globals';
import { conventionByName } from '../dp/index.js';
import { createIdentity } from '../identity/index.js';
import { accountantRecord, LedgerChain, LedgerError, parseLedgerEntry, type AccountantRecord, type LedgerEntry } from './index.js';
import { distributedGaussianMechanism, dpSgdMechanism } from './test-fixtures.js';

// A stored ledger is untrusted input: each malformed field is refused with the field and value named.

const clinic = createIdentity('leuven');

// Fixtures are built in beforeEach, not at load time: what a test file computes while loading counts
// as 'static' in mutation testing, and every static mutant reruns every test.
let accountant: AccountantRecord;
let spend: LedgerEntry;
let refusal: LedgerEntry;
beforeEach(() => {
  accountant = accountantRecord(conventionByName('opacus'));
  const chain = LedgerChain.empty(clinic);
  spend = JSON.parse(
    JSON.stringify(chain.append({ kind: 'spend', studyId: 's', round: 0, mechanism: dpSgdMechanism(), accountant, delta: 1e-5, capEpsilon: 10, reason: null })),
  ) as LedgerEntry;
  refusal = JSON.parse(
    JSON.stringify(chain.append({ kind: 'refusal', studyId: 's', round: 1, mechanism: null, accountant, delta: 1e-5, capEpsilon: 0, reason: 'not DP' })),
  ) as LedgerEntry;
});

const parseWith = (change: Record<string, unknown>, base?: LedgerEntry) => () => parseLedgerEntry({ ...(base ?? spend), ...change });
const withMechanism = (change: Record<string, unknown>, base: object = dpSgdMechanism()) => parseWith({ mechanism: { ...base, ...change } });
const withAccountant = (change: Record<string, unknown>) => parseWith({ accountant: { ...accountant, ...change } });

describe('parseLedgerEntry', () => {
  it('returns a well-formed entry field for field, null fields included', () => {
    expect(parseLedgerEntry(spend)).toEqual(spend);
    expect(parseLedgerEntry(refusal)).toEqual(refusal);
    expect(parseLedgerEntry({ ...spend, mechanism: distributedGaussianMechanism() }).mechanism).toEqual(distributedGaussianMechanism());
    expect(parseLedgerEntry(spend).accountant).toEqual({
      type: 'rdp',
      convention: 'opacus',
      orders: accountant.orders,
      conversion: 'improved',
      series: 'signed',
    });
  });

  it('refuses what is not a JSON object', () => {
    for (const value of [null, [], 'entry', 3]) expect(() => parseLedgerEntry(value)).toThrow(new LedgerError('ledger entry must be a JSON object'));
    expect(parseWith({ mechanism: [] })).toThrow(new LedgerError('mechanism must be a JSON object'));
    expect(parseWith({ accountant: null })).toThrow(new LedgerError('accountant must be a JSON object'));
    expect(() => parseLedgerEntry(null)).toThrow(LedgerError);
  });

  it('names the entry field that is wrong', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ version: 2 }, 'ledger entry: version must be 1, got 2'],
      [{ version: undefined }, 'ledger entry: version must be 1, got undefined'],
      [{ kind: '' }, 'ledger entry: kind must be a non-empty string'],
      [{ kind: 'refund' }, 'ledger entry: kind must be "spend" or "refusal", got "refund"'],
      [{ prevHash: 'a'.repeat(63) }, 'ledger entry: prevHash must be 64 hex digits'],
      [{ prevHash: 'A'.repeat(64) }, 'ledger entry: prevHash must be 64 hex digits'],
      [{ prevHash: `x${'a'.repeat(64)}` }, 'ledger entry: prevHash must be 64 hex digits'],
      [{ prevHash: `${'a'.repeat(64)}x` }, 'ledger entry: prevHash must be 64 hex digits'],
      [{ clinicId: 7 }, 'ledger entry: clinicId must be a non-empty string'],
      [{ seq: -1 }, 'ledger entry: seq must be an integer >= 0, got -1'],
      [{ seq: 0.5 }, 'ledger entry: seq must be an integer >= 0, got 0.5'],
      [{ recordedAt: '' }, 'ledger entry: recordedAt must be a non-empty string'],
      [{ studyId: null }, 'ledger entry: studyId must be a non-empty string'],
      [{ round: -1 }, 'ledger entry: round must be an integer >= 0, got -1'],
      [{ delta: 0 }, 'ledger entry: delta must be a number in (0, 1), got 0'],
      [{ delta: 1 }, 'ledger entry: delta must be a number in (0, 1), got 1'],
      [{ delta: '1e-5' }, 'ledger entry: delta must be a number in (0, 1), got "1e-5"'],
      [{ capEpsilon: -0.1 }, 'ledger entry: capEpsilon must be a number >= 0, got -0.1'],
      [{ epsilon: -1 }, 'ledger entry: epsilon must be a number >= 0, got -1'],
      [{ requestedEpsilon: -1 }, 'ledger entry: requestedEpsilon must be a number >= 0, got -1'],
      [{ requestedEpsilon: undefined }, 'ledger entry: requestedEpsilon must be a number >= 0, got undefined'],
      [{ reason: '' }, 'ledger entry: reason must be a non-empty string'],
      [{ signature: '' }, 'ledger entry: signature must be a non-empty string'],
      [{ reason: 'why' }, 'ledger entry: a spend names its mechanism and no reason'],
      [{ mechanism: null }, 'ledger entry: a spend names its mechanism and no reason'],
      [{ note: 1, other: 2 }, 'ledger entry: unknown field note, other'],
    ];
    for (const [change, message] of cases) expect(parseWith(change)).toThrow(new LedgerError(message));
    expect(parseWith({ reason: null }, refusal)).toThrow(new LedgerError('ledger entry: a refusal states its reason'));
  });

  it('accepts the boundary values of each entry field', () => {
    expect(parseLedgerEntry({ ...refusal, seq: 0, round: 0, capEpsilon: 0, epsilon: 0, requestedEpsilon: 0 })).toMatchObject({
      seq: 0,
      round: 0,
      capEpsilon: 0,
      epsilon: 0,
      requestedEpsilon: 0,
    });
    expect(parseLedgerEntry({ ...spend, delta: 0.999, prevHash: '0123456789abcdef'.repeat(4) }).delta).toBe(0.999);
    expect(parseLedgerEntry({ ...spend, mechanism: { ...dpSgdMechanism(), samplingRate: 1, steps: 1, records: 1 } }).mechanism).toMatchObject({
      samplingRate: 1,
      steps: 1,
      records: 1,
    });
    expect(parseLedgerEntry({ ...spend, mechanism: { ...distributedGaussianMechanism(), contributors: 1, records: 1 } }).mechanism).toMatchObject({
      contributors: 1,
      records: 1,
    });
  });

  it('names the DP-SGD mechanism field that is wrong', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'laplace' }, 'mechanism: type must be "dp-sgd" or "distributed-gaussian", got "laplace"'],
      [{ type: undefined }, 'mechanism: type must be "dp-sgd" or "distributed-gaussian", got undefined'],
      [{ unit: 'record' }, 'mechanism: unit must be "patient", got "record"'],
      [{ relation: 'replace-one' }, 'mechanism: relation must be "add-remove", got "replace-one"'],
      [{ sampling: undefined }, 'mechanism: sampling must be "poisson", got undefined'],
      [{ samplingRate: 0 }, 'mechanism: samplingRate must be a number in (0, 1], got 0'],
      [{ samplingRate: 1.01 }, 'mechanism: samplingRate must be a number in (0, 1], got 1.01'],
      [{ noiseMultiplier: 0 }, 'mechanism: noiseMultiplier must be a number > 0, got 0'],
      [{ noiseMultiplier: Infinity }, 'mechanism: noiseMultiplier must be a number > 0, got null'],
      [{ clipNorm: 0 }, 'mechanism: clipNorm must be a number > 0, got 0'],
      [{ steps: 0 }, 'mechanism: steps must be an integer >= 1, got 0'],
      [{ steps: -300 }, 'mechanism: steps must be an integer >= 1, got -300'],
      [{ records: 0 }, 'mechanism: records must be an integer >= 1, got 0'],
      [{ contributors: 3 }, 'mechanism: unknown field contributors'],
    ];
    for (const [change, message] of cases) expect(withMechanism(change)).toThrow(new LedgerError(message));
  });

  it('names the distributed-Gaussian mechanism field that is wrong', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ relation: 'replace-one' }, 'mechanism: relation must be "add-remove", got "replace-one"'],
      [{ steps: 2 }, 'mechanism: steps must be 1, got 2'],
      [{ clipNorm: 0 }, 'mechanism: clipNorm must be a number > 0, got 0'],
      [{ noiseMultiplier: 0 }, 'mechanism: noiseMultiplier must be a number > 0, got 0'],
      [{ sensitivity: 0.5 }, 'mechanism: sensitivity must be a number equal to 2 × clipNorm (1), got 0.5'],
      [{ contributors: 0 }, 'mechanism: contributors must be an integer >= 1, got 0'],
      [{ records: 0 }, 'mechanism: records must be an integer >= 1, got 0'],
      [{ sampling: 'poisson' }, 'mechanism: unknown field sampling'],
    ];
    for (const [change, message] of cases) expect(withMechanism(change, distributedGaussianMechanism())).toThrow(new LedgerError(message));
  });

  it('names the accountant field that is wrong', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'pld' }, 'accountant: type must be "rdp", got "pld"'],
      [{ orders: [] }, 'accountant: orders must be a non-empty list of numbers > 1'],
      [{ orders: 2 }, 'accountant: orders must be a non-empty list of numbers > 1'],
      [{ orders: [2, 1] }, 'accountant: orders must be a non-empty list of numbers > 1'],
      [{ orders: [2, '3'] }, 'accountant: orders must be a non-empty list of numbers > 1'],
      [{ orders: [2, Infinity] }, 'accountant: orders must be a non-empty list of numbers > 1'],
      [{ conversion: 'exact' }, 'accountant: conversion must be "improved" or "classic", got "exact"'],
      [{ series: 'none' }, 'accountant: series must be "abs" or "signed", got "none"'],
      [{ convention: '' }, 'accountant: convention must be a non-empty string'],
    ];
    for (const [change, message] of cases) expect(withAccountant(change)).toThrow(new LedgerError(message));
    expect(parseLedgerEntry({ ...spend, accountant: { ...accountant, orders: [1.01], conversion: 'classic', series: 'abs' } }).accountant).toEqual({
      type: 'rdp',
      convention: 'opacus',
      orders: [1.01],
      conversion: 'classic',
      series: 'abs',
    });
  });
});
