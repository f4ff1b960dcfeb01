import { deriveSeed, permutation, seededRandom } from '../../common/random.js';
import type { Examples, SiteDataset } from './dataset.js';

/**
 * A site's records split among `count` clinics of its own, as a federation with more clinics than
 * sites (`cohort simulate --clinics-per-site K`): a seeded shuffle of the training and of the test
 * records, dealt round-robin, shard k named `<site>.<k>` (k from 1). Records keep the site's
 * normalisation. One shard per site is the site itself, under its own name.
 */
export function shardSite(site: SiteDataset, count: number, seed: number): SiteDataset[] {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`a site is split into a whole number of clinics >= 1, got ${count}`);
  if (count === 1) return [site];
  const smallest = Math.min(site.train.count, site.test.count);
  if (count > smallest) throw new RangeError(`site ${site.site} has ${smallest} records in its smaller split: it cannot be split among ${count} clinics`);
  const train = deal(site.train, count, deriveSeed(seed, 'shard', site.site, 'train'));
  const test = deal(site.test, count, deriveSeed(seed, 'shard', site.site, 'test'));
  return train.map((examples, k) => ({ dataset: site.dataset, site: `${site.site}.${k + 1}`, train: examples, test: test[k]! }));
}

/** `examples` shuffled with `seed` and dealt among `count` parts. */
function deal(examples: Examples, count: number, seed: number): Examples[] {
  const order = permutation(examples.count, seededRandom(seed));
  return Array.from({ length: count }, (_, k) =>
    subset(
      examples,
      order.filter((_, i) => i % count === k),
    ),
  );
}

function subset({ x, y, features }: Examples, rows: number[]): Examples {
  const out = new Float32Array(rows.length * features);
  rows.forEach((row, i) => out.set(x.subarray(row * features, (row + 1) * features), i * features));
  return { x: out, y: Float32Array.from(rows, (row) => y[row]!), count: rows.length, features };
}
