import { AuthClient, memoryStorage } from '@lingpai/auth-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './support/axe.js';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, startLoginServer, TV_CLIENT, USER } from './support/login-server.js';
import { signInWithPassword } from './support/page-flows.js';
import { screenshot } from './support/screenshots.js';

/**
 * The device flow end to end: a CLI in this process (`@lingpai/auth-client`'s poller, on Node's
 * fetch) starts a login and waits, while a person approves it in Chromium on a phone.
 */
describe.skipIf(!chromiumAvailable())('device flow from a CLI poller to the page, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;
  let sub: string;

  const cli = () =>
    new AuthClient({
      issuer: login.issuer,
      clientId: TV_CLIENT.id,
      storage: memoryStorage(),
      autoRefresh: false,
    });

  beforeAll(async () => {
    // One-second polls: the poller honours the server's interval, and the test waits on it.
    login = await startLoginServer({ lifetimes: { deviceInterval: 1 } });
    sub = (await login.server.app.lingpai.users.findForPassword(USER.username))!.sub;
  });
  afterAll(async () => {
    await login?.close();
  });

  it('verification_uri_complete on a phone: the code shown, confirmed, signed in; the CLI gets tokens', async () => {
    const client = cli();
    const device = await client.startDeviceLogin({ scope: 'user profile' });
    expect(device.interval).toBe(1);
    const approved = device.wait(AbortSignal.timeout(30_000));
    approved.catch(() => undefined); // awaited below; a rejection before then is not unhandled

    const page = await (await suite.profile({ phone: true })).page();
    await page.goto(device.verification_uri_complete!);
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    expect(await page.getByTestId('device-user-code').textContent()).toContain(device.user_code);
    await page.getByText(TV_CLIENT.name!).first().waitFor();
    await expectNoAxeViolations(page, 'device confirmation');
    await screenshot(page, 'device-confirm-phone-en');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await signInWithPassword(page);
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    await expectNoAxeViolations(page, 'device connected');

    const credentials = await approved;
    const claims = decodeJwt(credentials.access_token);
    expect(claims.sub).toBe(sub);
    expect(claims.client_id).toBe(TV_CLIENT.id);
    expect((await client.getCredentials())?.access_token).toBe(credentials.access_token);
    client.dispose();
  });

  it('the code typed at verification_uri (any case, no dash); Cancel leaves the device pending, a later approval still counts', async () => {
    const client = cli();
    const device = await client.startDeviceLogin();
    const approved = device.wait(AbortSignal.timeout(30_000));
    approved.catch(() => undefined);

    const page = await (await suite.profile()).page();
    await page.goto(device.verification_uri);
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    await expectNoAxeViolations(page, 'device code entry');
    await page.getByLabel('Device code').fill(device.user_code.replace('-', '').toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    // Someone who is not signed in cancels: nothing is connected, and nothing is denied on the
    // account's behalf (the server leaves the request pending for whoever is meant to approve it).
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Device not connected' }).waitFor();
    await expectNoAxeViolations(page, 'device not connected');

    const owner = await (await suite.profile()).page();
    await owner.goto(device.verification_uri_complete!);
    await owner.getByRole('button', { name: 'Confirm' }).click();
    await signInWithPassword(owner);
    await owner.getByRole('heading', { name: 'Device connected' }).waitFor();
    expect(decodeJwt((await approved).access_token).sub).toBe(sub);
    client.dispose();
  });

  it('a wrong code is an alert on the entry page', async () => {
    const page = await (await suite.profile()).page();
    await page.goto(`${login.issuer}/device`);
    await page.getByLabel('Device code').fill('BCDF-GHJK');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong or has expired' }).waitFor();
    await expectNoAxeViolations(page, 'device code entry with an error');
  });
});
