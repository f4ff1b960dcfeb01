import {
  LEDGER_VERSION,
  LedgerError,
  type AccountantRecord,
  type DistributedGaussianMechanism,
  type DpSgdMechanism,
  type LedgerEntry,
  type LedgerMechanism,
} from './entry.js';

type Json = Record<string, unknown>;

/** Checks that a parsed JSON value has the shape of a signed ledger entry, naming the first field that does not. */
export function parseLedgerEntry(value: unknown): LedgerEntry {
  const raw = record(value, 'ledger entry');
  const read = reader(raw, 'ledger entry');
  if (raw['version'] !== LEDGER_VERSION) throw new LedgerError(`ledger entry: version must be ${LEDGER_VERSION}, got ${JSON.stringify(raw['version'])}`);
  const kind = read.string('kind');
  if (kind !== 'spend' && kind !== 'refusal') throw new LedgerError(`ledger entry: kind must be "spend" or "refusal", got "${kind}"`);
  const prevHash = read.string('prevHash');
  if (!/^[0-9a-f]{64}$/.test(prevHash)) throw new LedgerError('ledger entry: prevHash must be 64 hex digits');
  const entry: LedgerEntry = {
    version: LEDGER_VERSION,
    clinicId: read.string('clinicId'),
    seq: read.integer('seq', 0),
    prevHash,
    recordedAt: read.string('recordedAt'),
    kind,
    studyId: read.string('studyId'),
    round: read.integer('round', 0),
    mechanism: raw['mechanism'] === null ? null : mechanism(raw['mechanism']),
    accountant: accountant(raw['accountant']),
    delta: read.number('delta', (v) => v > 0 && v < 1, 'in (0, 1)'),
    capEpsilon: read.number('capEpsilon', (v) => v >= 0, '>= 0'),
    epsilon: read.number('epsilon', (v) => v >= 0, '>= 0'),
    requestedEpsilon: raw['requestedEpsilon'] === null ? null : read.number('requestedEpsilon', (v) => v >= 0, '>= 0'),
    reason: raw['reason'] === null ? null : read.string('reason'),
    signature: read.string('signature'),
  };
  if (entry.kind === 'spend' && (entry.mechanism === null || entry.reason !== null)) {
    throw new LedgerError('ledger entry: a spend names its mechanism and no reason');
  }
  if (entry.kind === 'refusal' && entry.reason === null) throw new LedgerError('ledger entry: a refusal states its reason');
  refuseUnknownFields(raw, entry, 'ledger entry');
  return entry;
}

const MECHANISM_TYPES = ['dp-sgd', 'distributed-gaussian'] as const;

function mechanism(value: unknown): LedgerMechanism {
  const raw = record(value, 'mechanism');
  const read = reader(raw, 'mechanism');
  const type = raw['type'];
  if (!MECHANISM_TYPES.includes(type as LedgerMechanism['type'])) {
    throw new LedgerError(`mechanism: type must be ${MECHANISM_TYPES.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(type)}`);
  }
  const parsed = type === 'dp-sgd' ? dpSgd(raw, read) : distributedGaussian(raw, read);
  refuseUnknownFields(raw, parsed, 'mechanism');
  return parsed;
}

function dpSgd(raw: Json, read: Reader): DpSgdMechanism {
  return {
    ...constants(raw, { type: 'dp-sgd', unit: 'patient', relation: 'add-remove', sampling: 'poisson' } as const),
    samplingRate: read.number('samplingRate', (v) => v > 0 && v <= 1, 'in (0, 1]'),
    noiseMultiplier: read.number('noiseMultiplier', (v) => v > 0, '> 0'),
    clipNorm: read.number('clipNorm', (v) => v > 0, '> 0'),
    steps: read.integer('steps', 1),
    records: read.integer('records', 1),
  };
}

function distributedGaussian(raw: Json, read: Reader): DistributedGaussianMechanism {
  const fixed = constants(raw, { type: 'distributed-gaussian', unit: 'patient', relation: 'add-remove', steps: 1 } as const);
  const clipNorm = read.number('clipNorm', (v) => v > 0, '> 0');
  return {
    ...fixed,
    noiseMultiplier: read.number('noiseMultiplier', (v) => v > 0, '> 0'),
    clipNorm,
    sensitivity: read.number('sensitivity', (v) => v === 2 * clipNorm, `equal to 2 × clipNorm (${2 * clipNorm})`),
    contributors: read.integer('contributors', 1),
    records: read.integer('records', 1),
  };
}

/** The fields a mechanism type fixes, checked to be exactly those values. */
function constants<T extends Record<string, string | number>>(raw: Json, expected: T): T {
  for (const [key, value] of Object.entries(expected)) {
    if (raw[key] !== value) throw new LedgerError(`mechanism: ${key} must be ${JSON.stringify(value)}, got ${JSON.stringify(raw[key])}`);
  }
  return expected;
}

function refuseUnknownFields(raw: Json, parsed: object, what: string): void {
  const known = new Set(Object.keys(parsed));
  const extra = Object.keys(raw).filter((k) => !known.has(k));
  if (extra.length > 0) throw new LedgerError(`${what}: unknown field ${extra.join(', ')}`);
}

function accountant(value: unknown): AccountantRecord {
  const raw = record(value, 'accountant');
  const read = reader(raw, 'accountant');
  if (raw['type'] !== 'rdp') throw new LedgerError(`accountant: type must be "rdp", got ${JSON.stringify(raw['type'])}`);
  const orders = raw['orders'];
  if (!Array.isArray(orders) || orders.length === 0 || !orders.every((o) => typeof o === 'number' && Number.isFinite(o) && o > 1)) {
    throw new LedgerError('accountant: orders must be a non-empty list of numbers > 1');
  }
  const conversion = read.string('conversion');
  if (conversion !== 'improved' && conversion !== 'classic')
    throw new LedgerError(`accountant: conversion must be "improved" or "classic", got "${conversion}"`);
  const series = read.string('series');
  if (series !== 'abs' && series !== 'signed') throw new LedgerError(`accountant: series must be "abs" or "signed", got "${series}"`);
  return { type: 'rdp', convention: read.string('convention'), orders: orders as number[], conversion, series };
}

function record(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LedgerError(`${what} must be a JSON object`);
  return value as Json;
}

type Reader = ReturnType<typeof reader>;

function reader(raw: Json, what: string) {
  return {
    string(key: string): string {
      const v = raw[key];
      if (typeof v !== 'string' || v.length === 0) throw new LedgerError(`${what}: ${key} must be a non-empty string`);
      return v;
    },
    integer(key: string, min: number): number {
      const v = raw[key];
      if (!Number.isInteger(v) || (v as number) < min) throw new LedgerError(`${what}: ${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return v as number;
    },
    number(key: string, ok: (v: number) => boolean, expected: string): number {
      const v = raw[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
        throw new LedgerError(`${what}: ${key} must be a number ${expected}, got ${JSON.stringify(v)}`);
      return v;
    },
  };
}
