import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { createIdentity, x25519, type ClinicIdentity } from '../identity/index.js';
import { expandMask, pairwiseMaskKey, pairwiseSign } from './masks.js';
import { dequantizeSum, fixedPointFor, quantizeWeighted } from './fixed-point.js';
import { createAdvert, openShares, sealShares, signShare, verifyAdvert, type SignedShare } from './messages.js';
import { SecAggClient } from './client-round.js';
import { SecAggServer, type SecAggRoundError } from './server-round.js';
import { runRound } from './test-fixtures.js';
import { defaultDegree, degreeForDropout, neighbourGraph } from './neighbours.js';
import { combineShares, FIELD_PRIME, shareValueBytes, shareValueFromBytes, splitSecret, type Share } from './shamir.js';

const secret = () => new Uint8Array(randomBytes(32));

describe('Shamir sharing over GF(2^521 - 1)', () => {
  it('any t of n shares give the secret back; the shares round-trip as bytes', () => {
    const s = secret();
    const shares = splitSecret(s, 3, [1, 2, 3, 4, 5]);
    for (const pick of [
      [0, 1, 2],
      [4, 2, 0],
      [1, 3, 4],
    ])
      expect(
        combineShares(
          pick.map((i) => shares[i]!),
          3,
        ),
      ).toEqual(s);
    const restored = shares.map((share) => ({ x: share.x, y: shareValueFromBytes(shareValueBytes(share)) }));
    expect(combineShares(restored.slice(2), 3)).toEqual(s);
  });

  it('refuses too few shares, repeated points, values outside the field, and a share from another secret', () => {
    const shares = splitSecret(secret(), 3, [1, 2, 3, 4]);
    expect(() => combineShares(shares.slice(0, 2), 3)).toThrow('need 3 shares to reconstruct, got 2');
    expect(() => combineShares([shares[0]!, shares[0]!, shares[1]!], 3)).toThrow('share point 1 appears twice');
    expect(() => combineShares([{ x: 1, y: FIELD_PRIME }, shares[1]!, shares[2]!], 3)).toThrow('share at point 1 is not a field element');
    const stranger: Share = splitSecret(secret(), 3, [1, 2, 3])[0]!;
    expect(() => combineShares([stranger, shares[1]!, shares[2]!], 3)).toThrow('the shares do not reconstruct a 32-byte secret');
    expect(() => splitSecret(secret(), 5, [1, 2, 3])).toThrow('threshold must be a whole number in 1..3');
    expect(() => splitSecret(secret(), 2, [0, 1])).toThrow('share points are whole numbers in 1..2^32-1, got 0');
  });

  it('shares of the same secret are fresh every time: the coefficients are uniform field elements', () => {
    // With threshold 2 one share is the secret plus a uniform field element times x: the same secret
    // (all zeros) shared 20 times gives 20 unrelated shares.
    expect(new Set(Array.from({ length: 20 }, () => splitSecret(new Uint8Array(32), 2, [1, 2])[0]!.y)).size).toBe(20);
  });
});

describe('masks in Z_(2^32)', () => {
  it('expand a key deterministically with ChaCha20; pairwise keys agree at both ends and differ per round', () => {
    const key = secret();
    expect(expandMask(key, 1000)).toEqual(expandMask(key, 1000));
    expect(expandMask(key, 10)).toEqual(expandMask(key, 1000).subarray(0, 10));
    const [a, b] = [nacl.box.keyPair(), nacl.box.keyPair()];
    const ab = pairwiseMaskKey('study#1', 'a', a.secretKey, 'b', b.publicKey);
    expect(pairwiseMaskKey('study#1', 'b', b.secretKey, 'a', a.publicKey)).toEqual(ab);
    expect(pairwiseMaskKey('study#2', 'a', a.secretKey, 'b', b.publicKey)).not.toEqual(ab);
    expect(pairwiseSign('b', 'a') + pairwiseSign('a', 'b')).toBe(0);
    expect(x25519(a.secretKey, b.publicKey)).toEqual(nacl.scalarMult(a.secretKey, b.publicKey));
  });
});

