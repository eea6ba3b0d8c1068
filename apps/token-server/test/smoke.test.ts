import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';

describe.each(backends())('token endpoint basics on %s', (_name, backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addUser('zhangsan', 'DemoPass123!@#');
  });
  afterAll(async () => server?.close());

  it('password grant, then refresh rotation, then reuse kills the family', async () => {
    const first = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({
        client_id: ENV_ID,
        grant_type: 'password',
        username: 'zhangsan',
        password: 'DemoPass123!@#',
      }),
    });
    expect(first.statusCode, first.body).toBe(200);
    const tokens = first.json();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 7200, scope: 'user' });
    expect(first.headers['cache-control']).toBe('no-store');

    const second = await server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${ENV_ID}`,
      payload: {
        client_id: ENV_ID,
        client_secret: '',
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      },
    });
    expect(second.statusCode, second.body).toBe(200);
    const rotated = second.json();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    const replay = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      payload: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ error: 'invalid_grant', error_code: 4001 });

    const child = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: rotated.refresh_token,
      }).toString(),
    });
    expect(child.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
