/**
 * What secure aggregation costs against a plaintext float32 round, measured side by side in one run
 * on this machine: the bytes each clinic sends (the real protobuf encodings of its messages), each
 * party's compute, and the round as a whole. A fraction of the clinics drops after sharing keys, so
 * the coordinator reconstructs their mask keys and removes their pairwise masks (the expensive case).
 * Compute only: no network, no training, everything in one process.
 *
 * Run it with `cohort bench secagg [--clinics 100] [--params 100000] [--dropout 0.3] [--repeats 3] [--json]`
 * or `npm run bench:secagg -- ...` (through npm/npx, so that Node 22 runs it).
 */
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';
import { median, seconds } from './timing.js';
import { DEFAULT_CHUNK_BYTES, sha256, splitIntoChunks } from '../common/chunk-stream.js';
import { FEDERATION_PROTO } from '../common/paths.js';
import { permutation, seededRandom, type SeededRandom } from '../common/random.js';
import { advertToWire, neighboursToWire, sealedToWire, secAggRoundId, shareToWire } from '../wire/secagg-wire.js';
import { weightedMeanDelta } from '../strategies/aggregate.js';
import type { FitResult } from '../strategies/strategy.js';
import { plainFloat32Codec } from '../crypto/codec/plain.js';
import { createIdentity, type ClinicIdentity } from '../crypto/identity/index.js';
import {
  bytesToWords,
  degreeForDropout,
  dequantizeSum,
  fixedPointFor,
  MASKED_INPUT_CODEC,
  neighbourGraph,
  quantizeWeighted,
  SecAggClient,
  SecAggServer,
  wordsToBytes,
  type FixedPoint,
  type SecAggResult,
} from '../crypto/secagg/index.js';
import type { UpdateHeader } from '../protos/generated/cohort/v1/UpdateHeader.js';
import { alignColumns, formatCount, formatSeconds } from './report-format.js';

export interface SecAggBenchOptions {
  /** Clinics selected for the round (at least 3). */
  clinics?: number;
  /** Parameters in the model. */
  params?: number;
  /** Fraction of the clinics that drop after sharing keys (rounded to whole clinics). */
  dropout?: number;
  /** Timed rounds after the warm-up; every timing reported is the median over them. */
  repeats?: number;
  /** Seeds the updates, weights and the dropout set. */
  seed?: number;
  /** One line per finished round. */
  onProgress?: (line: string) => void;
}

/** Bytes of one clinic's messages: protobuf encodings of protos/cohort/v1/federation.proto, gRPC framing excluded. */
export interface SecAggClinicBytes {
  /** SecAggAdvert. */
  advert: number;
  /** SecAggShareKeysRequest: one sealed share pair per neighbour. */
  share_keys: number;
  /** The masked input as an UploadUpdate stream (UpdateChunk header, then data chunks), codec secagg-u32. */
  masked_input: number;
  /** SecAggStageRequest, the call that fetches the unmask request. */
  stage_request: number;
  /** SecAggReveal. */
  reveal: number;
}

/** Bytes the coordinator sends one clinic. */
export interface SecAggCoordinatorBytes {
  /** SecAggNeighbours: the neighbours' adverts and signing keys. */
  neighbours: number;
  /** SecAggShareDelivery: the share pairs sealed to the clinic. */
  share_delivery: number;
  /** SecAggUnmask. */
  unmask: number;
}

/** Mean seconds per clinic of each client step. */
export interface SecAggClientTimes {
  advert: number;
  share_keys: number;
  receive_shares: number;
  quantise: number;
  /** Masking, then the words as bytes (wordsToBytes). */
  mask: number;
  reveal: number;
}

/** Seconds of the coordinator's work per stage. */
export interface SecAggCoordinatorTimes {
  /** new SecAggServer (the neighbour graph), every advertise, closeAdvertising. */
  adverts: number;
  /** Every shareKeys, closeSharing. */
  shares: number;
  /** Every masked input read (bytesToWords) and added to the running sum, closeMasking. */
  masked_inputs: number;
  /** Every reveal: the checks and dealer signatures of each share. */
  reveals: number;
  /** unmask (survivors' self masks off, dropped clinics' mask keys reconstructed and their pairwise masks off), then dequantizeSum. */
  unmask: number;
}

