// Social login's logs hold no platform code, state, provider_token, token or platform email: every
// log line is captured at trace level while they flow through the API, a refused code and the
// login page's callback (whose query carries the code and state).
import { Writable } from 'node:stream';
import { createManualClock } from '@lingpai/auth-core';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeInteraction,
  FIRST,
  registerCodeFlowClients,
  startFlow,
} from './support/authorization-code-fixtures.js';
import {
  APP_REDIRECT_URI,
  cloudbaseCall,
  consentAtPlatform,
  platformCallback,
  SOCIAL_CLIENT,
  sandboxServerOptions,
} from './support/social-sandbox.js';
import { startTestServer, type TestServer } from './support/test-app.js';

describe('social login log redaction', () => {
  const lines: string[] = [];
  let sandbox: Sandbox;
  let server: TestServer;
  const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    sandbox = await createSandbox({ clock });
    server = await startTestServer(
      { kind: 'pglite' },
      { clock, ...sandboxServerOptions(await sandbox.listen()), logger: { level: 'trace', stream } },
    );
    await server.addClient({
      id: SOCIAL_CLIENT,
      kind: 'public',
      grantTypes: ['refresh_token'],
      scopes: ['user'],
      redirectUris: [APP_REDIRECT_URI],
      firstParty: true,
    });
    await registerCodeFlowClients(server);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
  });

  it('never logs a code, state, provider_token, token or platform email', async () => {
    const secrets: string[] = [];
    const deviceId = 'device-logs';
    const state = 'log-state-0123456789';
    const { code } = await platformCallback(server.app, {
      providerId: 'google',
      user: 'alice',
      deviceId,
      state,
    });
    secrets.push(code, state);
    const exchanged = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'google', provider_code: code, provider_redirect_uri: APP_REDIRECT_URI, state },
    });
    expect(exchanged.status).toBe(200);
    const token = String(exchanged.body.provider_token);
    const email = (exchanged.body.provider_profile as { email?: string }).email;
    expect(email).toBeDefined();
    secrets.push(token, email ?? '');
    expect(
      (
        await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
          deviceId,
          body: { provider_token: token },
        })
      ).status,
    ).toBe(404);
    const signedUp = await cloudbaseCall(server.app, 'POST', '/auth/v1/signup', {
      deviceId,
      body: { provider_token: token },
    });
    expect(signedUp.status).toBe(200);
    secrets.push(String(signedUp.body.access_token), String(signedUp.body.refresh_token));
    // Replayed and refused: still not logged.
    await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: token },
    });

    // A code the platform refuses (a warning is logged: the platform's error code, nothing else).
    const refused = await platformCallback(server.app, { providerId: 'github', user: 'alice', deviceId });
    const badCode = `${refused.code}x`;
    secrets.push(refused.code, badCode);
    const bad = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'github', provider_code: badCode, provider_redirect_uri: APP_REDIRECT_URI },
    });
    expect(bad.status).toBe(400);

    // The login page: the callback's query carries the code and our state.
    const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
    const described = await describeInteraction(flow.browser, flow.interaction);
    const start = await flow.browser.fetchPost(
      `/auth/v1/interaction/${flow.interaction}/provider/qq`,
      {},
      { 'x-csrf-token': described.csrf_token },
    );
    const callback = await consentAtPlatform(start.json().redirect_to, 'bob');
    secrets.push(callback.searchParams.get('code') ?? '', callback.searchParams.get('state') ?? '');
    const back = await flow.browser.navigate(callback.pathname + callback.search);
    expect(back.statusCode).toBe(302);
    const codeForClient = new URL(String(back.headers.location)).searchParams.get('code');
    secrets.push(codeForClient ?? '');

    await server.app.lingpai.audit.flush();
    const log = lines.join('');
    expect(log).toContain('/auth/v1/provider/token');
    expect(log).toContain('platform login failed');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(4);
      expect(log.includes(secret), `a secret (${secret.slice(0, 4)}…) reached the log`).toBe(false);
    }
    // The audit rows hold none of them either.
    const audit = JSON.stringify(await server.db.query('SELECT detail FROM audit_events'));
    for (const secret of secrets) expect(audit.includes(secret)).toBe(false);
  });
});
