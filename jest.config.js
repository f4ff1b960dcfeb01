// Three projects, each test file in exactly one of them (the patterns below are the only source):
//   unit  no server, no child process, no build needed: `npm run test:unit`, the fast lane.
//   e2e   starts a coordinator (in process or not), clinics, or runs the built CLI: `npm run test:e2e`.
//   slow  crash recovery, fuzzing, 200-clinic load, 10,000 idle streams, secure aggregation of 100 clinics, accuracy averaged
//         over several seeds, the docker-compose stack (with COHORT_TEST_DOCKER=1): `npm run test:slow`.
// `npm test` builds, then runs all three.

/** Files that take minutes each; they would be e2e (or unit) otherwise. */
const SLOW = [
  '/test/crash-recovery\\.e2e\\.test\\.ts$',
  '/test/fuzz\\.e2e\\.test\\.ts$',
  '/test/multi-host\\.e2e\\.test\\.ts$',
  '/bench/load\\.test\\.ts$',
  '/simulations/simulate\\.test\\.ts$',
  '/simulations/baselines\\.test\\.ts$',
  '/crypto/secagg/secagg-scale\\.test\\.ts$',
  '/test/stream-flood\\.e2e\\.test\\.ts$',
  '/test/compose\\.e2e\\.test\\.ts$',
];

/** Files that start servers or processes: named *.e2e.test.ts, or whole simulated federations, or a spawned generator. */
const E2E = ['\\.e2e\\.test\\.ts$', '/simulations/.*\\.test\\.ts$', '/test/proto-types\\.test\\.ts$'];

// <rootDir>: a copy of the project inside a sandbox (Stryker's) still finds its own tests.
const IGNORED = ['<rootDir>/node_modules/', '<rootDir>/dist/', '<rootDir>/\\.stryker-tmp[^/]*/'];

const timeoutMs = 120_000;

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: timeoutMs,
};

/** @type {import('jest').Config} */
export default {
  testTimeout: timeoutMs,
  projects: [
    { ...shared, displayName: 'unit', testRegex: '\\.test\\.ts$', testPathIgnorePatterns: [...IGNORED, ...SLOW, ...E2E] },
    { ...shared, displayName: 'e2e', testRegex: E2E, testPathIgnorePatterns: [...IGNORED, ...SLOW] },
    { ...shared, displayName: 'slow', testRegex: SLOW, testPathIgnorePatterns: IGNORED, setupFilesAfterEnv: ['<rootDir>/test/support/slow-timeout.ts'] },
  ],
};
