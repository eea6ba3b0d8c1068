// Configuration mistakes a new user makes (REDIS_URL unset, an http:// URL pasted, both `url` and
// `client`) fail at construction with REDIS_CONFIG_ERROR naming the option; before, `url: undefined`
// was a TypeError and an unset REDIS_URL silently meant localhost. And a store pointed at a closed
// port says "cannot connect to redis://… (ECONNREFUSED)", not ioredis's "max retries per request".
import { isLingpaiError } from '@lingpai/auth-core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import {
  createRedisClient,
  RedisCommandRunner,
  RedisConfigError,
  RedisOtpStore,
  RedisStore,
} from '../src/index.js';

function thrown(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('store options are checked at construction', () => {
  for (const [name, Store] of [
    ['RedisStore', RedisStore],
    ['RedisOtpStore', RedisOtpStore],
  ] as const) {
    it(`${name}: an unset REDIS_URL (url: undefined) names the variable, not a TypeError`, () => {
      const error = thrown(() => new Store({ url: process.env.LINGPAI_TEST_UNSET_VARIABLE }));
      expect(error).toBeInstanceOf(RedisConfigError);
      expect(isLingpaiError(error, 'REDIS_CONFIG_ERROR')).toBe(true);
      expect((error as Error).message).toBe(`${name}: \`url\` is undefined — is REDIS_URL set?`);
    });

    it(`${name}: an empty url, a non-redis scheme and a non-URL are refused without echoing the URL`, () => {
      expect((thrown(() => new Store({ url: '' })) as Error).message).toContain('is REDIS_URL set?');
      const http = thrown(() => new Store({ url: 'http://user:hunter2@cache.internal:6379' })) as Error;
      expect(http).toBeInstanceOf(RedisConfigError);
      expect(http.message).toContain('"http:"');
      expect(http.message).toContain('redis://');
      expect(http.message).not.toContain('hunter2');
      const bare = thrown(() => new Store({ url: 'localhost:6379:hunter2' })) as Error;
      expect(bare).toBeInstanceOf(RedisConfigError);
      expect(bare.message).not.toContain('hunter2');
    });

    it(`${name}: no options, no url/client, both, or a non-client are refused by name`, () => {
      const noOptions = thrown(() => new Store(undefined as never)) as Error;
      expect(noOptions).toBeInstanceOf(RedisConfigError);
      expect(noOptions.message).toContain('needs options');
      expect((thrown(() => new Store({})) as Error).message).toContain('pass `url`');
      const client = new Redis({ lazyConnect: true });
      expect((thrown(() => new Store({ client, url: 'redis://127.0.0.1:6379' })) as Error).message).toContain(
        'not both',
      );
      client.disconnect();
      expect((thrown(() => new Store({ client: {} as never })) as Error).message).toContain('ioredis');
    });
  }

  it('createRedisClient refuses a non-redis URL too, and the runner a bad timeout', () => {
    expect(thrown(() => createRedisClient('https://example.com'))).toBeInstanceOf(RedisConfigError);
    const client = new Redis({ lazyConnect: true });
    expect(thrown(() => new RedisCommandRunner(client, { timeoutMs: 0 }))).toBeInstanceOf(RedisConfigError);
    client.disconnect();
  });
});

describe('an unreachable Redis says why', () => {
  it('a refused connection reads "cannot connect to redis://127.0.0.1:<port> (ECONNREFUSED)" (regression: "max retries per request")', async () => {
    const port = await closedPort();
    const store = new RedisStore({
      url: `redis://127.0.0.1:${port}`,
      clientOptions: { commandTimeoutMs: 500, connectTimeoutMs: 500 },
    });
    try {
      const error = (await store.get('k').catch((caught: unknown) => caught)) as Error;
      expect(isLingpaiError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect(error.message).toBe(
        `Redis GET failed: cannot connect to redis://127.0.0.1:${port} (ECONNREFUSED)`,
      );
    } finally {
      await store.close();
    }
  });

  it('a client passed in (not listened to) still names the endpoint', async () => {
    const port = await closedPort();
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: false });
    client.on('error', () => undefined);
    const store = new RedisStore({ client, timeoutMs: 1_000 });
    try {
      const error = (await store.get('k').catch((caught: unknown) => caught)) as Error;
      expect(isLingpaiError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect(error.message).toContain(`redis://127.0.0.1:${port}`);
    } finally {
      client.disconnect();
    }
  });
});
