import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, startDevice, TV_CLIENT } from './support/device-support.js';
import { TestBrowser } from './support/interaction-browser.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

const USER = { username: 'lisi', password: 'Device-Pass-42!' };

describe.each(backends())('device verification through the interaction API on %s', (_name, backend) => {
  let server: TestServer;
  let sub: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addClient(TV_CLIENT);
    sub = await server.addUser(USER.username, USER.password);
  });
  afterAll(async () => server?.close());

  /** The verification page: bind the browser, then submit the code the TV shows. */
  async function enterCode(browser: TestBrowser, userCode: string) {
    const prepared = await browser.fetchGet('/auth/v1/interaction/device');
    expect(prepared.statusCode, prepared.body).toBe(200);
    return browser.fetchPost(
      '/auth/v1/interaction/device',
      { user_code: userCode },
      { 'x-csrf-token': prepared.json().csrf_token },
    );
  }

  async function loggedInInteraction(browser: TestBrowser, userCode: string) {
    const started = await enterCode(browser, userCode);
    expect(started.statusCode, started.body).toBe(200);
    const { interaction, csrf_token: csrf } = started.json();
    if (started.json().needs_login) {
      const login = await browser.fetchPost(`/auth/v1/interaction/${interaction}/login`, USER, {
        'x-csrf-token': csrf,
      });
      expect(login.statusCode, login.body).toBe(200);
      // A device always asks its user to confirm, even after a login (remote phishing).
      expect(login.json()).toMatchObject({ status: 'logged_in', needs_consent: true, user: { sub } });
    }
    return { interaction: interaction as string, csrf: csrf as string };
  }

  it('whole device flow over HTTP: code typed → interaction → login → consent → the device polls tokens', async () => {
    const device = await startDevice(server.app, { scope: 'user profile' });
    const browser = new TestBrowser(server.app);
    // Typed sloppily: lower case, no dash.
    const started = await enterCode(browser, device.user_code.replace('-', '').toLowerCase());
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json()).toMatchObject({
      kind: 'device',
      client: { id: TV_CLIENT.id, name: 'Living-room TV', first_party: false },
      scopes: ['user', 'profile'],
      user_code: device.user_code,
      needs_login: true,
      needs_consent: true,
      expires_in: 600,
    });
    const { interaction, csrf_token: csrf } = started.json();
    const pending = await poll(server.app, device.device_code);
    expect(pending.body).toMatchObject({ error: 'authorization_pending' });

    await browser.fetchPost(`/auth/v1/interaction/${interaction}/login`, USER, { 'x-csrf-token': csrf });
    const approved = await browser.fetchPost(
      `/auth/v1/interaction/${interaction}/consent`,
      { scopes: ['user'] },
      { 'x-csrf-token': csrf },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toEqual({ status: 'approved' });

    server.clock.advance(device.interval * 1_000);
    const tokens = await poll(server.app, device.device_code);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({ sub, scope: 'user' });

    // The interaction yielded once.
    const again = await browser.fetchPost(
      `/auth/v1/interaction/${interaction}/consent`,
      {},
      { 'x-csrf-token': csrf },
    );
    expect(again.statusCode).toBe(410);
  });

  it('deny after a login gives the device access_denied; deny before a login is refused', async () => {
    const device = await startDevice(server.app);
    const browser = new TestBrowser(server.app);
    const started = await enterCode(browser, device.user_code);
    const { interaction, csrf_token: csrf } = started.json();
    const early = await browser.fetchPost(
      `/auth/v1/interaction/${interaction}/deny`,
      {},
      { 'x-csrf-token': csrf },
    );
    expect(early.statusCode).toBe(403);
    expect(early.json()).toMatchObject({ error: 'login_required' });
    await browser.fetchPost(`/auth/v1/interaction/${interaction}/login`, USER, { 'x-csrf-token': csrf });
    const denied = await browser.fetchPost(
      `/auth/v1/interaction/${interaction}/deny`,
      {},
      { 'x-csrf-token': csrf },
    );
    expect(denied.json()).toEqual({ status: 'denied' });
    server.clock.advance(device.interval * 1_000);
    expect((await poll(server.app, device.device_code)).body).toMatchObject({ error: 'access_denied' });
  });

  it('abort closes the interaction but leaves the device request pending for the right person', async () => {
    const device = await startDevice(server.app);
    const browser = new TestBrowser(server.app);
    const { interaction, csrf } = await loggedInInteraction(browser, device.user_code);
    const aborted = await browser.fetchPost(
      `/auth/v1/interaction/${interaction}/abort`,
      {},
      { 'x-csrf-token': csrf },
    );
    expect(aborted.json()).toEqual({ status: 'aborted' });
    server.clock.advance(device.interval * 1_000);
    expect((await poll(server.app, device.device_code)).body).toMatchObject({
      error: 'authorization_pending',
    });
    // A second verification of the same code works.
    const retry = await loggedInInteraction(browser, device.user_code);
    const approved = await browser.fetchPost(
      `/auth/v1/interaction/${retry.interaction}/consent`,
      {},
      {
        'x-csrf-token': retry.csrf,
      },
    );
    expect(approved.json()).toEqual({ status: 'approved' });
  });

  it('the browser’s login session skips the login on the next device', async () => {
    const browser = new TestBrowser(server.app);
    await loggedInInteraction(browser, (await startDevice(server.app)).user_code);
    const next = await enterCode(browser, (await startDevice(server.app)).user_code);
    expect(next.json()).toMatchObject({ needs_login: false, needs_consent: true, user: { sub } });
  });

  it('starting needs the browser cookie and the CSRF token from GET /auth/v1/interaction/device', async () => {
    const device = await startDevice(server.app);
    const noCookie = await new TestBrowser(server.app).fetchPost(
      '/auth/v1/interaction/device',
      { user_code: device.user_code },
      { 'x-csrf-token': 'x' },
    );
    expect(noCookie.statusCode).toBe(403);
    const browser = new TestBrowser(server.app);
    const other = new TestBrowser(server.app);
    const othersToken = (await other.fetchGet('/auth/v1/interaction/device')).json().csrf_token;
    await browser.fetchGet('/auth/v1/interaction/device');
    for (const token of [undefined, othersToken]) {
      const refused = await browser.fetchPost(
        '/auth/v1/interaction/device',
        { user_code: device.user_code },
        { 'x-csrf-token': token },
      );
      expect(refused.statusCode).toBe(403);
    }
    const crossSite = await browser.fetchPost(
      '/auth/v1/interaction/device',
      { user_code: device.user_code },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.statusCode).toBe(403);
  });

  it('a wrong user code is invalid_grant, and guessing is limited per IP (RFC 8628 §5.1)', async () => {
    const browser = new TestBrowser(server.app, undefined, '203.0.113.9');
    const limit = server.app.lingpai.config.limits.userCodeFailuresPerIp;
    const statuses: number[] = [];
    for (let i = 0; i <= limit; i++) statuses.push((await enterCode(browser, 'BCDF-GHJK')).statusCode);
    expect(statuses.slice(0, limit)).toEqual(Array(limit).fill(400));
    expect(statuses[limit]).toBe(429);
    // Locked out even for a real code, from that IP only.
    const device = await startDevice(server.app);
    expect((await enterCode(browser, device.user_code)).statusCode).toBe(429);
    expect((await enterCode(new TestBrowser(server.app), device.user_code)).statusCode).toBe(200);
  });
});
