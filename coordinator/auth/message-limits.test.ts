import { describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { FederationError } from '../../common/errors.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../../common/proto-options.js';
import { federationMethodPaths } from '../../wire/request-signing.js';
import { DEFAULT_LIMITS, federationLimits, MAX_UPLOAD_CHUNKS, MessageLimits, tolerateUndecodableRequests, UndecodableRequest } from './message-limits.js';

const F = '/cohort.v1.Federation/';
const limits = new MessageLimits();
const definition = tolerateUndecodableRequests(protoLoader.loadSync(FEDERATION_PROTO, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_INCLUDE_DIR] }));
const methods = definition['cohort.v1.Federation'] as protoLoader.ServiceDefinition;
const codec = (name: string) => methods[name]!;
/** A request as the coordinator receives it: encoded by a client, decoded by the server's (tolerant) deserializer. */
const received = (name: string, message: object): unknown => codec(name).requestDeserialize(codec(name).requestSerialize(message));

/** The refusal `check` throws, as code and message. */
function refusal(method: string, message: unknown, index = 0, using = limits): { code: status; message: string } {
  try {
    using.check(F + method, message, index);
  } catch (error) {
    if (error instanceof FederationError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

const header = {
  clinicId: 'clinic-a',
  studyId: 'study',
  round: 1,
  modelVersion: 0,
  codec: 'plain-f32',
  numSamples: 10,
  totalBytes: 56,
  sha256: Buffer.alloc(32),
  trainLoss: 0.5,
};

const VALID: Record<string, object> = {
  Register: { clinicId: 'clinic-a', dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 10, numTest: 5, nodeVersion: '0.1.0' },
  WatchTasks: { clinicId: 'clinic-a' },
  UploadUpdate: { header },
  DownloadModel: { clinicId: 'clinic-a', studyId: 'study', modelVersion: 0 },
  ReportEvaluation: { clinicId: 'clinic-a', studyId: 'study', modelVersion: 1, numTest: 10, numCorrect: 7, accuracy: 0.7, loss: 0.6 },
  GetKeyRoster: { clinicId: 'clinic-a', studyId: 'study' },
  SubmitKeyEnvelopes: {
    studyId: 'study',
    keyId: 'ab'.repeat(16),
    parameterSet: 'n8192-q60-s40',
    senderClinicId: 'clinic-a',
    recipientClinicId: 'clinic-b',
    recipientBoxPublicKey: Buffer.alloc(32),
    ephemeralPublicKey: Buffer.alloc(32),
    nonce: Buffer.alloc(24),
    sealedKey: Buffer.alloc(131_088),
    signature: Buffer.alloc(64),
  },
  FetchKeyEnvelope: { clinicId: 'clinic-a', studyId: 'study' },
  GetLedgerHead: { clinicId: 'clinic-a' },
  AppendLedgerEntries: { clinicId: 'clinic-a', entries: ['{"seq":0}', 'x'.repeat(60_000)] },
  SecAggAdvertise: {
    clinicId: 'clinic-a',
    studyId: 'study',
    round: 1,
    channelPublicKey: Buffer.alloc(32),
    maskPublicKey: Buffer.alloc(32),
    selfMaskCommitment: Buffer.alloc(32),
    signature: Buffer.alloc(64),
  },
  SecAggShareKeys: {
    clinicId: 'clinic-a',
    studyId: 'study',
    round: 1,
    shares: Array.from({ length: 40 }, (_, i) => ({ fromClinicId: 'clinic-a', toClinicId: `c${i}`, nonce: Buffer.alloc(12), box: Buffer.alloc(280) })),
  },
  SecAggUnmaskRequest: { clinicId: 'clinic-a', studyId: 'study', round: 1 },
  SecAggRevealShares: {
    clinicId: 'clinic-a',
    studyId: 'study',
    round: 1,
    shares: [{ dealerClinicId: 'clinic-b', kind: 'self-mask', point: 2, value: Buffer.alloc(66), signature: Buffer.alloc(64) }],
  },
};

describe('message limits', () => {
  it('passes a valid request of every method, as the coordinator decodes it', () => {
    expect(
      Object.keys(VALID)
        .map((name) => F + name)
        .sort(),
    ).toEqual([...federationMethodPaths()].sort());
    for (const [name, message] of Object.entries(VALID)) expect(() => limits.check(F + name, received(name, message))).not.toThrow();
  });

  it('bounds bytes fields, naming the field path in proto names', () => {
    const shares = Array.from({ length: 5 }, (_, i) => ({
      fromClinicId: 'clinic-a',
      toClinicId: `c${i}`,
      nonce: Buffer.alloc(12),
      box: Buffer.alloc(i === 3 ? 70_000 : 280),
    }));
    expect(refusal('SecAggShareKeys', received('SecAggShareKeys', { clinicId: 'clinic-a', studyId: 's', round: 1, shares }))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'SecAggShareKeysRequest.shares[3].box: 70000 bytes, at most 4096',
    });
    expect(refusal('UploadUpdate', received('UploadUpdate', { header: { ...header, sha256: Buffer.alloc(4097) } }))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'UpdateChunk.header.sha256: 4097 bytes, at most 4096',
    });
  });

  it('lets update chunks and sealed keys be as large as a chunk, and no larger', () => {
    const small = new MessageLimits(federationLimits(1024));
    expect(() => small.check(`${F}UploadUpdate`, { data: Buffer.alloc(1024) }, 1)).not.toThrow();
    expect(refusal('UploadUpdate', { data: Buffer.alloc(1025) }, 1, small)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'UpdateChunk.data: 1025 bytes, at most 1024',
    });
    expect(refusal('SubmitKeyEnvelopes', { ...VALID['SubmitKeyEnvelopes'], sealedKey: Buffer.alloc(1025) }, 0, small)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'KeyEnvelope.sealed_key: 1025 bytes, at most 1024',
    });
    expect(() => limits.check(`${F}UploadUpdate`, { data: Buffer.alloc(1 << 20) }, 1)).not.toThrow();
  });

  it('bounds strings in UTF-8 bytes', () => {
    expect(refusal('Register', received('Register', { ...VALID['Register'], site: 's'.repeat(300) }))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'RegisterRequest.site: 300 bytes, at most 256',
    });
    // 100 characters of three bytes each.
    expect(refusal('Register', received('Register', { ...VALID['Register'], nodeVersion: '€'.repeat(100) }))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'RegisterRequest.node_version: 300 bytes, at most 256',
    });
    expect(() => limits.check(`${F}Register`, { ...VALID['Register'], nodeVersion: '€'.repeat(85) })).not.toThrow();
    expect(refusal('UploadUpdate', { header: { ...header, studyId: 'x'.repeat(257) } })).toMatchObject({
      message: 'UpdateChunk.header.study_id: 257 bytes, at most 256',
    });
  });

  it('takes ledger entries as many and as large as the ledger service does', () => {
    expect(() => limits.check(`${F}AppendLedgerEntries`, { clinicId: 'a', entries: ['x'.repeat(64 * 1024)] })).not.toThrow();
    expect(refusal('AppendLedgerEntries', { clinicId: 'a', entries: ['{}', 'x'.repeat(64 * 1024 + 1)] })).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'LedgerEntries.entries[1]: 65537 bytes, at most 65536',
    });
    expect(() => limits.check(`${F}AppendLedgerEntries`, { clinicId: 'a', entries: Array(1000).fill('{}') })).not.toThrow();
    expect(refusal('AppendLedgerEntries', received('AppendLedgerEntries', { clinicId: 'a', entries: Array(1001).fill('{}') }))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'LedgerEntries.entries: 1001 items, at most 1000',
    });
  });

  it('bounds every other repeated field by the default', () => {
    const shares = Array.from({ length: 4097 }, () => ({
      dealerClinicId: 'b',
      kind: 'self-mask',
      point: 1,
      value: Buffer.alloc(66),
      signature: Buffer.alloc(64),
    }));
    expect(refusal('SecAggRevealShares', { clinicId: 'a', studyId: 's', round: 1, shares })).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'SecAggReveal.shares: 4097 items, at most 4096',
    });
  });

  it('refuses NaN and infinite doubles and 64-bit integers it cannot hold exactly', () => {
    expect(refusal('ReportEvaluation', received('ReportEvaluation', { ...VALID['ReportEvaluation'], accuracy: NaN }))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'EvaluationReport.accuracy: NaN, must be a finite number',
    });
    expect(refusal('UploadUpdate', received('UploadUpdate', { header: { ...header, trainLoss: -Infinity } }))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'UpdateChunk.header.train_loss: -Infinity, must be a finite number',
    });
    expect(refusal('UploadUpdate', received('UploadUpdate', { header: { ...header, totalBytes: '18446744073709551615' } }))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'UpdateChunk.header.total_bytes: 18446744073709552000, beyond 2^53 - 1, the largest integer the coordinator holds exactly',
    });
    expect(() => limits.check(`${F}UploadUpdate`, received('UploadUpdate', { header: { ...header, numSamples: Number.MAX_SAFE_INTEGER } }))).not.toThrow();
  });

  it('bounds nesting and the messages of one call', () => {
    const flat = new MessageLimits({ ...DEFAULT_LIMITS, depth: 1 });
    expect(refusal('UploadUpdate', { header }, 0, flat)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'UpdateChunk.header: messages nested deeper than 1',
    });
    expect(() => flat.check(`${F}UploadUpdate`, { data: Buffer.alloc(8) }, 1)).not.toThrow();
    expect(refusal('Register', VALID['Register']!, 1)).toEqual({ code: status.RESOURCE_EXHAUSTED, message: 'Register: more than 1 message in one call' });
    expect(() => limits.check(`${F}UploadUpdate`, { data: Buffer.alloc(8) }, MAX_UPLOAD_CHUNKS)).not.toThrow();
    expect(refusal('UploadUpdate', { data: Buffer.alloc(8) }, MAX_UPLOAD_CHUNKS + 1)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: `UploadUpdate: more than ${MAX_UPLOAD_CHUNKS + 1} messages in one call`,
    });
    expect(refusal('SubmitKeyEnvelopes', VALID['SubmitKeyEnvelopes']!, 1024)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'SubmitKeyEnvelopes: more than 1024 messages in one call',
    });
  });

  it('turns bytes that do not decode into an INVALID_ARGUMENT naming the field where decoding failed', () => {
    const upload = Buffer.from(codec('UploadUpdate').requestSerialize(VALID['UploadUpdate']!));
    // Cut inside the header's study id: the header's own length now runs past the end.
    const truncated = codec('UploadUpdate').requestDeserialize(upload.subarray(0, 15));
    expect(truncated).toBeInstanceOf(UndecodableRequest);
    expect(refusal('UploadUpdate', truncated)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^UpdateChunk\.header: cannot be decoded as protobuf \(declares \d+ bytes at byte 0, 13 remain\)$/),
    });
    // A bytes field whose length prefix promises more than the message holds. (A string's is cut to
    // what is there: protobufjs's buffer reader clamps strings, so that one decodes.)
    const advert = Buffer.from(codec('SecAggAdvertise').requestSerialize({ clinicId: 'clinic-a', channelPublicKey: Buffer.alloc(32) }));
    advert[11] = 100; // the key's length byte (field 4 starts at byte 10)
    expect(refusal('SecAggAdvertise', codec('SecAggAdvertise').requestDeserialize(advert))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'SecAggAdvert.channel_public_key: cannot be decoded as protobuf (wire type 2 at byte 10: index out of range: 12 + 100 > 44)',
    });
    // An unknown field with wire type 7, which does not exist.
    expect(refusal('WatchTasks', codec('WatchTasks').requestDeserialize(Buffer.from([0x7f, 0x01])))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'WatchTasksRequest: cannot be decoded as protobuf (unknown field 15 with wire type 7 at byte 0: invalid wire type 7 at offset 1)',
    });
    // A repeated message's entry is named by its position.
    const shares = [0, 1, 2].map((i) => ({ fromClinicId: 'a', toClinicId: `c${i}`, nonce: Buffer.alloc(12), box: Buffer.alloc(8) }));
    const request = Buffer.from(codec('SecAggShareKeys').requestSerialize({ shares }));
    expect(refusal('SecAggShareKeys', codec('SecAggShareKeys').requestDeserialize(request.subarray(0, request.length - 3)))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^SecAggShareKeysRequest\.shares\[2\]: cannot be decoded as protobuf \(declares \d+ bytes at byte \d+, \d+ remain\)$/),
    });
    // A 64-bit varint of eleven bytes.
    expect(refusal('UploadUpdate', codec('UploadUpdate').requestDeserialize(Buffer.from([0x0a, 12, 0x30, ...Array(10).fill(0xff), 0x01])))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'UpdateChunk.header.num_samples: cannot be decoded as protobuf (wire type 0 at byte 2: invalid varint encoding)',
    });
  });

  it('lists a bound for every string, bytes and repeated field of every request, and refuses limits for fields that do not exist', () => {
    const table = limits.table();
    const bound = (field: string, kind: string) => table.find((row) => row.field === field && row.kind === kind)?.max;
    expect(bound('RegisterRequest.node_version', 'string')).toBe(256);
    expect(bound('KeyEnvelope.sealed_key', 'bytes')).toBe(1 << 20);
    expect(bound('LedgerEntries.entries', 'items')).toBe(1000);
    expect(bound('LedgerEntries.entries', 'string')).toBe(65536);
    expect(bound('SecAggSealedShares.box', 'bytes')).toBe(4096);
    expect(
      table
        .filter((row) => row.kind === 'finite')
        .map((row) => row.field)
        .sort(),
    ).toEqual([
      'EvaluationReport.accuracy',
      'EvaluationReport.c_index',
      'EvaluationReport.loss',
      'SubgroupReport.predicted_positive',
      'UpdateHeader.train_loss',
    ]);
    expect(() => new MessageLimits({ ...DEFAULT_LIMITS, fields: { 'RegisterRequest.nickname': { bytes: 10 } } })).toThrow(
      'message limits name fields no request has: RegisterRequest.nickname',
    );
  });
});
