import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './support/axe.js';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, PARTNER_CLIENT, startLoginServer } from './support/login-server.js';
import {
  accessClaims,
  openSignIn,
  sendCodeAndRead,
  signInWithPassword,
  waitForAccount,
} from './support/page-flows.js';
import { screenshot } from './support/screenshots.js';

const PARTNER_REDIRECT = PARTNER_CLIENT.redirectUris![0]!;

describe.skipIf(!chromiumAvailable())('sign-up and consent, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;

  beforeAll(async () => {
    login = await startLoginServer();
  });
  afterAll(async () => {
    await login?.close();
  });

  it('sign-up from the link: SMS code, optional username and password, then signed in; the password works', async () => {
    const phone = '+86 13900139001';
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create account' }).waitFor();
    await page.getByRole('tab', { name: 'SMS code' }).click();
    await page.getByLabel('Phone number').fill('13900139001');
    const code = await sendCodeAndRead(page, login, { phone });
    await page.getByLabel('Verification code').fill(code);
    await page.getByLabel('Username (optional)').fill('lisi');
    await page.getByLabel('Password (optional)').fill('LiSi-pass-2026!');
    await expectNoAxeViolations(page, 'sign up');
    await screenshot(page, 'sign-up-desktop-en');
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForAccount(page);
    const sub = (await accessClaims(page)).sub;
    await page.getByText('lisi', { exact: true }).waitFor();

    // The new account signs in with the password it chose, in another browser.
    const again = await (await suite.profile()).page();
    await openSignIn(again, login.issuer);
    await signInWithPassword(again, { username: 'lisi', password: 'LiSi-pass-2026!' });
    await waitForAccount(again);
    expect((await accessClaims(again)).sub).toBe(sub);
  });

  it('a code sign-in for an unknown address offers the sign-up, which needs no second code', async () => {
    const email = 'wangwu@lingpai.test';
    const page = await (await suite.profile()).page();
    await openSignIn(page, login.issuer);
    await page.getByRole('tab', { name: 'Email code' }).click();
    await page.getByLabel('Email').fill(email);
    const code = await sendCodeAndRead(page, login, { email });
    await page.getByLabel('Verification code').fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText(`No account uses ${email} yet`).waitFor();
    const mailsBefore = login.smtp.messages.length;
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create account' }).waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForAccount(page);
    await page.getByText(email).first().waitFor();
    expect(login.smtp.messages.length).toBe(mailsBefore);
  });

  it('consent approved: a third-party app gets a code for exactly the scopes shown', async () => {
    const profile = await suite.profile();
    const page = await profile.page();
    const callbacks = await catchPartnerCallbacks(page);
    const pkce = newPkce();
    await page.goto(partnerAuthorizeUrl(login.issuer, 'state-allow', pkce.challenge));
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await signInWithPassword(page);
    await page.getByRole('heading', { name: 'Authorize Partner Notes' }).waitFor();
    expect(await page.getByRole('listitem').count()).toBeGreaterThan(0);
    await expectNoAxeViolations(page, 'consent');
    await screenshot(page, 'consent-desktop-en');
    await page.getByRole('button', { name: 'Allow' }).click();
    const callback = await callbacks.next();
    expect(callback.searchParams.get('state')).toBe('state-allow');
    expect(callback.searchParams.get('iss')).toBe(login.issuer);
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();

    // The code is real: the partner's back end exchanges it with its verifier.
    const exchange = await fetch(`${login.issuer}/auth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: PARTNER_CLIENT.id,
        code,
        redirect_uri: PARTNER_REDIRECT,
        code_verifier: pkce.verifier,
      }),
    });
    const tokens = (await exchange.json()) as { access_token?: string; scope?: string };
    expect(exchange.status).toBe(200);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.scope?.split(' ').sort()).toEqual(['openid', 'profile']);
  });

  it('consent denied: the app gets access_denied with its state, and no code', async () => {
    const page = await (await suite.profile()).page();
    const callbacks = await catchPartnerCallbacks(page);
    // A scope the user has not granted yet (the approval above is remembered): consent again.
    await page.goto(
      partnerAuthorizeUrl(login.issuer, 'state-deny', newPkce().challenge, 'openid profile user'),
    );
    await signInWithPassword(page);
    await page.getByRole('heading', { name: 'Authorize Partner Notes' }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).click();
    const callback = await callbacks.next();
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('state-deny');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it("an unknown client gets the server's own error page (no redirect), clean under its CSP and for axe", async () => {
    const page = await (await suite.profile()).page();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'no-such-app',
      redirect_uri: 'http://127.0.0.1:7999/elsewhere',
      state: 's',
    });
    const response = await page.goto(`${login.issuer}/auth/v1/authorize?${query}`);
    expect(response?.status()).toBe(400);
    expect(new URL(page.url()).origin).toBe(login.issuer);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expectNoAxeViolations(page, 'authorize error page');
  });
});

function newPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function partnerAuthorizeUrl(
  issuer: string,
  state: string,
  challenge: string,
  scope = 'openid profile',
): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: PARTNER_CLIENT.id,
    redirect_uri: PARTNER_REDIRECT,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${issuer}/auth/v1/authorize?${query}`;
}

/** The partner's callback page, answered inside the browser (nothing listens on its port). */
async function catchPartnerCallbacks(page: Page): Promise<{ next(): Promise<URL> }> {
  const seen: URL[] = [];
  let wake: (() => void) | undefined;
  await page.route(`${PARTNER_REDIRECT}**`, async (route) => {
    seen.push(new URL(route.request().url()));
    wake?.();
    await route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>Partner</title><p>partner callback</p>',
    });
  });
  return {
    async next() {
      if (seen.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the partner callback was never reached')), 10_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return seen.shift()!;
    },
  };
}
