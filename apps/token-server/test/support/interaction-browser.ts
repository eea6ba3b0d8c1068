import { createHash, randomBytes } from 'node:crypto';
import type { TokenServerApp } from '../../src/app.js';
import { TEST_ISSUER } from './test-app.js';

type InjectResponse = Awaited<ReturnType<TokenServerApp['inject']>>;

/**
 * A browser for `app.inject`: keeps the cookies the server sets (honouring Max-Age=0) and sends them
 * back, and sends the headers a same-origin `fetch` from our login page would (Origin,
 * Sec-Fetch-Site, JSON). Each instance is one browser profile.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly setCookieHeaders: string[] = [];

  constructor(
    readonly app: TokenServerApp,
    readonly origin = TEST_ISSUER,
    /** The address requests come from (limits are per IP). */
    readonly remoteAddress = '127.0.0.1',
  ) {}

  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  absorb(response: InjectResponse): InjectResponse {
    const raw = response.headers['set-cookie'];
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const header of list) {
      this.setCookieHeaders.push(header);
      const [pair = ''] = header.split(';');
      const equals = pair.indexOf('=');
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (/;\s*Max-Age=0(\s*;|$)/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  #headers(extra: Record<string, string | undefined>): Record<string, string> {
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader();
    if (cookie !== undefined) headers.cookie = cookie;
    for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value;
    return headers;
  }

  /** A top-level navigation (the authorize request): no Origin, cookies sent. */
  async navigate(url: string): Promise<InjectResponse> {
    return this.absorb(
      await this.app.inject({
        method: 'GET',
        url,
        remoteAddress: this.remoteAddress,
        headers: this.#headers({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }),
      }),
    );
  }

  async authorize(query: Record<string, string | undefined>): Promise<InjectResponse> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, value);
    return this.navigate(`/auth/v1/authorize?${search}`);
  }

  /** A same-origin `fetch` GET from the login page. */
  async fetchGet(url: string, headers: Record<string, string | undefined> = {}): Promise<InjectResponse> {
    return this.absorb(
      await this.app.inject({
        method: 'GET',
        url,
        remoteAddress: this.remoteAddress,
        headers: this.#headers({ 'sec-fetch-site': 'same-origin', ...headers }),
      }),
    );
  }

  /** A same-origin `fetch` POST of JSON from the login page. */
  async fetchPost(
    url: string,
    body: unknown,
    headers: Record<string, string | undefined> = {},
  ): Promise<InjectResponse> {
    return this.absorb(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.remoteAddress,
        headers: this.#headers({
          origin: this.origin,
          'sec-fetch-site': 'same-origin',
          'content-type': 'application/json',
          ...headers,
        }),
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The `Location` of a 303, parsed. */
export function locationOf(response: InjectResponse): URL {
  const location = response.headers.location;
  if (typeof location !== 'string')
    throw new Error(`no Location (status ${response.statusCode}): ${response.body}`);
  return new URL(location);
}

export function interactionIdOf(response: InjectResponse): string {
  const url = locationOf(response);
  if (url.pathname !== '/login') throw new Error(`not sent to the login page: ${url}`);
  const id = url.searchParams.get('interaction');
  if (!id) throw new Error('no interaction id');
  return id;
}

export function jwtClaims(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
