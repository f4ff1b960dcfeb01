/**
 * What CKKS aggregation costs against plaintext float32, measured side by side in one run on this
 * machine: bytes on the wire, each party's CPU time, and the round as a whole.
 *
 * Run it with `cohort bench he [--params 100000] [--clinics 10] [--parameter-set n8192-q60-s40] [--repeats 3] [--json]`
 * or `npm run bench:he -- ...` (through npm/npx, so that Node 22 runs it: node-seal 7 does not load on Node 20).
 */
import { performance } from 'node:perf_hooks';
import { median, seconds } from './timing.js';
import { plainFloat32Codec } from '../crypto/codec/plain.js';
import { CkksAggregator, CkksContext, CkksSecretKey, CkksUpdateCodec, DEFAULT_PARAMETER_SET } from '../crypto/ckks/index.js';
import { weightedMeanDelta } from '../strategies/aggregate.js';
import type { FitResult } from '../strategies/strategy.js';
import { alignColumns, formatCount, formatSeconds } from './report-format.js';

export interface HeBenchOptions {
  /** Parameters in the model. */
  params: number;
  /** Clinics contributing to the round. */
  clinics: number;
  parameterSet?: string;
  /** Timed rounds after the warm-up; every timing reported is the median over them. */
  repeats?: number;
}

/** Seconds are wall time on one core; bytes are exact wire sizes. */
export interface HeBenchReport {
  parameter_set: string;
  params: number;
  clinics: number;
  repeats: number;
  node_version: string;
  bytes_per_parameter: number;
  plaintext_bytes_per_parameter: number;
  /** One clinic's encrypted update (seeded ciphertexts). */
  update_bytes: number;
  plaintext_update_bytes: number;
  /** The encrypted sum the coordinator stores and clinics download (full ciphertexts). */
  aggregate_bytes: number;
  /** Mean over clinics of one clinic's CkksUpdateCodec.encode. */
  clinic_encrypt_s: number;
  encrypt_params_per_s: number;
  /** Mean over clinics of one CkksAggregator.add: size and header checks, SEAL load and validation, addition. */
  coordinator_aggregate_s_per_clinic: number;
  /** CkksAggregator.save: the sum serialized for storage. */
  coordinator_save_s: number;
  /** One clinic's codec.decode of the aggregate: decryption, decoding, division by the total weight. */
  clinic_decrypt_s: number;
  /** Mean over clinics of one plainFloat32Codec.encode. */
  plaintext_encode_s: number;
  /** The coordinator's plainFloat32Codec.decode of every update plus weightedMeanDelta over them. */
  plaintext_aggregate_s: number;
  /** The new model serialized (plainFloat32Codec.encode), the plaintext counterpart of coordinator_save_s. */
  plaintext_save_s: number;
  /** One clinic's plainFloat32Codec.decode of the new model, the counterpart of clinic_decrypt_s. */
  plaintext_decode_s: number;
  encrypted_round_s: number;
  plaintext_round_s: number;
  ratio_encrypted_to_plaintext_round: number;
  /** Largest |decrypted weighted mean - float64 weighted mean| over all parameters. */
  max_abs_error: number;
  /** The same for the plaintext path: float32 rounding alone, for scale. */
  plaintext_max_abs_error: number;
}

interface Update {
  delta: Float32Array;
  weight: number;
}

/** Timings of one round; the report takes the median of each over the repeats. */
interface RoundTimes {
  encrypt: number;
  aggregate: number;
  save: number;
  decrypt: number;
  plainEncode: number;
  plainAggregate: number;
  plainSave: number;
  plainDecode: number;
}

