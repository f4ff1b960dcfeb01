/**
 * How an update travels from a clinic to the coordinator, one protocol object per way: plain
 * float32 (plain.ts), CKKS ciphertexts summed without a key (ckks.ts), and secure aggregation
 * whose sessions decide their rounds (secagg.ts, sessions in secagg-rounds.ts). Differential
 * privacy is a layer each receives (dp-layer.ts). `protocolFor` is the one place a study's privacy
 * mode is looked at; the coordinator asks the protocol everything that depends on it.
 *
 * @example
 * const protocol = protocolFor(study, dependencies);          // study.privacy 'he+dp': CKKS with DP-SGD
 * await protocol.checkHeader(header, round);                  // key id, sizes, the clinic's ledger spend
 * if ((await protocol.deadlinePassed(round)) === 'answers') { ... close or fail by the quorum ... }
 * const version = await protocol.buildVersion(round);         // the encrypted sum, as it is
 *
 * To add a protocol: one class implementing UpdateProtocol, one case in protocolFor, and its mode
 * in common/privacy-mode.ts.
 */
export { CkksProtocol, type StudyKeyView } from './ckks.js';
export { dpLayer, NO_DP, type DpLayer, type LedgerView } from './dp-layer.js';
export { EncryptedAggregates, type RoundKey } from './encrypted-aggregates.js';
export { PLAIN, PlainProtocol, type RoundReader } from './plain.js';
export * from './privacy-settings.js';
export { protocolFor, type ProtocolDependencies } from './protocol-for.js';
export { SecAggProtocol, type SecAggClinics } from './secagg.js';
export { SecAggRounds, type SecAggRoundHandlers } from './secagg-rounds.js';
export type { DpTerms, EncryptionTerms, SecAggTerms } from './task-extras.js';
export type { UpdateHeader } from './update-header.js';
export * from './update-protocol.js';
