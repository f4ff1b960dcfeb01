import { describe, expect, it } from '@jest/globals';
import { href, parseRoute, type Route } from './router.js';

describe('console routes', () => {
  it('reads every page from the hash and writes it back', () => {
    const routes: Route[] = [{ page: 'consortium' }, { page: 'studies' }, { page: 'study', id: 'heart dp/1' }, { page: 'new-study' }, { page: 'privacy' }];
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });

  it('opens the studies by default and names an unknown path', () => {
    expect(parseRoute('')).toEqual({ page: 'studies' });
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found', path: '/nowhere' });
  });
});
