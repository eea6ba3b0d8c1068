import { GRANT_TYPES } from '../../src/clients/client.js';
import { basic, type TestServer } from './test-app.js';

/** An admin client (CloudBase's 超级管理员) and a service client without `admin`. */
export interface AdminClients {
  adminToken: string;
  serviceToken: string;
}

export async function clientCredentialsToken(
  server: TestServer,
  id: string,
  secret: string,
): Promise<string> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/auth/v1/token',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials',
  });
  if (response.statusCode !== 200)
    throw new Error(`client_credentials: ${response.statusCode} ${response.body}`);
  return (response.json() as { access_token: string }).access_token;
}

export async function addAdminClients(server: TestServer): Promise<AdminClients> {
  const adminSecret = (await server.addClient({
    id: 'env-admin',
    kind: 'confidential',
    grantTypes: [GRANT_TYPES.clientCredentials],
    scopes: ['admin'],
  })) as string;
  const serviceSecret = (await server.addClient({
    id: 'batch-job',
    kind: 'confidential',
    grantTypes: [GRANT_TYPES.clientCredentials],
    scopes: ['api'],
  })) as string;
  return {
    adminToken: await clientCredentialsToken(server, 'env-admin', adminSecret),
    serviceToken: await clientCredentialsToken(server, 'batch-job', serviceSecret),
  };
}

export interface AdminCall {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** One admin API call with a Bearer token (JSON body for POSTs). */
export async function adminCall(
  server: TestServer,
  token: string | undefined,
  method: 'GET' | 'POST',
  url: string,
  body?: Record<string, unknown>,
): Promise<AdminCall> {
  const response = await server.app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { payload: body }),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}
