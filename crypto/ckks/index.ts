/**
 * CKKS aggregation with node-seal: clinics encrypt weighted updates, the coordinator adds ciphertexts
 * without any key, clinics decrypt the sum and divide by the encrypted total weight.
 *
 * @example
 * const ckks = await CkksContext.create('n8192-q60-s40');
 * const key = CkksSecretKey.generate(ckks);                 // at one clinic, in the key ceremony
 * const codec = new CkksUpdateCodec(ckks, key);             // at every clinic
 * const aggregator = new CkksAggregator(ckks, delta.length); // at the coordinator: no key
 * aggregator.add(codec.encode(delta, numSamples));
 * const { values, weight } = codec.decode(aggregator.save(), delta.length); // weighted mean, total weight
 */
export { CkksAggregator } from './aggregator.js';
export { CKKS_CODEC_PREFIX, CkksUpdateCodec, ckksCodecName } from './ckks-codec.js';
export { CkksContext } from './context.js';
export { CkksContexts } from './contexts.js';
export {
  checkSecurity,
  DEFAULT_PARAMETER_SET,
  headroom,
  MAX_BITS_128,
  PARAMETER_SETS,
  parameterSetByName,
  totalModulusBits,
  type CkksParameterSet,
} from './parameter-sets.js';
export { checkSealHeader, readSealHeader, SEAL_MAGIC, splitSealBlobs } from './seal-header.js';
export { CkksSecretKey, keyIdOf } from './secret-key.js';
export { loadSeal, SealScope, withScope } from './seal.js';
