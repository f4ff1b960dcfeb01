import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../common/paths.js';

// What `cohort --version` and `cohort --help` cost at start: the built CLI's module graph, not a time.
describe('cohort --version', () => {
  it('and --help load none of the heavy packages (gRPC, Nest, TypeORM, TensorFlow.js, SEAL, pino)', async () => {
    // A fresh Node runs the built CLI's entry and lists the CommonJS cache, where every one of these
    // packages lands when loaded, even from ESM.
    const script = `
      import { createRequire } from 'node:module';
      const { runCohort } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'))});
      await runCohort(['--version'], { out: () => {}, err: () => {} });
      await runCohort(['--help'], { out: () => {}, err: () => {} });
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((p) => /node_modules\\/(@grpc|@nestjs|typeorm|@tensorflow|node-seal|pino|prom-client|sqlite3|pg)\\//.test(p))));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT });
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
