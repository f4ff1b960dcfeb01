import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found from this file whether it runs from sources (tests) or from dist/. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

export const FEDERATION_PROTO = join(PACKAGE_ROOT, 'protos', 'cohort', 'v1', 'federation.proto');

export const PROTO_INCLUDE_DIR = join(PACKAGE_ROOT, 'protos');

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'protos', 'cohort', 'v1', 'federation.proto'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find protos/cohort/v1/federation.proto above ${start}`);
  }
}
