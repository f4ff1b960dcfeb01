import { describe, expect, it } from '@jest/globals';
import { initialParameters, modelSpec, parameterCount } from '../common/model-spec.js';
import { epsilonFor, ORDER_GRIDS, RdpAccountant } from '../crypto/dp/accountant.js';
import { formatDpBench, heterogeneousSchedule, runDpBench, syntheticExamples, type DpBenchReport, type DpTrainingCase } from './dp.js';

// Facts only, no timing thresholds: how fast this machine is is the benchmark's output, not a test.
const tiny: DpTrainingCase[] = [
  { name: 'tiny_logistic', features: 5, hidden: [], records: 40, expectedBatch: 4, steps: 5 },
  { name: 'tiny_mlp', features: 6, hidden: [8, 4], records: 50, expectedBatch: 5, steps: 5 },
];

describe('DP benchmark', () => {
  let report: DpBenchReport;

  it('times DP-SGD against plain SGD per model and the accountant over a heterogeneous schedule', async () => {
    const progress: string[] = [];
    // Few accountant steps: under Jest's VM the RDP series runs about 30 times slower than under plain Node.
    report = await runDpBench({ steps: 10, repeats: 1, training: tiny, onProgress: (line) => progress.push(line) });
    expect(report).toMatchObject({ repeats: 1, node_version: process.version });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(report.backend);
    expect(report.tfjs_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(progress).toHaveLength(3);

    expect(report.training.map((t) => t.name)).toEqual(['tiny_logistic', 'tiny_mlp']);
    for (const [i, t] of report.training.entries()) {
      const c = tiny[i]!;
      const spec = c.hidden.length === 0 ? modelSpec('logistic-regression', c.features) : modelSpec('mlp', c.features, c.hidden);
      expect(t).toMatchObject({
        architecture: spec.architecture,
        features: c.features,
        hidden_units: c.hidden,
        parameters: parameterCount(spec),
        records: c.records,
        expected_batch: c.expectedBatch,
        sampling_rate: c.expectedBatch / c.records,
        steps: c.steps,
        clip_norm: 1,
        noise_multiplier: 1.1,
      });
      expect(t.plain_s_per_step).toBeGreaterThan(0);
      expect(t.dp_s_per_step).toBeGreaterThan(0);
      expect(t.ratio_dp_to_plain).toBe(t.dp_s_per_step / t.plain_s_per_step);
      expect(t.dp_clipped_fraction).toBeGreaterThanOrEqual(0);
      expect(t.dp_clipped_fraction).toBeLessThanOrEqual(1);
    }

    const a = report.accountant;
    const schedule = heterogeneousSchedule(10);
    expect(a).toMatchObject({ convention: 'dp-accounting', orders: ORDER_GRIDS['dp-accounting'].length, steps: 10, delta: 1e-5 });
    expect(a.heterogeneous_s).toBeGreaterThan(0);
    expect(a.homogeneous_s).toBeGreaterThan(0);
    expect(a.heterogeneous_us_per_step).toBeCloseTo((a.heterogeneous_s / 10) * 1e6, 9);
    expect(a.ratio_heterogeneous_to_homogeneous).toBe(a.heterogeneous_s / a.homogeneous_s);
    // The epsilons are exactly what a fresh accountant gives for the same schedule.
    const fresh = new RdpAccountant('dp-accounting');
    for (const { q, noiseMultiplier } of schedule) fresh.compose({ q, noiseMultiplier, steps: 1 });
    const expected = fresh.epsilon(1e-5);
    expect(a.epsilon).toBe(expected.epsilon);
    expect(a.best_order).toBe(expected.bestOrder);
    expect(a).toMatchObject({ homogeneous_q: schedule[0]!.q, homogeneous_noise_multiplier: schedule[0]!.noiseMultiplier });
    expect(a.homogeneous_epsilon).toBe(
      epsilonFor({ q: schedule[0]!.q, noiseMultiplier: schedule[0]!.noiseMultiplier, steps: 10 }, 1e-5, 'dp-accounting').epsilon,
    );
  });

  it('draws the schedule and the data from seeds, within the stated ranges', () => {
    const schedule = heterogeneousSchedule(1000);
    expect(heterogeneousSchedule(1000)).toEqual(schedule);
    expect(heterogeneousSchedule(1000, 2)).not.toEqual(schedule);
    for (const { q, noiseMultiplier } of schedule) {
      expect(q).toBeGreaterThanOrEqual(0.001);
      expect(q).toBeLessThanOrEqual(0.1);
      expect(noiseMultiplier).toBeGreaterThanOrEqual(0.5);
      expect(noiseMultiplier).toBeLessThanOrEqual(3);
    }
    const data = syntheticExamples(500, 13, 1);
    expect(data).toMatchObject({ count: 500, features: 13 });
    expect(data.x).toHaveLength(500 * 13);
    expect(syntheticExamples(500, 13, 1)).toEqual(data);
    const positives = data.y.reduce((n, v) => n + v, 0);
    expect(positives).toBeGreaterThan(150); // both classes present, roughly balanced
    expect(positives).toBeLessThan(350);
    expect(initialParameters(modelSpec('logistic-regression', 13), 1)).toHaveLength(14);
  });

  it('formats the report as tables naming every model and the accountant rows', () => {
    const text = formatDpBench(report);
    expect(text).toMatch(new RegExp(`^DP-SGD vs plain SGD on ${report.backend} `));
    for (const row of ['tiny_logistic', 'tiny_mlp', 'DP/plain', '10 heterogeneous steps', 'one run of 10 steps', 'dp-accounting, 156 orders'])
      expect(text).toContain(row);
    expect(text).toContain(`${report.training[0]!.ratio_dp_to_plain.toFixed(2)}x`);
  });

  it('refuses nonsense sizes before training', async () => {
    await expect(runDpBench({ steps: 0 })).rejects.toThrow('steps must be a positive integer, got 0');
    await expect(runDpBench({ repeats: 1.5 })).rejects.toThrow('repeats must be a positive integer, got 1.5');
    await expect(runDpBench({ training: [{ ...tiny[0]!, expectedBatch: 41 }] })).rejects.toThrow('tiny_logistic: expectedBatch 41 exceeds records 40');
    await expect(runDpBench({ training: [{ ...tiny[0]!, records: 0 }] })).rejects.toThrow('tiny_logistic: records must be a positive integer, got 0');
  });
});
