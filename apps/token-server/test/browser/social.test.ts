import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './support/axe.js';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, startLoginServer } from './support/login-server.js';
import { accessClaims, openSignIn, waitForAccount } from './support/page-flows.js';
import { screenshot } from './support/screenshots.js';

/** The WeChat app's in-app browser on a phone: what makes the page pick the official-account flow. */
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322b) NetType/WIFI Language/en';

describe.skipIf(!chromiumAvailable())('social sign-in through the sandbox, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;
  let aliceByQr: string;

  beforeAll(async () => {
    login = await startLoginServer();
  });
  afterAll(async () => {
    await login?.close();
  });

  it('WeChat on a desktop: the QR page in the frame, approved there, navigates the top window and signs in', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('button', { name: 'Continue with WeChat' }).click();
    await page.getByRole('heading', { name: 'Scan with WeChat' }).waitFor();
    const frameElement = page.getByTitle('WeChat sign-in QR code');
    const src = new URL((await frameElement.getAttribute('src')) ?? '');
    expect(src.origin).toBe(new URL(login.sandboxUrl).origin);
    expect(src.pathname).toBe('/wechat/connect/qrconnect');
    expect(src.searchParams.get('login_type')).toBe('jssdk');
    const frame = page.frameLocator('iframe[title="WeChat sign-in QR code"]');
    await frame.getByRole('button', { name: 'Allow' }).waitFor();
    await expectNoAxeViolations(page, 'sign in with the WeChat QR frame');
    await screenshot(page, 'wechat-qr-desktop-en');
    await frame.getByLabel(/Alice Zhang/).check();
    await frame.getByRole('button', { name: 'Allow' }).click();
    await waitForAccount(page);
    aliceByQr = (await accessClaims(page)).sub;
    expect(aliceByQr).toMatch(/^\d+$/);
    // The platform's nickname became the new account's name.
    await page.getByText('爱丽丝').first().waitFor();
  });

  it('WeChat inside WeChat: the official-account page, full page, the same person the same account', async () => {
    const page = await (await suite.profile({ phone: true, userAgent: WECHAT_UA })).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('button', { name: 'Continue with WeChat' }).click();
    await page.waitForURL((url) => url.pathname === '/wechat/connect/oauth2/authorize');
    await page.getByLabel(/Alice Zhang/).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForAccount(page);
    // One unionid across the website app and the official account: one account.
    expect((await accessClaims(page)).sub).toBe(aliceByQr);
  });

  it('GitHub: its authorize page, then signed in; a denial comes back as an alert', async () => {
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('button', { name: 'Continue with GitHub' }).click();
    await page.waitForURL((url) => url.pathname === '/github/login/oauth/authorize');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await page.getByRole('alert').waitFor();
    expect(new URL(page.url()).searchParams.get('error')).toBeTruthy();
    await expectNoAxeViolations(page, 'sign in after a refused platform login');

    await page.getByRole('button', { name: 'Continue with GitHub' }).click();
    await page.waitForURL((url) => url.pathname === '/github/login/oauth/authorize');
    await page.getByLabel(/Bob Li/).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForAccount(page);
    const sub = (await accessClaims(page)).sub;
    expect(sub).toMatch(/^\d+$/);
    expect(sub).not.toBe(aliceByQr);
  });
});
