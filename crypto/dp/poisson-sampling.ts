import { randomBytes } from 'node:crypto';

/**
 * Poisson subsampling: each of `count` records is in the batch independently with probability
 * `rate`, decided by the operating system's CSPRNG. This is the sampling the sampled Gaussian
 * mechanism's RDP bound assumes (batch size varies; its expectation is `rate * count`), and the
 * draw must stay secret, so it is never seeded from anything the coordinator knows.
 */
export function poissonSample(count: number, rate: number): number[] {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`sampling rate must be in [0, 1], got ${rate}`);
  const bytes = randomBytes(count * 4);
  const threshold = rate * 2 ** 32;
  const chosen: number[] = [];
  for (let i = 0; i < count; i++) if (bytes.readUInt32BE(i * 4) < threshold) chosen.push(i);
  return chosen;
}
