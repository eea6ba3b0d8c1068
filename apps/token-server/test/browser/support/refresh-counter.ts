import type { BrowserContext, Request } from 'playwright-core';

/** A refresh as the server sees it: `POST /auth/v1/token` with grant_type refresh_token (JSON or form). */
export function isRefreshRequest(request: Request): boolean {
  if (request.method() !== 'POST' || !new URL(request.url()).pathname.endsWith('/auth/v1/token'))
    return false;
  const body = request.postData() ?? '';
  try {
    return (JSON.parse(body) as { grant_type?: unknown }).grant_type === 'refresh_token';
  } catch {
    return new URLSearchParams(body).get('grant_type') === 'refresh_token';
  }
}

export interface RefreshCounter {
  /** Refresh requests every page of the profile sent, in order. */
  readonly requests: Request[];
  readonly count: number;
  stop(): void;
}

/** Counts the refresh requests of every tab of a profile (one `context.on('request')`). */
export function countRefreshes(context: BrowserContext): RefreshCounter {
  const requests: Request[] = [];
  const listener = (request: Request) => {
    if (isRefreshRequest(request)) requests.push(request);
  };
  context.on('request', listener);
  return {
    requests,
    get count() {
      return requests.length;
    },
    stop: () => context.off('request', listener),
  };
}
