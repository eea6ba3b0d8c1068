import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  codeOf,
  describeInteraction,
  exchange,
  FIRST,
  registerCodeFlowClients,
  SPA,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { jwtClaims, locationOf, pkcePair, TestBrowser } from './support/interaction-browser.js';
import { CodePage, wrongCode } from './support/interaction-code-support.js';
import { backends } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

const MAX_ATTEMPTS = 3;

describe.each(backends())('interaction log-in by SMS code on %s', (_name, backend) => {
  let f: VerificationFixture;
  let phoneCounter = 0;
  /** A fresh number per use: each has its own cooldown and caps. */
  const freshPhone = () => `+86 1380013${String(8000 + ++phoneCounter).padStart(4, '0')}`;

  beforeAll(async () => {
    f = await startServerWithSandbox(backend, { verification: { maxAttempts: MAX_ATTEMPTS } });
    await registerCodeFlowClients(f.server);
  }, 120_000);
  afterAll(async () => f?.close());

  async function userWithPhone(phone: string): Promise<string> {
    const user = await f.server.app.lingpai.users.create({ phoneNumber: phone });
    return user.sub;
  }

  async function openPage(options: Parameters<typeof startFlow>[1] = {}) {
    const flow = await startFlow(f.server, options);
    const described = await describeInteraction(flow.browser, flow.interaction);
    return { flow, described, page: new CodePage(flow.browser, flow.interaction, described.csrf_token) };
  }

  it('the describe answer lists the login methods the page can offer', async () => {
    const { described } = await openPage();
    expect(described.login_methods).toEqual([{ type: 'password' }, { type: 'sms' }, { type: 'email' }]);
  });

  it('authorize → interaction → SMS code from the sandbox inbox → login → consent → code → tokens (amr sms)', async () => {
    const phone = freshPhone();
    const sub = await userWithPhone(phone);
    const { flow, page } = await openPage({ scope: 'openid user', nonce: 'nonce-sms' });
    const sent = await page.send({ phone_number: phone });
    expect(sent).toMatchObject({ is_user: true, expires_in: expect.any(Number) });
    const code = await f.lastSmsCode(phone);
    expect(code).toMatch(/^\d{6}$/);

    const login = await page.login(sent.verification_id, code!);
    expect(login.statusCode, login.body).toBe(200);
    // A third-party client: the login is recorded, consent comes next.
    expect(login.json()).toMatchObject({ status: 'logged_in', needs_consent: true, user: { sub } });
    // The verification token never reached the page.
    expect(login.body).not.toContain('verification_token');
    expect(flow.browser.cookies.has('lp_session')).toBe(true);
    const loginTime = Math.floor(f.server.clock.now() / 1_000);

    const consent = await page.post('consent', {});
    expect(consent.statusCode, consent.body).toBe(200);
    const redirect = new URL(consent.json().redirect_to);
    expect(redirect.searchParams.get('state')).toBe(flow.state);
    const tokens = await exchange(f.server, { code: codeOf(redirect), verifier: flow.verifier });
    expect(tokens.statusCode, tokens.body).toBe(200);
    const claims = jwtClaims(tokens.json().id_token);
    expect(claims).toMatchObject({ sub, amr: ['sms'], auth_time: loginTime, nonce: 'nonce-sms' });

    // The login session skips the next login, and keeps saying how the user logged in.
    f.server.clock.advance(60_000);
    const { verifier, challenge } = pkcePair();
    const again = await flow.browser.authorize({
      response_type: 'code',
      client_id: SPA.id,
      redirect_uri: SPA.redirectUri,
      scope: 'openid user',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(again.statusCode, again.body).toBe(303);
    const second = await exchange(f.server, { code: codeOf(locationOf(again)), verifier });
    expect(jwtClaims(second.json().id_token)).toMatchObject({ sub, amr: ['sms'], auth_time: loginTime });
  });

  it('a first-party client completes at the login: approved with redirect_to', async () => {
    const phone = freshPhone();
    await userWithPhone(phone);
    const { page } = await openPage({ client: FIRST.id, redirectUri: FIRST.redirectUri });
    const sent = await page.send({ phone_number: phone });
    const login = await page.login(sent.verification_id, (await f.lastSmsCode(phone))!);
    expect(login.json()).toMatchObject({ status: 'approved' });
    expect(new URL(login.json().redirect_to).origin + new URL(login.json().redirect_to).pathname).toBe(
      FIRST.redirectUri,
    );
  });

  it('a wrong code is refused and logs nobody in; guesses are capped by otp, after which the right code is dead', async () => {
    const phone = freshPhone();
    await userWithPhone(phone);
    const { flow, page } = await openPage();
    const sent = await page.send({ phone_number: phone });
    const code = (await f.lastSmsCode(phone))!;
    const wrong = await page.login(sent.verification_id, wrongCode(code));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code' });
    expect(flow.browser.cookies.has('lp_session')).toBe(false);
    expect((await describeInteraction(flow.browser, flow.interaction)).needs_login).toBe(true);
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      expect((await page.login(sent.verification_id, wrongCode(code))).statusCode).toBe(400);
    }
    const late = await page.login(sent.verification_id, code);
    expect(late.statusCode).toBe(400);
    expect(late.json()).toMatchObject({ error: 'invalid_verification_code' });
    expect((await describeInteraction(flow.browser, flow.interaction)).needs_login).toBe(true);
  });

  it('a code sent for another client (the public endpoint, another client_id) does not log in here', async () => {
    const phone = freshPhone();
    await userWithPhone(phone);
    const { page } = await openPage();
    const sent = await f.inject(`/auth/v1/verification?client_id=${FIRST.id}`, {
      phone_number: phone,
      target: 'ANY',
    });
    expect(sent.statusCode).toBe(200);
    const code = (await f.lastSmsCode(phone))!;
    const login = await page.login(sent.json.verification_id as string, code);
    expect(login.statusCode).toBe(400);
    expect(login.json()).toMatchObject({ error: 'invalid_verification_token' });
  });

  it('sends are capped by otp: a second code to the same number at once is refused (cooldown)', async () => {
    const phone = freshPhone();
    const { page } = await openPage();
    await page.send({ phone_number: phone });
    const again = await page.post('verification', { phone_number: phone });
    expect(again.statusCode).toBe(429);
    expect(again.json()).toMatchObject({ error: 'rate_limit_exceeded' });
  });

  it('a blocked user is refused, and nothing is logged in', async () => {
    const phone = freshPhone();
    const sub = await userWithPhone(phone);
    await f.server.db.query("UPDATE users SET status = 'BLOCKED' WHERE sub = $1", [sub]);
    const { flow, page } = await openPage();
    const sent = await page.send({ phone_number: phone });
    const login = await page.login(sent.verification_id, (await f.lastSmsCode(phone))!);
    expect(login.statusCode).toBe(403);
    expect(login.json()).toMatchObject({ error: 'user_blocked' });
    expect(flow.browser.cookies.has('lp_session')).toBe(false);
    expect((await describeInteraction(flow.browser, flow.interaction)).needs_login).toBe(true);
  });

  it('the new routes keep the interaction rules: CSRF token, same origin, JSON only, this browser', async () => {
    const phone = freshPhone();
    await userWithPhone(phone);
    const { flow, page } = await openPage();
    const stranger = new TestBrowser(f.server.app);
    const bodies: Record<string, unknown> = {
      verification: { phone_number: phone },
      'login/verification': { verification_id: 'x'.repeat(22), verification_code: '123456' },
      signup: { verification_id: 'x'.repeat(22), verification_code: '123456' },
    };
    for (const [action, body] of Object.entries(bodies)) {
      const url = page.path(action);
      const noCsrf = await flow.browser.fetchPost(url, body);
      expect(noCsrf.statusCode, action).toBe(403);
      const forged = await flow.browser.fetchPost(url, body, { 'x-csrf-token': 'forged' });
      expect(forged.statusCode, action).toBe(403);
      const crossOrigin = await page.post(action, body, { origin: 'https://evil.example' });
      expect(crossOrigin.statusCode, action).toBe(403);
      const crossSite = await page.post(action, body, { 'sec-fetch-site': 'same-site' });
      expect(crossSite.statusCode, action).toBe(403);
      const form = await page.post(action, new URLSearchParams(body as Record<string, string>).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.statusCode, action).toBe(415);
      const elsewhere = await stranger.fetchPost(url, body, { 'x-csrf-token': page.csrf });
      expect(elsewhere.statusCode, action).toBe(404);
    }
    // None of those sent a code.
    expect(f.sandbox.sms.messages({ to: phone.replace(' ', '') })).toHaveLength(0);
    // The page itself still can.
    await page.send({ phone_number: phone });
    expect(await f.lastSmsCode(phone)).toMatch(/^\d{6}$/);
    expect(f.sandbox.sms.messages({ to: phone.replace(' ', '') })).toHaveLength(1);
  });

  it('captcha_required passes through, and an x-captcha-token the verifier accepts sends', async () => {
    const captcha = await startServerWithSandbox(backend, {
      smtp: false,
      verification: { requireCaptcha: true },
      captchaVerifier: async (token) => token === 'solved',
    });
    try {
      await registerCodeFlowClients(captcha.server);
      const flow = await startFlow(captcha.server);
      const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
      const page = new CodePage(flow.browser, flow.interaction, csrf_token);
      const phone = freshPhone();
      const refused = await page.post('verification', { phone_number: phone });
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ error: 'captcha_required', error_code: 4028 });
      await page.send({ phone_number: phone }, { 'x-captcha-token': 'solved' });
      expect(await captcha.lastSmsCode(phone)).toMatch(/^\d{6}$/);
    } finally {
      await captcha.close();
    }
  });

  it('the password login of the same page still works (one completion path)', async () => {
    await f.server.addUser(ALICE.username, ALICE.password);
    const { flow, page } = await openPage({ scope: 'openid user' });
    const login = await page.post('login', ALICE);
    expect(login.json()).toMatchObject({ status: 'logged_in', needs_consent: true });
    const consent = await page.post('consent', {});
    const tokens = await exchange(f.server, {
      code: codeOf(new URL(consent.json().redirect_to)),
      verifier: flow.verifier,
    });
    expect(jwtClaims(tokens.json().id_token).amr).toEqual(['pwd']);
  });
});
