// Fakes for the unit tests: a token endpoint that rotates refresh tokens (with an optional grace),
// a storage shared by several clients (like one origin's localStorage), a hand-driven clock.
import type { AuthStorage } from '../src/index.js';

export interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

type Handler = (call: Seen) => unknown | Promise<unknown>;

/** A fetch answering from `routes` (`'POST /auth/v1/token'` → handler); records every call. */
export function fakeFetch(routes: Record<string, Handler>) {
  const calls: Seen[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
    const body =
      typeof init.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    const call: Seen = { method: init.method ?? 'GET', url, headers, body };
    calls.push(call);
    const handler = routes[`${call.method} ${url.pathname}`];
    if (!handler) return json(404, { error: 'not_found', error_code: 4040 });
    const signal = init.signal;
    const answer = await new Promise<unknown>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      Promise.resolve(handler(call)).then(resolve, reject);
    });
    return answer instanceof Response ? answer : json(200, answer);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A storage shared by every client given it, as localStorage is by the tabs of an origin. */
export function sharedStorage(): AuthStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (key) => map.get(key) ?? null,
    set: async (key, value) => void map.set(key, value),
    remove: async (key) => void map.delete(key),
  };
}

/** A clock that moves only when told; its timers run on the real event loop (immediately due ones first). */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A token endpoint: refresh tokens rotate; a consumed one is invalid_grant (no grace) unless graceful. */
export function tokenServer(options: { expiresIn?: number; grace?: boolean } = {}) {
  let serial = 0;
  const live = new Map<string, string>(); // refresh token → its child (once rotated: the child's pair)
  const valid = new Set<string>();
  const issue = () => {
    serial += 1;
    const pair = {
      token_type: 'Bearer',
      access_token: `at-${serial}`,
      refresh_token: `rt-${serial}`,
      expires_in: options.expiresIn ?? 7200,
      scope: 'user',
      sub: '1001',
    };
    valid.add(pair.refresh_token);
    return pair;
  };
  const pairs = new Map<string, ReturnType<typeof issue>>();
  let refreshes = 0;
  const refresh = (rt: string) => {
    refreshes += 1;
    if (valid.has(rt)) {
      valid.delete(rt);
      const next = issue();
      live.set(rt, next.refresh_token);
      pairs.set(rt, next);
      return next;
    }
    const child = pairs.get(rt);
    if (options.grace && child && valid.has(child.refresh_token)) return child;
    return json(400, { error: 'invalid_grant', error_code: 4001, error_description: 'refresh token used' });
  };
  return {
    issue,
    refresh,
    get refreshes() {
      return refreshes;
    },
    revokeAll() {
      valid.clear();
    },
  };
}

/** A clock whose timers fire at once, moving `now` by their delay: waits are recorded, never slept. */
export function leapingClock(start = 1_700_000_000_000) {
  let now = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    setTimeout(callback: () => void, ms: number) {
      delays.push(ms);
      const handle = { cancelled: false };
      queueMicrotask(() => {
        if (handle.cancelled) return;
        now += ms;
        callback();
      });
      return handle;
    },
    clearTimeout(handle: unknown) {
      (handle as { cancelled: boolean }).cancelled = true;
    },
  };
}

/** A clock with timers that run only when `advance` passes them. */
export function timerClock(start = 1_700_000_000_000) {
  let now = start;
  let pending: { at: number; callback: () => void; id: number }[] = [];
  let serial = 0;
  return {
    now: () => now,
    get pending() {
      return pending.map((timer) => timer.at - now);
    },
    setTimeout(callback: () => void, ms: number) {
      serial += 1;
      pending.push({ at: now + ms, callback, id: serial });
      return serial;
    },
    clearTimeout(handle: unknown) {
      pending = pending.filter((timer) => timer.id !== handle);
    },
    advance(ms: number) {
      now += ms;
      const due = pending.filter((timer) => timer.at <= now);
      pending = pending.filter((timer) => timer.at > now);
      for (const timer of due) timer.callback();
    },
  };
}

/** A promise with its resolver outside: a server answer the test releases when it wants. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Chromium's localStorage between tabs: each tab reads its own copy, and another tab's write reaches
 * it only after `lagMs` — unordered with BroadcastChannel messages (seen in Debian's chromium 156:
 * 80 of 200 reads right after the broadcast still saw the previous value).
 */
export function laggingStorage(lagMs: number): { tab(): AuthStorage } {
  const copies: Map<string, string>[] = [];
  const spread = (from: Map<string, string>, apply: (copy: Map<string, string>) => void) => {
    apply(from);
    for (const copy of copies) if (copy !== from) setTimeout(() => apply(copy), lagMs);
  };
  return {
    tab() {
      const own = new Map<string, string>();
      copies.push(own);
      return {
        get: async (key) => own.get(key) ?? null,
        set: async (key, value) => spread(own, (copy) => void copy.set(key, value)),
        remove: async (key) => spread(own, (copy) => void copy.delete(key)),
      };
    },
  };
}
