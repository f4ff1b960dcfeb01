// Writes docs/openapi.json, the committed snapshot of the coordinator's OpenAPI document, from the
// built coordinator (`npm run openapi` builds first). coordinator/http/openapi.e2e.test.ts fails
// until the snapshot matches the code.
/* global fetch */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCoordinator } from '../dist/coordinator/index.js';
import { OPENAPI_JSON_PATH } from '../dist/coordinator/http/openapi.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'openapi.json');
// Tokens make the roles guard active as in production; the document does not depend on their values.
const coordinator = await startCoordinator({
  grpcPort: 0,
  httpPort: 0,
  insecure: true,
  database: ':memory:',
  operatorToken: 'operator',
  auditorToken: 'auditor',
  logLevels: false,
});
try {
  const response = await fetch(`${coordinator.httpUrl}${OPENAPI_JSON_PATH}`);
  if (!response.ok) throw new Error(`GET ${OPENAPI_JSON_PATH} answered ${response.status}`);
  writeFileSync(target, JSON.stringify(await response.json(), null, 2) + '\n');
  console.log(`wrote ${target}`);
} finally {
  await coordinator.close();
}
