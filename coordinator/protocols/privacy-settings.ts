import { HOUR_MS, SECOND_MS, seconds } from '../../common/durations.js';
import type { FieldReader } from '../../common/json-fields.js';
import { isPrivacyMode, parsePrivacyMode, PRIVACY_MODES, type PrivacyMode } from '../../common/privacy-mode.js';
import { DEFAULT_PARAMETER_SET, PARAMETER_SETS } from '../../crypto/index.js';

/** Secure aggregation of a study with privacy `secagg` or `secagg+dp`. */
export interface SecAggSettings {
  /** Each update value is clipped to [-clipRange, clipRange] before fixed-point quantisation. Default 8 (as Flower's SecAgg+). */
  clipRange: number;
  /**
   * Neighbours per clinic; null: the smallest that survives `expectedDropout` (a round fails with
   * probability below 1e-6), never below SecAgg+'s 2·ceil(log2 n); all pairs for small consortia. Default null.
   */
  degree: number | null;
  /** Shares needed to reconstruct a secret; null: just over half of the neighbours. Must be more than half. Default null. */
  threshold: number | null;
  /** Seconds each key stage (adverts, shares, unmasking) waits for its clinics, at most 21600 (6 hours). Default 30. */
  stageTimeoutS: number;
  /** The share of clinics a round should survive losing, when the degree is chosen for it. Default 0.1. */
  expectedDropout: number;
}

/** A key stage waits at most 6 hours: clinics answer a stage in seconds, and a stalled round should fail well before its timers could overflow. */
export const STAGE_TIMEOUT_S = seconds(0.001, (6 * HOUR_MS) / SECOND_MS);

export const DEFAULT_SECAGG: SecAggSettings = { clipRange: 8, degree: null, threshold: null, stageTimeoutS: 30, expectedDropout: 0.1 };

/** Differential privacy of a study with privacy `dp` or `he+dp` (patient-level DP-SGD at each clinic). */
export interface DpSettings {
  /** Epsilon the whole study may cost each clinic, at `delta`; each clinic calibrates its noise to it. Default 1. */
  targetEpsilon: number;
  /** Default 1e-5; keep it well below 1 / (records at the smallest clinic). */
  delta: number;
  /** L2 bound on each record's gradient. Default 1. */
  clipNorm: number;
}

export const DEFAULT_DP: DpSettings = { targetEpsilon: 1, delta: 1e-5, clipNorm: 1 };

/** CKKS settings of a study with privacy `he`. */
export interface EncryptionSettings {
  /** CKKS parameter set (crypto/ckks/parameter-sets.ts). Default `n8192-q60-s40`. */
  parameterSet: string;
}

/** A study's privacy as stored: the mode's name and the settings of the parts it uses (null for the others). */
export interface PrivacySettings<Mode extends string = string> {
  privacy: Mode;
  encryption: EncryptionSettings | null;
  dp: DpSettings | null;
  secagg: SecAggSettings | null;
}

/**
 * Reads a study definition's privacy mode and the settings of its parts, filling defaults and
 * recording every problem. Settings of a part the mode does not use are refused, not silently
 * ignored; the answer holds settings only for the parts the mode uses (null for the others).
 */
export function readPrivacy(field: FieldReader, problems: string[]): PrivacySettings<PrivacyMode> {
  const privacyName = field.string('privacy') ?? 'none';
  const privacy = isPrivacyMode(privacyName) ? privacyName : undefined;
  if (!privacy) problems.push(`privacy "${privacyName}" is not available (known: ${PRIVACY_MODES.join(', ')})`);
  const parts = privacy ? parsePrivacyMode(privacy) : undefined;
  const encryptionField = field.nested('encryption');
  const parameterSet = encryptionField.string('parameterSet') ?? DEFAULT_PARAMETER_SET.name;
  if (!PARAMETER_SETS.some((set) => set.name === parameterSet)) {
    problems.push(`encryption.parameterSet "${parameterSet}" is unknown (known: ${PARAMETER_SETS.map((set) => set.name).join(', ')})`);
  }

  const dpField = field.nested('dp');
  const dp: DpSettings = {
    targetEpsilon: dpField.positive('targetEpsilon') ?? DEFAULT_DP.targetEpsilon,
    delta: dpField.positive('delta') ?? DEFAULT_DP.delta,
    clipNorm: dpField.positive('clipNorm') ?? DEFAULT_DP.clipNorm,
  };
  if (!(dp.delta < 1)) problems.push(`dp.delta must be below 1, got ${dp.delta}`);
  // Settings for a mode the study does not use would be silently ignored: say so instead.
  if (parts && field.has('dp') && parts.dp === 'none')
    problems.push(`dp settings need privacy "dp", "he+dp" or "secagg+dp", the study's privacy is "${privacy}"`);
  if (parts && field.has('encryption') && parts.transport !== 'ckks')
    problems.push(`encryption settings need privacy "he" or "he+dp", the study's privacy is "${privacy}"`);
  const secaggField = field.nested('secagg');
  const secagg: SecAggSettings = {
    clipRange: secaggField.positive('clipRange') ?? DEFAULT_SECAGG.clipRange,
    degree: secaggField.integer('degree', 2) ?? DEFAULT_SECAGG.degree,
    threshold: secaggField.integer('threshold', 2) ?? DEFAULT_SECAGG.threshold,
    stageTimeoutS: secaggField.duration('stageTimeoutS', STAGE_TIMEOUT_S) ?? DEFAULT_SECAGG.stageTimeoutS,
    expectedDropout: secaggField.positive('expectedDropout') ?? DEFAULT_SECAGG.expectedDropout,
  };
  if (!(secagg.expectedDropout < 0.5))
    problems.push(`secagg.expectedDropout must be below 0.5 (more than half of every neighbourhood must survive), got ${secagg.expectedDropout}`);
  if (parts && field.has('secagg') && parts.transport !== 'secagg')
    problems.push(`secagg settings need privacy "secagg" or "secagg+dp", the study's privacy is "${privacy}"`);

  return {
    privacy: privacy ?? 'none',
    encryption: parts?.transport === 'ckks' ? { parameterSet } : null,
    dp: parts && parts.dp !== 'none' ? dp : null,
    secagg: parts?.transport === 'secagg' ? secagg : null,
  };
}

/** Secure aggregation needs 3 clinics at least: with 2, each learns the other's update from the sum. */
export function checkPrivacyQuorum(privacy: PrivacyMode, quorum: number, problems: string[]): void {
  if (parsePrivacyMode(privacy).transport === 'secagg' && quorum < 3) {
    problems.push(`secure aggregation needs a quorum of at least 3 clinics (with 2, each learns the other's update from the sum), got ${quorum}`);
  }
}
