import { randomBytes } from 'node:crypto';
import { createIdentity } from '../identity/index.js';
import { SecAggClient } from './client-round.js';
import { SecAggServer } from './server-round.js';

// Test support for the secagg tests (not a test file itself): a whole round run in memory.

/** A whole round in memory: clinics drop (never answer) at the stage named for them. */
export function runRound(options: {
  n: number;
  degree: number;
  threshold: number;
  words: number;
  drop?: Map<string, 'advert' | 'shares' | 'masked' | 'reveal'>;
}) {
  const { n, degree, threshold, words } = options;
  const drop = options.drop ?? new Map();
  const round = 'study-x#3';
  const ids = Array.from({ length: n }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
  const identities = new Map(ids.map((id) => [id, createIdentity(id)]));
  const server = new SecAggServer({
    round,
    order: ids,
    degree,
    threshold,
    words,
    signKeys: new Map(ids.map((id) => [id, identities.get(id)!.signing.publicKey])),
  });
  const clients = ids.map((id) => new SecAggClient(identities.get(id)!, round));
  const inputs = new Map(ids.map((id) => [id, new Uint32Array(randomBytes(words * 4).buffer)]));
  const live = (stage: string) =>
    clients.filter(
      (c) =>
        !['advert', 'shares', 'masked', 'reveal'].slice(0, ['advert', 'shares', 'masked', 'reveal'].indexOf(stage) + 1).includes(drop.get(c.clinicId) ?? ''),
    );
  for (const c of live('advert')) server.advertise(c.advert);
  const views = server.closeAdvertising();
  for (const c of live('shares').filter((c) => views.has(c.clinicId))) server.shareKeys(c.clinicId, c.shareKeys(views.get(c.clinicId)!));
  const deliveries = server.closeSharing();
  for (const c of live('masked').filter((c) => deliveries.has(c.clinicId))) {
    c.receiveShares(deliveries.get(c.clinicId)!);
    server.maskedInput(c.clinicId, c.maskInput(inputs.get(c.clinicId)!));
  }
  const requests = server.closeMasking();
  for (const c of live('reveal').filter((c) => requests.has(c.clinicId))) server.reveal(c.clinicId, c.reveal(requests.get(c.clinicId)!));
  const result = server.unmask();
  const expected = new Uint32Array(words);
  for (const id of result.survivors) inputs.get(id)!.forEach((v, i) => (expected[i] = (expected[i]! + v) >>> 0));
  return { result, expected, server, clients, identities, requests, round };
}