export async function runHeBench(options: HeBenchOptions): Promise<HeBenchReport> {
  const { params, clinics, parameterSet = DEFAULT_PARAMETER_SET.name, repeats = 3 } = options;
  if (!(Number.isInteger(params) && params >= 1)) throw new Error(`params must be a positive integer, got ${params}`);
  if (!(Number.isInteger(clinics) && clinics >= 1)) throw new Error(`clinics must be a positive integer, got ${clinics}`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`repeats must be a positive integer, got ${repeats}`);

  const updates = randomUpdates(params, clinics, 1);
  const expected = float64WeightedMean(updates, params);
  const ckks = await CkksContext.create(parameterSet);
  const key = CkksSecretKey.generate(ckks);
  const codec = new CkksUpdateCodec(ckks, key);
  try {
    // Warm-up: JIT, WASM heap growth to its working size, SEAL's precomputed tables.
    round(ckks, codec, updates, expected);
    const rounds = Array.from({ length: repeats }, () => round(ckks, codec, updates, expected));
    const t = (name: keyof RoundTimes) => median(rounds.map((r) => r.times[name]));

    // The round, defined the same way on both sides: per-clinic work counted once per clinic, as if
    // the clinics ran serially on one core; plus the coordinator's work (checking and adding every
    // update, then serializing the result); plus one clinic reading the result (decryption, or
    // float32 decoding). Training, network transfer and storage are left out: they are the same
    // work on both sides, apart from the bytes, which are reported separately.
    const encryptedRound = clinics * t('encrypt') + clinics * t('aggregate') + t('save') + t('decrypt');
    const plaintextRound = clinics * t('plainEncode') + t('plainAggregate') + t('plainSave') + t('plainDecode');
    const updateBytes = codec.encodedBytes(params);
    return {
      parameter_set: ckks.parameterSet.name,
      params,
      clinics,
      repeats,
      node_version: process.version,
      bytes_per_parameter: updateBytes / params,
      plaintext_bytes_per_parameter: plainFloat32Codec.encodedBytes(params) / params,
      update_bytes: updateBytes,
      plaintext_update_bytes: plainFloat32Codec.encodedBytes(params),
      aggregate_bytes: ckks.aggregateBytes(params),
      clinic_encrypt_s: t('encrypt'),
      encrypt_params_per_s: params / t('encrypt'),
      coordinator_aggregate_s_per_clinic: t('aggregate'),
      coordinator_save_s: t('save'),
      clinic_decrypt_s: t('decrypt'),
      plaintext_encode_s: t('plainEncode'),
      plaintext_aggregate_s: t('plainAggregate'),
      plaintext_save_s: t('plainSave'),
      plaintext_decode_s: t('plainDecode'),
      encrypted_round_s: encryptedRound,
      plaintext_round_s: plaintextRound,
      ratio_encrypted_to_plaintext_round: encryptedRound / plaintextRound,
      // Every round encrypts afresh (new randomness), so take the worst over all of them.
      max_abs_error: Math.max(...rounds.map((r) => r.error)),
      plaintext_max_abs_error: Math.max(...rounds.map((r) => r.plainError)),
    };
  } finally {
    codec.delete();
    key.delete();
    ckks.delete();
  }
}

/** One federated round, encrypted then plaintext, each step timed on its own. */
function round(ckks: CkksContext, codec: CkksUpdateCodec, updates: Update[], expected: Float64Array): { times: RoundTimes; error: number; plainError: number } {
  const params = expected.length;
  const totalWeight = updates.reduce((n, u) => n + u.weight, 0);

  let start = performance.now();
  const encrypted = updates.map((u) => codec.encode(u.delta, u.weight, updates.length));
  const encrypt = seconds(start) / updates.length;

  const aggregator = new CkksAggregator(ckks, params);
  let aggregate: number, save: number, saved: Uint8Array;
  try {
    start = performance.now();
    encrypted.forEach((bytes, i) => aggregator.add(bytes, `update ${i}`));
    aggregate = seconds(start) / updates.length;
    start = performance.now();
    saved = aggregator.save();
    save = seconds(start);
  } finally {
    aggregator.delete();
  }

  start = performance.now();
  const decoded = codec.decode(saved, params);
  const decrypt = seconds(start);
  // A wrong total weight would make every timing above meaningless: fail rather than report.
  if (decoded.weight !== totalWeight) throw new Error(`the aggregate decrypted to total weight ${decoded.weight}, expected ${totalWeight}`);

  start = performance.now();
  const plain = updates.map((u) => plainFloat32Codec.encode(u.delta));
  const plainEncode = seconds(start) / updates.length;

  // In plaintext the weight travels in the update header, so the coordinator pairs it with the payload.
  start = performance.now();
  const results: FitResult[] = plain.map((bytes, i) => ({
    clinicId: `clinic-${i}`,
    numSamples: updates[i]!.weight,
    delta: plainFloat32Codec.decode(bytes, params).values,
  }));
  const mean = weightedMeanDelta(results, params);
  const plainAggregate = seconds(start);

  start = performance.now();
  const model = plainFloat32Codec.encode(mean);
  const plainSave = seconds(start);
  start = performance.now();
  const read = plainFloat32Codec.decode(model, params).values;
  const plainDecode = seconds(start);

  return {
    times: { encrypt, aggregate, save, decrypt, plainEncode, plainAggregate, plainSave, plainDecode },
    error: maxAbsDiff(decoded.values, expected),
    plainError: maxAbsDiff(read, expected),
  };
}

