import type { BrowserContext, Page, Request } from 'playwright-core';

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
  /** One line per request (tab, time, the refresh token's tail, the answer): for failure messages. */
  describe(tabs: readonly Page[]): Promise<string>;
  stop(): void;
}

/** Counts the refresh requests of every tab of a profile (one `context.on('request')`). */
export function countRefreshes(context: BrowserContext): RefreshCounter {
  const requests: Request[] = [];
  const times = new Map<Request, number>();
  const started = Date.now();
  const listener = (request: Request) => {
    if (!isRefreshRequest(request)) return;
    requests.push(request);
    times.set(request, Date.now() - started);
  };
  context.on('request', listener);
  return {
    requests,
    get count() {
      return requests.length;
    },
    async describe(tabs) {
      const lines = await Promise.all(
        requests.map(async (request) => {
          const token = String(
            (JSON.parse(request.postData() ?? '{}') as { refresh_token?: unknown }).refresh_token,
          );
          const response = await request.response().catch(() => null);
          const tab = tabs.indexOf(request.frame().page());
          return `  tab ${tab} at +${times.get(request)} ms, refresh_token …${token.slice(-6)} → ${response?.status() ?? 'no answer'}`;
        }),
      );
      return `${requests.length} refresh request(s):\n${lines.join('\n')}`;
    },
    stop: () => context.off('request', listener),
  };
}
