import type { TokenServerApp } from '../../src/app.js';
import type { ClientInput } from '../../src/clients/client.js';
import { GRANT_TYPES } from '../../src/clients/client.js';
import { ENV_ID } from './test-app.js';

/** A TV app: a public client that may only use the device grant (and refresh what it gets). */
export const TV_CLIENT: ClientInput = {
  id: 'tv-app',
  name: 'Living-room TV',
  kind: 'public',
  grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
  scopes: ['user', 'profile', 'openid'],
  defaultScopes: ['user'],
};

/** A third-party app whose users sign in with a password: not first party. */
export const THIRD_PARTY_CLIENT: ClientInput = {
  id: 'third-party',
  kind: 'public',
  grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
  scopes: ['user', 'profile', 'openid'],
  defaultScopes: ['user'],
};

export const USERNAME = 'zhangsan';
export const PASSWORD = 'DemoPass123!@#';

export interface DeviceCodeAnswer {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_url: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export async function startDevice(
  app: TokenServerApp,
  body: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<DeviceCodeAnswer> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/v1/device/code',
    headers,
    payload: { client_id: TV_CLIENT.id, ...body },
  });
  if (response.statusCode !== 200) throw new Error(`device/code: ${response.statusCode} ${response.body}`);
  return response.json();
}

export async function poll(
  app: TokenServerApp,
  deviceCode: string,
  options: { clientId?: string; headers?: Record<string, string> } = {},
) {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/v1/token',
    headers: options.headers ?? {},
    payload: {
      client_id: options.clientId ?? TV_CLIENT.id,
      grant_type: GRANT_TYPES.deviceCode,
      device_code: deviceCode,
    },
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

/** The user signs in with the password grant on a client (the environment's first-party one by default). */
export async function signIn(app: TokenServerApp, clientId = ENV_ID): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/v1/token',
    payload: { client_id: clientId, grant_type: 'password', username: USERNAME, password: PASSWORD },
  });
  if (response.statusCode !== 200) throw new Error(`sign-in: ${response.statusCode} ${response.body}`);
  return (response.json() as { access_token: string }).access_token;
}

export async function authorizeDevice(
  app: TokenServerApp,
  accessToken: string,
  body: Record<string, string>,
  remoteAddress = '127.0.0.1',
) {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/v1/user/device/authorize',
    headers: { authorization: `Bearer ${accessToken}` },
    remoteAddress,
    payload: body,
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.json() as Record<string, unknown>,
  };
}
