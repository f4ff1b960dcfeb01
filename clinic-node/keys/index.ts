/**
 * Key custody at the clinic: its identity keystore, the key ceremony, and study keys.
 *
 * @example
 * const keystore = Keystore.create('/srv/cohort/keys', 'cleveland'); // once; enrol keystore.card
 * await generateStudyKey(client, keystore, studyId);                 // at one clinic per study
 * const key = await obtainStudyKey(client, keystore, studyId);        // at every clinic (nodes do it)
 */
export { generateStudyKey, obtainStudyKey, type CeremonyResult } from './key-ceremony.js';
export { Keystore, type StoredStudyKey } from './keystore.js';
