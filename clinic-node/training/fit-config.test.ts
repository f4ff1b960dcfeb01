import { describe, expect, it } from '@jest/globals';
import { localFitSettings } from './fit-config.js';

describe("a task's fit config", () => {
  it('asks for the proximal term, or for nothing', () => {
    expect(localFitSettings({ proximalMu: 0.1 })).toEqual({ proximalMu: 0.1 });
    expect(localFitSettings({ proximalMu: 0 })).toEqual({});
    expect(localFitSettings({})).toEqual({});
    expect(localFitSettings(null)).toEqual({});
  });

  it('is refused when it names a setting this node does not know, or a bad value', () => {
    expect(() => localFitSettings({ proximalMu: 0.1, momentum: 0.9 })).toThrow(
      'the study\'s strategy asks clinics for training setting "momentum", which this node does not know (known: proximalMu)',
    );
    expect(() => localFitSettings({ proximalMu: -0.1 })).toThrow('training setting proximalMu must be a number >= 0, got -0.1');
    expect(() => localFitSettings({ proximalMu: Infinity })).toThrow('training setting proximalMu must be a number >= 0, got Infinity');
  });
});
