import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './support/axe.js';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, startLoginServer, USER } from './support/login-server.js';
import {
  accessClaims,
  openSignIn,
  sendCodeAndRead,
  signInWithPassword,
  waitForAccount,
} from './support/page-flows.js';
import { screenshot } from './support/screenshots.js';

describe.skipIf(!chromiumAvailable())('sign in, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;
  let sub: string;

  beforeAll(async () => {
    login = await startLoginServer();
    const user = await login.server.app.lingpai.users.findForPassword(USER.username);
    sub = user!.sub;
  });
  afterAll(async () => {
    await login?.close();
  });

  it('password: the sign-in page, then the account page with the decoded token', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await expectNoAxeViolations(page, 'sign in (password)');
    await screenshot(page, 'sign-in-desktop-en');
    await signInWithPassword(page);
    await waitForAccount(page);
    expect((await accessClaims(page)).sub).toBe(sub);
    await expectNoAxeViolations(page, 'account');
    await screenshot(page, 'account-desktop-en');
  });

  it('a wrong password is announced in role="alert" and the form stays', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await signInWithPassword(page, { username: USER.username, password: 'not-the-password' });
    await page.getByRole('alert').filter({ hasText: /wrong/i }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await expectNoAxeViolations(page, 'sign in with an error');
  });

  it('SMS code: the code from the sandbox inbox signs in', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('tab', { name: 'SMS code' }).click();
    await page.getByLabel('Phone number').fill(USER.phoneLocal);
    const code = await sendCodeAndRead(page, login, { phone: USER.phone });
    await expectNoAxeViolations(page, 'sign in (SMS code sent)');
    await page.getByLabel('Verification code').fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForAccount(page);
    const claims = await accessClaims(page);
    expect(claims.sub).toBe(sub);
  });

  it('email code: the code from the SMTP mailbox signs in', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('tab', { name: 'Email code' }).click();
    await page.getByLabel('Email').fill(USER.email);
    const code = await sendCodeAndRead(page, login, { email: USER.email });
    await page.getByLabel('Verification code').fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForAccount(page);
    expect((await accessClaims(page)).sub).toBe(sub);
  });
});
