import { describe, expect, it } from '@jest/globals';
import { countRequests, formatConsoleBench, spread, summariseArms, type ConsoleBenchReport, type ConsoleTrial } from './console-report.js';

const trial = (arm: ConsoleTrial['arm'], roundS: number[], coordinatorCpuS: number, extra: Partial<ConsoleTrial> = {}): ConsoleTrial => ({
  arm,
  roundS,
  coordinatorCpuS,
  browserCpuS: 0,
  httpRequests: 0,
  streamConnections: 0,
  studyReloads: 0,
  ...extra,
});

describe('spread', () => {
  it('gives quartiles by linear interpolation, whatever the order', () => {
    expect(spread([4, 1, 3, 2, 5])).toEqual({ q1: 2, median: 3, q3: 4, min: 1, max: 5 });
    expect(spread([10, 0, 30, 20])).toEqual({ q1: 7.5, median: 15, q3: 22.5, min: 0, max: 30 });
    expect(spread([7])).toEqual({ q1: 7, median: 7, q3: 7, min: 7, max: 7 });
  });

  it('refuses no values', () => {
    expect(() => spread([])).toThrow('no values');
  });
});

describe('summariseArms', () => {
  const trials = [
    trial('none', [1, 2], 0.2),
    trial('study', [2, 4], 0.6, { browserCpuS: 1, httpRequests: 3, streamConnections: 1, studyReloads: 3 }),
    trial('none', [3, 4], 0.4),
    trial('study', [6, 8], 1.0, { browserCpuS: 3, httpRequests: 5, streamConnections: 1, studyReloads: 4 }),
  ];
  const [none, study] = summariseArms(trials);

  it('pools rounds over trials and takes CPU per round per trial', () => {
    expect(none).toMatchObject({ arm: 'none', trials: 2, rounds: 4, round_ratio: null, cpu_ratio: null, http_requests: 0 });
    expect(none!.round_s.median).toBe(2.5);
    expect(none!.cpu_per_round_s).toMatchObject({ min: 0.1, max: 0.2, median: 0.15000000000000002 });
    expect(study).toMatchObject({ arm: 'study', rounds: 4, http_requests: 8, stream_connections: 2, study_reloads: 7 });
    expect(study!.browser_cpu_per_round_s.median).toBe(1);
  });

  it('divides each median by the no-browser arm', () => {
    expect(study!.round_ratio).toBe(5 / 2.5);
    expect(study!.cpu_ratio).toBeCloseTo(0.4 / 0.15, 12);
  });

  it('has no ratios without a no-browser arm', () => {
    expect(summariseArms(trials.filter((t) => t.arm === 'study'))[0]).toMatchObject({ round_ratio: null, cpu_ratio: null });
  });
});

describe('formatConsoleBench', () => {
  it('prints one aligned row per arm, in milliseconds, with the ratios', () => {
    const report: ConsoleBenchReport = {
      rounds_per_study: 2,
      trials_per_arm: 1,
      privacy: 'none',
      clinics: 4,
      node_version: 'v22.0.0',
      chromium_version: 'Chromium 1.2',
      cpus: 2,
      arms: summariseArms([trial('none', [0.3, 0.5], 0.2), trial('study', [0.6, 0.6], 0.3, { browserCpuS: 0.1, streamConnections: 1, studyReloads: 2 })]),
      trials: [],
    };
    const lines = formatConsoleBench(report).split('\n');
    expect(lines[0]).toBe('console: 4 Fed-Heart-Disease clinics, privacy none, 2 rounds a study, 1 alternating trials an arm');
    expect(lines[3]).toMatch(/^ {2}no browser +2 +400\.0 +350\.0-450\.0 +1 \(base\) +100\.0 +100\.0-100\.0 +1 \(base\) +0\.0 +0 +0 +0$/);
    expect(lines[4]).toMatch(/^ {2}study page open +2 +600\.0 +600\.0-600\.0 +1\.500 +150\.0 +150\.0-150\.0 +1\.500 +50\.0 +0 +1 +2$/);
  });
});

describe('countRequests', () => {
  it("counts the coordinator's request lines, plain or JSON, and nothing else", () => {
    const output = [
      '{"level":30,"msg":"GET /studies/s1 200"}',
      '{"level":30,"msg":"round 1 opened"}',
      'POST /clinics/enrolled 201',
      '{"level":40,"msg":"GET /audit/report 403"}',
      'GET /studies/s1 with a note 200',
    ].join('\n');
    expect(countRequests(output)).toBe(3);
    expect(countRequests('')).toBe(0);
  });
});