describe('the SecAgg+ neighbour graph', () => {
  it('is symmetric with the stated degree, and complete for small consortia', () => {
    const order = Array.from({ length: 100 }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
    const graph = neighbourGraph(order, 20);
    for (const [id, neighbours] of graph) {
      expect(new Set(neighbours).size).toBe(20);
      for (const peer of neighbours) expect(graph.get(peer)).toContain(id);
    }
    expect(defaultDegree(100)).toBe(14);
    expect(defaultDegree(4)).toBe(3);
    expect(neighbourGraph(['a', 'b', 'c', 'd'], 3).get('a')).toEqual(['b', 'c', 'd']);
  });

  it('is wide enough for the expected dropout: a majority of every neighbourhood survives', () => {
    expect(degreeForDropout(4, 0.1)).toBe(3);
    expect(degreeForDropout(1000, 0)).toBe(defaultDegree(1000));
    // A majority of 98 neighbours is not safe enough at 30% dropout: every pair it is.
    expect(degreeForDropout(100, 0.3)).toBe(99);
    const k = degreeForDropout(300, 0.3);
    expect(k % 2).toBe(0);
    expect(k).toBeGreaterThan(defaultDegree(300));
    expect(k).toBeLessThan(299);
    // Monte Carlo of the property it promises: 300 random rounds losing 30% of 300 clinics, none
    // leaves a clinic with fewer than k/2 + 1 live neighbours (the bound allows 1e-6 per round).
    const order = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const graph = neighbourGraph(order, k);
    const threshold = Math.floor(k / 2) + 1;
    let failed = 0;
    for (let trial = 0; trial < 300; trial++) {
      const dropped = new Set(order.filter(() => Math.random() < 0.3));
      if (order.some((id) => graph.get(id)!.filter((p) => !dropped.has(p)).length < threshold)) failed++;
    }
    expect(failed).toBe(0);
    // The SecAgg+ log degree alone fails most such rounds.
    const thin = neighbourGraph(order, defaultDegree(300));
    const thinThreshold = Math.floor(defaultDegree(300) / 2) + 1;
    const lost = Array.from({ length: 200 }, () => new Set(order.filter(() => Math.random() < 0.3))).filter((dropped) =>
      order.some((id) => thin.get(id)!.filter((p) => !dropped.has(p)).length < thinThreshold),
    ).length;
    expect(lost).toBeGreaterThan(100);
  });
});

describe('fixed-point weighted updates in Z_(2^32)', () => {
  it('sum exactly mod 2^32 and give the weighted mean back to within the rounding of one step per clinic', () => {
    const fp = fixedPointFor(1, 100_000);
    const clinics = Array.from({ length: 100 }, (_, k) => ({
      weight: 30 + 17 * k,
      delta: Float64Array.from({ length: 50 }, (_, i) => Math.sin(k * 7 + i) * 0.9),
    }));
    const sum = new Uint32Array(51);
    for (const { delta, weight } of clinics) quantizeWeighted(delta, weight, fp).words.forEach((w, i) => (sum[i] = (sum[i]! + w) >>> 0));
    const { values, weight } = dequantizeSum(sum, fp);
    const total = clinics.reduce((n, c) => n + c.weight, 0);
    expect(weight).toBe(total);
    values.forEach((v, i) => {
      const exact = clinics.reduce((s, c) => s + c.weight * c.delta[i]!, 0) / total;
      expect(Math.abs(v - exact)).toBeLessThanOrEqual((0.5 * clinics.length) / (fp.scale * total));
    });
  });

  it('clips to the stated range, counts what it clipped, and refuses weights and sums outside the bound', () => {
    const fp = fixedPointFor(0.5, 1000);
    const { words, clipped } = quantizeWeighted([2, -3, 0.25], 1, fp);
    expect(clipped).toBe(2);
    expect(dequantizeSum(words, fp).values).toEqual(Float64Array.from([0.5, -0.5, 0.25].map((v) => Math.round(v * fp.scale) / fp.scale)));
    expect(() => quantizeWeighted([0], 1001, fp)).toThrow('a weight must be a whole number in 1..1000, got 1001');
    expect(() => quantizeWeighted([NaN], 1, fp)).toThrow('update value 0 is NaN');
    expect(() => dequantizeSum(Uint32Array.from([0, 5000]), fp)).toThrow('the summed weight 5000 is outside 1..1000');
    expect(() => fixedPointFor(1e6, 1e4)).toThrow('leaves no room for precision in 32 bits');
  });
});

describe('signed key adverts and sealed shares', () => {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((id) => createIdentity(id)) as [ClinicIdentity, ClinicIdentity, ClinicIdentity];
  const round = 'study-1#4';

  it("verify an advert only for its round and under the clinic's key", () => {
    const { advert } = createAdvert(alice, round);
    expect(() => verifyAdvert(advert, alice.signing.publicKey, round)).not.toThrow();
    expect(() => verifyAdvert(advert, alice.signing.publicKey, 'study-1#5')).toThrow('key advert of alice is for round study-1#4, not study-1#5 (replayed?)');
    const forged = createAdvert(createIdentity('alice'), round).advert;
    expect(() => verifyAdvert(forged, alice.signing.publicKey, round)).toThrow('key advert of alice: signature does not verify with its enrolled key');
    const swapped = { ...advert, maskPublicKey: nacl.box.keyPair().publicKey };
    expect(() => verifyAdvert(swapped, alice.signing.publicKey, round)).toThrow('signature does not verify');
  });

  it('open sealed shares only at their recipient, for their round, unaltered and signed by their dealer', () => {
    const a = createAdvert(alice, round);
    const b = createAdvert(bob, round);
    const c = createAdvert(carol, round);
    const [selfMask] = splitSecret(a.secrets.selfMaskSeed, 2, [2, 3]);
    const [maskKey] = splitSecret(a.secrets.mask.secretKey, 2, [2, 3]);
    const pair = {
      selfMask: signShare(alice, { round, holder: 'bob', kind: 'self-mask', share: selfMask! }),
      maskKey: signShare(alice, { round, holder: 'bob', kind: 'mask-key', share: maskKey! }),
    };
    const sealed = sealShares(a.secrets, b.advert, pair);
    expect(openShares(sealed, b.secrets, 'bob', a.advert, alice.signing.publicKey, round)).toEqual(pair);
    expect(() => openShares(sealed, b.secrets, 'bob', a.advert, alice.signing.publicKey, 'study-1#5')).toThrow(
      'shares from alice to bob are for round study-1#4, not study-1#5 (replayed?)',
    );
    expect(() => openShares(sealed, c.secrets, 'carol', a.advert, alice.signing.publicKey, round)).toThrow(
      'shares from alice to bob were not sealed by alice to carol',
    );
    expect(() => openShares({ ...sealed, to: 'carol' }, c.secrets, 'carol', a.advert, alice.signing.publicKey, round)).toThrow(
      'shares from alice to carol do not verify',
    );
    const flipped = Uint8Array.from(sealed.box);
    flipped[40]! ^= 1;
    expect(() => openShares({ ...sealed, box: flipped }, b.secrets, 'bob', a.advert, alice.signing.publicKey, round)).toThrow(
      'shares from alice to bob do not verify: altered',
    );
    expect(() => openShares({ ...sealed, round: 'study-1#5' }, b.secrets, 'bob', a.advert, alice.signing.publicKey, 'study-1#5')).toThrow('do not verify');
    // Sealed correctly, but the shares inside are not signed by alice's enrolled key.
    const impostor = { ...pair, selfMask: signShare(createIdentity('alice'), { round, holder: 'bob', kind: 'self-mask', share: selfMask! }) };
    expect(() => openShares(sealShares(a.secrets, b.advert, impostor), b.secrets, 'bob', a.advert, alice.signing.publicKey, round)).toThrow(
      'the self-mask share of alice held by bob does not verify',
    );
  });
});

describe('the secure-aggregation protocol (SecAggClient and SecAggServer, in memory)', () => {
  it("ten clinics, three dropping after sending masked input: their self masks come off from the others' shares", () => {
    const ids = Array.from({ length: 10 }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
    const drop = new Map(ids.filter((_, i) => [0, 3, 7].includes(i)).map((id) => [id, 'reveal' as const]));
    const { result, expected } = runRound({ n: 10, degree: 6, threshold: 4, words: 33, drop });
    // Dropped after masking: their inputs are in the sum, their self masks reconstructed from the others' shares.
    expect(result.survivors).toHaveLength(10);
    expect(result.dropped).toEqual([]);
    expect(result.sum).toEqual(expected);
    expect(result.sum).not.toEqual(new Uint32Array(33));
  });

  it('six clinics, all pairs: one drops before sharing keys and one before masked input', () => {
    const { result, expected } = runRound({
      n: 6,
      degree: 5,
      threshold: 3,
      words: 14,
      drop: new Map([
        ['clinic-001', 'shares'],
        ['clinic-003', 'masked'],
      ]),
    });
    expect(result.survivors.sort()).toEqual(['clinic-000', 'clinic-002', 'clinic-004', 'clinic-005']);
    expect(result.dropped).toEqual(['clinic-003']);
    expect(result.sum).toEqual(expected);
  });

  it('aborts cleanly when fewer than the threshold survive, naming who cannot be unmasked', () => {
    expect(() =>
      runRound({
        n: 4,
        degree: 3,
        threshold: 2,
        words: 3,
        drop: new Map([
          ['clinic-001', 'masked'],
          ['clinic-002', 'masked'],
          ['clinic-003', 'masked'],
        ]),
      }),
    ).toThrow('only 0 neighbours of clinic-000 sent masked input, fewer than the threshold 2: its self mask cannot be removed');
    expect(() =>
      runRound({
        n: 5,
        degree: 4,
        threshold: 3,
        words: 3,
        drop: new Map([
          ['clinic-001', 'reveal'],
          ['clinic-002', 'reveal'],
          ['clinic-003', 'reveal'],
        ]),
      }),
    ).toThrow(/round study-x#3: [12] self-mask shares of clinic-00\d were revealed, the threshold is 3/);
    expect(() => new SecAggServer({ round: 'r', order: ['a', 'b', 'c', 'd', 'e'], degree: 4, threshold: 2, words: 1, signKeys: new Map() })).toThrow(
      'threshold 2 must be more than half of the 4 neighbours',
    );
  });
});

describe('secure aggregation refuses bad input, with nothing unmasked', () => {
  /** A round of five clinics (all pairs, t = 3) run up to the unmask stage. */
  function roundAtUnmask() {
    const round = 'study-y#2';
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const identities = new Map(ids.map((id) => [id, createIdentity(id)]));
    const server = new SecAggServer({
      round,
      order: ids,
      degree: 4,
      threshold: 3,
      words: 4,
      signKeys: new Map(ids.map((id) => [id, identities.get(id)!.signing.publicKey])),
    });
    const clients = new Map(ids.map((id) => [id, new SecAggClient(identities.get(id)!, round)]));
    clients.forEach((c) => server.advertise(c.advert));
    const views = server.closeAdvertising();
    clients.forEach((c, id) => server.shareKeys(id, c.shareKeys(views.get(id)!)));
    const deliveries = server.closeSharing();
    clients.forEach((c, id) => {
      c.receiveShares(deliveries.get(id)!);
      if (id !== 'e') server.maskedInput(id, c.maskInput(Uint32Array.from([1, 2, 3, 1])));
    });
    return { server, clients, identities, requests: server.closeMasking(), round, views, deliveries };
  }

  const refusal = (work: () => unknown) => {
    try {
      work();
    } catch (error) {
      return { message: (error as Error).message, refusal: (error as SecAggRoundError).refusal };
    }
    throw new Error('expected a refusal');
  };

  it('a forged advert signature, a replayed advert from an earlier round, and a clinic the round did not select', () => {
    const ids = ['a', 'b', 'c'];
    const identities = new Map(ids.map((id) => [id, createIdentity(id)]));
    const server = new SecAggServer({
      round: 'study-z#2',
      order: ids,
      degree: 2,
      threshold: 2,
      words: 2,
      signKeys: new Map(ids.map((id) => [id, identities.get(id)!.signing.publicKey])),
    });
    expect(refusal(() => server.advertise(createAdvert(createIdentity('a'), 'study-z#2').advert))).toEqual({
      message: 'key advert of a: signature does not verify with its enrolled key',
      refusal: 'invalid',
    });
    expect(refusal(() => server.advertise(createAdvert(identities.get('a')!, 'study-z#1').advert))).toEqual({
      message: 'key advert of a is for round study-z#1, not study-z#2 (replayed?)',
      refusal: 'invalid',
    });
    expect(refusal(() => server.advertise(createAdvert(createIdentity('mallory'), 'study-z#2').advert))).toEqual({
      message: 'clinic mallory was not selected for round study-z#2',
      refusal: 'not-selected',
    });
    // None of them was kept: the round still waits for every selected clinic.
    expect(server.waitingFor()).toEqual(ids);
    const good = createAdvert(identities.get('a')!, 'study-z#2').advert;
    server.advertise(good);
    expect(refusal(() => server.advertise(good))).toEqual({ message: 'clinic a already advertised its keys for round study-z#2', refusal: 'duplicate' });
  });

  it('a clinic refuses a forged neighbour advert and a threshold at or below half its neighbours', () => {
    const round = 'study-q#1';
    const ids = ['a', 'b', 'c', 'd'];
    const identities = new Map(ids.map((id) => [id, createIdentity(id)]));
    const clients = ids.map((id) => new SecAggClient(identities.get(id)!, round));
    const peers = clients.slice(1).map((c, i) => ({ advert: c.advert, signPublicKey: identities.get(c.clinicId)!.signing.publicKey, point: i + 2 }));
    expect(() => clients[0]!.shareKeys({ point: 1, threshold: 1, peers })).toThrow('threshold 1 for 3 neighbours refused: it must be more than half of them');
    const forged = new SecAggClient(createIdentity('b'), round).advert;
    expect(() =>
      new SecAggClient(identities.get('a')!, round).shareKeys({ point: 1, threshold: 2, peers: [{ ...peers[0]!, advert: forged }, ...peers.slice(1)] }),
    ).toThrow('key advert of b: signature does not verify with its enrolled key');
  });

  it('a share that does not verify, a share of the wrong kind, and both kinds of one peer are refused whole', () => {
    const { server, clients, requests, identities, round } = roundAtUnmask();
    const a = clients.get('a')!;
    const honest = a.reveal(requests.get('a')!);
    expect(requests.get('a')).toEqual({ survivors: ['b', 'c', 'd'], dropped: ['e'] });
    // A share whose value was changed no longer matches its dealer's signature.
    const altered = honest.map((s, i) => (i === 0 ? { ...s, share: { ...s.share, y: s.share.y ^ 1n } } : s));
    expect(refusal(() => server.reveal('a', altered))).toEqual({
      message: 'the self-mask share of b held by a does not verify: not signed by b for this round, holder and point',
      refusal: 'invalid',
    });
    // A share forged by someone else under the dealer's name.
    const forged: SignedShare = signShare(createIdentity('b'), { round, holder: 'a', kind: 'self-mask', share: honest[0]!.share });
    expect(refusal(() => server.reveal('a', [forged, ...honest.slice(1)])).message).toContain('the self-mask share of b held by a does not verify');
    // Both kinds of e: the self-mask share of a dropped clinic is never accepted alongside its key share.
    const eSelf = signShare(identities.get('e')!, { round, holder: 'a', kind: 'self-mask', share: honest[3]!.share });
    expect(refusal(() => server.reveal('a', [...honest, eSelf]))).toEqual({
      message: 'clinic a revealed both kinds of shares of e: refused, none of its shares are used',
      refusal: 'invalid',
    });
    // The wrong kind: a mask-key share of a survivor would expose its pairwise masks.
    const bKey = signShare(identities.get('b')!, { round, holder: 'a', kind: 'mask-key', share: honest[0]!.share });
    expect(refusal(() => server.reveal('a', [bKey, ...honest.slice(1)]))).toEqual({
      message: 'clinic a revealed the mask-key share of b; only its self-mask share may be revealed',
      refusal: 'invalid',
    });
    // A share dealt to another holder cannot be passed on as one's own.
    const bShares = clients.get('b')!.reveal(requests.get('b')!);
    const bShareOfC = bShares.find((s) => s.dealer === 'c')!;
    expect(
      refusal(() =>
        server.reveal(
          'a',
          honest.map((s) => (s.dealer === 'c' ? bShareOfC : s)),
        ),
      ).message,
    ).toBe('the share of c revealed by a was dealt to b at point 2, not to a');
    // Nothing of those was kept: the honest message is still taken, and the round unmasks exactly.
    expect(server.waitingFor()).toEqual(['a', 'b', 'c', 'd']);
    server.reveal('a', honest);
    server.reveal('b', bShares);
    for (const id of ['c', 'd']) server.reveal(id, clients.get(id)!.reveal(requests.get(id)!));
    expect(server.unmask().sum).toEqual(Uint32Array.from([4, 8, 12, 4]));
  });

  it('a clinic refuses an unmask request asking for both kinds of shares of one peer, and answers only once', () => {
    const { clients, requests } = roundAtUnmask();
    const b = clients.get('b')!;
    expect(() => b.reveal({ survivors: ['a', 'c', 'e'], dropped: ['d', 'e'] })).toThrow(
      'the coordinator asked b for both kinds of shares of e: refused, nothing revealed',
    );
    expect(() => b.reveal({ survivors: ['a', 'c', 'd', 'e'], dropped: ['d', 'e'] })).toThrow('for both kinds of shares of d, e: refused');
    expect(() => b.reveal({ survivors: ['a', 'c', 'd'], dropped: ['mallory'] })).toThrow('b holds no shares of mallory: refused, nothing revealed');
    expect(() => b.reveal({ survivors: ['a'], dropped: ['c', 'd', 'e'] })).toThrow('only 1 neighbours of b survive, fewer than the threshold 3');
    const shares = b.reveal(requests.get('b')!);
    expect(shares.map((s) => `${s.dealer}:${s.kind}`)).toEqual(['a:self-mask', 'c:self-mask', 'd:self-mask', 'e:mask-key']);
    // A second request (say, now claiming a survivor dropped) gets nothing more.
    expect(() => b.reveal({ survivors: ['c', 'd', 'e'], dropped: ['a'] })).toThrow('b cannot reveal shares now');
  });

  it('messages at the wrong stage, from a clinic that dropped earlier, or with shares for the wrong neighbours', () => {
    const { server, clients, requests } = roundAtUnmask();
    expect(refusal(() => server.maskedInput('a', new Uint32Array(4)))).toEqual({
      message: 'round study-y#2 takes no a masked input now: it is at stage "unmasking"',
      refusal: 'wrong-stage',
    });
    expect(refusal(() => server.reveal('e', []))).toEqual({
      message: 'clinic e dropped out of round study-y#2 at an earlier stage: it takes no shares to unmask with from it',
      refusal: 'wrong-stage',
    });
    expect(refusal(() => server.reveal('zed', [])).refusal).toBe('not-selected');
    expect(requests.has('e')).toBe(false);
    expect(clients.size).toBe(5);

    const ids = ['a', 'b', 'c', 'd'];
    const identities = new Map(ids.map((id) => [id, createIdentity(id)]));
    const fresh = new SecAggServer({
      round: 'r#1',
      order: ids,
      degree: 3,
      threshold: 2,
      words: 2,
      signKeys: new Map(ids.map((id) => [id, identities.get(id)!.signing.publicKey])),
    });
    const cs = ids.map((id) => new SecAggClient(identities.get(id)!, 'r#1'));
    cs.forEach((c) => fresh.advertise(c.advert));
    const views = fresh.closeAdvertising();
    const boxes = cs[0]!.shareKeys(views.get('a')!);
    expect(refusal(() => fresh.shareKeys('a', boxes.slice(1))).message).toBe(
      'clinic a must send one set of shares to each of its 3 advertised neighbours, sent 2 to 2',
    );
    expect(refusal(() => fresh.shareKeys('a', [...boxes.slice(1), { ...boxes[0]!, round: 'r#0' }])).message).toBe(
      'shares from a to b are for round r#0, not r#1 (replayed?)',
    );
    expect(refusal(() => fresh.shareKeys('a', [...boxes.slice(1), { ...boxes[0]!, box: boxes[0]!.box.subarray(1) }])).message).toBe(
      'shares from a to b are malformed',
    );
    fresh.shareKeys('a', boxes);
    expect(fresh.waitingFor()).toEqual(['b', 'c', 'd']);
  });
});
