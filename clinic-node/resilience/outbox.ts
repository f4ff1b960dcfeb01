import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutgoingUpdate } from '../client/federation-client.js';
import { placedFiles, removeDurably, roundFileName, writeFileDurably } from './durable-file.js';

const MAGIC = 'cohort-outbox v1\n';
const SUFFIX = '.update';

/** An update's header as the outbox keeps it: every field the upload sends, plus its size and digest. */
export interface OutboxHeader {
  clinicId: string;
  studyId: string;
  round: number;
  modelVersion: number;
  codec: string;
  keyId: string;
  numSamples: number;
  trainLoss: number;
  totalBytes: number;
  /** SHA-256 of the payload, hex: what the coordinator stores for the update. */
  sha256: string;
  /** Order of writing: entries are resent oldest first. */
  sequence: number;
}

/** An update kept until the coordinator has answered it. */
export interface OutboxEntry {
  header: OutboxHeader;
  payload: Uint8Array;
  path: string;
}

export class OutboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxError';
  }
}

/**
 * Updates a node has computed and not yet had acknowledged, one file each in `dir` (mode 0600):
 * a magic line, the header as one JSON line, then the payload. Each is written to a temporary file,
 * flushed and renamed into place before its upload starts, so after any crash an entry is whole or
 * absent; one that does not check out (a leftover temporary file, a bad header, a payload whose size
 * or digest differs from its header) is removed and logged, never sent.
 *
 * The node resends an entry rather than training its round again: training twice would spend the
 * clinic's privacy budget twice, and would be a second noisy look at the same records.
 */
export class Outbox {
  private constructor(
    readonly dir: string,
    private readonly byRound: Map<string, OutboxEntry>,
    private nextSequence: number,
  ) {}

  /** Reads every entry in `dir` (a missing directory is an empty outbox), removing the ones that do not check out. */
  static async open(dir: string, log: (message: string) => void = () => undefined): Promise<Outbox> {
    const byRound = new Map<string, OutboxEntry>();
    const cutShort = (path: string) => log(`${path}: removed an outbox entry cut short by an interrupted write; it was never sent`);
    for await (const { name, path } of placedFiles(dir, cutShort)) {
      if (!name.endsWith(SUFFIX)) continue;
      let entry: OutboxEntry;
      try {
        entry = { ...decodeOutboxEntry(await readFile(path)), path };
      } catch (error) {
        if (!(error instanceof OutboxError)) throw error;
        await removeDurably(path);
        log(`${path}: removed a corrupt outbox entry (${error.message}); it is not sent`);
        continue;
      }
      const key = roundKey(entry.header.studyId, entry.header.round);
      const known = byRound.get(key);
      if (known) {
        // Two files for one round cannot come from this code; keep the first written.
        const [keep, drop] = known.header.sequence <= entry.header.sequence ? [known, entry] : [entry, known];
        await removeDurably(drop.path);
        log(`${drop.path}: removed a second outbox entry for round ${entry.header.round} of study ${entry.header.studyId}; keeping ${keep.path}`);
        byRound.set(key, keep);
        continue;
      }
      byRound.set(key, entry);
    }
    const last = Math.max(0, ...[...byRound.values()].map((e) => e.header.sequence));
    return new Outbox(dir, byRound, last + 1);
  }

  get size(): number {
    return this.byRound.size;
  }

  get(studyId: string, round: number): OutboxEntry | undefined {
    return this.byRound.get(roundKey(studyId, round));
  }

  /** Every entry, in the order it was written (the order to resend in). */
  entries(): OutboxEntry[] {
    return [...this.byRound.values()].sort((a, b) => a.header.sequence - b.header.sequence);
  }

