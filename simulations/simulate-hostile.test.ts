import { describe, expect, it } from '@jest/globals';
import { DATA_DIR } from '../test/support/data-dir.js';
import { initialParameters, modelSpec } from '../common/model-spec.js';
import { simulate } from './simulate.js';

describe('simulate: more clinics than sites, some of them hostile', () => {
  it('splits each site among its clinics, approves each for its share, and makes the last ones hostile', async () => {
    const report = await simulate({
      study: { dataset: 'fed-heart-disease', strategy: { name: 'median' }, rounds: 2 },
      data: { dataDir: DATA_DIR },
      clinicsPerSite: 2,
      malicious: { count: 2, attack: 'constant' },
    });
    expect(report.sites.map((s) => s.site)).toEqual([
      'cleveland.1',
      'cleveland.2',
      'hungarian.1',
      'hungarian.2',
      'switzerland.1',
      'switzerland.2',
      'va.1',
      'va.2',
    ]);
    const records = (site: string) => report.sites.filter((s) => s.site.startsWith(`${site}.`)).reduce((sum, s) => sum + s.n_train + s.n_test, 0);
    expect(['cleveland', 'hungarian', 'switzerland', 'va'].map(records)).toEqual([303, 261, 46, 130]);
    expect(report).toMatchObject({ malicious: 2, malicious_sites: ['va.1', 'va.2'], attack: 'constant', strategy: 'median' });
    expect(report.rounds_history).toHaveLength(2);
  });

  it('goes on without a clinic whose inflated count was refused: its rounds close at once, never at their deadline', async () => {
    const events: string[] = [];
    const report = await simulate({
      // An hour's deadline: a round waiting for the liar would outlast the test.
      study: { dataset: 'fed-heart-disease', strategy: { name: 'fedavg' }, rounds: 2, roundTimeoutS: 3600 },
      data: { dataDir: DATA_DIR },
      malicious: { count: 1, attack: 'weight' },
      onProgress: (line) => events.push(line),
    });
    expect(report).toMatchObject({ attack: 'weight', malicious_sites: ['va'], stopped_sites: ['va'] });
    expect(report.rounds_history.map((r) => r.round)).toEqual([1, 2]);
    expect(report.sites.map((s) => s.site)).toEqual(['cleveland', 'hungarian', 'switzerland', 'va']);
    expect(events).toContainEqual(
      'va (hostile) stopped: 3 INVALID_ARGUMENT: update from va declares 9007199254740991 training samples; the operator approved at most 85 for fed-heart-disease/va',
    );
  });

  it("under secure aggregation, a masked weight word that lies gets every round's sum discarded: the model never moves, the study completes", async () => {
    const finals = new Map<string, Float32Array>();
    const report = await simulate({
      study: { dataset: 'fed-heart-disease', privacy: 'secagg', rounds: 2, seed: 7 },
      data: { dataDir: DATA_DIR },
      malicious: { count: 1, attack: 'weight' },
      onFinalModel: (site, parameters) => finals.set(site, parameters),
    });
    expect(report).toMatchObject({ privacy: 'secagg', attack: 'weight', malicious_sites: ['va'] });
    expect(report.stopped_sites).toBeUndefined();
    const initial = initialParameters(modelSpec('logistic-regression', 13, [], 1), 7);
    expect(finals.size).toBe(4);
    for (const parameters of finals.values()) expect(Array.from(parameters)).toEqual(Array.from(initial));
  });

  it('refuses the weight attack where updates carry no count and no weight word', async () => {
    await expect(
      simulate({ study: { dataset: 'fed-heart-disease', rounds: 1, privacy: 'he' }, data: { dataDir: DATA_DIR }, malicious: { count: 1, attack: 'weight' } }),
    ).rejects.toThrow(
      '--attack weight inflates an update\'s sample count or masked weight; under privacy "he" updates carry no count (the weight is the approved one)',
    );
  });

  it('refuses hostile clinics that would leave no honest one', async () => {
    await expect(
      simulate({ study: { dataset: 'fed-heart-disease', rounds: 1 }, data: { dataDir: DATA_DIR }, malicious: { count: 4, attack: 'scale' } }),
    ).rejects.toThrow('--malicious must be a whole number of clinics from 0 to 3 (at least one honest), got 4');
  });
});
