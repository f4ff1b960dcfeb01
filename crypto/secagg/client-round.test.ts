import { beforeEach, describe, expect, it } from '@jest/globals';
import { createIdentity, type ClinicIdentity } from '../identity/index.js';
import { SecAggClient, type NeighbourView } from './client-round.js';
import { SecAggError } from './messages.js';

// One clinic's own safety checks, on a complete graph of four (each clinic has k = 3 neighbours).

const round = 'study-c#1';
const ids = ['a', 'b', 'c', 'd'];
let identities: Map<string, ClinicIdentity>;
let clients: Map<string, SecAggClient>;

/** The view clinic `id` gets: every other clinic, clinic i at point i + 1. */
function viewOf(id: string, threshold: number): NeighbourView {
  const peers = ids
    .filter((other) => other !== id)
    .map((other) => ({ advert: clients.get(other)!.advert, signPublicKey: identities.get(other)!.signing.publicKey, point: ids.indexOf(other) + 1 }));
  return { point: ids.indexOf(id) + 1, threshold, peers };
}

/** Every clinic shares keys at threshold 2, and each receives what the others sealed to it. */
function shareAll(): void {
  const sealed = ids.flatMap((id) => clients.get(id)!.shareKeys(viewOf(id, 2)));
  for (const id of ids) clients.get(id)!.receiveShares(sealed.filter((box) => box.to === id));
}

beforeEach(() => {
  identities = new Map(ids.map((id) => [id, createIdentity(id)]));
  clients = new Map(ids.map((id) => [id, new SecAggClient(identities.get(id)!, round)]));
});

