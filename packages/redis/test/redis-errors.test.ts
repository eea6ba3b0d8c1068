import { isLingpaiError, StoreUnavailableError } from '@lingpai/auth-core';
import { Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  isRedisUnavailableError,
  RedisCommandError,
  RedisCommandRunner,
  toStoreError,
} from '../src/index.js';

/** An error shaped like the ones ioredis and Node reject commands with. */
function named(name: string, message: string, code?: string): Error {
  const error = new Error(message);
  Object.defineProperty(error, 'name', { value: name });
  return code === undefined ? error : Object.assign(error, { code });
}

describe('Redis error classification', () => {
  it('does not turn programming errors into a retryable STORE_UNAVAILABLE (regression: a TypeError was "unavailable")', async () => {
    const bugs = [
      new TypeError("Cannot read properties of undefined (reading 'get')"),
      new RangeError('Invalid array length'),
      new SyntaxError('Unexpected token'),
      new Error('Connection in subscriber mode, only subscriber commands may be used'),
    ];
    for (const bug of bugs) {
      expect(isRedisUnavailableError(bug), bug.message).toBe(false);
      // Propagated as itself: not wrapped, not retryable, the stack still points at the bug.
      expect(toStoreError(bug, 'GET')).toBe(bug);
    }
    // Through the runner too, thrown synchronously or rejected, with our timer and with the client's.
    for (const commandTimeout of [undefined, 500]) {
      const client = new Redis({
        lazyConnect: true,
        ...(commandTimeout === undefined ? {} : { commandTimeout }),
      });
      const runner = new RedisCommandRunner(client);
      const thrown = new TypeError('bug');
      await expect(runner.run('GET', () => Promise.reject(thrown))).rejects.toBe(thrown);
      await expect(
        runner.run('GET', () => {
          throw thrown;
        }),
      ).rejects.toBe(thrown);
      client.disconnect();
    }
  });

  it('maps connection, timeout and closed-connection errors to STORE_UNAVAILABLE', () => {
    const outages = [
      new Error('Connection is closed.'),
      new Error('Command timed out'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error("Cluster isn't ready and enableOfflineQueue options is false"),
      new Error('None of startup nodes is available'),
      new Error('connect ETIMEDOUT'),
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).'),
      named('AbortError', 'Command aborted due to connection close'),
      named('ClusterAllFailedError', 'Failed to refresh slots cache.'),
      named('Error', 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      named('Error', 'read ECONNRESET', 'ECONNRESET'),
      named('ReplyError', 'LOADING Redis is loading the dataset in memory'),
      new StoreUnavailableError('no answer'),
    ];
    for (const outage of outages) {
      expect(isRedisUnavailableError(outage), outage.message).toBe(true);
      const mapped = toStoreError(outage, 'GET');
      expect(isLingpaiError(mapped, 'STORE_UNAVAILABLE'), outage.message).toBe(true);
    }
  });

  it("maps the runner's own time bound to STORE_UNAVAILABLE", async () => {
    const client = new Redis({ lazyConnect: true });
    const runner = new RedisCommandRunner(client, { timeoutMs: 20 });
    const error = await runner
      .run('GET', () => new Promise<never>(() => undefined))
      .catch((caught: unknown) => caught);
    expect(isLingpaiError(error, 'STORE_UNAVAILABLE')).toBe(true);
    client.disconnect();
  });

  it('maps error replies to REDIS_COMMAND_FAILED', () => {
    const reply = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(isRedisUnavailableError(reply)).toBe(false);
    const mapped = toStoreError(reply, 'GET');
    expect(mapped).toBeInstanceOf(RedisCommandError);
    expect(mapped).toMatchObject({ code: 'REDIS_COMMAND_FAILED', retryable: false, cause: reply });
  });
});
