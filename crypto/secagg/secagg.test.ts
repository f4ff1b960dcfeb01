import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { createIdentity, x25519 } from '../identity/index.js';
import { applyMask, expandMask, maskInput, pairwiseMaskKey, pairwiseSign } from './masks.js';
import { dequantizeSum, fixedPointFor, quantizeWeighted } from './fixed-point.js';
import { createAdvert, openShares, sealShares, verifyAdvert } from './messages.js';
import { defaultDegree, neighbourGraph } from './neighbours.js';
import { combineShares, FIELD_PRIME, shareValueBytes, shareValueFromBytes, splitSecret, type Share } from './shamir.js';

const secret = () => new Uint8Array(randomBytes(32));

describe('Shamir sharing over GF(2^521 - 1)', () => {
  it('any t of n shares give the secret back; the shares round-trip as bytes', () => {
    const s = secret();
    const shares = splitSecret(s, 3, [1, 2, 3, 4, 5]);
    for (const pick of [[0, 1, 2], [4, 2, 0], [1, 3, 4]]) expect(combineShares(pick.map((i) => shares[i]!), 3)).toEqual(s);
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
});

describe('masking with dropout recovery (the protocol\'s arithmetic, in memory)', () => {
  it('100 clinics, 30% dropping after sending masked input: the unmasked sum equals the plaintext sum exactly', () => {
    const n = 100;
    const words = 257;
    const degree = 20;
    const threshold = degree / 2 + 1;
    const round = 'study-x#3';
    const ids = Array.from({ length: n }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
    const graph = neighbourGraph(ids, degree);
    const index = new Map(ids.map((id, i) => [id, i + 1]));
    // Every clinic: a mask key pair, a self-mask seed, both secrets shared among its neighbours.
    const clinics = new Map(
      ids.map((id) => {
        const maskKeys = nacl.box.keyPair();
        const selfSeed = secret();
        const holders = graph.get(id)!;
        const points = holders.map((peer) => index.get(peer)!);
        return [id, { maskKeys, selfSeed, holders, selfShares: splitSecret(selfSeed, threshold, points), keyShares: splitSecret(maskKeys.secretKey, threshold, points) }];
      }),
    );
    const inputs = new Map(ids.map((id) => [id, new Uint32Array(randomBytes(words * 4).buffer)]));
    const masked = new Map(
      ids.map((id) => {
        const c = clinics.get(id)!;
        const pairwise = c.holders.map((peer) => ({ peerId: peer, key: pairwiseMaskKey(round, id, c.maskKeys.secretKey, peer, clinics.get(peer)!.maskKeys.publicKey) }));
        return [id, maskInput(inputs.get(id)!, c.selfSeed, id, pairwise)];
      }),
    );
    // 30% drop after their masked input was sent... and the coordinator never gets it.
    const dropped = new Set(ids.filter((_, i) => [0, 3, 7].includes(i % 10)));
    const survivors = ids.filter((id) => !dropped.has(id));
    expect(dropped.size).toBe(30);

    const sum = new Uint32Array(words);
    for (const id of survivors) masked.get(id)!.forEach((v, i) => (sum[i] = (sum[i]! + v) >>> 0));
    const sharesFromSurvivors = (of: string, kind: 'selfShares' | 'keyShares') => {
      const c = clinics.get(of)!;
      return c[kind].filter((_, h) => !dropped.has(c.holders[h]!));
    };
    // Survivors: their self masks come off (reconstructed from t survivors' shares).
    for (const id of survivors) applyMask(sum, combineShares(sharesFromSurvivors(id, 'selfShares'), threshold), -1);
    // Dropped: their mask secret key is reconstructed, and each survivor's uncancelled pairwise mask removed.
    for (const id of dropped) {
      const secretKey = combineShares(sharesFromSurvivors(id, 'keyShares'), threshold);
      for (const peer of clinics.get(id)!.holders.filter((p) => !dropped.has(p))) {
        applyMask(sum, pairwiseMaskKey(round, id, secretKey, peer, clinics.get(peer)!.maskKeys.publicKey), pairwiseSign(peer, id) === 1 ? -1 : 1);
      }
    }
    const expected = new Uint32Array(words);
    for (const id of survivors) inputs.get(id)!.forEach((v, i) => (expected[i] = (expected[i]! + v) >>> 0));
    expect(sum).toEqual(expected);
  });
});

describe('fixed-point weighted updates in Z_(2^32)', () => {
  it('sum exactly mod 2^32 and give the weighted mean back to within the rounding of one step per clinic', () => {
    const fp = fixedPointFor(1, 100_000);
    const clinics = Array.from({ length: 100 }, (_, k) => ({ weight: 30 + 17 * k, delta: Float64Array.from({ length: 50 }, (_, i) => Math.sin(k * 7 + i) * 0.9) }));
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
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((id) => createIdentity(id));
  const round = 'study-1#4';

  it('verify an advert only for its round and under the clinic\'s key', () => {
    const { advert } = createAdvert(alice!, round);
    expect(() => verifyAdvert(advert, alice!.signing.publicKey, round)).not.toThrow();
    expect(() => verifyAdvert(advert, alice!.signing.publicKey, 'study-1#5')).toThrow('key advert of alice is for round study-1#4, not study-1#5 (replayed?)');
    const forged = createAdvert(createIdentity('alice'), round).advert;
    expect(() => verifyAdvert(forged, alice!.signing.publicKey, round)).toThrow('key advert of alice: signature does not verify with its enrolled key');
    const swapped = { ...advert, maskPublicKey: nacl.box.keyPair().publicKey };
    expect(() => verifyAdvert(swapped, alice!.signing.publicKey, round)).toThrow('signature does not verify');
  });

  it('open sealed shares only at their recipient, for their round, unaltered', () => {
    const a = createAdvert(alice!, round);
    const b = createAdvert(bob!, round);
    const c = createAdvert(carol!, round);
    const [selfMask] = splitSecret(secret(), 2, [2, 3]);
    const [maskKey] = splitSecret(a.secrets.mask.secretKey, 2, [2, 3]);
    const sealed = sealShares(round, 'alice', a.secrets, b.advert, { selfMask: selfMask!, maskKey: maskKey! });
    expect(openShares(sealed, b.secrets, 'bob', a.advert, round)).toEqual({ selfMask, maskKey });
    expect(() => openShares(sealed, b.secrets, 'bob', a.advert, 'study-1#5')).toThrow('shares from alice to bob are for round study-1#4, not study-1#5 (replayed?)');
    expect(() => openShares(sealed, c.secrets, 'carol', a.advert, round)).toThrow('shares from alice to bob were not sealed by alice to carol');
    expect(() => openShares({ ...sealed, to: 'carol' }, c.secrets, 'carol', a.advert, round)).toThrow('shares from alice to carol do not verify');
    const flipped = Uint8Array.from(sealed.box);
    flipped[40]! ^= 1;
    expect(() => openShares({ ...sealed, box: flipped }, b.secrets, 'bob', a.advert, round)).toThrow('shares from alice to bob do not verify: altered');
    expect(() => openShares({ ...sealed, round: 'study-1#5' }, b.secrets, 'bob', a.advert, 'study-1#5')).toThrow('are bound to another round or pair of clinics');
  });
});