describe('SecAggClient refuses what would weaken it', () => {
  it('a threshold must be more than half of the neighbours and at most all of them', () => {
    const refused = (t: number) =>
      new SecAggError(
        `round ${round}: threshold ${t} for 3 neighbours refused: it must be more than half of them (so no one can gather both kinds of shares of a clinic) and at most all`,
      );
    // A refused view still ends the clinic's share stage: each attempt needs a fresh client.
    for (const t of [1, 4, 2.5, NaN]) expect(() => new SecAggClient(identities.get('a')!, round).shareKeys(viewOf('a', t))).toThrow(refused(t));
    expect(clients.get('b')!.shareKeys(viewOf('b', 2))).toHaveLength(3);
    expect(clients.get('c')!.shareKeys(viewOf('c', 3))).toHaveLength(3);
    // With 4 neighbours, 2 is exactly half: refused.
    const five = [...ids, 'e'];
    const e = new SecAggClient(createIdentity('e'), round);
    const peers = five
      .slice(0, 4)
      .map((other, i) => ({ advert: clients.get(other)!.advert, signPublicKey: identities.get(other)!.signing.publicKey, point: i + 1 }));
    expect(() => e.shareKeys({ point: 5, threshold: 2, peers })).toThrow(/threshold 2 for 4 neighbours refused/);
  });

  it('neighbours must be named, distinct and not the clinic itself; share points distinct and in 1..2^32-1', () => {
    const a = () => new SecAggClient(identities.get('a')!, round);
    const view = viewOf('a', 2);
    expect(() => a().shareKeys({ ...view, peers: [] })).toThrow(new SecAggError(`round ${round}: the coordinator named no neighbours`));
    const repeats = new SecAggError(`round ${round}: the neighbour list repeats a clinic or names this one`);
    expect(() => a().shareKeys({ ...view, peers: [view.peers[0]!, view.peers[0]!, view.peers[1]!] })).toThrow(repeats);
    const self = { advert: clients.get('a')!.advert, signPublicKey: identities.get('a')!.signing.publicKey, point: 9 };
    expect(() => a().shareKeys({ ...view, peers: [...view.peers.slice(0, 2), self] })).toThrow(repeats);
    const points = new SecAggError(`round ${round}: share points must be distinct whole numbers in 1..2^32-1`);
    for (const point of [0, 2 ** 32, 1.5, 2]) expect(() => a().shareKeys({ ...view, point })).toThrow(points);
    expect(() => a().shareKeys({ ...view, peers: view.peers.map((p, i) => (i === 0 ? { ...p, point: 2 ** 32 } : p)) })).toThrow(points);
    expect(a().shareKeys({ ...view, point: 2 ** 32 - 1 })).toHaveLength(3);
  });

  it('runs its stages once each, in order, naming the stage it is at', () => {
    const a = clients.get('a')!;
    expect(() => a.maskInput(new Uint32Array(2))).toThrow(new SecAggError(`round ${round}: a cannot mask its input now (its round is at stage "advertised")`));
    expect(() => a.receiveShares([])).toThrow(new SecAggError(`round ${round}: a cannot receive shares now (its round is at stage "advertised")`));
    a.shareKeys(viewOf('a', 2));
    expect(() => a.shareKeys(viewOf('a', 2))).toThrow(new SecAggError(`round ${round}: a cannot share keys now (its round is at stage "shared")`));
  });

  it('takes shares only from neighbours, once each, at its own point', () => {
    /** Fresh clients, each sharing keys; the boxes sealed to a. */
    const sealedToA = (pointOfA = 1) => {
      clients = new Map(ids.map((id) => [id, new SecAggClient(identities.get(id)!, round)]));
      return ids
        .flatMap((id) => clients.get(id)!.shareKeys(id === 'a' ? { ...viewOf('a', 2), point: pointOfA } : viewOf(id, 2)))
        .filter((box) => box.to === 'a');
    };
    const toA = sealedToA();
    expect(toA.map((box) => box.from)).toEqual(['b', 'c', 'd']);
    expect(() => clients.get('a')!.receiveShares([{ ...toA[0]!, from: 'mallory' }])).toThrow(
      new SecAggError(`round ${round}: shares from mallory, which is not a neighbour of a`),
    );
    const twice = sealedToA();
    expect(() => clients.get('a')!.receiveShares([twice[0]!, twice[0]!])).toThrow(new SecAggError(`round ${round}: two sets of shares from b`));
    // The others sealed a's shares at point 1 (its place in their views); a was told it holds point 7.
    const elsewhere = sealedToA(7);
    expect(() => clients.get('a')!.receiveShares([elsewhere[0]!])).toThrow(
      new SecAggError(`round ${round}: shares from b are at point 1, this clinic holds point 7`),
    );
    const honest = sealedToA();
    clients.get('a')!.receiveShares(honest);
    expect(clients.get('a')!.maskInput(Uint32Array.of(1, 2))).toHaveLength(2);
  });

  it('reveals exactly the self-mask shares of survivors then the mask-key shares of the dropped, once', () => {
    shareAll();
    const b = clients.get('b')!;
    b.maskInput(Uint32Array.of(1, 2));
    expect(() => b.reveal({ survivors: ['a', 'a'], dropped: [] })).toThrow(
      new SecAggError(`round ${round}: the unmask request names a clinic twice: refused, nothing revealed`),
    );
    expect(() => b.reveal({ survivors: ['a', 'c'], dropped: ['d', 'd'] })).toThrow(
      new SecAggError(`round ${round}: the unmask request names a clinic twice: refused, nothing revealed`),
    );
    // Threshold 2: one surviving neighbour plus b itself is enough; none is not.
    expect(() => b.reveal({ survivors: [], dropped: ['a'] })).toThrow(
      new SecAggError(`round ${round}: only 0 neighbours of b survive, fewer than the threshold 2: refused, nothing revealed`),
    );
    const shares = b.reveal({ survivors: ['c'], dropped: ['a', 'd'] });
    expect(shares.map((s) => [s.dealer, s.holder, s.kind, s.share.x])).toEqual([
      ['c', 'b', 'self-mask', 2],
      ['a', 'b', 'mask-key', 2],
      ['d', 'b', 'mask-key', 2],
    ]);
    expect(() => b.reveal({ survivors: ['c'], dropped: [] })).toThrow(
      new SecAggError(`round ${round}: b cannot reveal shares now (its round is at stage "revealed")`),
    );
  });
});
