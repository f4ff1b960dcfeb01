/**
 * A study's privacy mode, as its JSON and its tasks name it, split into its two independent parts:
 * how an update travels to the coordinator (`transport`) and which differential privacy is layered
 * on top (`dp`). Shared by coordinator, clinic node, simulations and benchmarks; imports nothing.
 *
 *   parsePrivacyMode('he+dp')      // { transport: 'ckks', dp: 'dp-sgd' }
 *   parsePrivacyMode('secagg+dp')  // { transport: 'secagg', dp: 'distributed' }
 *   privacyModeName({ transport: 'plain', dp: 'none' })  // 'none'
 */

/**
 * Privacy modes: plain updates (`none`); CKKS-encrypted updates and aggregates (`he`); DP-SGD at
 * every clinic with per-clinic budgets and ledgers (`dp`); both (`he+dp`); secure aggregation, where
 * the coordinator learns only the sum of the updates (`secagg`); and secure aggregation with
 * distributed DP noise added by the clinics (`secagg+dp`).
 */
export const PRIVACY_MODES = ['none', 'he', 'dp', 'he+dp', 'secagg', 'secagg+dp'] as const;
export type PrivacyMode = (typeof PRIVACY_MODES)[number];

/**
 * How an update travels: `plain` float32 the coordinator reads; `ckks` ciphertexts it sums without
 * a key; `secagg` masked inputs of which it learns only the sum.
 */
export type UpdateTransport = 'plain' | 'ckks' | 'secagg';

/**
 * Differential privacy layered on the transport: `none`; `dp-sgd`, patient-level DP-SGD at each
 * clinic (every local step is one Gaussian release); `distributed`, each clinic adds its share of
 * the noise to a securely aggregated sum (every round is one release).
 */
export type DpLayerKind = 'none' | 'dp-sgd' | 'distributed';

export interface PrivacyModeParts {
  readonly transport: UpdateTransport;
  readonly dp: DpLayerKind;
}

const PARTS: { readonly [M in PrivacyMode]: PrivacyModeParts } = {
  none: { transport: 'plain', dp: 'none' },
  he: { transport: 'ckks', dp: 'none' },
  dp: { transport: 'plain', dp: 'dp-sgd' },
  'he+dp': { transport: 'ckks', dp: 'dp-sgd' },
  secagg: { transport: 'secagg', dp: 'none' },
  'secagg+dp': { transport: 'secagg', dp: 'distributed' },
};

export class PrivacyModeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrivacyModeError';
  }
}

export function isPrivacyMode(name: string): name is PrivacyMode {
  return (PRIVACY_MODES as readonly string[]).includes(name);
}

/** The parts of a mode name; an unknown name is refused with the known ones. */
export function parsePrivacyMode(name: string): PrivacyModeParts {
  if (!isPrivacyMode(name)) throw new PrivacyModeError(`privacy "${name}" is not available (known: ${PRIVACY_MODES.join(', ')})`);
  return PARTS[name];
}

/** The mode name of a combination of parts; a combination no mode offers is refused. */
export function privacyModeName(parts: PrivacyModeParts): PrivacyMode {
  const mode = PRIVACY_MODES.find((m) => PARTS[m].transport === parts.transport && PARTS[m].dp === parts.dp);
  if (!mode) throw new PrivacyModeError(`no privacy mode combines transport "${parts.transport}" with dp "${parts.dp}"`);
  return mode;
}

/** Updates travel as CKKS ciphertexts (`he`, `he+dp`). */
export const encrypts = (privacy: string): boolean => parsePrivacyMode(privacy).transport === 'ckks';
/** Updates travel as masked inputs of secure aggregation (`secagg`, `secagg+dp`). */
export const securelyAggregates = (privacy: string): boolean => parsePrivacyMode(privacy).transport === 'secagg';
/** Some differential privacy is layered on the transport (`dp`, `he+dp`, `secagg+dp`). */
export const differentiallyPrivate = (privacy: string): boolean => parsePrivacyMode(privacy).dp !== 'none';
