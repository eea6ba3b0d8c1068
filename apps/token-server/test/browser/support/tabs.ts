import type { BrowserContext, Page } from 'playwright-core';
import type { Profile } from './browser-suite.js';
import { openSignIn, signInWithPassword, waitForAccount } from './page-flows.js';

/** The page's own client's stored session (auth-client's `lingpai:<clientId>` key). */
const STORAGE_KEY = 'lingpai:lingpai-login';

/** Signs in in the first tab, then opens the others on /login/account: one session shared by all. */
export async function signedInTabs(profile: Profile, issuer: string, count: number): Promise<Page[]> {
  const first = await profile.page();
  await openSignIn(first, issuer);
  await signInWithPassword(first);
  await waitForAccount(first);
  const tabs = [first];
  for (let index = 1; index < count; index++) {
    const tab = await profile.page();
    await tab.goto(`${issuer}/login/account`);
    await waitForAccount(tab);
    tabs.push(tab);
  }
  return tabs;
}

export async function claimsText(page: Page): Promise<string> {
  return (await page.getByTestId('access-token-claims').textContent()) ?? '';
}

/**
 * Waits (bounded) until the claims a tab shows differ from `before`: it refreshed, or adopted
 * another tab's refresh. Polled inside the page, so it needs no sleep in the test.
 */
export async function waitForNewClaims(page: Page, before: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    (previous) => {
      const text = document.querySelector('[data-testid="access-token-claims"]')?.textContent ?? '';
      return text !== '' && text !== previous;
    },
    before,
    { timeout: timeoutMs, polling: 100 },
  );
}

/** The access token the profile's tabs share, read from their localStorage. */
export async function storedAccessToken(page: Page): Promise<string> {
  const raw = await page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);
  const token = (JSON.parse(raw ?? 'null') as { access_token?: string } | null)?.access_token;
  if (!token) throw new Error(`no session in localStorage[${STORAGE_KEY}]: ${raw}`);
  return token;
}

/** The session is alive on the server: its newest access token still opens `/auth/v1/user/me`. */
export async function serverAccepts(issuer: string, accessToken: string): Promise<number> {
  const answer = await fetch(`${issuer}/auth/v1/user/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await answer.body?.cancel();
  return answer.status;
}

/**
 * Freezes a tab: nothing of it runs any more — no timer, no message, no fetch callback — while its
 * Web Lock stays held, as in a tab Chromium froze in the background. `Page.setWebLifecycleState
 * {state: 'frozen'}` is sent first, but headless Chromium keeps every page visible and does not
 * freeze a visible one (checked on Debian's 156: timers and BroadcastChannel kept running), so the
 * tab's main thread is also stopped with the debugger, which is the same thing seen from the
 * other tabs. A frozen tab cannot be read any more; close it (the profile closes it).
 */
export async function freeze(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
}
