import type { ClinicCard } from '../../crypto/index.js';
import { loadSiteDataset } from '../../clinic-node/data/index.js';
import type { Approval } from '../../coordinator/clinics/clinic-approvals.js';
import type { RunningCoordinator } from '../../coordinator/index.js';

/** What an operator approves for a clinic serving `site`: exactly the records its node loads from the data directory. */
export async function approvalFor(site: string, dataset = 'fed-heart-disease'): Promise<Approval> {
  const { train, test } = await loadSiteDataset(dataset, site);
  return { dataset, site, numTrain: train.count, numTest: test.count };
}

/** Enrols a clinic's card in an in-process coordinator and approves it for `site` as its node will register. */
export async function enrolForSite(coordinator: Pick<RunningCoordinator, 'keys' | 'approvals'>, card: ClinicCard, site: string): Promise<void> {
  await coordinator.keys.enrol(card);
  await coordinator.approvals.approve(card.clinicId, await approvalFor(site));
}

/** `cohort clinic enrol`'s flags approving a clinic for `site` as its node will register. */
export async function approvalFlags(site: string): Promise<string[]> {
  const { dataset, numTrain, numTest } = await approvalFor(site);
  return ['--dataset', dataset, '--site', site, '--num-train', String(numTrain), '--num-test', String(numTest)];
}
