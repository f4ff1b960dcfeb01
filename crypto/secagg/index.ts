/**
 * Secure aggregation building blocks (Bonawitz et al. 2017, SecAgg+ graph of Bell et al. 2020):
 * Shamir sharing of 32-byte secrets over GF(2^521 - 1), masks in Z_(2^32) expanded by ChaCha20 from
 * 32-byte keys, pairwise mask keys from X25519 bound to the round and both ids, and the neighbour
 * graph. The protocol's stages over gRPC build on these (issue 5).
 *
 * @example
 * const shares = splitSecret(selfMaskSeed, threshold, neighbours.map(indexOf));
 * const masked = maskInput(quantised, selfMaskSeed, ownId, neighbours.map((peer) => ({ peerId: peer, key: pairwiseMaskKey(round, ownId, maskSecretKey, peer, peerMaskPublicKey) })));
 */
export { applyMask, expandMask, maskInput, pairwiseMaskKey, pairwiseSign } from './masks.js';
export { dequantizeSum, fixedPointFor, quantizeWeighted, type FixedPoint } from './fixed-point.js';
export { createAdvert, openShares, sealShares, SecAggError, verifyAdvert, type AdvertSecrets, type KeyAdvert, type SealedShares, type SharePair } from './messages.js';
export { defaultDegree, neighbourGraph } from './neighbours.js';
export { combineShares, FIELD_PRIME, ShamirError, shareValueBytes, shareValueFromBytes, splitSecret, type Share } from './shamir.js';
