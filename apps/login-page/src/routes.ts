/** The page's routes, by `location.pathname` under `/login` (contracts.md §B). */
export type Route =
  | { name: 'sign-in'; interaction: string; error?: string }
  | { name: 'own-app' }
  | { name: 'callback'; code?: string; state?: string; error?: string; errorDescription?: string }
  | { name: 'sign-up'; interaction?: string }
  | { name: 'forgot'; interaction?: string }
  | { name: 'account' }
  | { name: 'device'; userCode?: string }
  | { name: 'not-found' };

export const BASE = '/login';

function param(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

function withOptional<T extends object>(route: T, key: string, value: string | undefined): T {
  return value === undefined ? route : { ...route, [key]: value };
}

export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, '') || '/';
  const interaction = param(query, 'interaction');
  switch (path) {
    case BASE:
      if (interaction === undefined) return { name: 'own-app' };
      return withOptional({ name: 'sign-in', interaction }, 'error', param(query, 'error'));
    case `${BASE}/callback`: {
      let route: Route = { name: 'callback' };
      route = withOptional(route, 'code', param(query, 'code'));
      route = withOptional(route, 'state', param(query, 'state'));
      route = withOptional(route, 'error', param(query, 'error'));
      return withOptional(route, 'errorDescription', param(query, 'error_description'));
    }
    case `${BASE}/signup`:
      return withOptional({ name: 'sign-up' }, 'interaction', interaction);
    case `${BASE}/forgot`:
      return withOptional({ name: 'forgot' }, 'interaction', interaction);
    case `${BASE}/account`:
      return { name: 'account' };
    case `${BASE}/device`:
      return withOptional({ name: 'device' }, 'userCode', param(query, 'user_code'));
    default:
      return { name: 'not-found' };
  }
}

/** A link to another page of ours, keeping the interaction. */
export function pageUrl(page: 'sign-in' | 'sign-up' | 'forgot', interaction?: string): string {
  const path = page === 'sign-in' ? BASE : `${BASE}/${page === 'sign-up' ? 'signup' : 'forgot'}`;
  if (interaction === undefined) return path;
  return `${path}?${new URLSearchParams({ interaction })}`;
}
