/**
 * Jest configuration used only by mutation testing (`npm run test:mutation`, see
 * docs/mutation-testing.md): the unit tests of the mutated folders, never the e2e or slow suites,
 * so each mutant costs seconds rather than minutes.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // survival/ with the PBC3 fit against R's (it reads ../shared/data, or COHORT_DATA_DIR).
  testMatch: [
    '<rootDir>/crypto/{ledger,dp,secagg}/**/*.test.ts',
    '<rootDir>/strategies/**/*.test.ts',
    '<rootDir>/survival/**/*.test.ts',
    '<rootDir>/clinic-node/data/pbc3.test.ts',
  ],
  // No '.stryker-tmp' here: Stryker runs this config from inside its sandbox under that folder.
  // The scale tests (minutes each) add nothing a mutant could fail that the small rounds do not.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '-scale\\.test\\.ts$'],
  testTimeout: 120000,
};
