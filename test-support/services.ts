import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';

type ServiceVariable = 'REDIS_URL' | 'DATABASE_URL';

/**
 * The URL of a real service for integration tests. Locally, a missing variable skips the suite with
 * one clear line; in CI (CI=true) it is an error, because those suites must run there.
 */
export function serviceUrl(variable: ServiceVariable): string | undefined {
  const url = process.env[variable];
  if (url !== undefined && url !== '') return url;
  if (process.env.CI === 'true') {
    throw new Error(`${variable} is not set, but CI must run the suites that need it (.ci/run sets it).`);
  }
  return undefined;
}

/**
 * Prints the "skipped" line once per test run rather than once per file: test files run in separate
 * workers, so the guard is a marker file named after the run's main process.
 */
function announceOnce(variable: ServiceVariable): void {
  const marker = join(tmpdir(), `lingpai-skip-${process.ppid}-${variable}`);
  try {
    closeSync(openSync(marker, 'wx'));
  } catch {
    return; // another file of this run already said it
  }
  console.warn(`[lingpai] ${variable} is not set: the suites that need it are skipped.`);
}

/**
 * `describe` that runs only when the service is configured, passing its URL to the body. Without
 * it the body is not even collected: it may use the URL at collection time.
 */
export function describeWithService(
  variable: ServiceVariable,
  name: string,
  body: (url: string) => void,
): void {
  const url = serviceUrl(variable);
  if (url === undefined) announceOnce(variable);
  describe.skipIf(url === undefined)(name, url === undefined ? () => {} : () => body(url));
}

export const describeWithRedis = (name: string, body: (url: string) => void): void =>
  describeWithService('REDIS_URL', name, body);

export const describeWithPostgres = (name: string, body: (url: string) => void): void =>
  describeWithService('DATABASE_URL', name, body);
