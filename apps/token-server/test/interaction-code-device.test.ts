import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_APPROVAL_MAX_AGE_SECONDS } from '../src/routes/device-routes.js';
import { poll, startDevice, TV_CLIENT } from './support/device-support.js';
import { jwtClaims, TestBrowser } from './support/interaction-browser.js';
import { CodePage } from './support/interaction-code-support.js';
import { backends } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('device flow with a code log-in on %s', (_name, backend) => {
  let f: VerificationFixture;

  beforeAll(async () => {
    f = await startServerWithSandbox(backend);
    await f.server.addClient(TV_CLIENT);
  }, 120_000);
  afterAll(async () => f?.close());

  /** The verification page: bind the browser, submit the code the TV shows. */
  async function enterCode(browser: TestBrowser, userCode: string) {
    const prepared = await browser.fetchGet('/auth/v1/interaction/device');
    const started = await browser.fetchPost(
      '/auth/v1/interaction/device',
      { user_code: userCode },
      { 'x-csrf-token': prepared.json().csrf_token },
    );
    expect(started.statusCode, started.body).toBe(200);
    const body = started.json();
    return { body, page: new CodePage(browser, body.interaction, body.csrf_token) };
  }

  it('device code → device entry → email code over real SMTP → approve → the poll gets tokens with amr email', async () => {
    const email = 'tv.viewer@example.com';
    const sub = (await f.server.app.lingpai.users.create({ email })).sub;
    const device = await startDevice(f.server.app, { scope: 'openid user' });
    const browser = new TestBrowser(f.server.app);
    const { body, page } = await enterCode(browser, device.user_code);
    expect(body).toMatchObject({ kind: 'device', needs_login: true, needs_consent: true });
    expect(body.login_methods).toContainEqual({ type: 'email' });

    const sent = await page.send({ email: 'TV.Viewer@Example.com' });
    expect(sent.is_user).toBe(true);
    const code = await f.lastEmailCode(email);
    expect(code).toBeDefined();
    // The mail really went through SMTP to that address.
    expect(f.smtp!.messages.at(-1)!.to).toEqual([email]);

    const login = await page.login(sent.verification_id, code!);
    expect(login.statusCode, login.body).toBe(200);
    // A device always asks its user to confirm, even right after a login.
    expect(login.json()).toMatchObject({ status: 'logged_in', needs_consent: true, user: { sub } });
    const loginTime = Math.floor(f.server.clock.now() / 1_000);
    expect((await poll(f.server.app, device.device_code)).body).toMatchObject({
      error: 'authorization_pending',
    });

    const approved = await page.post('consent', {});
    expect(approved.json()).toEqual({ status: 'approved' });
    f.server.clock.advance(device.interval * 1_000);
    const tokens = await poll(f.server.app, device.device_code);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({ sub, scope: 'openid user' });
    expect(jwtClaims(tokens.body.id_token as string)).toMatchObject({
      sub,
      amr: ['email'],
      auth_time: loginTime,
    });
  });

  it('a login session too old to approve a device is renewed by an SMS code (amr sms)', async () => {
    const phone = '+86 13700137001';
    const sub = (await f.server.app.lingpai.users.create({ phoneNumber: phone })).sub;
    const browser = new TestBrowser(f.server.app);
    const first = await enterCode(browser, (await startDevice(f.server.app)).user_code);
    const sent = await first.page.send({ phone_number: phone });
    const login = await first.page.login(sent.verification_id, (await f.lastSmsCode(phone))!);
    expect(login.statusCode, login.body).toBe(200);

    f.server.clock.advance((DEVICE_APPROVAL_MAX_AGE_SECONDS + 60) * 1_000);
    const device = await startDevice(f.server.app, { scope: 'openid user' });
    const next = await enterCode(browser, device.user_code);
    expect(next.body).toMatchObject({ needs_login: true });
    const refused = await next.page.post('consent', {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'login_required' });

    const again = await next.page.send({ phone_number: phone });
    const relogin = await next.page.login(again.verification_id, (await f.lastSmsCode(phone))!);
    expect(relogin.json()).toMatchObject({ status: 'logged_in', user: { sub } });
    expect((await next.page.post('consent', {})).json()).toEqual({ status: 'approved' });
    f.server.clock.advance(device.interval * 1_000);
    const tokens = await poll(f.server.app, device.device_code);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(jwtClaims(tokens.body.id_token as string)).toMatchObject({ sub, amr: ['sms'] });
  });

  it('a blocked user cannot approve a device by code', async () => {
    const email = 'blocked.viewer@example.com';
    const sub = (await f.server.app.lingpai.users.create({ email })).sub;
    await f.server.db.query("UPDATE users SET status = 'BLOCKED' WHERE sub = $1", [sub]);
    const device = await startDevice(f.server.app);
    const { page } = await enterCode(new TestBrowser(f.server.app), device.user_code);
    const sent = await page.send({ email });
    const login = await page.login(sent.verification_id, (await f.lastEmailCode(email))!);
    expect(login.statusCode).toBe(403);
    expect(login.json()).toMatchObject({ error: 'user_blocked' });
    const consent = await page.post('consent', {});
    expect(consent.json()).toMatchObject({ error: 'login_required' });
    f.server.clock.advance(device.interval * 1_000);
    expect((await poll(f.server.app, device.device_code)).body).toMatchObject({
      error: 'authorization_pending',
    });
  });
});
