import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './browser/support/axe.js';
import { useBrowserSuite } from './browser/support/browser-suite.js';
import { chromiumAvailable } from './browser/support/chromium.js';
import { type LoginServer, startLoginServer } from './browser/support/login-server.js';
import { openSignIn, signInWithPassword, waitForAccount } from './browser/support/page-flows.js';

/**
 * The login page's Sign out in Chromium (helper E's harness, read-only): it ends the server's login
 * session, so the next Sign in shows the form (and asks without `prompt=login`), a copy of the old
 * cookie signs nobody in, and the static pages of `/auth/v1/logout` and `/auth/v1/authorize` pass axe.
 */
describe.skipIf(!chromiumAvailable())('Sign out ends the login session, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;

  beforeAll(async () => {
    login = await startLoginServer();
  });
  afterAll(async () => {
    await login?.close();
  });

  it('Sign out POSTs the ID token to /auth/v1/logout; the cookie is dead; Sign in asks again', async () => {
    const profile = await suite.profile();
    const page = await profile.page();
    await openSignIn(page, login.issuer);
    await signInWithPassword(page);
    await waitForAccount(page);
    const session = (await profile.context.cookies(login.issuer)).find((c) => c.name.endsWith('lp_session'));
    expect(session).toBeDefined();

    const logout = page.waitForResponse(
      (response) => response.url().includes('/auth/v1/logout') && response.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    const answer = await logout;
    expect(answer.status()).toBe(200);
    expect(new URL(answer.url()).search).not.toMatch(/token/);
    expect(answer.request().postDataJSON()).toMatchObject({ id_token_hint: expect.any(String) });
    await page.getByText('You are signed out.').waitFor();
    expect((await profile.context.cookies(login.issuer)).some((c) => c.name.endsWith('lp_session'))).toBe(
      false,
    );

    const authorize = page.waitForRequest((request) => request.url().includes('/auth/v1/authorize'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    expect(new URL((await authorize).url()).searchParams.has('prompt')).toBe(false);
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();

    // The old cookie, replayed in another profile, signs nobody in.
    const replay = await suite.profile();
    await replay.context.addCookies([{ ...session! }]);
    const other = await replay.page();
    await openSignIn(other, login.issuer);
    await other.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  });

  it('the static pages (logout refused, authorize refused) pass axe', async () => {
    const page = await (await suite.profile()).page();
    for (const path of ['/auth/v1/logout', '/auth/v1/authorize?client_id=nobody&response_type=code']) {
      const response = await page.goto(`${login.issuer}${path}`);
      expect(response?.status()).toBe(400);
      await page.locator('main h1').waitFor();
      await expectNoAxeViolations(page, path);
    }
  });
});
