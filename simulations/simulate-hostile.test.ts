import { describe, expect, it } from '@jest/globals';
import { DATA_DIR } from '../test/support/data-dir.js';
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

  it('refuses hostile clinics that would leave no honest one', async () => {
    await expect(
      simulate({ study: { dataset: 'fed-heart-disease', rounds: 1 }, data: { dataDir: DATA_DIR }, malicious: { count: 4, attack: 'scale' } }),
    ).rejects.toThrow('--malicious must be a whole number of clinics from 0 to 3 (at least one honest), got 4');
  });
});
