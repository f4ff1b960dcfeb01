import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/paths.js';
import { controllersByName, documentedRoutes, registeredRoutes, type RouteKey } from '../../test/support/http-routes.js';
import { startCoordinator, type RunningCoordinator } from '../index.js';
import { BEARER, OPENAPI_JSON_PATH, OPENAPI_PAGE_PATH, TAGS } from './openapi.js';
import { ROLES, type Role } from './roles.js';

// The CI check that the OpenAPI document matches the routes: it is compared with what Express
// actually routes in a running coordinator (both ways), and with the committed docs/openapi.json.

/** The committed snapshot; `npm run openapi` rewrites it. */
const SNAPSHOT = join(PACKAGE_ROOT, 'docs', 'openapi.json');

/**
 * Routes deliberately not in the document, each with its reason. Every other route Express serves
 * must be documented, so a route added without its description fails here.
 */
const UNDOCUMENTED: { route: RegExp; why: string }[] = [
  // Swagger UI's page (with and without the slash), its init script (also at the path Swagger UI
  // derives from the page's last segment), its LICENSE refusal, and the JSON document itself.
  { route: /^GET \/api(\/|\/index\.html|\/LICENSE|\/swagger-ui-init\.js|\/api\/swagger-ui-init\.js|\/openapi\.json)?$/, why: 'the description itself' },
  { route: /^GET \/console(\/.*)?$/, why: "the browser console's static files" },
  { route: /^GET \/$/, why: "the browser console's entry page" },
];

const OPERATOR = 'operator-token-for-the-openapi-test';
const AUDITOR = 'auditor-token-for-the-openapi-test';

let coordinator: RunningCoordinator;
let document: OpenAPIObject;

beforeAll(async () => {
  coordinator = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    insecure: true,
    database: ':memory:',
    operatorToken: OPERATOR,
    auditorToken: AUDITOR,
    logLevels: false,
  });
  // No token: the description is public.
  const response = await fetch(`${coordinator.httpUrl}${OPENAPI_JSON_PATH}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  document = (await response.json()) as OpenAPIObject;
});

afterAll(async () => {
  await coordinator?.close();
});

function operations(): [RouteKey, OperationObject][] {
  return [...documentedRoutes(document)].map((key) => {
    const [method, path] = key.split(' ') as [string, string];
    return [key, (document.paths[path] as Record<string, OperationObject>)[method.toLowerCase()]!];
  });
}

describe("the coordinator's OpenAPI document", () => {
  it('describes every route Express serves, and no route it does not', () => {
    const served = [...registeredRoutes(coordinator.app)].filter((key) => !UNDOCUMENTED.some(({ route }) => route.test(key)));
    const documented = documentedRoutes(document);
    const undocumented = served.filter((key) => !documented.has(key)).sort();
    const phantom = [...documented].filter((key) => !served.includes(key)).sort();
    // Named, so a failure says which routes to decorate (@ApiOperation ...) or to stop describing.
    expect({ undocumented, phantom }).toEqual({ undocumented: [], phantom: [] });
    // The check sees Nest's routes at all (a walk that found nothing would pass the line above).
    expect(served).toEqual(expect.arrayContaining(['GET /studies', 'POST /studies', 'GET /studies/{id}/models/{version}', 'GET /health']));
  });

  it('gives every operation a summary and a described tag, and role-guarded ones the bearer scheme', () => {
    const controllers = controllersByName(coordinator.app);
    const reflector = new Reflector();
    const problems: string[] = [];
    for (const [key, operation] of operations()) {
      if (!operation.summary?.trim()) problems.push(`${key}: no summary (@ApiOperation({ summary }))`);
      const tags = operation.tags ?? [];
      if (tags.length === 0 || !tags.every((tag) => tag in TAGS)) problems.push(`${key}: tags [${tags.join(', ')}], not one of TAGS in openapi.ts (@ApiTags)`);
      const [controllerName, methodName] = (operation.operationId ?? '').split('_') as [string, string | undefined];
      const controller = controllers.get(controllerName);
      const handler = methodName === undefined ? undefined : (controller?.prototype as Record<string, unknown> | undefined)?.[methodName];
      if (!controller || typeof handler !== 'function') {
        problems.push(`${key}: operationId ${operation.operationId} names no controller method`);
        continue;
      }
      const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES, [handler, controller]);
      const bearer = (operation.security ?? []).some((requirement) => BEARER in requirement);
      if (roles && !bearer) problems.push(`${key}: admits ${roles.join(', ')} but declares no bearer auth (@ApiBearerAuth(BEARER))`);
      if (roles && !operation.responses['401']) problems.push(`${key}: role-guarded, but its 401 is not described`);
    }
    expect(problems).toEqual([]);
    // The role lookup works: the operator-only POST /studies is guarded and says so.
    expect(document.paths['/studies']!['post']!.security).toEqual([{ [BEARER]: [] }]);
  });

  it('names the coordinator, its version and the bearer scheme', () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(document.info).toMatchObject({ title: 'Cohort coordinator', version });
    expect(document.components?.securitySchemes?.[BEARER]).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('is the committed docs/openapi.json', () => {
    const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as OpenAPIObject;
    try {
      expect(document).toEqual(committed);
    } catch (error) {
      const added = [...documentedRoutes(document)].filter((key) => !documentedRoutes(committed).has(key));
      const removed = [...documentedRoutes(committed)].filter((key) => !documentedRoutes(document).has(key));
      throw new Error(
        `docs/openapi.json is not the document the code generates: run \`npm run openapi\` and commit docs/openapi.json.\n` +
          `routes not in the snapshot: ${added.join(', ') || 'none'}; routes only in the snapshot: ${removed.join(', ') || 'none'}\n\n` +
          (error as Error).message,
        { cause: error },
      );
    }
  });

  it("serves a browsable page that helmet's Content-Security-Policy lets run: no inline script", async () => {
    for (const page of [OPENAPI_PAGE_PATH, `${OPENAPI_PAGE_PATH}/`]) {
      const response = await fetch(`${coordinator.httpUrl}${page}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      // helmet's default policy, not relaxed for the page: scripts from the coordinator only, no inline ones.
      const directives = (response.headers.get('content-security-policy') ?? '').split(';');
      expect(directives).toEqual(expect.arrayContaining(["script-src 'self'", "script-src-attr 'none'"]));
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const [, attributes, body] of scripts) {
        expect(body!.trim()).toBe('');
        const src = /\bsrc="([^"]+)"/.exec(attributes!)?.[1];
        expect(src).toBeDefined();
        const script = await fetch(new URL(src!, `${coordinator.httpUrl}${page}`));
        expect(script.status).toBe(200);
        expect(script.headers.get('content-type')).toMatch(/javascript/);
      }
      expect(html).not.toMatch(/\son[a-z]+=/); // no inline event handlers (script-src-attr 'none')
    }
  });
});
