import { describe, expect, it } from '@jest/globals';
import { checkCoordinatorDurations } from './coordinator-options.js';
import { startCoordinator } from './coordinator.js';

describe("a coordinator's durations", () => {
  it('take a request window from 1 s to 1 day, and leave an absent one to its default', () => {
    expect(() => checkCoordinatorDurations({})).not.toThrow();
    expect(() => checkCoordinatorDurations({ requestWindowMs: 1000 })).not.toThrow();
    expect(() => checkCoordinatorDurations({ requestWindowMs: 86_400_000 })).not.toThrow();
    expect(() => checkCoordinatorDurations({ requestWindowMs: 999 })).toThrow(
      new RangeError('invalid coordinator options: requestWindowMs must be a number of milliseconds from 1000 to 86400000 (1 day), got 999'),
    );
  });

  it('out of bounds stop the coordinator before it opens a port or a database', async () => {
    // 30 days: the nonce pruning interval would overflow setInterval and run every millisecond.
    await expect(startCoordinator({ requestWindowMs: 2_592_000_000, insecure: true, database: '/nonexistent/never-created.sqlite' })).rejects.toThrow(
      'requestWindowMs must be a number of milliseconds from 1000 to 86400000 (1 day), got 2592000000',
    );
  });
});
