import type { ChannelCredentials } from '@grpc/grpc-js';
import { hostileClaim, hostileLearner, hostileSecureClient, type Attack } from './hostile-learner.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetDescriptor } from '../common/datasets.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { FederationClient } from '../clinic-node/client/federation-client.js';
import { generateStudyKey, Keystore } from '../clinic-node/keys/index.js';
import { runNode, type NodeOptions, type NodeSummary } from '../clinic-node/node-agent.js';
import { learnerFor } from '../clinic-node/training/learner-for.js';
import type { ModelSpec } from '../common/model-spec.js';
import { isSurvival, loadClinicData } from '../clinic-node/data/index.js';
import { shardSite } from '../clinic-node/data/shards.js';
import type { AnySiteDataset, DataOptions } from '../clinic-node/data/dataset.js';
import { activeBackend } from '../clinic-node/training/local-learner.js';
import { parseStudyConfig, startCoordinator, type FederationEvent, type RunningCoordinator } from '../coordinator/index.js';
import { encrypts, securelyAggregates } from '../common/privacy-mode.js';
import { defaultQuorum, type StudyConfig } from '../coordinator/config/study-config.js';
import { secAggDropout } from './secagg-dropout.js';
import type { Subscription } from 'rxjs';
import { metricName, siteMetric, summarise, type SiteScores } from './site-scores.js';
import { coxFigures } from './cox-report.js';
import { concordanceIndexOrNull, type CoefficientRow } from '../survival/index.js';

export interface SiteResult {
  site: string;
  n_train: number;
  n_test: number;
  /** Classification studies: the share of test records classified right. */
  accuracy?: number;
  /** Survival studies: Harrell's C on the test records (null when no pair was comparable). */
  c_index?: number | null;
}

/** What every run reports (`--json` prints it as one line); field names are stable. */
export interface RunReport {
  dataset: string;
  strategy: string;
  privacy: string;
  seed: number;
  /** `grpc` for federations, `none` for centralised baselines. */
  transport: string;
  /** TensorFlow.js backend that trained. */
  backend: string;
  model: string;
  sites: SiteResult[];
  /** The task's metric: `accuracy` (classification) or `c_index` (survival, Harrell's C). */
  metric: 'accuracy' | 'c_index';
  /** Unweighted mean of the sites' metric. */
  mean_site_metric: number;
  /** The metric over the union of the sites' test sets (for c_index: every site's pairs, pairs within a site). */
  pooled_metric: number;
  /** Classification studies: mean_site_metric and pooled_metric under their earlier names. */
  mean_site_accuracy?: number;
  pooled_accuracy?: number;
  elapsed_s: number;
}

export interface SimulationReport extends RunReport {
  rounds: number;
  /** Differentially private studies: each clinic's total epsilon at its cap's δ, from its own ledger. */
  privacy_spent?: { site: string; epsilon: number; delta: number }[];
  /** Rounds each clinic refused (its budget would have been passed); only when some were. */
  refused_rounds?: { site: string; rounds: number }[];
  rounds_history: { round: number; mean_site_metric: number; pooled_metric: number; mean_site_accuracy?: number; pooled_accuracy?: number }[];
  /** Secure-aggregation rounds each clinic dropped out of (simulated dropout); only with --dropout. */
  dropped_rounds?: { site: string; rounds: number }[];
  /** With hostile clinics (--malicious): how many, which sites, and their attack. */
  malicious?: number;
  malicious_sites?: string[];
  attack?: Attack;
  /**
   * Hostile clinics whose node stopped at a refusal (the `weight` attack's inflated count): the
   * federation went on without them, and the simulation scored their sites with the final model on
   * their own test records, as their nodes would have. Only when some stopped.
   */
  stopped_sites?: string[];
  /** Cox models fitted by Newton-Raphson (model cox-newton): each coefficient, hazard ratio and 95% interval. */
  coefficients?: CoefficientRow[];
  log_likelihood?: number;
}