/** Seconds are wall time on one core; bytes are exact encodings. */
export interface SecAggBenchReport {
  clinics: number;
  params: number;
  dropout: number;
  /** Clinics that shared keys, then sent no masked input. */
  dropped: number;
  /** Clinics whose masked input is in the sum. */
  survivors: number;
  degree: number;
  threshold: number;
  clip: number;
  max_total_weight: number;
  repeats: number;
  seed: number;
  node_version: string;
  /**
   * Uniformly random dropout sets of this size drawn from the seed, and the fraction of them that
   * would abort the round (some clinic with fewer than `threshold` surviving neighbours); the round
   * measured uses the first that does not.
   */
  dropout_sets_drawn: number;
  dropout_abort_fraction: number;
  /** The float32 update as an UploadUpdate stream (header and data chunks), codec plain-f32. */
  plaintext_update_bytes: number;
  /** Means over surviving clinics, message by message. */
  clinic_bytes: SecAggClinicBytes;
  /** Everything a surviving clinic sends in the round: mean and max over them. */
  clinic_sent_bytes_mean: number;
  clinic_sent_bytes_max: number;
  ratio_sent_to_plaintext_mean: number;
  ratio_sent_to_plaintext_max: number;
  /** What a dropped clinic sent (advert and shares), mean over them; 0 without dropouts. */
  dropped_clinic_sent_bytes_mean: number;
  /** Means over surviving clinics, message by message. */
  coordinator_bytes: SecAggCoordinatorBytes;
  coordinator_sent_bytes_mean: number;
  coordinator_sent_bytes_max: number;
  /** Means over surviving clinics, step by step. */
  clinic_times: SecAggClientTimes;
  /** One surviving clinic's whole round: advert, shares, receiving shares, quantising, masking, revealing. */
  clinic_s: number;
  /** One dropped clinic's share of the work: advert, shares, receiving shares. */
  dropped_clinic_s: number;
  coordinator_times: SecAggCoordinatorTimes;
  coordinator_s: number;
  /** Mean over surviving clinics of one plainFloat32Codec.encode. */
  plaintext_encode_s: number;
  /** The coordinator's plainFloat32Codec.decode of every surviving update plus weightedMeanDelta over them. */
  plaintext_aggregate_s: number;
  /** Every clinic's client work (dropped ones included) plus the coordinator's, serial on one core. */
  secure_round_s: number;
  /** The survivors' encodes plus the coordinator's decode and weighted mean: the same updates in the clear. */
  plaintext_round_s: number;
  ratio_secure_to_plaintext_round: number;
  /** Rounds (warm-up included) whose unmasked sum was compared word by word with the plain integer sum of the survivors' quantised updates, and matched. */
  sum_checks: number;
  /** Largest |secure weighted mean - plaintext weighted mean| over all parameters (fixed-point rounding). */
  max_abs_error: number;
}

/** Each clinic's updates are clipped to this range before quantising. */
const CLIP = 8;
/** Largest weight (record count) a clinic can have; its bound on the total weight is clinics x this. */
const MAX_WEIGHT = 1000;
/** Dropout sets drawn to estimate how often a round with this dropout aborts. */
const DROPOUT_DRAWS = 10_000;
/** Study ids are UUIDs: a fixed one, so byte counts compare between runs. */
const STUDY_ID = '5b0e6a8c-2f4d-4c1e-9a7b-3d2e1f0c4b6a';

interface Update {
  delta: Float32Array;
  weight: number;
}

interface Setup {
  ids: string[];
  identities: Map<string, ClinicIdentity>;
  updates: Map<string, Update>;
  dropped: Set<string>;
  degree: number;
  threshold: number;
  fp: FixedPoint;
  params: number;
  wire: WireSizes;
}

interface RoundMeasure {
  clinicTimes: Map<string, Record<keyof SecAggClientTimes, number>>;
  coordinator: SecAggCoordinatorTimes;
  survivors: number;
  /** Mean over surviving clinics. */
  plainEncode: number;
  plainAggregate: number;
  clinicBytes: Map<string, SecAggClinicBytes>;
  coordinatorBytes: Map<string, SecAggCoordinatorBytes>;
  plaintextBytes: number;
  error: number;
}

