// The logs of a whole run hold no password, token, code, verifier, client secret or Authorization
// value: tested by capturing every log line at trace level while secrets flow through every path.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import { basic, startTestServer, type TestServer } from './support/test-app.js';

describe('log redaction', () => {
  const lines: string[] = [];
  let server: TestServer;
  const PASSWORD = 'Sup3r-Secret-Passw0rd!';
  let clientSecret: string;

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    server = await startTestServer({ kind: 'pglite' }, { logger: { level: 'trace', stream } });
    await server.addUser('logged-user', PASSWORD);
    clientSecret = (await server.addClient({
      id: 'log-svc',
      kind: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['read'],
    }))!;
  });
  afterAll(async () => server?.close());

  it('never logs secrets', async () => {
    const secrets: string[] = [PASSWORD, clientSecret];
    const signIn = await postToken(server.app, {
      grant_type: 'password',
      username: 'logged-user',
      password: PASSWORD,
    });
    secrets.push(signIn.body.access_token as string, signIn.body.refresh_token as string);
    const refreshed = await postToken(
      server.app,
      { grant_type: 'refresh_token', refresh_token: signIn.body.refresh_token as string },
      { as: 'form' },
    );
    secrets.push(refreshed.body.access_token as string, refreshed.body.refresh_token as string);
    // Replays, wrong secrets and secrets in the query string are refused — and still not logged.
    await postToken(server.app, {
      grant_type: 'refresh_token',
      refresh_token: signIn.body.refresh_token as string,
    });
    await postToken(server.app, {
      grant_type: 'password',
      username: 'logged-user',
      password: `${PASSWORD}-wrong`,
    });
    secrets.push(`${PASSWORD}-wrong`);
    const cc = await postToken(
      server.app,
      { grant_type: 'client_credentials' },
      { headers: { authorization: basic('log-svc', clientSecret) } },
    );
    secrets.push(cc.body.access_token as string);
    await postToken(
      server.app,
      { grant_type: 'client_credentials', client_id: 'log-svc', client_secret: clientSecret },
      { as: 'text' },
    );
    await server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?refresh_token=${refreshed.body.refresh_token}&password=${encodeURIComponent(PASSWORD)}&code_verifier=verifier-secret-value-1234567890`,
    });
    secrets.push('verifier-secret-value-1234567890');
    await server.app.inject({
      method: 'GET',
      url: '/auth/v1/userinfo',
      headers: { authorization: `Bearer ${signIn.body.access_token}` },
    });
    await server.app.inject({
      method: 'GET',
      url: `/no-such-route?access_token=${signIn.body.access_token}`,
    });
    const basicHeader = basic('log-svc', clientSecret);
    secrets.push(basicHeader.slice(6));

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log.includes(secret), `a secret (${secret.slice(0, 6)}…) reached the log`).toBe(false);
      // Also the URL-encoded form.
      expect(log.includes(encodeURIComponent(secret))).toBe(false);
    }
  });
});
