import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, startLoginServer } from './support/login-server.js';
import { countRefreshes } from './support/refresh-counter.js';
import {
  claimsText,
  serverAccepts,
  signedInTabs,
  storedAccessToken,
  waitForNewClaims,
} from './support/tabs.js';

/** As multi-tab.test.ts, on real 15 s expiry; here the page runs its AuthClient with `crossTab: false`. */
const ACCESS_TOKEN_SECONDS = 15;
const ROUND_MS = (ACCESS_TOKEN_SECONDS + 8) * 1_000;

describe.skipIf(!chromiumAvailable())('three tabs without cross-tab coordination, in Chromium', () => {
  const suite = useBrowserSuite();
  let login: LoginServer;

  beforeAll(async () => {
    login = await startLoginServer({
      lifetimes: { accessToken: ACCESS_TOKEN_SECONDS },
      loginPage: { crossTab: false },
    });
  });
  afterAll(async () => {
    await login?.close();
  });

  it('every tab refreshes the same token on its own, and the 10 s grace keeps all three signed in, twice over', {
    timeout: 90_000,
  }, async () => {
    const config = (await (await fetch(`${login.issuer}/login/config.json`)).json()) as {
      cross_tab: boolean;
    };
    expect(config.cross_tab).toBe(false);
    const profile = await suite.profile();
    const tabs = await signedInTabs(profile, login.issuer, 3);
    const refreshes = countRefreshes(profile.context);
    for (let round = 0; round < 2; round++) {
      const before = await Promise.all(tabs.map(claimsText));
      await Promise.all(tabs.map((tab, index) => waitForNewClaims(tab, before[index]!, ROUND_MS)));
    }
    refreshes.stop();
    // Nobody coordinates: more than one request per round is expected (the count may exceed one),
    // yet no tab was signed out by reuse detection — the spent parent came back inside the grace.
    expect(refreshes.count, await refreshes.describe(tabs)).toBeGreaterThanOrEqual(2);
    for (const response of await Promise.all(refreshes.requests.map((request) => request.response()))) {
      expect(response?.status()).toBe(200);
    }
    for (const tab of tabs) {
      expect(await tab.getByRole('heading', { name: 'Your account' }).isVisible()).toBe(true);
      expect(await serverAccepts(login.issuer, await storedAccessToken(tab))).toBe(200);
    }
  });
});