export async function runSecAggBench(options: SecAggBenchOptions = {}): Promise<SecAggBenchReport> {
  const { clinics = 100, params = 100_000, dropout = 0.3, repeats = 3, seed = 1, onProgress = () => {} } = options;
  if (!(Number.isInteger(clinics) && clinics >= 3)) throw new Error(`clinics must be a whole number >= 3 (secure aggregation needs 3), got ${clinics}`);
  if (!(Number.isInteger(params) && params >= 1)) throw new Error(`params must be a positive integer, got ${params}`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`dropout must be a fraction in [0, 1), got ${dropout}`);

  const random = seededRandom(seed);
  const ids = Array.from({ length: clinics }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
  const degree = degreeForDropout(clinics, dropout);
  const threshold = Math.floor(degree / 2) + 1;
  const { dropped, abortFraction } = drawDropouts(ids, degree, threshold, Math.round(dropout * clinics), random);
  const setup: Setup = {
    ids,
    identities: new Map(ids.map((id) => [id, createIdentity(id)])),
    updates: new Map(ids.map((id) => [id, randomUpdate(params, random)])),
    dropped,
    degree,
    threshold,
    fp: fixedPointFor(CLIP, clinics * MAX_WEIGHT),
    params,
    wire: wireSizes(),
  };

  // Warm-up: JIT, node:crypto's contexts, the heap grown to its working size.
  const rounds: RoundMeasure[] = [];
  for (let r = 0; r <= repeats; r++) {
    const measure = round(setup, r + 1);
    onProgress(
      `round ${r === 0 ? 'warm-up' : `${r}/${repeats}`}: secure ${formatSeconds(secureRound(measure))}, plaintext ${formatSeconds(plaintextRound(measure))}, unmasked sum checked`,
    );
    if (r > 0) rounds.push(measure);
  }

  const survivors = ids.filter((id) => !dropped.has(id));
  const last = rounds[rounds.length - 1]!;
  const sent = survivors.map((id) => total(last.clinicBytes.get(id)!));
  const received = survivors.map((id) => total(last.coordinatorBytes.get(id)!));
  const droppedSent = [...dropped].map((id) => total(last.clinicBytes.get(id)!));
  const steps = Object.keys(last.clinicTimes.get(ids[0]!)!) as (keyof SecAggClientTimes)[];
  const clinicTimes = Object.fromEntries(
    steps.map((step) => [step, median(rounds.map((m) => mean(survivors.map((id) => m.clinicTimes.get(id)![step]))))]),
  ) as unknown as SecAggClientTimes;
  const coordinatorTimes = Object.fromEntries(
    Object.keys(last.coordinator).map((k) => [k, median(rounds.map((m) => m.coordinator[k as keyof SecAggCoordinatorTimes]))]),
  ) as unknown as SecAggCoordinatorTimes;
  const secureRoundS = median(rounds.map(secureRound));
  const plaintextRoundS = median(rounds.map(plaintextRound));
  const sentMean = mean(sent);
  const sentMax = Math.max(...sent);
  return {
    clinics,
    params,
    dropout,
    dropped: dropped.size,
    survivors: survivors.length,
    degree,
    threshold,
    clip: CLIP,
    max_total_weight: setup.fp.maxTotalWeight,
    repeats,
    seed,
    node_version: process.version,
    dropout_sets_drawn: DROPOUT_DRAWS,
    dropout_abort_fraction: abortFraction,
    plaintext_update_bytes: last.plaintextBytes,
    clinic_bytes: meanFields(survivors.map((id) => last.clinicBytes.get(id)!)),
    clinic_sent_bytes_mean: sentMean,
    clinic_sent_bytes_max: sentMax,
    ratio_sent_to_plaintext_mean: sentMean / last.plaintextBytes,
    ratio_sent_to_plaintext_max: sentMax / last.plaintextBytes,
    dropped_clinic_sent_bytes_mean: droppedSent.length > 0 ? mean(droppedSent) : 0,
    coordinator_bytes: meanFields(survivors.map((id) => last.coordinatorBytes.get(id)!)),
    coordinator_sent_bytes_mean: mean(received),
    coordinator_sent_bytes_max: Math.max(...received),
    clinic_times: clinicTimes,
    clinic_s: median(rounds.map((m) => mean(survivors.map((id) => total(m.clinicTimes.get(id)!))))),
    dropped_clinic_s: dropped.size > 0 ? median(rounds.map((m) => mean([...dropped].map((id) => total(m.clinicTimes.get(id)!))))) : 0,
    coordinator_times: coordinatorTimes,
    coordinator_s: median(rounds.map((m) => total(m.coordinator))),
    plaintext_encode_s: median(rounds.map((m) => m.plainEncode)),
    plaintext_aggregate_s: median(rounds.map((m) => m.plainAggregate)),
    secure_round_s: secureRoundS,
    plaintext_round_s: plaintextRoundS,
    ratio_secure_to_plaintext_round: secureRoundS / plaintextRoundS,
    sum_checks: rounds.length + 1,
    max_abs_error: Math.max(...rounds.map((m) => m.error)),
  };
}

/**
 * One round, secure then plaintext, each party's work timed on its own. Dropped clinics advertise,
 * share keys and receive shares, then never send their masked input. Throws when the unmasked sum
 * is not the survivors' plain sum (see {@link checkUnmaskedSum}).
 */
function round(setup: Setup, roundNumber: number): RoundMeasure {
  const { ids, identities, updates, dropped, fp, params, wire } = setup;
  const roundId = secAggRoundId(STUDY_ID, roundNumber);
  const stage = { studyId: STUDY_ID, round: roundNumber };
  const survivors = ids.filter((id) => !dropped.has(id));
  const clinicTimes = new Map(ids.map((id) => [id, { advert: 0, share_keys: 0, receive_shares: 0, quantise: 0, mask: 0, reveal: 0 }]));
  const coordinator: SecAggCoordinatorTimes = { adverts: 0, shares: 0, masked_inputs: 0, reveals: 0, unmask: 0 };
  const clinicBytes = new Map(ids.map((id) => [id, { advert: 0, share_keys: 0, masked_input: 0, stage_request: 0, reveal: 0 }]));
  const coordinatorBytes = new Map(ids.map((id) => [id, { neighbours: 0, share_delivery: 0, unmask: 0 }]));
  const clinic = <T>(id: string, step: keyof SecAggClientTimes, work: () => T) => timed(clinicTimes.get(id)!, step, work);
  const coordinate = <T>(step: keyof SecAggCoordinatorTimes, work: () => T) => timed(coordinator, step, work);

  const signKeys = new Map(ids.map((id) => [id, identities.get(id)!.signing.publicKey]));
  const server = coordinate(
    'adverts',
    () => new SecAggServer({ round: roundId, order: ids, degree: setup.degree, threshold: setup.threshold, words: params + 1, signKeys }),
  );
  const clients = new Map<string, SecAggClient>();
  for (const id of ids) {
    const client = clinic(id, 'advert', () => new SecAggClient(identities.get(id)!, roundId));
    clients.set(id, client);
    clinicBytes.get(id)!.advert = wire.advert(advertToWire(client.advert, STUDY_ID, roundNumber));
    coordinate('adverts', () => server.advertise(client.advert));
  }
  const views = coordinate('adverts', () => server.closeAdvertising());

  for (const id of ids) {
    const view = views.get(id)!;
    coordinatorBytes.get(id)!.neighbours = wire.neighbours(neighboursToWire(view, STUDY_ID, roundNumber));
    const boxes = clinic(id, 'share_keys', () => clients.get(id)!.shareKeys(view));
    clinicBytes.get(id)!.share_keys = wire.shareKeys({ clinicId: id, ...stage, shares: boxes.map(sealedToWire) });
    coordinate('shares', () => server.shareKeys(id, boxes));
  }
  const deliveries = coordinate('shares', () => server.closeSharing());

  for (const id of ids) {
    const delivery = deliveries.get(id)!;
    coordinatorBytes.get(id)!.share_delivery = wire.shareDelivery({ shares: delivery.map(sealedToWire) });
    clinic(id, 'receive_shares', () => clients.get(id)!.receiveShares(delivery));
  }

  // The dropped clinics stop here: they never send their masked input.
  const expected = new Uint32Array(params + 1);
  for (const id of survivors) {
    const { delta, weight } = updates.get(id)!;
    const { words } = clinic(id, 'quantise', () => quantizeWeighted(delta, weight, fp));
    for (let i = 0; i < words.length; i++) expected[i] = (expected[i]! + words[i]!) >>> 0;
    const payload = clinic(id, 'mask', () => wordsToBytes(clients.get(id)!.maskInput(words)));
    clinicBytes.get(id)!.masked_input = wire.upload(
      { clinicId: id, ...stage, modelVersion: roundNumber - 1, codec: MASKED_INPUT_CODEC, numSamples: 0, trainLoss: 0 },
      payload,
    );
    coordinate('masked_inputs', () => server.maskedInput(id, bytesToWords(payload)));
  }
  const requests = coordinate('masked_inputs', () => server.closeMasking());

  for (const id of survivors) {
    const request = requests.get(id)!;
    clinicBytes.get(id)!.stage_request = wire.stageRequest({ clinicId: id, ...stage });
    coordinatorBytes.get(id)!.unmask = wire.unmask({ survivors: [...request.survivors], dropped: [...request.dropped] });
    const shares = clinic(id, 'reveal', () => clients.get(id)!.reveal(request));
    clinicBytes.get(id)!.reveal = wire.reveal({ clinicId: id, ...stage, shares: shares.map(shareToWire) });
    coordinate('reveals', () => server.reveal(id, shares));
  }
  const { result, secureMean } = coordinate('unmask', () => {
    const result = server.unmask();
    return { result, secureMean: dequantizeSum(result.sum, fp) };
  });
  checkUnmaskedSum(roundId, result, expected, dropped);

  // The same survivors' updates in the clear: the weight travels in the header, the coordinator pairs it with the payload.
  const plainTimes = { encode: 0, aggregate: 0 };
  const plain = timed(plainTimes, 'encode', () => survivors.map((id) => plainFloat32Codec.encode(updates.get(id)!.delta)));
  const plainMean = timed(plainTimes, 'aggregate', () => {
    const results: FitResult[] = plain.map((bytes, i) => ({
      clinicId: survivors[i]!,
      numSamples: updates.get(survivors[i]!)!.weight,
      delta: plainFloat32Codec.decode(bytes, params).values,
    }));
    return weightedMeanDelta(results, params);
  });
  // A plain upload states its weight and training loss in the clear (a secure one neither).
  const first = survivors[0]!;
  const plaintextBytes = wire.upload(
    { clinicId: first, ...stage, modelVersion: roundNumber - 1, codec: plainFloat32Codec.name, numSamples: updates.get(first)!.weight, trainLoss: 0.6931 },
    plain[0]!,
  );

  let error = 0;
  for (let i = 0; i < params; i++) error = Math.max(error, Math.abs(secureMean.values[i]! - plainMean[i]!));
  return {
    clinicTimes,
    coordinator,
    survivors: survivors.length,
    plainEncode: plainTimes.encode / survivors.length,
    plainAggregate: plainTimes.aggregate,
    clinicBytes,
    coordinatorBytes,
    plaintextBytes,
    error,
  };
}

/** Runs `work`, adding its wall time in seconds to `times[step]`. */
function timed<T, K extends string>(times: Record<K, number>, step: K, work: () => T): T {
  const start = performance.now();
  const result = work();
  times[step] += seconds(start);
  return result;
}

/**
 * Refuses a round whose unmasked sum is not, word for word, the plain sum of the survivors' quantised
 * updates, or that left out or took in other clinics than expected: a broken round has no cost worth
 * reporting.
 */
export function checkUnmaskedSum(roundId: string, result: SecAggResult, expected: Uint32Array, dropped: ReadonlySet<string>): void {
  if (result.dropped.length !== dropped.size || !result.dropped.every((id) => dropped.has(id)) || result.survivors.some((id) => dropped.has(id))) {
    throw new Error(
      `round ${roundId}: the coordinator unmasked with ${result.dropped.length} dropped clinics (${result.dropped.join(', ')}), expected ${dropped.size} (${[...dropped].join(', ')})`,
    );
  }
  const wrong = result.sum.length !== expected.length ? Math.min(result.sum.length, expected.length) : result.sum.findIndex((word, i) => word !== expected[i]);
  if (wrong !== -1)
    throw new Error(
      `round ${roundId}: the unmasked sum differs from the survivors' plain sum at word ${wrong} (${result.sum[wrong]} against ${expected[wrong]}): the round is broken`,
    );
}

/** Encoded sizes of the federation messages, from the proto file itself (protobufjs, as @grpc/proto-loader reads it). */
interface WireSizes {
  advert(message: object): number;
  neighbours(message: object): number;
  shareKeys(message: object): number;
  shareDelivery(message: object): number;
  stageRequest(message: object): number;
  unmask(message: object): number;
  reveal(message: object): number;
  /** An UploadUpdate stream: the header chunk (with size and digest), then the payload's data chunks. */
  upload(header: Omit<UpdateHeader, 'totalBytes' | 'sha256'>, payload: Uint8Array): number;
}

function wireSizes(): WireSizes {
  const root = protobuf.loadSync(FEDERATION_PROTO);
  const size = (name: string) => {
    const type = root.lookupType(`cohort.v1.${name}`);
    return (message: object) => {
      const problem = type.verify(message);
      if (problem) throw new Error(`${name}: ${problem}`);
      // What @grpc/proto-loader's serializer sends: fromObject, then encode.
      return type.encode(type.fromObject(message)).finish().length;
    };
  };
  const chunk = size('UpdateChunk');
  return {
    advert: size('SecAggAdvert'),
    neighbours: size('SecAggNeighbours'),
    shareKeys: size('SecAggShareKeysRequest'),
    shareDelivery: size('SecAggShareDelivery'),
    stageRequest: size('SecAggStageRequest'),
    unmask: size('SecAggUnmask'),
    reveal: size('SecAggReveal'),
    upload: (header, payload) => {
      let bytes = chunk({ header: { ...header, totalBytes: payload.length, sha256: sha256(payload) } });
      for (const data of splitIntoChunks(payload, DEFAULT_CHUNK_BYTES)) bytes += chunk({ data });
      return bytes;
    },
  };
}

/**
 * `DROPOUT_DRAWS` uniformly random sets of `count` clinics from the seeded generator; the first with
 * which every clinic keeps at least `threshold` surviving neighbours (else the coordinator cannot
 * remove a survivor's self mask or a dropped clinic's pairwise masks, and the round aborts) is the
 * one measured. The fraction of the draws that fail says how often such a round aborts.
 */
function drawDropouts(ids: string[], degree: number, threshold: number, count: number, random: SeededRandom): { dropped: Set<string>; abortFraction: number } {
  const graph = [...neighbourGraph(ids, degree).values()].map((peers) => peers.map((peer) => ids.indexOf(peer)));
  let chosen: number[] | undefined;
  let aborts = 0;
  for (let draw = 0; draw < DROPOUT_DRAWS; draw++) {
    const out = new Uint8Array(ids.length);
    const set = permutation(ids.length, random).slice(0, count);
    for (const i of set) out[i] = 1;
    const finishes = graph.every((peers) => peers.reduce((alive, peer) => alive + (1 - out[peer]!), 0) >= threshold);
    if (!finishes) aborts++;
    else chosen ??= set;
  }
  if (!chosen) {
    throw new Error(
      `with ${count} of ${ids.length} clinics dropping, none of ${DROPOUT_DRAWS} random dropout sets leaves every clinic ${threshold} surviving neighbours (the threshold at degree ${degree}): such rounds abort`,
    );
  }
  return { dropped: new Set(chosen.map((i) => ids[i]!)), abortFraction: aborts / DROPOUT_DRAWS };
}

/** Deltas uniform in [-0.1, 0.1] and record counts in 100..1000. */
function randomUpdate(params: number, random: SeededRandom): Update {
  return { delta: Float32Array.from({ length: params }, () => (random.next() * 2 - 1) * 0.1), weight: 100 + random.int(MAX_WEIGHT - 99) };
}

function total(fields: object): number {
  return Object.values(fields).reduce((n: number, v: number) => n + v, 0);
}

/** The secure round, serial on one core: every clinic's work, dropped ones included, and the coordinator's. */
function secureRound(m: RoundMeasure): number {
  return [...m.clinicTimes.values()].reduce((n, steps) => n + total(steps), 0) + total(m.coordinator);
}

/** The plaintext round: the survivors' encodes, the coordinator's decodes and weighted mean. */
function plaintextRound(m: RoundMeasure): number {
  return m.plainEncode * m.survivors + m.plainAggregate;
}

function mean(values: number[]): number {
  return values.reduce((n, v) => n + v, 0) / values.length;
}

function meanFields<T extends object>(rows: T[]): T {
  return Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, mean(rows.map((row) => row[k as keyof T] as number))])) as T;
}

