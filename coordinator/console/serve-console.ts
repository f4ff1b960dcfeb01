import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/paths.js';

/** Where `npm run build` puts the console's files (scripts/build-console.mjs). */
export const CONSOLE_BUILD_DIR = join(PACKAGE_ROOT, 'dist', 'console');

/** The path the console is served under; `/` redirects there. */
export const CONSOLE_PATH = '/console/';

interface Reply {
  redirect(status: number, url: string): void;
  status(code: number): Reply;
  type(type: string): Reply;
  send(body: string): void;
}

/**
 * Serves the browser console's static files (index.html, the bundle, its styles) from `dir` under
 * /console/, before Nest's routes, with no cache so a new build shows at once. The files hold no
 * data: every page asks the API with the role's token. Without a built console, /console/ says how
 * to build it.
 */
export function serveConsole(app: NestExpressApplication, dir: string | null = CONSOLE_BUILD_DIR): void {
  app.use((request: { method: string; path: string }, response: Reply, next: () => void) => {
    if (request.method === 'GET' && request.path === '/') return response.redirect(302, CONSOLE_PATH);
    next();
  });
  if (dir && existsSync(join(dir, 'index.html'))) {
    app.useStaticAssets(dir, { prefix: CONSOLE_PATH, index: 'index.html', setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') });
    return;
  }
  app.use(CONSOLE_PATH, (_request: unknown, response: Reply) => {
    response
      .status(404)
      .type('text/plain')
      .send(`the console is not built here${dir ? ` (no ${join(dir, 'index.html')})` : ''}: run npm run build`);
  });
}
