import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const SCREENSHOTS = `${ARTIFACTS}screenshots/`;
/** The app README's pictures: refreshed only on request (LINGPAI_UPDATE_SCREENSHOTS=1), then committed. */
const DOCS = fileURLToPath(new URL('../../../../login-page/docs/screenshots/', import.meta.url));

let prepared = false;
function prepare(): void {
  if (prepared) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The folder ignores itself: test output never shows up in `git status`.
  writeFileSync(`${ARTIFACTS}.gitignore`, '*\n');
  if (process.env.LINGPAI_UPDATE_SCREENSHOTS === '1') mkdirSync(DOCS, { recursive: true });
  prepared = true;
}

/** `name` like `sign-in-desktop-en`: written as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  prepare();
  // Caret and transitions off: the same page gives the same picture.
  const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
  writeFileSync(`${SCREENSHOTS}${name}.png`, png);
  if (process.env.LINGPAI_UPDATE_SCREENSHOTS === '1') writeFileSync(`${DOCS}${name}.png`, png);
}
