import { describe, expect, it } from '@jest/globals';
import { ABOUT_EPSILON_AND_DELTA, CLINIC_COLUMNS, renderReport, STUDY_COLUMNS, type PrivacyReport } from './privacy-report.js';

function report(): PrivacyReport {
  return {
    generatedAt: '2026-12-04T08:00:00.000Z',
    clinics: [
      {
        clinic: 'cleveland',
        epsilon: 0.9999998,
        cap: 1,
        delta: 1e-3,
        remaining: 2e-7,
        spends: 3,
        refusals: 0,
        verified: true,
        lastEntryAt: '2026-12-04T07:59:00.000Z',
        problems: [],
      },
      {
        clinic: 'va',
        epsilon: 0,
        cap: null,
        delta: null,
        remaining: null,
        spends: 0,
        refusals: 0,
        verified: false,
        lastEntryAt: null,
        problems: ['entry #1 (study s, round 2, spend): signature does not verify'],
      },
    ],
    studies: [
      {
        study: 's',
        studyName: 'heart, "fedavg"',
        clinic: 'cleveland',
        epsilon: 0.9999998,
        delta: 1e-3,
        spends: 3,
        refusals: 0,
        firstEntryAt: '2026-12-04T07:50:00.000Z',
        lastEntryAt: '2026-12-04T07:59:00.000Z',
      },
    ],
  };
}

describe('the privacy report', () => {
  it('as JSON: the rows, what epsilon and delta mean, and every column explained', () => {
    const json = JSON.parse(renderReport(report(), 'json')) as Record<string, unknown>;
    expect(json).toEqual({ ...report(), about: ABOUT_EPSILON_AND_DELTA, columns: { clinics: CLINIC_COLUMNS, studies: STUDY_COLUMNS } });
    expect(Object.keys(CLINIC_COLUMNS).sort()).toEqual(
      Object.keys(report().clinics[0]!)
        .filter((k) => k !== 'problems')
        .sort(),
    );
    expect(Object.keys(STUDY_COLUMNS).sort()).toEqual(Object.keys(report().studies[0]!).sort());
  });

  it('as CSV: one table, a row per clinic and per clinic and study, quoted where it must be', () => {
    const lines = renderReport(report(), 'csv').split('\r\n');
    expect(lines).toEqual([
      'scope,clinic,study,study_name,epsilon,cap,delta,remaining,spends,refusals,verified,first_entry_at,last_entry_at',
      'clinic,cleveland,,,0.9999998,1,0.001,2e-7,3,0,true,,2026-12-04T07:59:00.000Z',
      'clinic,va,,,0,,,,0,0,false,,',
      'study,cleveland,s,"heart, ""fedavg""",0.9999998,,0.001,,3,0,,2026-12-04T07:50:00.000Z,2026-12-04T07:59:00.000Z',
      '',
    ]);
  });

  it('as Markdown: both tables, a failed verification with its problem, the legend and the explanation', () => {
    const markdown = renderReport(report(), 'markdown');
    expect(markdown).toContain(ABOUT_EPSILON_AND_DELTA);
    expect(markdown).toContain('| cleveland | 1 | 1 | 0.001 | 2e-7 | 3 | 0 | yes | 2026-12-04T07:59:00.000Z |');
    expect(markdown).toContain('| va | 0 | - | - | - | 0 | 0 | **NO**: entry #1 (study s, round 2, spend): signature does not verify | - |');
    expect(markdown).toContain('| heart, "fedavg" (s) | cleveland | 1 | 0.001 | 3 | 0 | 2026-12-04T07:50:00.000Z | 2026-12-04T07:59:00.000Z |');
    for (const meaning of [...Object.values(CLINIC_COLUMNS), ...Object.values(STUDY_COLUMNS)]) expect(markdown).toContain(meaning);
    const empty = renderReport({ ...report(), studies: [] }, 'markdown');
    expect(empty).toContain('No clinic has a ledger entry for any study yet.');
  });
});
