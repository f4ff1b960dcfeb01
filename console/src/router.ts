import { useEffect, useState } from 'preact/hooks';

/** The console's pages, addressed by the URL's hash (`#/studies/s1`), so the server serves one file. */
export type Route =
  | { page: 'consortium' }
  | { page: 'studies' }
  | { page: 'study'; id: string }
  | { page: 'new-study' }
  | { page: 'privacy' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/studies';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'consortium') return { page: 'consortium' };
  if (parts.length === 1 && parts[0] === 'studies') return { page: 'studies' };
  if (parts.length === 2 && parts[0] === 'studies' && parts[1] === 'new') return { page: 'new-study' };
  if (parts.length === 2 && parts[0] === 'studies') return { page: 'study', id: parts[1]! };
  if (parts.length === 1 && parts[0] === 'privacy') return { page: 'privacy' };
  return { page: 'not-found', path };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'study':
      return `#/studies/${encodeURIComponent(route.id)}`;
    case 'new-study':
      return '#/studies/new';
    case 'not-found':
      return '#/studies';
    default:
      return `#/${route.page}`;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
