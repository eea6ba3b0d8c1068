import { expect } from 'vitest';
import { basic, ENV_ID, type TestServer } from './test-app.js';

/**
 * Small helpers the introspection, revocation, sign-out and userinfo suites share: a password
 * sign-in, a refresh, and "does this access token still open userinfo?".
 */
export interface SignedIn {
  access_token: string;
  refresh_token: string;
  sub: string;
  scope: string;
}

export async function signIn(
  server: TestServer,
  options: {
    clientId?: string;
    secret?: string;
    scope?: string;
    deviceId?: string;
    username?: string;
    password: string;
  },
): Promise<SignedIn> {
  const clientId = options.clientId ?? ENV_ID;
  const response = await server.app.inject({
    method: 'POST',
    url: options.secret ? '/auth/v1/token' : `/auth/v1/token?client_id=${clientId}`,
    headers: {
      'x-device-id': options.deviceId ?? `device-${Math.random().toString(36).slice(2, 14)}`,
      ...(options.secret ? { authorization: basic(clientId, options.secret) } : {}),
    },
    payload: {
      grant_type: 'password',
      username: options.username ?? 'zhangsan',
      password: options.password,
      scope: options.scope ?? 'user openid',
    },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as SignedIn;
}

/** The status of a refresh with this token: 200 while its family lives, 400 invalid_grant after. */
export async function refreshStatus(
  server: TestServer,
  refreshToken: string,
  client: { id?: string; secret?: string } = {},
): Promise<number> {
  const clientId = client.id ?? ENV_ID;
  const response = await server.app.inject({
    method: 'POST',
    url: client.secret ? '/auth/v1/token' : `/auth/v1/token?client_id=${clientId}`,
    headers: client.secret ? { authorization: basic(clientId, client.secret) } : {},
    payload: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
  return response.statusCode;
}

/** The status userinfo answers for this access token (200 live, 401 refused). */
export async function userinfoStatus(server: TestServer, accessToken: string): Promise<number> {
  const response = await server.app.inject({
    method: 'GET',
    url: '/auth/v1/userinfo',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.statusCode;
}
