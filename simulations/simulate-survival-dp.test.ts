import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { LEDGER_FILE } from '../clinic-node/node-agent.js';
import { LedgerFile } from '../clinic-node/privacy/ledger-file.js';
import { LedgerService } from '../coordinator/ledger/ledger.service.js';
import { StudiesController } from '../coordinator/studies/studies.controller.js';
import { modelCard, type ModelVersionView } from '../cli/model-export/model-card.js';
import { verifyLedger, type LedgerEntry } from '../crypto/index.js';
import { DATA_DIR } from '../test/support/data-dir.js';
import { simulate, type SimulationOptions } from './simulate.js';

// A differentially private Fed-TCGA-BRCA study over gRPC, kept small (2 rounds of 20 steps): it runs
// to the end, every clinic's ledger and the coordinator's signed copy hold one verified spend per
// round, and no clinic spends more than the study's target; a clinic capped below it refuses, on the record.
const ROUNDS = 2;
const STEPS = 20;
const study = (privacy: string) => ({
  dataset: 'fed-tcga-brca',
  privacy,
  seed: 42,
  rounds: ROUNDS,
  training: { localSteps: STEPS },
  dp: { targetEpsilon: 2, delta: 1e-3 },
});

interface Ledgers {
  site: string;
  records: number;
  clinic: readonly LedgerEntry[];
  coordinator: ReturnType<typeof verifyLedger>;
}

/** Runs the study and collects each clinic's ledger file and the coordinator's verified copy of it (and the final model's card, as exported). */
async function run(privacy: string, budgets?: Record<string, number>) {
  const ledgers: Ledgers[] = [];
  let card: Record<string, unknown> | null = null;
  const beforeClose: SimulationOptions['beforeClose'] = async ({ coordinator, keystores, studyId }) => {
    const studies = coordinator.app.get(StudiesController);
    const version = (await studies.latestModel(studyId)) as ModelVersionView;
    card = modelCard(await studies.detail(studyId), version, ['model.json'], { privacySpent: await coordinator.app.get(LedgerService).budgets() });
    const service = coordinator.app.get(LedgerService);
    for (const keystore of keystores) {
      const { card, entries } = await service.ledgerOf(keystore.clinicId);
      const file = LedgerFile.open(join(keystore.dir, LEDGER_FILE), keystore.identity);
      ledgers.push({ site: keystore.clinicId, records: 0, clinic: file.entries(), coordinator: verifyLedger(card.clinicId, entries, card.signPublicKey) });
    }
  };
  const report = await simulate({ study: study(privacy), data: { dataDir: DATA_DIR }, beforeClose, ...(budgets && { budgets }) });
  report.sites.forEach((row, i) => (ledgers[i]!.records = row.n_train));
  return { report, ledgers, card: card! };
}

describe('differential privacy on Fed-TCGA-BRCA', () => {
  it('dp: DP-SGD Cox at every clinic, one verified spend per round in both ledgers, epsilon within the target', async () => {
    const { report, ledgers, card } = await run('dp');
    expect(report).toMatchObject({ dataset: 'fed-tcga-brca', privacy: 'dp', model: 'cox-linear', rounds: ROUNDS, metric: 'c_index' });
    expect(report.rounds_history).toHaveLength(ROUNDS);
    expect(report.refused_rounds).toBeUndefined();
    expect(ledgers.map((l) => l.site)).toEqual(['northeast', 'south', 'west', 'midwest', 'europe', 'canada']);
    for (const { site, records, clinic, coordinator } of ledgers) {
      expect(coordinator).toMatchObject({ ok: true, problems: [], spends: ROUNDS, refusals: 0 });
      expect(coordinator.parsed).toEqual(clinic); // the coordinator holds exactly what the clinic signed
      expect(clinic.map((e) => [e.kind, e.round])).toEqual([
        ['spend', 1],
        ['spend', 2],
      ]);
      for (const entry of clinic) {
        // Per-step sensitivity C = 1 (the batch's gradient clipped to C/2), Poisson batches of expected size 8.
        expect(entry.mechanism).toMatchObject({ type: 'dp-sgd', unit: 'patient', relation: 'add-remove', clipNorm: 1, steps: STEPS, records });
        expect(entry.mechanism?.type === 'dp-sgd' && entry.mechanism.samplingRate).toBeCloseTo(8 / records, 12);
      }
      const spent = report.privacy_spent!.find((p) => p.site === site)!;
      expect(spent).toEqual({ site, epsilon: clinic.at(-1)!.epsilon, delta: 1e-3 });
      expect(spent.epsilon).toBeLessThanOrEqual(2);
      expect(spent.epsilon).toBeGreaterThan(1.999); // calibrated to spend the target
    }
    // The model card names each training clinic's epsilon from the coordinator's verified copy.
    const clinics = (card['training'] as { privacySpent: { clinics: { clinic: string; epsilon: number; verified: boolean }[] } }).privacySpent.clinics;
    const bySite = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(clinics.map((c) => [c.clinic, c.epsilon, c.verified]).sort(bySite)).toEqual(
      ledgers.map((l) => [l.site, l.clinic.at(-1)!.epsilon, true]).sort(bySite),
    );
  });

  it('secagg+dp: each round one distributed-Gaussian spend with sensitivity 2C on the clipped update', async () => {
    const { report, ledgers } = await run('secagg+dp');
    expect(report.rounds_history).toHaveLength(ROUNDS);
    for (const { site, clinic, coordinator } of ledgers) {
      expect(coordinator).toMatchObject({ ok: true, spends: ROUNDS, refusals: 0 });
      for (const entry of clinic) expect(entry.mechanism).toMatchObject({ type: 'distributed-gaussian', clipNorm: 1, sensitivity: 2, steps: 1 });
      const spent = report.privacy_spent!.find((p) => p.site === site)!;
      expect(spent.epsilon).toBeLessThanOrEqual(2);
    }
  });

  it("a clinic whose cap is below the study's target trains every round with more noise; one with no usable cap refuses on the record", async () => {
    const { report, ledgers } = await run('dp', { canada: 0.5, europe: 1e-4 });
    expect(report.rounds_history).toHaveLength(ROUNDS);
    const canada = ledgers.find((l) => l.site === 'canada')!;
    expect(canada.coordinator).toMatchObject({ ok: true, spends: ROUNDS, refusals: 0 });
    for (const entry of canada.clinic) expect(entry).toMatchObject({ kind: 'spend', capEpsilon: 0.5 });
    // Its whole cap, none of it stranded, and not a hair over.
    const spent = report.privacy_spent!.find((p) => p.site === 'canada')!.epsilon;
    expect(spent).toBeLessThanOrEqual(0.5);
    expect(spent).toBeGreaterThan(0.5 - 1e-3);
    const europe = ledgers.find((l) => l.site === 'europe')!;
    expect(europe.coordinator).toMatchObject({ ok: true, spends: 0, refusals: ROUNDS });
    for (const entry of europe.clinic) {
      expect(entry).toMatchObject({ kind: 'refusal', capEpsilon: 1e-4, epsilon: 0 });
      expect(entry.reason).toContain("even 10 times the study's noise");
    }
    expect(report.privacy_spent!.find((p) => p.site === 'europe')!.epsilon).toBe(0);
    expect(report.refused_rounds).toEqual(ledgers.map(({ site }) => ({ site, rounds: site === 'europe' ? ROUNDS : 0 })));
    for (const { coordinator } of ledgers.filter((l) => l.site !== 'europe')) expect(coordinator).toMatchObject({ ok: true, spends: ROUNDS, refusals: 0 });
  });
});
