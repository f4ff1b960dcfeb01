import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteDataset } from '../clinic-node/data/index.js';
import { Keystore } from '../clinic-node/keys/index.js';
import type { NodeSummary } from '../clinic-node/node-agent.js';
import { runSiteNodes } from '../simulations/site-nodes.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { StudiesService } from '../coordinator/studies/studies.service.js';
import { enrolForSite } from './support/approvals.js';
import { DATA_DIR } from './support/data-dir.js';
import { connect } from './support/scripted-clinic.js';

// The attack measured on main before approvals: a member registering 4e9 training records, then
// silent, failed every secure study in round 1 ("clip 8 x total weight 4000000401 leaves no room for
// precision in 32 bits"). Even approved as declared, such a count is left out of each round: three
// real nodes finish the study without it.
const HONEST = ['cleveland', 'hungarian', 'switzerland'];
const INFLATED = 4e9;

let dir: string;
let coordinator: RunningCoordinator;
let summaries: NodeSummary[];
let studyId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-secagg-inflated-'));
  const tls = await loopbackTls();
  coordinator = await startCoordinator({ grpcPort: 0, httpPort: 0, database: join(dir, 'coordinator.sqlite'), logLevels: false, tls: tls.server });
  // The liar: enrolled, approved for what it declares (4e9 records at va), connected and watching tasks, silent.
  const liar = await connect(coordinator, 'va', 'va', INFLATED);
  const study = await coordinator.federation.createStudy(
    parseStudyConfig({ dataset: 'fed-heart-disease', privacy: 'secagg', rounds: 2, quorum: 3, minClinics: 3, strategy: { name: 'fedavg' } }),
  );
  studyId = study.id;
  const keystores = HONEST.map((site) => Keystore.create(join(dir, site), site));
  for (const [i, keystore] of keystores.entries()) await enrolForSite(coordinator, keystore.card, HONEST[i]!);
  const data = await Promise.all(HONEST.map((site) => loadSiteDataset('fed-heart-disease', site, { dataDir: DATA_DIR })));
  summaries = await runSiteNodes({ coordinator: coordinator.grpcAddress, sites: data, keystores, credentials: () => tls.credentials() });
  liar.close();
}, 120_000);

afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('secure aggregation with a member approved for an outsized count', () => {
  it('leaves it out of every round instead of failing the study', async () => {
    expect(summaries.map((s) => [s.studyStatus, s.trainedRounds])).toEqual(HONEST.map(() => ['completed', 2]));
    const studies = coordinator.app.get(StudiesService);
    const detail = await studies.detail((await studies.find(studyId))!);
    expect(detail).toMatchObject({ status: 'completed', error: null });
    for (const round of detail.roundHistory) {
      expect(round).toMatchObject({ status: 'closed' });
      expect([...round.participants].sort()).toEqual([...HONEST].sort());
    }
  });
});
