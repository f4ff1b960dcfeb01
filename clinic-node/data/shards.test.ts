import { describe, expect, it } from '@jest/globals';
import type { SiteDataset } from './dataset.js';
import { shardSite } from './shards.js';

/** A site whose record i has features [i, -i] and label i % 2. */
function site(train: number, test: number): SiteDataset {
  const examples = (n: number, offset: number) => ({
    x: Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 === 0 ? 1 : -1) * (offset + Math.floor(k / 2))),
    y: Float32Array.from({ length: n }, (_, i) => (offset + i) % 2),
    count: n,
    features: 2,
  });
  return { dataset: 'fed-heart-disease', site: 'va', train: examples(train, 0), test: examples(test, 1000) };
}

const ids = (shard: SiteDataset, split: 'train' | 'test') => Array.from({ length: shard[split].count }, (_, i) => shard[split].x[i * 2]!);

describe('splitting a site among clinics', () => {
  it('deals every record to exactly one shard, rows intact, names va.1 to va.K', () => {
    const shards = shardSite(site(23, 11), 5, 42);
    expect(shards.map((s) => s.site)).toEqual(['va.1', 'va.2', 'va.3', 'va.4', 'va.5']);
    expect(shards.map((s) => s.train.count)).toEqual([5, 5, 5, 4, 4]);
    expect(shards.map((s) => s.test.count)).toEqual([3, 2, 2, 2, 2]);
    const train = shards.flatMap((s) => ids(s, 'train')).sort((a, b) => a - b);
    expect(train).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(shards.flatMap((s) => ids(s, 'test')).sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => 1000 + i));
    for (const shard of shards) {
      ids(shard, 'train').forEach((id, i) => {
        expect(shard.train.x[i * 2 + 1]).toBe(-id);
        expect(shard.train.y[i]).toBe(id % 2);
      });
    }
  });

  it('is the same split for the same seed, another for another', () => {
    expect(shardSite(site(23, 11), 5, 42).map((s) => ids(s, 'train'))).toEqual(shardSite(site(23, 11), 5, 42).map((s) => ids(s, 'train')));
    expect(shardSite(site(23, 11), 5, 43).map((s) => ids(s, 'train'))).not.toEqual(shardSite(site(23, 11), 5, 42).map((s) => ids(s, 'train')));
  });

  it('keeps a site of one shard whole, and refuses a split that would leave a clinic without test records', () => {
    const whole = site(4, 2);
    expect(shardSite(whole, 1, 42)).toEqual([whole]);
    expect(() => shardSite(whole, 3, 42)).toThrow('site va has 2 records in its smaller split: it cannot be split among 3 clinics');
    expect(() => shardSite(whole, 0, 42)).toThrow('a site is split into a whole number of clinics >= 1, got 0');
  });
});
