import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchChromium, newProfile } from './chromium.js';
import { type CspWatch, watchCsp } from './csp-watch.js';

const FAILURES = fileURLToPath(new URL('../../../test-artifacts/failures/', import.meta.url));

export interface Profile {
  context: BrowserContext;
  csp: CspWatch;
  /** Uncaught errors and console errors of its pages, printed when the test fails. */
  errors: string[];
  /** A new tab in this profile. */
  page(): Promise<Page>;
}

export interface BrowserSuite {
  readonly browser: Browser;
  /** A fresh profile for this test, CSP-watched; closed (and checked) after the test. */
  profile(options?: BrowserContextOptions & { phone?: boolean }): Promise<Profile>;
}

/**
 * One Chromium per file (launched in `beforeAll`, closed in `afterAll`), a fresh profile per use.
 * After each test every profile it opened must have seen no CSP violation — any one fails the
 * test — and is closed; a failed test leaves a screenshot of each open tab in
 * test-artifacts/failures/.
 */
export function useBrowserSuite(): BrowserSuite {
  let browser: Browser | undefined;
  const open: Profile[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async (context) => {
    const profiles = open.splice(0);
    try {
      if (context.task.result?.state === 'fail') {
        mkdirSync(FAILURES, { recursive: true });
        const errors = profiles.flatMap((profile) => profile.errors);
        if (errors.length > 0)
          console.error(`[browser] page errors in "${context.task.name}":\n${errors.join('\n')}`);
        const name = context.task.name.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 80);
        let index = 0;
        for (const profile of profiles) {
          for (const page of profile.context.pages()) {
            await page
              .screenshot({ path: `${FAILURES}${name}-${index++}.png`, fullPage: true, timeout: 3_000 })
              .catch(() => undefined);
          }
        }
      }
      for (const profile of profiles) profile.csp.assertNone();
    } finally {
      await Promise.all(profiles.map((profile) => profile.context.close().catch(() => undefined)));
    }
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is launched in beforeAll');
      return browser;
    },
    async profile(options = {}) {
      if (!browser) throw new Error('the browser is launched in beforeAll');
      const context = await newProfile(browser, options);
      const csp = await watchCsp(context);
      const errors: string[] = [];
      context.on('weberror', (error) => errors.push(`pageerror: ${error.error().message}`));
      context.on('console', (message) => {
        if (message.type() === 'error')
          errors.push(`console: ${message.text()} (${message.page()?.url() ?? ''})`);
      });
      const profile: Profile = { context, csp, errors, page: () => context.newPage() };
      open.push(profile);
      return profile;
    },
  };
}