  /** Writes the update durably; resolves once it would survive a crash. Replaces an entry of the same round. */
  async put(update: OutgoingUpdate): Promise<OutboxEntry> {
    const payload = update.payload;
    const header: OutboxHeader = {
      clinicId: requireString(update.clinicId, 'clinicId'),
      studyId: requireString(update.studyId, 'studyId'),
      round: update.round ?? 0,
      modelVersion: update.modelVersion ?? 0,
      codec: update.codec ?? '',
      keyId: update.keyId ?? '',
      numSamples: toNumber(update.numSamples),
      trainLoss: Number(update.trainLoss ?? 0),
      totalBytes: payload.length,
      sha256: createHash('sha256').update(payload).digest('hex'),
      sequence: this.nextSequence++,
    };
    const path = join(this.dir, `${roundFileName(header.studyId, header.round)}${SUFFIX}`);
    await writeFileDurably(path, encodeOutboxEntry(header, payload));
    const entry: OutboxEntry = { header, payload: new Uint8Array(payload), path };
    this.byRound.set(roundKey(header.studyId, header.round), entry);
    return entry;
  }

  /** Forgets an entry once the coordinator has answered it for good. */
  async remove(entry: OutboxEntry): Promise<void> {
    const key = roundKey(entry.header.studyId, entry.header.round);
    if (this.byRound.get(key) === entry) this.byRound.delete(key);
    await removeDurably(entry.path);
  }
}

/** The update an entry holds, as the upload sends it (the client adds size and digest again). */
export function outgoingUpdate(entry: OutboxEntry): OutgoingUpdate {
  const { totalBytes: _size, sha256: _digest, sequence: _sequence, ...fields } = entry.header;
  return { ...fields, payload: entry.payload };
}

export function encodeOutboxEntry(header: OutboxHeader, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, 'utf8'), payload]);
}

/** Parses and checks an outbox file; throws OutboxError naming what is wrong. */
export function decodeOutboxEntry(bytes: Uint8Array): { header: OutboxHeader; payload: Uint8Array } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buffer.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw new OutboxError('not an outbox entry (bad first line)');
  const end = buffer.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw new OutboxError('header line cut short');
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.subarray(MAGIC.length, end).toString('utf8'));
  } catch {
    throw new OutboxError('header is not JSON');
  }
  const header = checkHeader(parsed);
  const payload = buffer.subarray(end + 1);
  if (payload.length !== header.totalBytes) throw new OutboxError(`payload has ${payload.length} bytes, the header declares ${header.totalBytes}`);
  const digest = createHash('sha256').update(payload).digest('hex');
  if (digest !== header.sha256) throw new OutboxError(`payload digest ${digest} differs from the header's ${header.sha256}`);
  return { header, payload: new Uint8Array(payload) };
}

function checkHeader(value: unknown): OutboxHeader {
  if (typeof value !== 'object' || value === null) throw new OutboxError('header is not an object');
  const h = value as Record<string, unknown>;
  for (const field of ['clinicId', 'studyId', 'codec', 'keyId'] as const) {
    if (typeof h[field] !== 'string') throw new OutboxError(`header field ${field} is not a string`);
  }
  for (const field of ['round', 'modelVersion', 'numSamples', 'totalBytes', 'sequence'] as const) {
    if (!Number.isSafeInteger(h[field]) || (h[field] as number) < 0) throw new OutboxError(`header field ${field} is not a whole number >= 0`);
  }
  if (typeof h['trainLoss'] !== 'number' || !Number.isFinite(h['trainLoss'])) throw new OutboxError('header field trainLoss is not a finite number');
  if (typeof h['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(h['sha256'])) throw new OutboxError('header field sha256 is not a hex SHA-256');
  if (h['studyId'] === '') throw new OutboxError('header names no study');
  return {
    clinicId: h['clinicId'] as string,
    studyId: h['studyId'] as string,
    round: h['round'] as number,
    modelVersion: h['modelVersion'] as number,
    codec: h['codec'] as string,
    keyId: h['keyId'] as string,
    numSamples: h['numSamples'] as number,
    trainLoss: h['trainLoss'],
    totalBytes: h['totalBytes'] as number,
    sha256: h['sha256'],
    sequence: h['sequence'] as number,
  };
}

function roundKey(studyId: string, round: number): string {
  return JSON.stringify([studyId, round]);
}

function requireString(value: string | undefined, field: string): string {
  if (!value) throw new OutboxError(`an update needs its ${field}`);
  return value;
}

function toNumber(value: OutgoingUpdate['numSamples']): number {
  if (value === undefined) return 0;
  return typeof value === 'object' ? value.toNumber() : Number(value);
}
