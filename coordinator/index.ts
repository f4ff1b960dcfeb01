/**
 * The coordinator: a NestJS app that serves clinic nodes over gRPC and people over HTTP, runs
 * studies round by round and aggregates flat parameter vectors. It never runs the model.
 *
 * @example
 * const coordinator = await startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:' });
 * const study = await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease' }));
 * // ... nodes connect to coordinator.grpcAddress; GET `${coordinator.httpUrl}/studies/${study.id}`
 * await coordinator.close();
 */
export { startCoordinator, type RunningCoordinator } from './coordinator.js';
export type { CoordinatorOptions } from './coordinator-options.js';
export type { FederationEvent } from './federation/federation-events.js';
export { parseStudyConfig, StudyConfigError, DEFAULT_TRAINING, type StudyConfig, type TrainingSettings } from './config/study-config.js';
export { createStrategy, STRATEGY_NAMES, type Strategy } from '../strategies/index.js';
