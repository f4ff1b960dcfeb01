import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/paths.js';

/** The browsable page (Swagger UI). Its script, styles and init script are files under this path, none inline. */
export const OPENAPI_PAGE_PATH = '/api';
/** The document itself, as JSON. */
export const OPENAPI_JSON_PATH = '/api/openapi.json';
/** The name of the bearer scheme role-guarded operations require (`@ApiBearerAuth(BEARER)`). */
export const BEARER = 'bearer';

const DESCRIPTION = [
  "The coordinator's HTTP API, for people: operators enrol clinics and define studies, auditors read",
  'budgets, ledgers and the audit log. Clinic nodes use gRPC (protos/cohort/v1), not this API.',
  '',
  'Role-guarded operations need `Authorization: Bearer <token>`: the operator token for writes, the',
  'operator or auditor token for reads. `/health`, `/ready` and `/metrics` (unless a metrics token is',
  'set) are public, and so are this page (`GET /api`) and the document (`GET /api/openapi.json`): they',
  'show the shape of the routes, no data.',
].join('\n');

/** The tags controllers use (`@ApiTags`), described in the document in this order. */
export const TAGS = {
  studies: 'Studies: define, pause, resume and cancel; follow rounds, events and model versions',
  clinics: 'Clinics: enrol by card, approve sites and record counts, revoke; study keys',
  audit: 'Audit: privacy budgets, per-clinic ledgers and the privacy report',
  session: 'Session: which role a token names (the console asks at sign-in)',
  health: 'Liveness and readiness',
  metrics: 'Prometheus metrics',
} as const;

/**
 * What every role-guarded controller declares in the document: its tag, the bearer scheme, and the
 * roles guard's answers (401 without a known token, 403 for a role that may not, or no token configured).
 */
export function ApiRoleGuarded(tag: keyof typeof TAGS): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth(BEARER),
    ApiUnauthorizedResponse({ description: 'no token, or not one the coordinator knows' }),
    ApiForbiddenResponse({ description: 'the role cannot do this (auditors read), or its token is not configured' }),
  );
}

/** The package's version, from its package.json (as `cohort --version` reads it). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The OpenAPI document of the app's HTTP routes. gRPC handlers (`@GrpcMethod`) have no HTTP route, so it leaves them out. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Cohort coordinator')
    .setDescription(DESCRIPTION)
    .setVersion(packageVersion())
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'the operator or auditor token (or the metrics token for /metrics)' }, BEARER);
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  return SwaggerModule.createDocument(app, builder.build());
}

/**
 * Serves the document: the browsable page at `GET /api` and the JSON at `GET /api/openapi.json`,
 * both public. Swagger UI's page loads its init script as a file (`/api/swagger-ui-init.js`), so
 * helmet's default Content-Security-Policy (`script-src 'self'`) needs no exception. Call it before
 * the app listens, after helmet (hardenHttp).
 */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_PAGE_PATH, app, () => openApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Cohort coordinator API',
  });
}
