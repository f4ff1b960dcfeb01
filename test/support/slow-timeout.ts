import { jest } from '@jest/globals';

// Slow suites run whole federations one after another (five seeds of fifteen rounds, a 200-clinic
// load): a test's time depends on the machine and what runs beside it. The timeout is there to stop
// a hang, not to measure speed (bench/ does that), so these get ten minutes a test.
jest.setTimeout(10 * 60_000);
