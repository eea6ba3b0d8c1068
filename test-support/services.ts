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

const announced = new Set<string>();

/** `describe` that runs only when the service is configured, passing its URL to the body. */
export function describeWithService(
  variable: ServiceVariable,
  name: string,
  body: (url: string) => void,
): void {
  const url = serviceUrl(variable);
  if (url === undefined && !announced.has(variable)) {
    announced.add(variable);
    console.warn(`[lingpai] ${variable} is not set: skipping the suites that need it (e.g. "${name}").`);
  }
  describe.skipIf(url === undefined)(name, () => body(url ?? ''));
}

export const describeWithRedis = (name: string, body: (url: string) => void): void =>
  describeWithService('REDIS_URL', name, body);

export const describeWithPostgres = (name: string, body: (url: string) => void): void =>
  describeWithService('DATABASE_URL', name, body);
