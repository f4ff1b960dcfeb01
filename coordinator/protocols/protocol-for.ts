import { parsePrivacyMode } from '../../common/privacy-mode.js';
import { CkksProtocol, type StudyKeyView } from './ckks.js';
import { dpLayer, type LedgerView } from './dp-layer.js';
import type { EncryptedAggregates, RoundKey } from './encrypted-aggregates.js';
import { PlainProtocol, type RoundReader } from './plain.js';
import { SecAggProtocol, type SecAggClinics } from './secagg.js';
import type { SecAggRounds } from './secagg-rounds.js';
import type { ProtocolStudy, UpdateProtocol } from './update-protocol.js';

/** Everything a protocol needs from outside itself; a test hands in its own. */
export interface ProtocolDependencies {
  rounds: RoundReader;
  storedPayloads(round: RoundKey): Promise<Uint8Array[]>;
  keys: StudyKeyView;
  clinics: SecAggClinics;
  ledger: LedgerView;
  sums: EncryptedAggregates;
  sessions: SecAggRounds;
}

/** The one place a study's privacy mode picks how its updates travel, with its DP layered on. */
export function protocolFor(study: ProtocolStudy, deps: ProtocolDependencies): UpdateProtocol {
  const { transport, dp: dpKind } = parsePrivacyMode(study.privacy);
  const dp = dpLayer(dpKind, study.dp, study, deps.ledger);
  switch (transport) {
    case 'plain':
      return new PlainProtocol(study, dp, deps.rounds);
    case 'ckks':
      return new CkksProtocol(study, dp, deps.keys, deps.sums, deps.storedPayloads);
    case 'secagg':
      return new SecAggProtocol(study, dp, deps.sessions, deps.clinics, deps.rounds);
  }
}