export interface SimulationOptions {
  /** Study definition as the coordinator's HTTP API takes it (`dataset` required). */
  study: Record<string, unknown>;
  data?: DataOptions;
  /** Progress lines (stderr in the CLI). */
  onProgress?: (line: string) => void;
  /**
   * Differentially private studies: each clinic's cap on its total epsilon, by site. Default: the
   * study's target epsilon for every site (at the study's δ), so the study may spend all of it.
   */
  budgets?: Record<string, number>;
  /**
   * Secure-aggregation studies: the probability that a clinic drops out of a round after sharing its
   * keys (its update is lost, its masks are removed from its neighbours' shares). Default 0.
   */
  dropout?: number;
  /** Receives the final global model as each site's node holds it (every site's copy, in site order). */
  onFinalModel?: (site: string, parameters: Float32Array) => void;
  /**
   * Hostile clinics: the last `count` clinics (in site order) train and then send `attack`'s update
   * instead of theirs (simulations/hostile-learner.ts), through the real node path. Default none.
   */
  malicious?: { count: number; attack: Attack };
  /**
   * Clinics per site: each site's records split (seeded by the study's seed) among this many clinics,
   * named `<site>.<k>`; with more than one, the study waits for every clinic to start and its quorum
   * is the default one of that many clinics (defaultQuorum), unless it sets `minClinics` and `quorum`.
   * Default 1: one clinic per site.
   */
  clinicsPerSite?: number;
  /**
   * Called once every node has finished, before the coordinator closes and the temporary directory
   * (keystores, ledgers) is removed: for tests that inspect the coordinator's state or the clinics'
   * files. Default none.
   */
  beforeClose?: (federation: { coordinator: RunningCoordinator; studyId: string; keystores: readonly Keystore[] }) => Promise<void>;
}