/** Deltas uniform in [-0.1, 0.1] and sample counts in 50..500, from a seeded generator so runs compare. */
function randomUpdates(params: number, clinics: number, seed: number): Update[] {
  // mulberry32: fast, seedable, good enough for benchmark inputs (not for anything secret).
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: clinics }, () => ({
    delta: Float32Array.from({ length: params }, () => (next() * 2 - 1) * 0.1),
    weight: 50 + Math.floor(next() * 451),
  }));
}

function float64WeightedMean(updates: Update[], params: number): Float64Array {
  const total = updates.reduce((n, u) => n + u.weight, 0);
  const sum = new Float64Array(params);
  for (const { delta, weight } of updates) for (let i = 0; i < params; i++) sum[i]! += weight * delta[i]!;
  return sum.map((s) => s / total);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The report as a table: CKKS and plaintext side by side, with their ratio. */
export function formatHeBench(r: HeBenchReport): string {
  const s = formatSeconds;
  const n = formatCount;
  const ratio = (a: number, b: number) => `${n(a / b)}x`;
  const rows: [string, string, string, string][] = [
    ['', 'CKKS', 'plaintext f32', 'CKKS/plain'],
    ['bytes per parameter', n(r.bytes_per_parameter), n(r.plaintext_bytes_per_parameter), ratio(r.bytes_per_parameter, r.plaintext_bytes_per_parameter)],
    ['update bytes (one clinic)', n(r.update_bytes), n(r.plaintext_update_bytes), ratio(r.update_bytes, r.plaintext_update_bytes)],
    ['aggregate bytes (download)', n(r.aggregate_bytes), n(r.plaintext_update_bytes), ratio(r.aggregate_bytes, r.plaintext_update_bytes)],
    ['clinic: encode one update', s(r.clinic_encrypt_s), s(r.plaintext_encode_s), ratio(r.clinic_encrypt_s, r.plaintext_encode_s)],
    ['  parameters/s, one core', n(Math.round(r.encrypt_params_per_s)), n(Math.round(r.params / r.plaintext_encode_s)), ''],
    [
      'coordinator: per update',
      s(r.coordinator_aggregate_s_per_clinic),
      s(r.plaintext_aggregate_s / r.clinics),
      ratio(r.coordinator_aggregate_s_per_clinic * r.clinics, r.plaintext_aggregate_s),
    ],
    ['coordinator: save result', s(r.coordinator_save_s), s(r.plaintext_save_s), ratio(r.coordinator_save_s, r.plaintext_save_s)],
    ['clinic: read result', s(r.clinic_decrypt_s), s(r.plaintext_decode_s), ratio(r.clinic_decrypt_s, r.plaintext_decode_s)],
    ['round (serial, one core)', s(r.encrypted_round_s), s(r.plaintext_round_s), ratio(r.encrypted_round_s, r.plaintext_round_s)],
    ['max abs error vs float64', r.max_abs_error.toExponential(2), r.plaintext_max_abs_error.toExponential(2), ''],
  ];
  return [
    `CKKS ${r.parameter_set} vs plaintext: ${n(r.params)} parameters, ${r.clinics} clinics, median of ${r.repeats} rounds after a warm-up, node ${r.node_version}`,
    ...alignColumns(rows),
    'round = clinics x (encode) + coordinator (every update, save) + one clinic reading the result',
  ].join('\n');
}
