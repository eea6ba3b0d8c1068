import { ENV_ID, type TestServer } from './test-app.js';

/** One call to a user endpoint with a Bearer token, JSON in (unless `text`), JSON out. */
export interface UserCall {
  status: number;
  body: Record<string, unknown>;
}

export async function callUser(
  server: TestServer,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  token: string | undefined,
  payload?: unknown,
  options: { text?: boolean; headers?: Record<string, string> } = {},
): Promise<UserCall> {
  const headers: Record<string, string> = { ...options.headers };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined)
    headers['content-type'] = options.text ? 'text/plain;charset=UTF-8' : 'application/json';
  const response = await server.app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  sub: string;
  sid: string;
}

/**
 * Tokens for a user straight from the issuer (users with no password — anonymous, phone-only — and
 * scopes of our choosing), the way every sign-in path issues them.
 */
export async function issueTokens(
  server: TestServer,
  sub: string,
  options: { scope?: string[]; deviceId?: string; clientId?: string } = {},
): Promise<IssuedTokens> {
  const services = server.app.lingpai;
  const client = (await services.clients.get(options.clientId ?? ENV_ID))!;
  const user = (await services.users.findBySub(sub))!;
  const issued = await services.issuer.issueForUser({
    user: { sub, groups: user.groups },
    client,
    scope: options.scope ?? ['user'],
    deviceId: options.deviceId ?? `device-${Math.random().toString(36).slice(2, 12)}`,
    authTime: services.clock.now(),
    amr: ['pwd'],
  });
  return {
    access_token: issued.access_token,
    refresh_token: issued.refresh_token!,
    sub,
    sid: issued.familyId!,
  };
}

/** A sudo_token for the session of `accessToken`, by password. */
export async function sudoByPassword(
  server: TestServer,
  accessToken: string,
  password: string,
): Promise<string> {
  const response = await callUser(server, 'POST', '/auth/v1/user/sudo', accessToken, { password });
  if (response.status !== 200) throw new Error(`sudo failed: ${JSON.stringify(response.body)}`);
  return response.body.sudo_token as string;
}
