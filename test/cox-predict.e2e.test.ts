import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPbc3Sites } from '../clinic-node/data/pbc3.js';
import type { StudyView } from '../coordinator/studies/studies.service.js';
import { StudiesController } from '../coordinator/studies/studies.controller.js';
import { INTENDED_USE, type ModelVersionView } from '../cli/model-export/model-card.js';
import { predictFile } from '../cli/model-export/predict.js';
import { writeModelExport } from '../cli/model-export/write-export.js';
import { simulate } from '../simulations/simulate.js';
import { covarianceOf, gridBaseline, readBaselineBlock, readNewtonModel, risksByArm, type RiskModel } from '../survival/index.js';
import { DATA_DIR } from './support/data-dir.js';

// R on the same grid at its stratified β: the median patient's 5-year risk under placebo and cyclosporin A
// (Rscript survival/reference/pbc3-coxph.R ../shared/data/pbc3/Pbc3.csv).
const median = JSON.parse(readFileSync(new URL('../survival/reference/pbc3-coxph.json', import.meta.url), 'utf8')).stratified_efron_baseline.consortium_grid
  .median_patient as { alb: number; log2bili: number; risk_5y: [number, number] };
const FIVE_YEARS = 5 * 365.25;

describe('a PBC3 model exported with its federated baseline hazard, applied by cohort predict', () => {
  it("gives each patient's risk under each arm as the coordinator's model does, and refuses a horizon past its grid", async () => {
    const workdir = mkdtempSync(join(tmpdir(), 'cohort-cox-predict-'));
    try {
      let final: Float32Array | undefined;
      const out = join(workdir, 'model');
      await simulate({
        study: { dataset: 'pbc3' },
        data: { dataDir: DATA_DIR },
        beforeClose: async ({ coordinator, studyId }) => {
          // What `cohort model export` fetches over HTTP: GET /studies/:id and /models/latest.
          const controller = coordinator.app.get(StudiesController);
          const study = (await controller.detail(studyId)) as StudyView;
          const version = (await controller.latestModel(studyId)) as ModelVersionView;
          final = Float32Array.from(version.parameters!);
          await writeModelExport(out, study, version, 'json');
        },
      });
      const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
      expect(model).toMatchObject({
        format: 'cohort-cox/1',
        baselineHazard: { format: 'cohort-breslow-grid/1', timeUnit: 'days', defaultHorizon: FIVE_YEARS },
        treatment: { feature: 'tment', index: 0, control: { code: 0, name: 'placebo' }, treated: { code: 1, name: 'cyclosporin A' } },
      });
      expect(model.baselineHazard.time).toHaveLength(72);
      expect(JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8')).intendedUse).toBe(INTENDED_USE);

      // Patients as a clinic would list them: the median one, then the first ten of London's.
      const london = (await loadPbc3Sites({ dataDir: DATA_DIR }))[1]!.records;
      const patients = [[1, median.alb, median.log2bili], ...Array.from({ length: 10 }, (_, i) => Array.from(london.x.subarray(i * 3, i * 3 + 3)))];
      const csv = ['patient,log2bili,alb,tment', ...patients.map(([tment, alb, log2bili], i) => `p${i},${log2bili},${alb},${tment}`)];
      writeFileSync(join(workdir, 'patients.csv'), `${csv.join('\n')}\n`);
      const predicted = await predictFile(out, join(workdir, 'patients.csv'), 'patient');
      expect(predicted.model).toMatchObject({ architecture: 'cox-newton', dataset: 'pbc3', horizon: FIVE_YEARS, timeUnit: 'days', intendedUse: INTENDED_USE });

      // The coordinator's model vector, read directly.
      const block = readBaselineBlock(final!)!;
      const direct: RiskModel = {
        coefficients: block.coefficients,
        covariance: covarianceOf(readNewtonModel(final!))!,
        baseline: gridBaseline(block.grid, block.centre, block.sums!),
      };
      predicted.predictions.forEach((p, i) => {
        const expected = risksByArm(direct, patients[i]!, 0, FIVE_YEARS);
        expect(p.id).toBe(`p${i}`);
        expect(p.arms!.control).toMatchObject({ arm: 'placebo' });
        for (const [got, want] of [
          [p.arms!.control, expected.control],
          [p.arms!.treated, expected.treated],
        ] as const) {
          expect(Math.abs(got.value - want.risk)).toBeLessThan(1e-12);
          expect(Math.abs(got.low - want.low)).toBeLessThan(1e-12);
          expect(Math.abs(got.high - want.high)).toBeLessThan(1e-12);
        }
        expect(Math.abs(p.arms!.difference.value - expected.difference.value)).toBeLessThan(1e-12);
        expect(Math.abs(p.arms!.difference.low - expected.difference.low)).toBeLessThan(1e-12);
        expect(p.risk!.value).toBeCloseTo(patients[i]![0] === 1 ? expected.treated.risk : expected.control.risk, 12);
      });
      // The median patient: R's risks from the same baseline, and cyclosporin A lowers the risk.
      const { arms } = predicted.predictions[0]!;
      expect(Math.abs(arms!.control.value - median.risk_5y[0])).toBeLessThan(1e-6);
      expect(Math.abs(arms!.treated.value - median.risk_5y[1])).toBeLessThan(1e-6);
      expect(arms!.difference.high).toBeLessThan(0);
      expect(arms!.control.low).toBeLessThan(arms!.control.value);
      expect(arms!.control.high).toBeGreaterThan(arms!.control.value);

      await expect(predictFile(out, join(workdir, 'patients.csv'), 'patient', { horizon: 2200 })).rejects.toThrow(
        "horizon 2200 is beyond the model's time grid, which ends at 2191.5 days: it knows nothing later",
      );
      const oneYear = await predictFile(out, join(workdir, 'patients.csv'), 'patient', { horizon: 365.25 });
      expect(oneYear.predictions[0]!.arms!.control.value).toBeLessThan(arms!.control.value);
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });
});
