import { describe, expect, it } from '@jest/globals';
import { createIdentity } from '../identity/index.js';
import { SecAggClient } from './client-round.js';
import { signShare } from './messages.js';
import { SecAggServer, type SecAggRoundPlan } from './server-round.js';
import { splitSecret } from './shamir.js';

// SecAggServer's own refusals, one at a time: each names what was wrong, and leaves the round as it was.

const ROUND = 'study-s#1';

/** Five clinics a..e (all pairs, threshold 3) and their clients; `plan` overrides the round's terms. */
function fiveClinics(plan: Partial<SecAggRoundPlan> = {}) {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const identities = new Map(ids.map((id) => [id, createIdentity(id)]));
  const server = new SecAggServer({
    round: ROUND,
    order: ids,
    degree: 4,
    threshold: 3,
    words: 3,
    signKeys: new Map(ids.map((id) => [id, identities.get(id)!.signing.publicKey])),
    ...plan,
  });
  const clients = new Map(ids.map((id) => [id, new SecAggClient(identities.get(id)!, ROUND)]));
  return { ids, server, clients, identities };
}

/** The round at its sharing stage, every clinic advertised; `boxes` are each clinic's sealed shares. */
function atSharing() {
  const { server, clients, identities } = fiveClinics();
  clients.forEach((c) => server.advertise(c.advert));
  const views = server.closeAdvertising();
  const boxes = new Map([...clients].map(([id, c]) => [id, c.shareKeys(views.get(id)!)]));
  return { server, clients, boxes, identities };
}

/** The round at its masking stage, every clinic's shares delivered. */
function atMasking() {
  const { server, clients, boxes, identities } = atSharing();
  boxes.forEach((sealed, id) => server.shareKeys(id, sealed));
  const deliveries = server.closeSharing();
  clients.forEach((c, id) => c.receiveShares(deliveries.get(id)!));
  return { server, clients, identities };
}

/** The round at its unmasking stage: every clinic but e sent its masked input. */
function atUnmasking() {
  const { server, clients, identities } = atMasking();
  clients.forEach((c, id) => {
    if (id !== 'e') server.maskedInput(id, c.maskInput(Uint32Array.from([1, 2, 3])));
  });
  const requests = server.closeMasking();
  return { server, clients, requests, identities };
}

function refusalOf(work: () => unknown): { message: string; refusal: string } {
  try {
    work();
  } catch (error) {
    return { message: (error as Error).message, refusal: (error as { refusal: string }).refusal };
  }
  throw new Error('expected a refusal');
}

describe('SecAggServer: the round it will run', () => {
  it('needs three clinics, a threshold above half the neighbours and at most all, and a signing key for each', () => {
    const keys = (ids: string[]) => new Map(ids.map((id) => [id, new Uint8Array(32)]));
    const plan =
      (order: string[], degree: number, threshold: number, signKeys = keys(order)) =>
      () =>
        new SecAggServer({ round: 'r', order, degree, threshold, words: 1, signKeys });
    expect(refusalOf(plan(['a', 'b'], 1, 1))).toEqual({
      message: "secure aggregation needs at least 3 clinics (with 2, each learns the other's update from the sum), got 2",
      refusal: 'aborted',
    });
    expect(refusalOf(plan(['a', 'b', 'c', 'd', 'e'], 4, 5)).message).toBe('threshold 5 must be more than half of the 4 neighbours and at most all of them');
    expect(refusalOf(plan(['a', 'b', 'c'], 2, 2, keys(['a', 'b'])))).toEqual({ message: 'clinic c has no enrolled signing key', refusal: 'aborted' });
  });

  it('takes a degree past the number of clinics as all pairs', () => {
    const { server } = fiveClinics({ degree: 10, threshold: 3 });
    expect([...server.neighbours('a')].sort()).toEqual(['b', 'c', 'd', 'e']);
    expect(server.neighbours('zed')).toEqual([]);
  });

  it('closes and unmasks only at its own stage', () => {
    const { server } = fiveClinics();
    expect(refusalOf(() => server.closeSharing())).toEqual({ message: `round ${ROUND} is at stage "advertising", not "sharing"`, refusal: 'wrong-stage' });
    expect(refusalOf(() => server.closeMasking()).message).toBe(`round ${ROUND} is at stage "advertising", not "masking"`);
    expect(refusalOf(() => server.unmask()).message).toBe(`round ${ROUND} is at stage "advertising", not "unmasking"`);
    expect(server.stage).toBe('advertising');
  });
});

