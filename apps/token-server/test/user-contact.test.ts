// PATCH /auth/v1/user/contact and sudo by code, with real codes: SMS through the sandbox, email
// through a real SMTP server. The new address is proven by a code of the change usage sent to
// exactly it; an account that can already prove itself also needs a sudo_token; an address another
// account holds is user_already_exists; nothing of it reaches the logs.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from './support/session-helpers.js';
import { backends } from './support/test-app.js';
import { callUser, issueTokens, sudoByPassword } from './support/user-fixture.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

const PASSWORD = 'Contact-Pass-1';

describe.each(backends())('changing the phone or email (%s)', (_name, backend) => {
  let f: VerificationFixture;
  const lines: string[] = [];
  const secrets: string[] = [PASSWORD];
  let counter = 0;
  const phones: string[] = ['+86 13700137999'];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    f = await startServerWithSandbox(backend, { logger: { level: 'trace', stream } });
  }, 120_000);
  afterAll(async () => f?.close());

  /** A user with a password and a phone, signed in; its own distinct numbers. */
  async function freshUser() {
    counter += 1;
    const username = `contact-${counter}`;
    const phone = `+86 1380013${String(8000 + counter).padStart(4, '0')}`;
    phones.push(phone);
    const user = await f.server.app.lingpai.users.create({
      username,
      password: PASSWORD,
      phoneNumber: phone,
    });
    const tokens = await signIn(f.server, { username, password: PASSWORD, scope: 'user' });
    return { username, phone, sub: user.sub, tokens };
  }
  const newPhone = () => {
    const phone = `+86 1390013${String(9000 + counter).padStart(4, '0')}`;
    phones.push(phone);
    return phone;
  };
  const contact = (token: string, payload: unknown) =>
    callUser(f.server, 'PATCH', '/auth/v1/user/contact', token, payload);
  const me = async (token: string) => (await callUser(f.server, 'GET', '/auth/v1/user/me', token)).body;
  const codeFor = async (request: Parameters<VerificationFixture['verificationToken']>[0]) => {
    const token = await f.verificationToken(request);
    secrets.push(token);
    return token;
  };

  it('changes the phone with a PHONE_NUMBER_CHANGE code to it and a sudo_token; marks it verified', async () => {
    const { sub, tokens } = await freshUser();
    const target = newPhone();
    const verificationToken = await codeFor({ phone_number: target, usage: 'PHONE_NUMBER_CHANGE' });
    // Without a sudo_token the account (it has a password and a phone) is refused — and the code is kept.
    const noSudo = await contact(tokens.access_token, {
      phone_number: target,
      verification_token: verificationToken,
    });
    expect(noSudo.status).toBe(403);
    expect(noSudo.body.error).toBe('sudo_required');
    const sudoToken = await sudoByPassword(f.server, tokens.access_token, PASSWORD);
    secrets.push(sudoToken);
    const changed = await contact(tokens.access_token, {
      phone_number: target.replace(' ', ''), // any spelling of the same number
      verification_token: verificationToken,
      sudo_token: sudoToken,
    });
    expect(changed, JSON.stringify(changed.body)).toEqual({ status: 200, body: {} });
    expect(await me(tokens.access_token)).toMatchObject({
      phone_number: target,
      phone_number_verified: true,
    });
    const again = await contact(tokens.access_token, {
      phone_number: target,
      verification_token: verificationToken,
      sudo_token: await sudoByPassword(f.server, tokens.access_token, PASSWORD),
    });
    expect(again.body.error).toBe('invalid_verification_token');
    const audit = await f.server.db.query<{ detail: Record<string, unknown> }>(
      `SELECT detail FROM audit_events WHERE sub = $1 AND kind = 'contact_changed'`,
      [sub],
    );
    expect(audit.map((row) => row.detail)).toEqual([{ kind: 'phone' }]);
  });

  it('refuses a code for another address, of another usage, or for an address someone holds', async () => {
    const { phone: takenPhone } = await freshUser();
    const { tokens, phone } = await freshUser();
    const target = newPhone();
    const elsewhere = await codeFor({ phone_number: '+86 13700137999', usage: 'PHONE_NUMBER_CHANGE' });
    const wrongAddress = await contact(tokens.access_token, {
      phone_number: target,
      verification_token: elsewhere,
      sudo_token: await sudoByPassword(f.server, tokens.access_token, PASSWORD),
    });
    expect(wrongAddress.body.error).toBe('invalid_verification_token');
    const signInCode = await codeFor({ phone_number: target, usage: 'SIGN_IN' });
    const wrongUsage = await contact(tokens.access_token, {
      phone_number: target,
      verification_token: signInCode,
      sudo_token: await sudoByPassword(f.server, tokens.access_token, PASSWORD),
    });
    expect(wrongUsage.body.error).toBe('invalid_verification_token');
    const taken = await codeFor({ phone_number: takenPhone, usage: 'PHONE_NUMBER_CHANGE' });
    const conflict = await contact(tokens.access_token, {
      phone_number: takenPhone,
      verification_token: taken,
      sudo_token: await sudoByPassword(f.server, tokens.access_token, PASSWORD),
      conflict_resolution: 'FORCE',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe('user_already_exists');
    expect((await me(tokens.access_token)).phone_number).toBe(phone);
    const neither = await contact(tokens.access_token, { verification_token: taken });
    expect(neither.body.error).toBe('invalid_request');
    const badPhone = await contact(tokens.access_token, {
      phone_number: 'not a phone',
      verification_token: taken,
    });
    expect(badPhone.body.error).toBe('invalid_phone_number');
  });

  it('changes the email with an EMAIL_ADDRESS_CHANGE code over real SMTP', async () => {
    const { tokens } = await freshUser();
    const email = `New.Address${counter}@Example.com`;
    secrets.push(email.toLowerCase(), `new.address${counter}`);
    const verificationToken = await codeFor({ email, usage: 'EMAIL_ADDRESS_CHANGE' });
    const sudoToken = await sudoByPassword(f.server, tokens.access_token, PASSWORD);
    const changed = await contact(tokens.access_token, {
      email,
      verification_token: verificationToken,
      sudo_token: sudoToken,
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(await me(tokens.access_token)).toMatchObject({ email: email.toLowerCase(), email_verified: true });
  });

  it('an account with nothing to prove itself with adds a phone by the code alone; anonymous users sign up', async () => {
    counter += 1;
    const bare = await f.server.app.lingpai.users.create({});
    const tokens = await issueTokens(f.server, bare.sub);
    const target = newPhone();
    const verificationToken = await codeFor({ phone_number: target, usage: 'PHONE_NUMBER_CHANGE' });
    const added = await contact(tokens.access_token, {
      phone_number: target,
      verification_token: verificationToken,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect((await me(tokens.access_token)).phone_number).toBe(target);
    const anonymous = await f.server.app.lingpai.users.create({ isAnonymous: true });
    const guest = await issueTokens(f.server, anonymous.sub, { scope: ['anonymous'] });
    const refused = await contact(guest.access_token, {
      phone_number: target,
      verification_token: verificationToken,
    });
    expect(refused.body.error).toBe('failed_precondition');
  });

  it('sudo by a SUDO code sent to the account’s own phone; a code to another number is refused', async () => {
    const { tokens, phone } = await freshUser();
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    const own = await codeFor({ phone_number: phone, usage: 'SUDO', target: 'CUR_USER', headers: bearer });
    const sudo = await callUser(f.server, 'POST', '/auth/v1/user/sudo', tokens.access_token, {
      verification_token: own,
    });
    expect(sudo.status, JSON.stringify(sudo.body)).toBe(200);
    secrets.push(sudo.body.sudo_token as string);
    const changed = await callUser(f.server, 'PATCH', '/auth/v1/user/password', tokens.access_token, {
      sudo_token: sudo.body.sudo_token,
      new_password: 'After-Code-123',
    });
    expect(changed.status).toBe(200);
    const other = await codeFor({ phone_number: newPhone(), usage: 'SUDO' });
    const refused = await callUser(f.server, 'POST', '/auth/v1/user/sudo', tokens.access_token, {
      verification_token: other,
    });
    expect(refused.body.error).toBe('invalid_verification_token');
    f.server.clock.advance(61_000); // past the resend cooldown of this number
    const signInCode = await codeFor({ phone_number: phone, usage: 'SIGN_IN' });
    const wrongUsage = await callUser(f.server, 'POST', '/auth/v1/user/sudo', tokens.access_token, {
      verification_token: signInCode,
    });
    expect(wrongUsage.body.error).toBe('invalid_verification_token');
  });

  it('logs no phone number, email, password, code or token', async () => {
    expect(lines.length).toBeGreaterThan(10);
    const text = lines.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const phone of phones) expect(text).not.toContain(phone.slice(-11)); // national digits
    expect(text).not.toMatch(/lpsudo\./);
    expect(text.toLowerCase()).not.toContain('example.com');
  });
});
