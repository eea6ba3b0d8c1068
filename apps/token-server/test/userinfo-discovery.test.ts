import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-app.js';

describe('discovery and the OpenAPI document list userinfo, introspection, revocation and sign-out', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('metadata names the endpoints and every claim userinfo can release', async () => {
    const metadata = (
      await server.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })
    ).json();
    expect(metadata).toMatchObject({
      userinfo_endpoint: 'http://127.0.0.1:8080/auth/v1/userinfo',
      introspection_endpoint: 'http://127.0.0.1:8080/auth/v1/token/introspect',
      revocation_endpoint: 'http://127.0.0.1:8080/auth/v1/revoke',
    });
    expect(metadata.claims_supported).toEqual(
      expect.arrayContaining([
        'sub',
        'name',
        'picture',
        'gender',
        'locale',
        'username',
        'preferred_username',
        'email',
        'email_verified',
        'phone_number',
        'phone_number_verified',
        'groups',
      ]),
    );
  });

  it('the OpenAPI document has each route with its response schema', async () => {
    const document = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const [path, method] of [
      ['/auth/v1/token/introspect', 'post'],
      ['/auth/v1/token/introspect', 'get'],
      ['/auth/v1/revoke', 'post'],
      ['/auth/v1/user/signout', 'post'],
      ['/auth/v1/userinfo', 'get'],
      ['/auth/v1/userinfo', 'post'],
    ] as const) {
      expect(paths[path]?.[method]?.responses?.['200'], `${method} ${path}`).toBeDefined();
    }
  });
});
