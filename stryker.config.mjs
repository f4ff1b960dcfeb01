// Mutation testing (`npm run test:mutation`; docs/mutation-testing.md says how to read the report).
// Too slow for every CI run: it is not part of `npm test`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  // The project's Jest runs ESM through ts-jest, which needs vm modules in the runner process.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  checkers: ['typescript'],
  // Crypto, strategies and survival import nothing from the roles, so the checker compiles only them (and their tests).
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'crypto/ledger/**/*.ts',
    'crypto/dp/**/*.ts',
    'crypto/secagg/**/*.ts',
    'strategies/**/*.ts',
    'survival/**/*.ts',
    '!**/*.test.ts',
    // survival/index.ts only re-exports.
    '!survival/index.ts',
    // Test support beside the tests: built by the tests, not code under test.
    '!**/test-fixtures.ts',
    // crypto's index.ts files only re-export; strategies/index.ts holds the registry and is mutated.
    '!crypto/**/index.ts',
  ],
  // Stryker gives half of its workers to the TypeScript checker: 4 is two checkers and two test runners.
  concurrency: 4,
  // Added to each mutant's expected test time before it counts as a timeout (a loop that never ends).
  timeoutMS: 3000,
  // The initial run takes minutes when the machine is busy; the default of 5 is too tight.
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
