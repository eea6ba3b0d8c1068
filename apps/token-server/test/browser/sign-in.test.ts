import type { Locator, Page } from 'playwright-core';
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
import { serverAccepts, storedAccessToken } from './support/tabs.js';

describe.skipIf(!chromiumAvailable())('sign in, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;
  let sub: string;

  beforeAll(async () => {
    // One person gets several codes here within a minute (SMS sign-in, then the reset): no resend cooldown.
    login = await startLoginServer({ verification: { cooldownSeconds: 0 } });
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

  it('by keyboard alone: Tab to the fields, arrow keys across the tabs, Enter signs in', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    const passwordTab = page.getByRole('tab', { name: 'Password' });
    await tabTo(page, passwordTab);
    await page.keyboard.press('ArrowRight');
    const smsTab = page.getByRole('tab', { name: 'SMS code' });
    expect(await smsTab.getAttribute('aria-selected')).toBe('true');
    expect(await isFocused(smsTab)).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await passwordTab.getAttribute('aria-selected')).toBe('true');
    await tabTo(page, page.getByLabel('Username, phone or email'));
    await page.keyboard.type(USER.username);
    await page.keyboard.press('Tab');
    expect(await isFocused(page.getByLabel('Password', { exact: true }))).toBe(true);
    await page.keyboard.type(USER.password);
    await page.keyboard.press('Enter');
    await waitForAccount(page);
    expect((await accessClaims(page)).sub).toBe(sub);
  });

  it('language: follows the browser, switches with the Language select, is remembered; desktop and phone', async () => {
    for (const phone of [false, true]) {
      const device = phone ? 'phone' : 'desktop';
      const english = await (await suite.profile({ phone })).page();
      await openSignIn(english, login.issuer);
      await expect.poll(() => english.getAttribute('html', 'lang')).toBe('en');
      if (phone) await screenshot(english, `sign-in-${device}-en`);
      if (phone) await expectNoAxeViolations(english, `sign in (${device}, en)`);
      await english.getByLabel('Language').selectOption('zh-CN');
      await english.getByRole('heading', { name: '登录', exact: true }).waitFor();
      await expect.poll(() => english.getAttribute('html', 'lang')).toBe('zh-CN');
      await english.reload();
      await english.getByRole('heading', { name: '登录', exact: true }).waitFor();

      // A Chinese browser gets Chinese at once, and can switch back.
      const chinese = await (await suite.profile({ phone, locale: 'zh-CN' })).page();
      await chinese.goto(`${login.issuer}/login`);
      await chinese.getByRole('heading', { name: '登录', exact: true }).waitFor();
      await expect.poll(() => chinese.getAttribute('html', 'lang')).toBe('zh-CN');
      await expectNoAxeViolations(chinese, `sign in (${device}, zh-CN)`);
      await screenshot(chinese, `sign-in-${device}-zh-CN`);
      await chinese.getByLabel('语言').selectOption('en');
      await chinese.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await expect.poll(() => chinese.getAttribute('html', 'lang')).toBe('en');
    }
  });

  it('account: another device is listed and signed out from here; then Sign out ends this one', async () => {
    const other = await (await suite.profile()).page();
    await openSignIn(other, login.issuer);
    await signInWithPassword(other);
    await waitForAccount(other);
    const otherToken = await storedAccessToken(other);

    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await signInWithPassword(page);
    await waitForAccount(page);
    await page.getByText('This device', { exact: true }).waitFor();
    const signOutOther = page.getByRole('button', { name: 'Sign out this device' });
    expect(await signOutOther.count()).toBeGreaterThanOrEqual(1);
    expect(await serverAccepts(login.issuer, otherToken)).toBe(200);
    const before = await signOutOther.count();
    await signOutOther.first().click();
    await expect.poll(() => signOutOther.count()).toBeLessThan(before);
    await expect.poll(() => serverAccepts(login.issuer, otherToken)).toBe(401);

    const ownToken = await storedAccessToken(page);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await expectNoAxeViolations(page, 'signed out');
    expect(await serverAccepts(login.issuer, ownToken)).toBe(401);
  });

  // Last: it changes the seeded user's password.
  it('forgot password: an SMS code and a new password; the old one no longer works, the new one does', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Reset password' }).waitFor();
    await page.getByRole('tab', { name: 'SMS code' }).click();
    await page.getByLabel('Phone number').fill(USER.phoneLocal);
    const code = await sendCodeAndRead(page, login, { phone: USER.phone });
    await page.getByLabel('Verification code').fill(code);
    await page.getByLabel('New password').fill('A-new-pass-2026!');
    await expectNoAxeViolations(page, 'reset password');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await signInWithPassword(page);
    await page.getByRole('alert').filter({ hasText: /wrong/i }).waitFor();
    await signInWithPassword(page, { username: USER.username, password: 'A-new-pass-2026!' });
    await waitForAccount(page);
  });
});

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

/** Presses Tab until `locator` has the focus (at most 30 times: a page that traps or skips it fails). */
async function tabTo(page: Page, locator: Locator): Promise<void> {
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press('Tab');
    if (await isFocused(locator)) return;
  }
  throw new Error(`Tab never reached ${locator}`);
}
