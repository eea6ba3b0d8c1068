import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeOf,
  describeInteraction,
  exchange,
  FIRST,
  registerCodeFlowClients,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { jwtClaims, TestBrowser } from './support/interaction-browser.js';
import { CodePage } from './support/interaction-code-support.js';
import { backends } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('sign-up by code inside an interaction on %s', (_name, backend) => {
  let f: VerificationFixture;
  let counter = 0;
  const freshPhone = () => `+86 1390013${String(8000 + ++counter).padStart(4, '0')}`;
  const freshEmail = () => `new.user.${++counter}@example.com`;

  beforeAll(async () => {
    f = await startServerWithSandbox(backend);
    await registerCodeFlowClients(f.server);
  }, 120_000);
  afterAll(async () => f?.close());

  async function openPage(options: Parameters<typeof startFlow>[1] = {}) {
    const flow = await startFlow(f.server, options);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    return { flow, page: new CodePage(flow.browser, flow.interaction, csrf_token) };
  }

  async function usersWith(column: 'phone_number' | 'email', value: string) {
    return f.server.db.query<{ sub: string; username: string | null; name: string | null }>(
      `SELECT sub, username, name FROM users WHERE ${column} = $1`,
      [value],
    );
  }

  it('a sign-in code for a new number: login answers user_not_found, sign-up then needs no second code', async () => {
    const phone = freshPhone();
    const { flow, page } = await openPage({ scope: 'openid user' });
    const sent = await page.send({ phone_number: phone });
    expect(sent.is_user).toBe(false);
    const login = await page.login(sent.verification_id, (await f.lastSmsCode(phone))!);
    expect(login.statusCode).toBe(404);
    expect(login.json()).toMatchObject({ error: 'user_not_found' });

    const signup = await page.signup({
      phone_number: phone,
      username: 'Zhao_Liu',
      password: 'Sign-Up-Pass-1',
      name: '赵六',
    });
    expect(signup.statusCode, signup.body).toBe(200);
    expect(signup.json()).toMatchObject({
      status: 'logged_in',
      needs_consent: true,
      user: { username: 'Zhao_Liu' },
    });
    const [user] = await usersWith('phone_number', phone);
    expect(user).toMatchObject({ username: 'zhao_liu', name: '赵六', sub: signup.json().user.sub });
    // One SMS in all.
    expect(f.sandbox.sms.messages({ to: phone.replace(' ', '') })).toHaveLength(1);
    // The proven address was used once.
    const again = await page.signup({ phone_number: phone, username: 'other_name' });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: 'invalid_request' });
    expect(await usersWith('phone_number', phone)).toHaveLength(1);

    const consent = await page.post('consent', {});
    const tokens = await exchange(f.server, {
      code: codeOf(new URL(consent.json().redirect_to)),
      verifier: flow.verifier,
    });
    expect(jwtClaims(tokens.json().id_token)).toMatchObject({ sub: user!.sub, amr: ['sms'] });

    // The chosen password signs in from now on.
    const next = await openPage();
    const password = await next.page.post('login', { username: 'ZHAO_LIU', password: 'Sign-Up-Pass-1' });
    expect(password.statusCode, password.body).toBe(200);
    expect(password.json()).toMatchObject({ user: { sub: user!.sub } });
  });

  it('an email REGISTER code: sign-up with the code in the call; amr email; the first-party client is done at once', async () => {
    const email = freshEmail();
    const { flow, page } = await openPage({
      client: FIRST.id,
      redirectUri: FIRST.redirectUri,
      scope: 'openid user',
    });
    const sent = await page.send({ email, usage: 'REGISTER' });
    const code = await f.lastEmailCode(email);
    expect(code).toBeDefined();
    const signup = await page.signup({
      verification_id: sent.verification_id,
      verification_code: code,
      email: email.toUpperCase(),
      name: 'Mail User',
    });
    expect(signup.statusCode, signup.body).toBe(200);
    expect(signup.json()).toMatchObject({ status: 'approved' });
    const [user] = await usersWith('email', email);
    expect(user).toMatchObject({ name: 'Mail User', username: null });
    const tokens = await exchange(f.server, {
      code: codeOf(new URL(signup.json().redirect_to)),
      verifier: flow.verifier,
      client: FIRST.id,
      redirectUri: FIRST.redirectUri,
    });
    expect(tokens.statusCode, tokens.body).toBe(200);
    expect(jwtClaims(tokens.json().id_token)).toMatchObject({ sub: user!.sub, amr: ['email'] });
  });

  it('a refused sign-up (taken username, weak password) keeps the proof: the retry needs no new code', async () => {
    const phone = freshPhone();
    await f.server.app.lingpai.users.create({ username: 'taken_name', password: 'Some-Pass-123' });
    const { page } = await openPage();
    const sent = await page.send({ phone_number: phone, usage: 'REGISTER' });
    const code = (await f.lastSmsCode(phone))!;
    const taken = await page.signup({
      verification_id: sent.verification_id,
      verification_code: code,
      phone_number: phone,
      username: 'TAKEN_NAME',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'username_already_exists' });
    const weak = await page.signup({ phone_number: phone, username: 'fresh_name', password: '12345678' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: 'invalid_password' });
    expect(await usersWith('phone_number', phone)).toHaveLength(0);
    const ok = await page.signup({ phone_number: phone, username: 'fresh_name', password: 'Fresh-Pass-123' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await usersWith('phone_number', phone)).toHaveLength(1);
  });

  it('refuses: an address that has an account, another address than the code’s, no proof at all', async () => {
    const phone = freshPhone();
    await f.server.app.lingpai.users.create({ phoneNumber: phone });
    const { page } = await openPage();
    const exists = await page.post('verification', { phone_number: phone, usage: 'REGISTER' });
    expect(exists.statusCode).toBe(409);
    expect(exists.json()).toMatchObject({ error: 'user_already_exists' });

    const none = await page.signup({ phone_number: freshPhone(), username: 'nobody' });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ error: 'invalid_request' });

    const other = freshPhone();
    const sent = await page.send({ phone_number: other });
    const mismatch = await page.signup({
      verification_id: sent.verification_id,
      verification_code: (await f.lastSmsCode(other))!,
      phone_number: freshPhone(),
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json()).toMatchObject({ error: 'invalid_verification_token' });
    expect(await usersWith('phone_number', other)).toHaveLength(0);
  });

  it('parallel sign-ups on one proven address make one user', async () => {
    const phone = freshPhone();
    const { page } = await openPage();
    const sent = await page.send({ phone_number: phone });
    await page.login(sent.verification_id, (await f.lastSmsCode(phone))!);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => page.signup({ phone_number: phone, username: `racer_${i}` })),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(await usersWith('phone_number', phone)).toHaveLength(1);
  });
});