/**
 * A federation on one machine: a real coordinator (gRPC on loopback, SQLite in a temporary
 * directory) and one node per site of the dataset, each talking gRPC to it like a remote clinic.
 * With privacy `he` each clinic gets its own keystore, the operator enrols them, and the first site
 * runs the key ceremony over gRPC before training starts, exactly as separate hospitals would.
 * With privacy `dp` every clinic also gets a privacy budget and its own signed ledger. With
 * privacy `secagg` the enrolled clinics run the secure-aggregation stages over gRPC every round.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const config = simulatedStudy(options);
  const siteData = await Promise.all(datasetDescriptor(config.dataset).sites.map((site) => loadClinicData(config.dataset, site, options.data ?? {})));
  const data = clinicsOf(siteData, options.clinicsPerSite ?? 1, config.seed);
  const sites = data.map((clinic) => clinic.site);
  checkSimulation(options, config, sites);
  const hostile = hostileSites(sites, options.malicious);

  const workdir = mkdtempSync(join(tmpdir(), 'cohort-simulate-'));
  // TLS on loopback with a throwaway CA, and every clinic enrolled and signing: as deployed.
  const tls = await loopbackTls();
  const coordinator = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    database: join(workdir, 'coordinator.sqlite'),
    logLevels: ['warn', 'error'],
    tls: tls.server,
  });
  try {
    const study = await coordinator.federation.createStudy(config);
    const stopped = new Set<string>();
    const scores = new Map<number, SiteScores>();
    const subscription = watchEvaluations(coordinator, study.id, config, scores, () => sites.length - stopped.size, progress);
    progress(
      `simulating ${config.dataset}: ${sites.length} clinics, ${config.strategy.name}, privacy ${config.privacy}, ${config.rounds} rounds, seed ${config.seed}, gRPC on ${coordinator.grpcAddress}`,
    );
    const keystores = await enrolClinics(coordinator, data, workdir);
    if (encrypts(config.privacy)) await keyCeremony(coordinator, study.id, keystores[0]!, tls.credentials(), progress);
    const budgetOf = (site: string) => config.dp && { epsilon: options.budgets?.[site] ?? config.dp.targetEpsilon, delta: config.dp.delta };
    const nodes = await Promise.all(
      data.map((preloaded, i) => {
        const attack = hostile.includes(preloaded.site) ? options.malicious!.attack : null;
        const running = runNode({
          coordinator: coordinator.grpcAddress,
          dataset: config.dataset,
          site: preloaded.site,
          preloaded,
          keystore: keystores[i]!,
          credentials: tls.credentials(),
          budget: budgetOf(preloaded.site),
          exitWhenDone: true,
          ...secureRoundClient(options.dropout ?? 0, attack === 'weight'),
          ...(attack && hostileNode(preloaded, attack)),
        });
        // A hostile node stops at the refusal of its lie, as any node stops at a permanent refusal: the federation goes on without it.
        if (!attack) return running;
        return running.catch((error: Error) => {
          stopped.add(preloaded.site);
          progress(`${preloaded.site} (hostile) stopped: ${error.message}`);
          return null;
        });
      }),
    );
    subscription.unsubscribe();
    const finished = nodes.find((n) => n !== null && n.studyStatus !== 'completed');
    if (finished) {
      const detail = await coordinator.federation.studyError(study.id);
      throw new Error(`the study did not complete: ${detail ?? finished.studyStatus}`);
    }
    nodes.forEach((node, i) => node?.lastModel && options.onFinalModel?.(sites[i]!, node.lastModel.parameters));
    await options.beforeClose?.({ coordinator, studyId: study.id, keystores });
    const final = scores.get(config.rounds);
    if (final && stopped.size > 0) scoreStoppedSites(final, data, stopped, config.model, nodes);
    if (!final || final.size < sites.length) throw new Error('final evaluations missing from some sites');
    return {
      ...runReport(config, data, final, scores),
      ...clinicFigures(config, options, sites, nodes),
      ...(options.malicious && { malicious: hostile.length, malicious_sites: hostile, attack: options.malicious.attack }),
      ...(stopped.size > 0 && { stopped_sites: [...stopped] }),
      ...coxFigures(config.dataset, config.model, running(nodes).find(([node]) => node.lastModel)?.[0].lastModel?.parameters),
      elapsed_s: (Date.now() - started) / 1000,
    };
  } finally {
    await coordinator.close();
    rmSync(workdir, { recursive: true, force: true });
  }
}

/** One clinic per site, or K per site each holding a seeded share of its records (clinic ids cleveland.1 ... cleveland.K). */
function clinicsOf(sites: readonly AnySiteDataset[], perSite: number, seed: number): AnySiteDataset[] {
  return sites.flatMap((site) => {
    if (perSite === 1) return [site];
    if (isSurvival(site)) throw new Error(`--clinics-per-site splits a classification dataset's sites; ${site.dataset} is a survival dataset`);
    return shardSite(site, perSite, seed);
  });
}

/**
 * The study a simulation runs. Clinics that drop out leave rounds with fewer updates, and the
 * coordinator learns of a drop only when the round's deadline passes: unless told otherwise, accept
 * the fewest updates secure aggregation allows and give a round 5 s (a Fed-Heart-Disease round
 * trains in well under one). With K clinics per site every clinic is waited for at the start, and
 * the quorum is the default one of that many clinics, unless the study says otherwise.
 */
function simulatedStudy(options: SimulationOptions): StudyConfig {
  const perSite = options.clinicsPerSite ?? 1;
  const clinicCount = datasetDescriptor(String(options.study['dataset'])).sites.length * perSite;
  return parseStudyConfig({
    ...(perSite > 1 && { minClinics: clinicCount, quorum: defaultQuorum(clinicCount) }),
    ...(options.dropout && { minClinics: clinicCount, quorum: 3, roundTimeoutS: 5 }),
    ...options.study,
  });
}

/** Refuses options the study cannot honour: budgets, dropout or the weight attack where they mean nothing. */
function checkSimulation(options: SimulationOptions, config: StudyConfig, sites: readonly string[]): void {
  for (const site of Object.keys(options.budgets ?? {})) {
    if (!config.dp) throw new Error(`clinic budgets need a differentially private study (privacy dp or he+dp), this one is "${config.privacy}"`);
    if (!sites.includes(site)) throw new Error(`clinic budget for unknown site "${site}" (sites: ${sites.join(', ')})`);
  }
  const dropout = options.dropout ?? 0;
  if (dropout !== 0 && !securelyAggregates(config.privacy))
    throw new Error(`--dropout needs a secure-aggregation study (privacy secagg or secagg+dp), this one is "${config.privacy}"`);
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`the dropout probability must be in [0, 1), got ${dropout}`);
  if (options.malicious?.attack === 'weight' && encrypts(config.privacy)) {
    throw new Error(
      `--attack weight inflates an update's sample count or masked weight; under privacy "${config.privacy}" updates carry no count (the weight is the approved one)`,
    );
  }
}

