import { describe, expect, it } from '@jest/globals';
import { checkNodeDurations, runNode, type NodeOptions } from './node-agent.js';

describe("a node's durations", () => {
  it('are taken within their bounds, absent ones left to their defaults', () => {
    expect(() => checkNodeDurations({})).not.toThrow();
    expect(() =>
      checkNodeDurations({ shutdownGraceMs: 0, reconnectWindowMs: 7 * 86_400_000, reconnectBackoff: { baseMs: 1, capMs: 3_600_000 } }),
    ).not.toThrow();
  });

  it('out of bounds are refused together, each named with its bounds and value', () => {
    expect(() => checkNodeDurations({ shutdownGraceMs: 86_400_001, reconnectWindowMs: -1, reconnectBackoff: { baseMs: 0, capMs: 3_600_001 } })).toThrow(
      new RangeError(
        'invalid node options: shutdownGraceMs must be a number of milliseconds from 0 to 86400000 (1 day), got 86400001; ' +
          'reconnectWindowMs must be a number of milliseconds from 0 to 604800000 (7 days), got -1; ' +
          'reconnectBackoff.baseMs must be a number of milliseconds from 1 to 3600000 (1 hour), got 0; ' +
          'reconnectBackoff.capMs must be a number of milliseconds from 1 to 3600000 (1 hour), got 3600001',
      ),
    );
  });

  it('out of bounds stop a node before it reads data or connects', async () => {
    const options = { coordinator: '127.0.0.1:1', dataset: 'fed-heart-disease', site: 'cleveland', shutdownGraceMs: 30 * 86_400_000 } as NodeOptions;
    await expect(runNode(options)).rejects.toThrow('shutdownGraceMs must be a number of milliseconds from 0 to 86400000 (1 day), got 2592000000');
  });
});