/** The report as three tables: bytes per clinic, compute per party, and the round against plaintext. */
export function formatSecAggBench(r: SecAggBenchReport): string {
  const n = formatCount;
  const ratio = (x: number) => `${x.toFixed(3)}x`;
  const b = r.clinic_bytes;
  const c = r.coordinator_bytes;
  const t = r.clinic_times;
  const k = r.coordinator_times;
  return [
    `SecAgg+ vs plaintext: ${n(r.params)} parameters, ${r.clinics} clinics, ${r.dropped} dropped after sharing keys (dropout ${r.dropout}), degree ${r.degree}, threshold ${r.threshold}, median of ${r.repeats} rounds after a warm-up, node ${r.node_version}`,
    `compute only, in one process: no network, no training; bytes are protobuf encodings (gRPC framing excluded)`,
    '',
    ...alignColumns([
      ['bytes per surviving clinic', 'mean', 'max', '/ plaintext'],
      ['plaintext f32 update (UploadUpdate)', n(r.plaintext_update_bytes), '', ''],
      ['  SecAggAdvert', n(b.advert), '', ''],
      ['  SecAggShareKeysRequest', n(b.share_keys), '', ''],
      ['  masked input (UploadUpdate, secagg-u32)', n(b.masked_input), '', ''],
      ['  SecAggStageRequest (unmask call)', n(b.stage_request), '', ''],
      ['  SecAggReveal', n(b.reveal), '', ''],
      [
        'clinic sends, all of it',
        n(r.clinic_sent_bytes_mean),
        n(r.clinic_sent_bytes_max),
        `${ratio(r.ratio_sent_to_plaintext_mean)} (max ${ratio(r.ratio_sent_to_plaintext_max)})`,
      ],
      ['coordinator sends the clinic', n(r.coordinator_sent_bytes_mean), n(r.coordinator_sent_bytes_max), ''],
      ['  neighbours / shares / unmask', `${n(c.neighbours)} / ${n(c.share_delivery)} / ${n(c.unmask)}`, '', ''],
    ]),
    `a dropped clinic sent ${n(r.dropped_clinic_sent_bytes_mean)} B (advert and shares)`,
    '',
    ...alignColumns([
      ['compute', 'time'],
      ['clinic, one whole round (mean)', formatSeconds(r.clinic_s)],
      ['  advert / shares / receive shares', `${formatSeconds(t.advert)} / ${formatSeconds(t.share_keys)} / ${formatSeconds(t.receive_shares)}`],
      ['  quantise / mask / reveal', `${formatSeconds(t.quantise)} / ${formatSeconds(t.mask)} / ${formatSeconds(t.reveal)}`],
      ['dropped clinic (until it dropped)', formatSeconds(r.dropped_clinic_s)],
      ['coordinator, whole round', formatSeconds(r.coordinator_s)],
      ['  adverts / shares / masked inputs', `${formatSeconds(k.adverts)} / ${formatSeconds(k.shares)} / ${formatSeconds(k.masked_inputs)}`],
      ['  reveals / unmask', `${formatSeconds(k.reveals)} / ${formatSeconds(k.unmask)}`],
      ['plaintext: clinic encodes (mean)', formatSeconds(r.plaintext_encode_s)],
      ['plaintext: coordinator decodes and averages', formatSeconds(r.plaintext_aggregate_s)],
    ]),
    '',
    ...alignColumns([
      ['round (serial, one core)', 'secure', 'plaintext', 'secure/plain'],
      ['every clinic + coordinator', formatSeconds(r.secure_round_s), formatSeconds(r.plaintext_round_s), ratio(r.ratio_secure_to_plaintext_round)],
    ]),
    `unmasked sum = the survivors' plain integer sum, word for word, in all ${r.sum_checks} rounds (warm-up included); secure mean vs plaintext mean: max abs error ${r.max_abs_error.toExponential(2)}`,
    `random dropout sets of ${r.dropped} clinics that abort the round (a clinic left with fewer than ${r.threshold} surviving neighbours): ${(100 * r.dropout_abort_fraction).toFixed(1)}% of ${n(r.dropout_sets_drawn)}; the round measured uses the first that does not`,
  ].join('\n');
}