/**
 * Collects the study's evaluations into `scores` (by model version, by site; simulated clinics are
 * named after their sites) and prints a line per round once `expected()` sites have reported.
 */
function watchEvaluations(
  coordinator: RunningCoordinator,
  studyId: string,
  config: StudyConfig,
  scores: Map<number, SiteScores>,
  expected: () => number,
  progress: (line: string) => void,
): Subscription {
  const roundStarted = new Map<number, number>();
  const started = Date.now();
  return coordinator.federation.events$.subscribe((event: FederationEvent) => {
    if (event.studyId !== studyId) return;
    if (event.type === 'round-opened') roundStarted.set(event.round, Date.now());
    if (event.type === 'round-failed') progress(`round ${event.round}/${config.rounds} FAILED: ${event.outcome}`);
    if (event.type !== 'evaluation') return;
    const perSite: SiteScores = scores.get(event.modelVersion) ?? new Map();
    const { accuracy, numTest, cIndex, concordance } = event;
    scores.set(event.modelVersion, perSite.set(event.clinicId, { accuracy, numTest, cIndex, concordance }));
    if (perSite.size !== expected()) return;
    const task = datasetDescriptor(config.dataset).task;
    const summary = summarise(perSite, task);
    const seconds = ((Date.now() - (roundStarted.get(event.modelVersion) ?? started)) / 1000).toFixed(1);
    const metric = task === 'survival' ? 'C-index' : 'accuracy';
    progress(
      `round ${String(event.modelVersion).padStart(2)}/${config.rounds}  mean site ${metric} ${summary.mean.toFixed(4)}  pooled ${summary.pooled.toFixed(4)}  (${seconds}s)`,
    );
  });
}

/** What every simulation reports: the study, each site's final metric, and the metric of every round. */
function runReport(config: StudyConfig, data: readonly AnySiteDataset[], final: SiteScores, history: Map<number, SiteScores>) {
  const task = datasetDescriptor(config.dataset).task;
  const metric = metricName(task);
  const figures = (perSite: SiteScores) => {
    const { mean, pooled } = summarise(perSite, task);
    return { mean_site_metric: mean, pooled_metric: pooled, ...(metric === 'accuracy' && { mean_site_accuracy: mean, pooled_accuracy: pooled }) };
  };
  return {
    dataset: config.dataset,
    strategy: config.strategy.name,
    privacy: config.privacy,
    rounds: config.rounds,
    seed: config.seed,
    transport: 'grpc',
    backend: activeBackend(),
    model: config.model.architecture,
    sites: data.map((d) => ({ site: d.site, n_train: d.train.count, n_test: d.test.count, [metric]: siteMetric(final.get(d.site)!, task) })),
    metric,
    ...figures(final),
    rounds_history: [...history.entries()].sort(([a], [b]) => a - b).map(([round, perSite]) => ({ round, ...figures(perSite) })),
  };
}

/** What the nodes that ran to the end report: privacy spent and rounds refused (dp), rounds dropped (dropout). */
function clinicFigures(config: StudyConfig, options: SimulationOptions, sites: readonly string[], nodes: readonly (NodeSummary | null)[]) {
  const ran = running(nodes);
  return {
    ...(config.dp && {
      privacy_spent: ran.map(([node, i]) => ({ site: sites[i]!, epsilon: node.privacySpent!.epsilon, delta: node.privacySpent!.delta })),
      ...(ran.some(([node]) => node.refusedRounds > 0) && { refused_rounds: ran.map(([node, i]) => ({ site: sites[i]!, rounds: node.refusedRounds })) }),
    }),
    ...((options.dropout ?? 0) > 0 && { dropped_rounds: ran.map(([node, i]) => ({ site: sites[i]!, rounds: node.droppedRounds })) }),
  };
}

