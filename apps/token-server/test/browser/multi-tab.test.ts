import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, startLoginServer } from './support/login-server.js';
import { countRefreshes, isRefreshRequest } from './support/refresh-counter.js';
import {
  claimsText,
  freeze,
  serverAccepts,
  signedInTabs,
  storedAccessToken,
  waitForNewClaims,
} from './support/tabs.js';

/**
 * Seamless refresh across tabs, on real expiry: access tokens live 15 s, so the page's client
 * refreshes 7.5 s after each issue (half the lifetime, its margin being 60 s). The waits below are
 * that expiry — the point of these tests — bounded by one lifetime plus the losers' 4 s wait.
 */
const ACCESS_TOKEN_SECONDS = 15;
const ROUND_MS = (ACCESS_TOKEN_SECONDS + 8) * 1_000;

describe.skipIf(!chromiumAvailable())('three tabs, one refresh, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;

  beforeAll(async () => {
    login = await startLoginServer({ lifetimes: { accessToken: ACCESS_TOKEN_SECONDS } });
  });
  afterAll(async () => {
    await login?.close();
  });

  it('tokens that expire together: exactly one refresh request, and all three tabs show the new token', {
    timeout: 60_000,
  }, async () => {
    const profile = await suite.profile();
    const tabs = await signedInTabs(profile, login.issuer, 3);
    const refreshes = countRefreshes(profile.context);
    const before = await Promise.all(tabs.map(claimsText));
    expect(new Set(before).size).toBe(1);
    await Promise.all(tabs.map((tab, index) => waitForNewClaims(tab, before[index]!, ROUND_MS)));
    refreshes.stop();
    // Every tab has taken the new token: one refreshed, the others adopted it — no tab refreshed on
    // its own (it would have done so before its claims changed, so it would be counted).
    expect(refreshes.count, await refreshes.describe(tabs)).toBe(1);
    const after = await Promise.all(tabs.map(claimsText));
    expect(new Set(after).size).toBe(1);
    expect(await serverAccepts(login.issuer, await storedAccessToken(tabs[2]!))).toBe(200);
    for (const tab of tabs)
      expect(await tab.getByRole('heading', { name: 'Your account' }).isVisible()).toBe(true);
  });

  it('the refreshing tab frozen mid-refresh (its request sent, never answered to it) blocks neither other tab', {
    timeout: 60_000,
  }, async () => {
    const profile = await suite.profile();
    const tabs = await signedInTabs(profile, login.issuer, 3);
    const before = await Promise.all(tabs.map(claimsText));
    const refreshes = countRefreshes(profile.context);
    const stalled = await holdFirstRefresh(profile.context, async (route, page) => {
      // The server rotates (the request really went out), then the tab freezes before it can store
      // or broadcast the answer: the others hold a refresh token that is already spent.
      const answer = await route.fetch();
      await freeze(profile.context, page);
      await route.fulfill({ response: answer });
    });
    const frozen = await stalled.page;
    const others = tabs.filter((tab) => tab !== frozen);
    expect(others).toHaveLength(2);
    await Promise.all(others.map((tab) => waitForNewClaims(tab, before[tabs.indexOf(tab)]!, ROUND_MS)));
    refreshes.stop();
    // The frozen tab told nobody: the others stopped waiting for it (a bounded wait, never a lock
    // wait) and refreshed themselves — so more than its one request.
    expect(refreshes.count).toBeGreaterThanOrEqual(2);
    // The spent parent came back inside the 10 s grace: the current child, not a dead session.
    expect(await serverAccepts(login.issuer, await storedAccessToken(others[0]!))).toBe(200);
    for (const tab of others) expect(await tab.getByText('You are signed out.').count()).toBe(0);
  });

  it('the refreshing tab closed mid-refresh blocks neither other tab', { timeout: 60_000 }, async () => {
    const profile = await suite.profile();
    const tabs = await signedInTabs(profile, login.issuer, 3);
    const before = await Promise.all(tabs.map(claimsText));
    const refreshes = countRefreshes(profile.context);
    const stalled = await holdFirstRefresh(profile.context, async (route, page) => {
      // The server rotates, and the tab is gone before the answer reaches it.
      await route.fetch().catch(() => undefined);
      await page.close({ runBeforeUnload: false });
    });
    const closed = await stalled.page;
    const others = tabs.filter((tab) => tab !== closed);
    await Promise.all(others.map((tab) => waitForNewClaims(tab, before[tabs.indexOf(tab)]!, ROUND_MS)));
    refreshes.stop();
    expect(closed.isClosed()).toBe(true);
    expect(refreshes.count).toBeGreaterThanOrEqual(2);
    expect(await serverAccepts(login.issuer, await storedAccessToken(others[0]!))).toBe(200);
    for (const tab of others) expect(await tab.getByText('You are signed out.').count()).toBe(0);
  });
});

/**
 * Routes the profile's token requests; the first refresh goes to `stall` with the tab that sent it,
 * every other request goes through untouched.
 */
async function holdFirstRefresh(
  context: BrowserContext,
  stall: (route: Route, page: Page) => Promise<void>,
): Promise<{ page: Promise<Page> }> {
  let taken = false;
  let resolvePage: (page: Page) => void = () => undefined;
  const page = new Promise<Page>((resolve) => {
    resolvePage = resolve;
  });
  await context.route(
    (url) => url.pathname === '/auth/v1/token',
    async (intercepted) => {
      const request = intercepted.request();
      if (taken || !isRefreshRequest(request)) return intercepted.continue();
      taken = true;
      const tab = request.frame().page();
      resolvePage(tab);
      await stall(intercepted, tab);
    },
  );
  return { page };
}
