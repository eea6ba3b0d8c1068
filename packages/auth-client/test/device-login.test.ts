import { describe, expect, it } from 'vitest';
import { AuthClient, type AuthClientError, DEVICE_CODE_GRANT } from '../src/index.js';
import { fakeFetch, json, leapingClock, sharedStorage } from './fakes.js';

const ISSUER = 'http://auth.test';
const AUTHORIZATION = {
  device_code: 'lpd.secret',
  user_code: 'BCDF-GHJK',
  verification_uri: `${ISSUER}/device`,
  verification_url: `${ISSUER}/device`,
  verification_uri_complete: `${ISSUER}/device?user_code=BCDF-GHJK`,
  expires_in: 600,
  interval: 5,
};
const TOKENS = {
  token_type: 'Bearer',
  access_token: 'at-tv',
  refresh_token: 'rt-tv',
  expires_in: 7200,
  scope: 'user',
};

/** A device flow whose polls answer `answers` in turn (then the tokens). */
function flow(answers: unknown[], authorization: Record<string, unknown> = AUTHORIZATION) {
  const { fetch, calls } = fakeFetch({
    'POST /auth/v1/device/code': () => authorization,
    'POST /auth/v1/token': () => answers.shift() ?? TOKENS,
  });
  const clock = leapingClock();
  const client = new AuthClient({
    issuer: ISSUER,
    clientId: 'tv',
    fetch,
    clock,
    storage: sharedStorage(),
    crossTab: false,
  });
  return {
    client,
    clock,
    calls,
    polls: () => calls.filter((call) => call.url.pathname === '/auth/v1/token'),
  };
}

const pending = () => json(400, { error: 'authorization_pending', error_code: 4007 });
const slowDown = () => json(400, { error: 'slow_down', error_code: 4008 });

describe('the device-flow poller (RFC 8628)', () => {
  it('shows what to show (never the device code), polls at the interval, stores the approval', async () => {
    const { client, clock, calls, polls } = flow([pending(), pending()]);
    const login = await client.startDeviceLogin({ scope: 'user' });
    expect(login).toEqual({
      user_code: 'BCDF-GHJK',
      verification_uri: `${ISSUER}/device`,
      verification_url: `${ISSUER}/device`,
      verification_uri_complete: `${ISSUER}/device?user_code=BCDF-GHJK`,
      expires_in: 600,
      interval: 5,
      wait: expect.any(Function),
    });
    expect(calls[0]!.body).toEqual({ client_id: 'tv', scope: 'user' });
    const credentials = await login.wait();
    expect(credentials.access_token).toBe('at-tv');
    expect(await client.getAccessToken()).toBe('at-tv');
    expect(clock.delays).toEqual([5_000, 5_000, 5_000]);
    expect(polls().map((poll) => poll.body)).toEqual(
      Array(3).fill({
        client_id: 'tv',
        client_secret: '',
        grant_type: DEVICE_CODE_GRANT,
        device_code: 'lpd.secret',
      }),
    );
  });

  it('slow_down adds 5 s to the interval, for good', async () => {
    const { client, clock } = flow([pending(), slowDown(), pending(), slowDown(), pending()]);
    await (await client.startDeviceLogin()).wait();
    expect(clock.delays).toEqual([5_000, 5_000, 10_000, 10_000, 15_000, 15_000]);
  });

  it('the interval defaults to 5 s when the server names none', async () => {
    const { interval: _none, ...authorization } = AUTHORIZATION;
    const { client, clock } = flow([], authorization);
    await (await client.startDeviceLogin()).wait();
    expect(clock.delays).toEqual([5_000]);
  });

  it('stops on access_denied and expired_token', async () => {
    for (const error of ['access_denied', 'expired_token']) {
      const { client, polls } = flow([pending(), json(400, { error })]);
      const login = await client.startDeviceLogin();
      expect(((await login.wait().catch((e: unknown) => e)) as AuthClientError).error).toBe(error);
      expect(polls()).toHaveLength(2);
      expect(await client.getCredentials()).toBeNull();
    }
  });

  it('gives up by itself once the code has expired, without asking the server', async () => {
    const { client, polls } = flow(Array.from({ length: 200 }, pending), {
      ...AUTHORIZATION,
      expires_in: 12,
    });
    const error = (await (
      await client.startDeviceLogin()
    )
      .wait()
      .catch((e: unknown) => e)) as AuthClientError;
    expect(error.error).toBe('expired_token');
    expect(polls()).toHaveLength(2); // at 5 s and 10 s; 15 s is past 12 s
  });

  it('rides out network failures and 5xx at the interval', async () => {
    const { client, polls } = flow([
      new Response('down', { status: 502 }),
      json(503, { error: 'temporarily_unavailable' }),
    ]);
    expect((await (await client.startDeviceLogin()).wait()).access_token).toBe('at-tv');
    expect(polls()).toHaveLength(3);
  });

  it('other refusals end the wait', async () => {
    const { client } = flow([json(400, { error: 'invalid_client', error_code: 4010 })]);
    const error = (await (
      await client.startDeviceLogin()
    )
      .wait()
      .catch((e: unknown) => e)) as AuthClientError;
    expect(error.error).toBe('invalid_client');
  });

  it('is abortable while it sleeps', async () => {
    const { fetch } = fakeFetch({ 'POST /auth/v1/device/code': () => AUTHORIZATION });
    const client = new AuthClient({
      issuer: ISSUER,
      clientId: 'tv',
      fetch,
      storage: sharedStorage(),
      crossTab: false,
    });
    const login = await client.startDeviceLogin();
    const controller = new AbortController();
    const waiting = login.wait(controller.signal).catch((e: unknown) => e);
    controller.abort();
    expect(((await waiting) as AuthClientError).error).toBe('aborted');
  });
});