/** One keystore per site (identity, study keys, privacy ledger), enrolled and approved for the site's records. */
async function enrolClinics(coordinator: RunningCoordinator, data: readonly AnySiteDataset[], workdir: string): Promise<Keystore[]> {
  const keystores = data.map(({ site }) => Keystore.create(join(workdir, 'keys', site), site));
  for (const [i, keystore] of keystores.entries()) {
    const { dataset, site, train, test } = data[i]!;
    await coordinator.keys.enrol(keystore.card);
    await coordinator.approvals.approve(keystore.card.clinicId, { dataset, site, numTrain: train.count, numTest: test.count });
  }
  return keystores;
}

/** The first site seals the study key to every enrolled site. */
async function keyCeremony(
  coordinator: RunningCoordinator,
  studyId: string,
  first: Keystore,
  credentials: ChannelCredentials,
  progress: (line: string) => void,
): Promise<void> {
  const client = new FederationClient(coordinator.grpcAddress, { identity: first.identity, credentials });
  try {
    const { keyId, parameterSet, recipients } = await generateStudyKey(client, first, studyId);
    progress(`key ceremony: ${first.clinicId} sealed ${parameterSet} key ${keyId} to ${recipients.map((r) => r.clinicId).join(', ')}`);
  } finally {
    client.close();
  }
}

/** The nodes that ran to the study's end, each with its index among the sites. */
function running(nodes: readonly (NodeSummary | null)[]): [NodeSummary, number][] {
  return nodes.flatMap((node, i) => (node ? [[node, i] as [NodeSummary, number]] : []));
}

/** The final model (as the nodes that stayed hold it) scored on each stopped site's own test records. */
function scoreStoppedSites(
  final: SiteScores,
  data: readonly AnySiteDataset[],
  stopped: ReadonlySet<string>,
  spec: ModelSpec,
  nodes: readonly (NodeSummary | null)[],
): void {
  const model = running(nodes).find(([node]) => node.lastModel)?.[0].lastModel;
  if (!model) return;
  for (const site of data.filter((d) => stopped.has(d.site))) {
    const { accuracy, concordance = { concordant: 0, discordant: 0, tiedRisk: 0 } } = learnerFor(site).evaluate(spec, model.parameters);
    const cIndex = isSurvival(site) ? concordanceIndexOrNull(concordance) : null;
    final.set(site.site, { accuracy, numTest: site.test.count, cIndex, concordance });
  }
}

/**
 * The client a node's secure rounds talk through: with simulated dropout and, for a hostile clinic's
 * `weight` attack, a masked weight word raised (the lie wraps the dropout).
 */
function secureRoundClient(dropout: number, liesAboutWeight: boolean): Pick<NodeOptions, 'secureRoundClient'> {
  const drop = dropout > 0 ? secAggDropout(dropout, 'after-shares') : null;
  if (!liesAboutWeight) return drop ? { secureRoundClient: drop } : {};
  return { secureRoundClient: (client, task) => hostileSecureClient(drop ? drop(client, task) : client, task) };
}

/** A hostile node's learner, and for the `weight` attack the inflated count its updates declare. */
function hostileNode(data: AnySiteDataset, attack: Attack): Pick<NodeOptions, 'learner' | 'tamperUpdate'> {
  const claim = hostileClaim(attack);
  return { learner: hostileLearner(learnerFor(data), attack), ...(claim && { tamperUpdate: claim }) };
}

/** The clinics that are hostile: the last `count`, in site order. */
function hostileSites(sites: readonly string[], malicious: SimulationOptions['malicious']): string[] {
  if (!malicious) return [];
  const { count } = malicious;
  if (!(Number.isInteger(count) && count >= 0 && count < sites.length)) {
    throw new Error(`--malicious must be a whole number of clinics from 0 to ${sites.length - 1} (at least one honest), got ${count}`);
  }
  return sites.slice(sites.length - count);
}