describe('the code routes’ logs', () => {
  it('hold no phone number, email, code or password of a code sign-up and log-in', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const f = await startServerWithSandbox({ kind: 'pglite' }, { logger: { level: 'trace', stream } });
    try {
      await registerCodeFlowClients(f.server);
      const phone = '+86 13612345678';
      const email = 'secret.person@example.com';
      const password = 'Logged-Pass-937';
      const secrets = ['13612345678', email, password];
      const first = await startFlow(f.server);
      const { csrf_token } = await describeInteraction(first.browser, first.interaction);
      const page = new CodePage(first.browser, first.interaction, csrf_token);
      const sent = await page.send({ phone_number: phone });
      const code = (await f.lastSmsCode(phone))!;
      secrets.push(code);
      expect((await page.login(sent.verification_id, code)).statusCode).toBe(404);
      const signup = await page.signup({ phone_number: phone, password });
      expect(signup.statusCode, signup.body).toBe(200);

      const second = await startFlow(f.server, { browser: new TestBrowser(f.server.app) });
      const described = await describeInteraction(second.browser, second.interaction);
      const mail = new CodePage(second.browser, second.interaction, described.csrf_token);
      const mailed = await mail.send({ email, usage: 'REGISTER' });
      const mailCode = (await f.lastEmailCode(email))!;
      secrets.push(mailCode);
      const wrong = await mail.signup({
        verification_id: mailed.verification_id,
        verification_code: '0',
        email,
      });
      expect(wrong.statusCode).toBe(400);
      expect(
        (await mail.signup({ verification_id: mailed.verification_id, verification_code: mailCode, email }))
          .statusCode,
      ).toBe(200);
      await f.server.app.lingpai.verification.settled();
      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(log).not.toContain(secret);
    } finally {
      await f.close();
    }
  }, 120_000);
});

describe('with enumeration protection on', () => {
  it('the page learns nothing from the send; the code login then says user_not_found and sign-up needs no second code', async () => {
    const f = await startServerWithSandbox(
      { kind: 'pglite' },
      { smtp: false, verification: { enumerationProtection: true } },
    );
    try {
      await registerCodeFlowClients(f.server);
      const flow = await startFlow(f.server);
      const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
      const page = new CodePage(flow.browser, flow.interaction, csrf_token);
      const phone = '+86 13512345670';
      const sent = await page.send({ phone_number: phone });
      expect(sent).not.toHaveProperty('is_user');
      const login = await page.login(sent.verification_id, (await f.lastSmsCode(phone))!);
      expect(login.json()).toMatchObject({ error: 'user_not_found' });
      const signup = await page.signup({ phone_number: phone });
      expect(signup.statusCode, signup.body).toBe(200);
      expect(f.sandbox.sms.messages({ to: '+8613512345670' })).toHaveLength(1);
    } finally {
      await f.close();
    }
  }, 120_000);
});