describe('SecAggServer: clinics without enough neighbours', () => {
  it('keeps a clinic whose advertised neighbours are exactly the threshold', () => {
    const { server, clients } = fiveClinics();
    clients.forEach((c, id) => id !== 'e' && server.advertise(c.advert));
    const views = server.closeAdvertising();
    expect([...views.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(server.waitingFor()).toEqual(['a', 'b', 'c', 'd']);
    expect(refusalOf(() => server.advertise(clients.get('e')!.advert))).toEqual({
      message: `round ${ROUND} takes no a key advert now: it is at stage "sharing"`,
      refusal: 'wrong-stage',
    });
    // Each view and each set of shares reaches only the neighbours that advertised: e is not among them.
    expect(views.get('a')!.peers.map((peer) => peer.advert.clinicId)).toEqual(['b', 'c', 'd']);
    const boxes = clients.get('a')!.shareKeys(views.get('a')!);
    expect(boxes.map((box) => box.to)).toEqual(['b', 'c', 'd']);
    server.shareKeys('a', boxes);
    expect(server.waitingFor()).toEqual(['b', 'c', 'd']);
  });

  it('aborts the sharing stage when too few clinics shared', () => {
    const { server, boxes } = atSharing();
    server.shareKeys('a', boxes.get('a')!);
    server.shareKeys('b', boxes.get('b')!);
    expect(refusalOf(() => server.closeSharing()).message).toBe(
      `round ${ROUND}: too few clinics shared keys: none has at least 3 neighbours (the threshold) that did too`,
    );
  });

  it('aborts when no clinic has the threshold of neighbours that advertised', () => {
    const { server, clients } = fiveClinics();
    server.advertise(clients.get('a')!.advert);
    server.advertise(clients.get('b')!.advert);
    expect(refusalOf(() => server.closeAdvertising())).toEqual({
      message: `round ${ROUND}: too few clinics advertised keys: none has at least 3 neighbours (the threshold) that did too`,
      refusal: 'aborted',
    });
  });

  it('prunes until every clinic left has the threshold: dropping one can leave another short', () => {
    // A ring of five (each clinic joined to the next and the previous), threshold 2: a, b and e advertise.
    // b and e have one advertised neighbour each and go; then a has none left, and goes too.
    const { server, clients } = fiveClinics({ degree: 2, threshold: 2 });
    for (const id of ['a', 'b', 'e']) server.advertise(clients.get(id)!.advert);
    expect(refusalOf(() => server.closeAdvertising()).message).toBe(
      `round ${ROUND}: too few clinics advertised keys: none has at least 2 neighbours (the threshold) that did too`,
    );
  });

  it('aborts the masking stage when no clinic sent its masked input', () => {
    const { server } = atMasking();
    expect(refusalOf(() => server.closeMasking())).toEqual({ message: `round ${ROUND}: no clinic sent its masked input`, refusal: 'aborted' });
  });
});

describe('SecAggServer: sealed shares', () => {
  it('refuses a second set, a box sent for another clinic, to a clinic that is not a neighbour, or malformed', () => {
    const { server, boxes } = atSharing();
    const [first, ...rest] = boxes.get('a')!;
    expect(refusalOf(() => server.shareKeys('b', boxes.get('a')!))).toEqual({ message: `shares from a to ${first!.to} were sent by b`, refusal: 'invalid' });
    expect(refusalOf(() => server.shareKeys('a', [{ ...first!, to: 'zed' }, ...rest])).message).toBe(
      'shares from a to zed: zed is not an advertised neighbour of a',
    );
    expect(refusalOf(() => server.shareKeys('a', [{ ...first!, nonce: first!.nonce.subarray(1) }, ...rest])).message).toBe(
      `shares from a to ${first!.to} are malformed`,
    );
    expect(refusalOf(() => server.shareKeys('a', [first!, first!, ...rest.slice(1)])).message).toBe(
      'clinic a must send one set of shares to each of its 4 advertised neighbours, sent 4 to 3',
    );
    server.shareKeys('a', boxes.get('a')!);
    expect(refusalOf(() => server.shareKeys('a', boxes.get('a')!))).toEqual({
      message: `clinic a already sent its shares for round ${ROUND}`,
      refusal: 'duplicate',
    });
    expect(server.waitingFor()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('delivers only the shares sealed to each clinic, from the clinics that shared', () => {
    const { server, boxes } = atSharing();
    boxes.forEach((sealed, id) => id !== 'e' && server.shareKeys(id, sealed));
    const deliveries = server.closeSharing();
    expect([...deliveries.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const [to, delivered] of deliveries) {
      expect(delivered.map((box) => box.from).sort()).toEqual(['a', 'b', 'c', 'd'].filter((id) => id !== to));
      expect(delivered.every((box) => box.to === to)).toBe(true);
    }
  });
});

describe('SecAggServer: masked inputs', () => {
  it('refuses a second masked input and one of the wrong length, keeping the sum as it was', () => {
    const { server, clients } = atMasking();
    expect(refusalOf(() => server.shareKeys('a', [])).message).toBe(`round ${ROUND} takes no shares now: it is at stage "masking"`);
    expect(refusalOf(() => server.maskedInput('a', new Uint32Array(4)))).toEqual({
      message: 'the masked input of a has 4 words, the round expects 3',
      refusal: 'invalid',
    });
    server.maskedInput('a', clients.get('a')!.maskInput(Uint32Array.from([1, 2, 3])));
    expect(refusalOf(() => server.maskedInput('a', new Uint32Array(3)))).toEqual({
      message: `clinic a already sent its masked input for round ${ROUND}`,
      refusal: 'duplicate',
    });
    expect(server.waitingFor()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('asks each survivor for the self-mask shares of the survivors and the mask-key shares of the dropped', () => {
    const { requests } = atUnmasking();
    expect([...requests.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(requests.get('a')).toEqual({ survivors: ['b', 'c', 'd'], dropped: ['e'] });
  });
});

describe('SecAggServer: revealed shares', () => {
  it('refuses shares the request did not name, two of one kind, for another round or dealt to another clinic', () => {
    const { server, clients, requests } = atUnmasking();
    const shares = clients.get('a')!.reveal(requests.get('a')!);
    const [first, ...rest] = shares;
    expect(refusalOf(() => server.reveal('a', [first!, { ...first! }, ...rest.slice(1)])).message).toBe(
      `clinic a revealed two ${first!.kind} shares of ${first!.dealer}`,
    );
    expect(refusalOf(() => server.reveal('a', [{ ...first!, dealer: 'a' }, ...rest])).message).toBe(
      'clinic a revealed a share of a, which its unmask request did not name',
    );
    expect(refusalOf(() => server.reveal('a', [{ ...first!, round: 'study-s#0' }, ...rest])).message).toBe(
      `the share of ${first!.dealer} revealed by a is for round study-s#0, not ${ROUND} (replayed?)`,
    );
    expect(refusalOf(() => server.reveal('a', [{ ...first!, holder: 'b' }, ...rest])).message).toBe(
      `the share of ${first!.dealer} revealed by a was dealt to b at point ${first!.share.x}, not to a`,
    );
    expect(refusalOf(() => server.reveal('a', [{ ...first!, share: { ...first!.share, x: 99 } }, ...rest])).message).toBe(
      `the share of ${first!.dealer} revealed by a was dealt to a at point 99, not to a`,
    );
    expect(refusalOf(() => server.reveal('a', rest)).message).toBe(`clinic a revealed ${rest.length} shares, its unmask request named ${shares.length}`);
    server.reveal('a', shares);
    expect(refusalOf(() => server.reveal('a', shares))).toEqual({ message: `clinic a already revealed its shares for round ${ROUND}`, refusal: 'duplicate' });
    expect(server.waitingFor()).toEqual(['b', 'c', 'd']);
  });

  it('is done after unmasking, waiting for no one', () => {
    const { server, clients, requests } = atUnmasking();
    requests.forEach((request, id) => server.reveal(id, clients.get(id)!.reveal(request)));
    expect(server.unmask().survivors.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(server.stage).toBe('done');
    expect(server.waitingFor()).toEqual([]);
  });

  it.each([
    ['b', 'self-mask'],
    ['e', 'mask-key'],
  ] as const)('aborts, unmasking nothing, when %s dealt %s shares that do not match its advert', (dealer, kind) => {
    const { server, clients, requests, identities } = atUnmasking();
    // Shares of another secret, signed by the dealer itself: each holder's share verifies, their secret does not.
    const holders = ['a', 'b', 'c', 'd'].filter((id) => id !== dealer);
    const points = new Map(['a', 'b', 'c', 'd', 'e'].map((id, i) => [id, i + 1]));
    const forged = splitSecret(
      new Uint8Array(32).fill(9),
      3,
      holders.map((id) => points.get(id)!),
    );
    requests.forEach((request, id) => {
      const shares = clients.get(id)!.reveal(request);
      const k = holders.indexOf(id);
      const replaced = shares.map((s) => (s.dealer === dealer ? signShare(identities.get(dealer)!, { round: ROUND, holder: id, kind, share: forged[k]! }) : s));
      server.reveal(id, replaced);
    });
    expect(refusalOf(() => server.unmask())).toEqual({
      message: `round ${ROUND}: the ${kind} shares of ${dealer} do not match its advert: it dealt inconsistent shares`,
      refusal: 'aborted',
    });
    expect(server.stage).toBe('unmasking');
  });
});
