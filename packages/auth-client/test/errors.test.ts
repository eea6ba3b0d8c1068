import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../src/http-call.js';
import { AuthClient, AuthClientError } from '../src/index.js';
import { fakeFetch, json, sharedStorage } from './fakes.js';

const ISSUER = 'http://auth.test';
const make = (
  fetch: typeof globalThis.fetch,
  extra: Partial<ConstructorParameters<typeof AuthClient>[0]> = {},
) =>
  new AuthClient({
    issuer: ISSUER,
    clientId: 'web',
    fetch,
    storage: sharedStorage(),
    crossTab: false,
    ...extra,
  });

async function failure(promise: Promise<unknown>): Promise<AuthClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthClientError);
  return error as AuthClientError;
}

describe('errors', () => {
  it('a refusal carries Retry-After as seconds (a resend refused by the cooldown can count down)', async () => {
    const { fetch } = fakeFetch({
      'POST /auth/v1/verification': () =>
        new Response(JSON.stringify({ error: 'rate_limit_exceeded', error_code: 4290 }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '42' },
        }),
    });
    const error = await failure(make(fetch).sendVerification({ phone_number: '+86 13800138000' }));
    expect(error).toMatchObject({ error: 'rate_limit_exceeded', status: 429, retryAfter: 42 });
    // Delta-seconds only; an HTTP date or junk is no hint at all.
    expect(retryAfterSeconds(' 90 ')).toBe(90);
    expect(retryAfterSeconds('0')).toBe(0);
    expect(retryAfterSeconds('Wed, 02 Dec 2026 08:01:30 GMT')).toBeUndefined();
    expect(retryAfterSeconds('-5')).toBeUndefined();
    expect(retryAfterSeconds('1.5')).toBeUndefined();
    expect(retryAfterSeconds('')).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });

  it("a JSON body with an error field is an error whatever the status (CloudBase's rule)", async () => {
    const { fetch } = fakeFetch({
      'POST /auth/v1/signin': () =>
        json(200, { error: 'invalid_username_or_password', error_code: 4043, error_description: 'wrong' }),
    });
    const error = await failure(make(fetch).signIn({ username: 'a', password: 'b' }));
    expect(error).toMatchObject({
      name: 'AuthClientError',
      error: 'invalid_username_or_password',
      errorCode: 4043,
      status: 200,
      description: 'wrong',
    });
    expect(error.details).toEqual({
      error: 'invalid_username_or_password',
      error_code: 4043,
      error_description: 'wrong',
    });
    // The body stays out of logs and JSON.
    expect(Object.keys(error)).not.toContain('details');
    expect(JSON.stringify(error)).not.toContain('error_code');
  });

  it('the RFC statuses carry through', async () => {
    const { fetch } = fakeFetch({
      'GET /auth/v1/provider/uri': () => json(429, { error: 'rate_limit_exceeded', error_code: 4029 }),
    });
    const error = await failure(
      make(fetch).genProviderRedirectUri({ provider_id: 'github', redirect_uri: 'x' }),
    );
    expect([error.error, error.status, error.errorCode]).toEqual(['rate_limit_exceeded', 429, 4029]);
  });

  it('an answer that is not JSON: server_error for 5xx, invalid_response otherwise; an empty success is {}', async () => {
    const { fetch } = fakeFetch({
      'POST /auth/v1/verification': () => new Response('<html>bad gateway</html>', { status: 502 }),
      'POST /auth/v1/verification/verify': () => new Response('not json', { status: 200 }),
      'POST /auth/v1/reset': () => new Response(null, { status: 204 }),
    });
    const client = make(fetch);
    expect(await failure(client.sendVerification({ email: 'a@example.com' }))).toMatchObject({
      error: 'server_error',
      status: 502,
    });
    expect(await failure(client.verify({ verification_id: 'v', verification_code: '1' }))).toMatchObject({
      error: 'invalid_response',
      status: 200,
    });
    expect(
      await client.resetPassword({ email: 'a@example.com', new_password: 'x', verification_token: 't' }),
    ).toEqual({});
  });

  it('a network failure is unreachable (status 0)', async () => {
    const client = make((async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch);
    expect(await failure(client.verify({ verification_id: 'v', verification_code: '1' }))).toMatchObject({
      error: 'unreachable',
      status: 0,
    });
  });

  it('timeoutMs bounds every call; an aborted signal is aborted', async () => {
    const hang = (_url: unknown, init: RequestInit = {}) =>
      new Promise<Response>((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    const client = make(hang as typeof fetch, { timeoutMs: 10 });
    expect((await failure(client.verify({ verification_id: 'v', verification_code: '1' }))).error).toBe(
      'timeout',
    );
    const controller = new AbortController();
    const pending = client.verify(
      { verification_id: 'v', verification_code: '1' },
      {
        signal: controller.signal,
        timeoutMs: 60_000,
      },
    );
    controller.abort(new Error('user left'));
    const aborted = await failure(pending);
    expect(aborted.error).toBe('aborted');
    expect((aborted.cause as Error).message).toBe('user left');
    const already = await failure(
      client.verify({ verification_id: 'v', verification_code: '1' }, { signal: controller.signal }),
    );
    expect(already.error).toBe('aborted');
  });

  it('no stored credentials: a typed unauthenticated error, never a TypeError', async () => {
    const { fetch, calls } = fakeFetch({});
    const client = make(fetch);
    expect((await failure(client.getAccessToken())).error).toBe('unauthenticated');
    expect((await failure(client.getUserInfo())).error).toBe('unauthenticated');
    expect(await client.getCredentials()).toBeNull();
    expect(calls).toEqual([]);
  });

  it('stored garbage counts as signed out', async () => {
    const storage = sharedStorage();
    storage.map.set('lingpai:web', '{not json');
    const client = make(fakeFetch({}).fetch, { storage });
    expect(await client.getCredentials()).toBeNull();
  });

  it('options are checked at construction, naming the fix', () => {
    expect(() => new AuthClient({ issuer: 'not a url', clientId: 'web' })).toThrow(
      /issuer must be the server's origin/,
    );
    expect(() => new AuthClient({ issuer: ISSUER, clientId: '' })).toThrow(/clientId is required/);
    expect(() => new AuthClient({ issuer: ISSUER, clientId: 'web', timeoutMs: -1 })).toThrow(
      /timeoutMs must be/,
    );
    const error = (() => {
      try {
        new AuthClient({ issuer: ISSUER, clientId: 'web', refreshMarginSeconds: Number.NaN });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ name: 'AuthClientError', error: 'invalid_options' });
  });
});
