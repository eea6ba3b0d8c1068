import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

/**
 * Debian's chromium (`.ci/run` installs it). Never a downloaded browser: playwright-core only
 * drives the binary it is given. `LINGPAI_CHROMIUM` points elsewhere (another distribution's path).
 */
export const CHROMIUM_PATH = process.env.LINGPAI_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Whether the browser suite runs. Without the binary it is skipped with one line for the whole run
 * (every file of the suite asks; a marker keyed by the vitest process prints it once), except under
 * CI=true, where a missing browser must fail the run rather than pass it silently.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true but ${CHROMIUM_PATH} is missing: the browser suite must run in CI (.ci/run installs Debian's chromium: apt-get install chromium)`,
    );
  }
  try {
    writeFileSync(join(tmpdir(), `lingpai-browser-skip-${process.ppid}`), '', { flag: 'wx' });
    console.warn(
      `[browser suite] skipped: ${CHROMIUM_PATH} not found (apt-get install chromium, or set LINGPAI_CHROMIUM)`,
    );
  } catch {
    // Another file of this run already said it.
  }
  return false;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 20_000 });
}

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** A fresh profile: its own cookies and localStorage, the page's language chosen from `locale`. */
export async function newProfile(
  browser: Browser,
  options: BrowserContextOptions & { phone?: boolean } = {},
): Promise<BrowserContext> {
  const { phone, ...rest } = options;
  const context = await browser.newContext({
    viewport: phone ? PHONE : DESKTOP,
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
    locale: 'en-US',
    ...rest,
  });
  // Bounded everywhere: a missing element fails in seconds, well inside the test's own timeout.
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}
