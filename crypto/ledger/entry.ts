import { createHash } from 'node:crypto';
import type { Conversion, FractionalSeries } from '../dp/index.js';
import { signDetached, verifyDetached, type ClinicIdentity } from '../identity/index.js';

export const LEDGER_VERSION = 1;
/** The `prevHash` of a ledger's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One round of DP-SGD at a clinic, as the accountant sees it: `steps` applications of the sampled
 * Gaussian mechanism. The unit of privacy is one patient record; neighbouring datasets differ by
 * adding or removing one record; batches are Poisson samples.
 */
export interface DpSgdMechanism {
  type: 'dp-sgd';
  unit: 'patient';
  relation: 'add-remove';
  sampling: 'poisson';
  /** q: the probability that a record is in a step's batch. */
  samplingRate: number;
  /** z: noise standard deviation over the clip norm. */
  noiseMultiplier: number;
  /** C: the L2 bound on what one record changes of a step's gradient sum (its clipped gradient; for a Cox model the batch's gradient is clipped to C/2). */
  clipNorm: number;
  steps: number;
  /** Training records the sampling rate applies to. */
  records: number;
}

/**
 * One round of distributed DP under secure aggregation (privacy mode `secagg+dp`): the clinic clips
 * its whole update to L2 norm `clipNorm` and adds its share of discrete Gaussian noise before
 * masking, so that the sum, which carries the noise of at least `contributors` clinics, holds noise
 * of standard deviation `noiseMultiplier * sensitivity`. The unit of privacy is one patient record;
 * adding or removing one moves the clinic's clipped update by at most 2 C, the `sensitivity`. The
 * round is accounted as one unsampled Gaussian mechanism (q = 1, one step): RDP α / (2 z²).
 */
export interface DistributedGaussianMechanism {
  type: 'distributed-gaussian';
  unit: 'patient';
  relation: 'add-remove';
  /** z: the total noise standard deviation in the sum over `sensitivity`. */
  noiseMultiplier: number;
  /** C: the L2 bound on the clinic's whole update. */
  clipNorm: number;
  /** Δ = 2 C: how far one patient moves the clipped update. */
  sensitivity: number;
  /** The fewest clinics whose noise the sum carries; each adds standard deviation z Δ / √contributors. */
  contributors: number;
  /** One release of the noisy sum per round. */
  steps: 1;
  /** The clinic's training records. */
  records: number;
}

/** What a ledger entry can record as a round's mechanism. */
export type LedgerMechanism = DpSgdMechanism | DistributedGaussianMechanism;

/** How every epsilon of an entry was computed, complete enough to recompute it with any RDP accountant. */
export interface AccountantRecord {
  type: 'rdp';
  /** The named convention (crypto/dp), for people; the fields below are what counts. */
  convention: string;
  orders: number[];
  conversion: Conversion;
  series: FractionalSeries;
}

export type LedgerEntryKind = 'spend' | 'refusal';

export interface LedgerEntryBody {
  version: typeof LEDGER_VERSION;
  clinicId: string;
  /** Position in the clinic's ledger, from 0. */
  seq: number;
  /** {@link entryHash} of the previous entry; {@link GENESIS_HASH} for the first. */
  prevHash: string;
  /** ISO 8601 time the clinic wrote the entry. */
  recordedAt: string;
  /** `spend`: the round was trained and its update released. `refusal`: the clinic declined the round. */
  kind: LedgerEntryKind;
  studyId: string;
  round: number;
  /** The round's mechanism; null for a refused round that was not differentially private at all. */
  mechanism: LedgerMechanism | null;
  accountant: AccountantRecord;
  /** δ at which every epsilon of the entry is stated: the clinic's cap. */
  delta: number;
  /** The clinic's cap on its total epsilon when the entry was written. */
  capEpsilon: number;
  /** The clinic's total epsilon over all its spends (every study) after this entry. */
  epsilon: number;
  /** The total the round asked for: equal to `epsilon` for a spend, above the cap for a refusal, null if unbounded. */
  requestedEpsilon: number | null;
  /** Why a round was refused; null for spends. */
  reason: string | null;
}

export interface LedgerEntry extends LedgerEntryBody {
  /** Ed25519 over `cohort/ledger/v1\0` + the canonical JSON of the body, base64. */
  signature: string;
}

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** JSON with object keys sorted at every level: the bytes that are signed and hashed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LedgerError(`a ledger entry cannot hold the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new LedgerError(`a ledger entry cannot hold a ${typeof value}`);
}

const SIGNING_CONTEXT = 'cohort/ledger/v1\0';

function statement(body: LedgerEntryBody): Uint8Array {
  const { signature: _, ...rest } = body as LedgerEntry;
  return new TextEncoder().encode(SIGNING_CONTEXT + canonicalJson(rest));
}

export function signEntry(identity: ClinicIdentity, body: LedgerEntryBody): LedgerEntry {
  if (body.clinicId !== identity.clinicId) throw new LedgerError(`clinic ${identity.clinicId} cannot sign an entry of clinic ${body.clinicId}`);
  return { ...body, signature: Buffer.from(signDetached(identity, statement(body))).toString('base64') };
}

export function signatureValid(entry: LedgerEntry, signPublicKey: Uint8Array): boolean {
  return verifyDetached(statement(entry), Buffer.from(entry.signature, 'base64'), signPublicKey);
}

/** The hash the next entry chains to: sha256 of the entry's canonical JSON, signature included. */
export function entryHash(entry: LedgerEntry): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}
