/**
 * Secure aggregation (Bonawitz et al. 2017 on the SecAgg+ neighbour graph of Bell et al. 2020): the
 * coordinator learns only the sum of the clinics' updates, even when some drop out mid-round.
 * `SecAggClient` is one clinic's side and `SecAggServer` the coordinator's, both pure and in memory,
 * one method per stage; the transport (gRPC) and timeouts live with the coordinator and the node.
 * Underneath: Shamir sharing of 32-byte secrets over GF(2^521 - 1), masks in Z_(2^32) expanded by
 * ChaCha20, X25519 pairwise keys bound to the round and both ids, signed adverts and shares, and
 * fixed-point weighted updates.
 *
 * @example
 * const server = new SecAggServer({ round, order, degree, threshold, words, signKeys });
 * const clients = order.map((id) => new SecAggClient(identities.get(id)!, round));
 * clients.forEach((c) => server.advertise(c.advert));
 * const views = server.closeAdvertising();
 * clients.forEach((c) => server.shareKeys(c.clinicId, c.shareKeys(views.get(c.clinicId)!)));
 * const deliveries = server.closeSharing();
 * clients.forEach((c) => { c.receiveShares(deliveries.get(c.clinicId)!); server.maskedInput(c.clinicId, c.maskInput(input(c))); });
 * const requests = server.closeMasking();
 * clients.forEach((c) => server.reveal(c.clinicId, c.reveal(requests.get(c.clinicId)!)));
 * server.unmask().sum; // Σ inputs mod 2^32
 */
export { SecAggClient, type NeighbourView, type UnmaskRequest } from './client-round.js';
export { SecAggRoundError, SecAggServer, type SecAggRefusal, type SecAggResult, type SecAggRoundPlan, type SecAggStage } from './server-round.js';
export { applyMask, expandMask, maskInput, pairwiseMaskKey, pairwiseSign } from './masks.js';
export { bytesToWords, dequantizeSum, fixedPointFor, MASKED_INPUT_CODEC, quantizeWeighted, wordsToBytes, type FixedPoint } from './fixed-point.js';
export {
  commitToSeed,
  createAdvert,
  openShares,
  sealShares,
  SEAL_NONCE_BYTES,
  SEALED_SHARES_BYTES,
  SecAggError,
  signShare,
  verifyAdvert,
  verifyShare,
  type AdvertSecrets,
  type KeyAdvert,
  type SealedShares,
  type SharePair,
  type ShareKind,
  type SignedShare,
} from './messages.js';
export { defaultDegree, degreeForDropout, neighbourGraph } from './neighbours.js';
export { combineShares, FIELD_PRIME, ShamirError, shareValueBytes, shareValueFromBytes, splitSecret, type Share } from './shamir.js';
