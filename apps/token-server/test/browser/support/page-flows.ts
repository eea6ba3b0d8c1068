import type { Page, Response } from 'playwright-core';
import { type LoginServer, USER } from './login-server.js';

/** The page's own app: `/login` → PKCE authorize → `/login?interaction=…` with the sign-in form. */
export async function openSignIn(page: Page, issuer: string): Promise<void> {
  await page.goto(`${issuer}/login`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
}

export async function signInWithPassword(
  page: Page,
  user: { username: string; password: string } = USER,
): Promise<void> {
  await page.getByRole('tab', { name: 'Password' }).click();
  await page.getByLabel('Username, phone or email').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signed in: the account page of the page's own app, after the code exchange. */
export async function waitForAccount(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Your account' }).waitFor({ timeout: 15_000 });
  await page.waitForURL((url) => url.pathname === '/login/account');
}

export interface AccessClaims {
  sub: string;
  iat: number;
  exp: number;
  jti?: string;
  [claim: string]: unknown;
}

/** The decoded access token the account page shows (`loginPage.showTokens`). */
export async function accessClaims(page: Page): Promise<AccessClaims> {
  const text = await page.getByTestId('access-token-claims').textContent();
  return JSON.parse(text ?? 'null') as AccessClaims;
}

/**
 * Whether a response is a code send: the interaction's (`POST /auth/v1/interaction/:id/verification`)
 * or CloudBase's own (`POST /auth/v1/verification`, the forgot-password page's).
 */
function isCodeSend(response: Response): boolean {
  return (
    response.request().method() === 'POST' &&
    /\/auth\/v1\/(?:interaction\/[^/]+\/)?verification$/.test(new URL(response.url()).pathname)
  );
}

/**
 * Presses "Send code" and reads the code the person received: from the sandbox's SMS inbox or the
 * SMTP server's mailbox, once the server's background delivery settled (no polling).
 */
export async function sendCodeAndRead(
  page: Page,
  login: LoginServer,
  to: { phone: string } | { email: string },
): Promise<string> {
  const sent = page.waitForResponse(isCodeSend);
  await page.getByRole('button', { name: 'Send code' }).click();
  const response = await sent;
  if (response.status() !== 200) throw new Error(`send code: ${response.status()} ${await response.text()}`);
  const code = 'phone' in to ? await login.lastSmsCode(to.phone) : await login.lastEmailCode(to.email);
  if (code === undefined) throw new Error(`no code reached ${JSON.stringify(to)}`);
  return code;
}
