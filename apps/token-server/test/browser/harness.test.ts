import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from './support/axe.js';
import { useBrowserSuite } from './support/browser-suite.js';
import { chromiumAvailable } from './support/chromium.js';
import { type LoginServer, startLoginServer } from './support/login-server.js';

/**
 * The harness checks itself against the real server's CSP: a page the server serves with an
 * inline script, an inline style and an unlabelled field must trip the CSP watcher and axe, and a
 * clean page must trip neither — so neither check passes by seeing nothing.
 */
describe.skipIf(!chromiumAvailable())('browser harness', () => {
  const suite = useBrowserSuite();
  let root: string;
  let login: LoginServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lingpai-harness-page-'));
    writeFileSync(
      join(root, 'index.html'),
      [
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harness</title>',
        '<script type="module" src="/login/assets/clean.js"></script></head>',
        '<body><main><h1>Harness</h1><p>clean</p></main></body></html>',
      ].join(''),
    );
    login = await startLoginServer({ loginPage: { root } });
  });
  afterAll(async () => {
    await login?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a clean page served under the CSP passes the watcher and axe', async () => {
    const profile = await suite.profile();
    const page = await profile.page();
    const response = await page.goto(`${login.issuer}/login`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expectNoAxeViolations(page);
    expect(profile.csp.violations).toEqual([]);
  });

  it('an inline script and an inline style are caught by the event listener, and axe reports an unlabelled field', async () => {
    const profile = await suite.profile();
    const page = await profile.page();
    // The server's CSP on a page with inline code: what a regression in the page would look like.
    await page.route(`${login.issuer}/login/dirty`, async (route) => {
      const real = await route.fetch({ url: `${login.issuer}/login` });
      await route.fulfill({
        response: real,
        body: '<!doctype html><html lang="en"><head><title>Dirty</title><script>document.title="ran"</script></head><body style="color:red"><main><h1>Dirty</h1><input type="text"></main></body></html>',
      });
    });
    await page.goto(`${login.issuer}/login/dirty`);
    await expect
      .poll(() => profile.csp.violations.map((v) => v.directive ?? v.via))
      .toEqual(expect.arrayContaining(['script-src-elem', 'style-src-attr']));
    expect(await page.title()).toBe('Dirty');
    expect(() => profile.csp.assertNone()).toThrow(/Content-Security-Policy violations/);
    await expect(expectNoAxeViolations(page)).rejects.toThrow(/label/);
    profile.csp.violations.length = 0; // seen and asserted: the suite's after-check would fail the test
  });

  it("another site framing the page is refused (frame-ancestors 'none'): the frame shows Chromium's error page", async () => {
    const profile = await suite.profile();
    const page = await profile.page();
    // A site of another origin (answered inside the browser: nothing listens there).
    await page.route('http://127.0.0.1:7999/frame', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><title>Evil</title><iframe title="login" src="${login.issuer}/login"></iframe>`,
      }),
    );
    await page.goto('http://127.0.0.1:7999/frame');
    // Chromium 156 reports this refusal to nobody (no event, no console message in the embedding
    // page): what shows it is the frame, left on the browser's error page instead of the login page.
    await expect
      .poll(() => page.frames().map((frame) => frame.url()))
      .toContain('chrome-error://chromewebdata/');
    expect(page.frames().some((frame) => frame.url().startsWith(`${login.issuer}/login`))).toBe(false);
  });
});
