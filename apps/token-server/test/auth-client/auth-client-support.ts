// What the auth-client integration suites share: a fetch that records what went over the wire, a
// fetch that behaves like a browser tab of the issuer's origin (cookies, Origin, Sec-Fetch-Site),
// a storage several clients share (one origin's localStorage) and a client-side clock to move.
import type { AuthStorage } from '@lingpai/auth-client';

export interface WireCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

/** The global fetch, recording each request (what the real server received). */
export function recordingFetch(base: typeof fetch = fetch) {
  const calls: WireCall[] = [];
  const recorder = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    calls.push({
      method: init.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    return base(input, init);
  }) as typeof fetch;
  return { fetch: recorder, calls, to: (path: string) => calls.filter((call) => call.path === path) };
}

/**
 * A fetch as the login page's tab makes it: same-origin (`Origin`, `Sec-Fetch-Site`), its cookies
 * kept and sent back (one browser profile per call of this function).
 */
export function browserFetch(origin: string): typeof fetch {
  const jar = new Map<string, string>();
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('sec-fetch-site', 'same-origin');
    if ((init.method ?? 'GET') !== 'GET') headers.set('origin', origin);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(input, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (/;\s*Max-Age=0(\s*;|$)/i.test(line)) jar.delete(pair.slice(0, at).trim());
      else jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return response;
  }) as typeof fetch;
}

/** One origin's localStorage, shared by the clients (tabs) given it. */
export function sharedStorage(): AuthStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: (key) => map.get(key) ?? null,
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
  };
}

/** A client-side clock ahead of the real one by what `advance` adds: makes tokens due without waiting. */
export function skewedClock() {
  let skew = 0;
  return {
    now: () => Date.now() + skew,
    advance(ms: number) {
      skew += ms;
    },
  };
}
