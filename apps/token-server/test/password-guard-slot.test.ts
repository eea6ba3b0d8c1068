// The password guard's attempt slot survives a store that fails mid-call: an increment whose answer
// was lost is owed back, so the account is not refused as "in progress" after the store returns.
import { createManualClock, MemoryStore } from '@lingpai/auth-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/config.js';
import { StorageUnavailableError, TokenServerError } from '../src/errors.js';
import type { LimitStore } from '../src/limits/limit-store.js';
import { PasswordGuard } from '../src/limits/password-guard.js';

/** A store whose next increment lands and then answers with an outage (the reply was lost). */
function lossyStore(): { store: LimitStore; loseNextAnswer(): void } {
  const inner = new MemoryStore();
  let lose = false;
  const store: LimitStore = {
    get: (key) => inner.get(key),
    set: (key, value, ttl) => inner.set(key, value, ttl),
    delete: (key) => inner.delete(key),
    async increment(key, ttlMs, by) {
      const result = await inner.increment(key, ttlMs, by);
      if (lose) {
        lose = false;
        throw new StorageUnavailableError('the database is unavailable');
      }
      return result;
    },
  };
  return {
    store,
    loseNextAnswer: () => {
      lose = true;
    },
  };
}

describe('password guard attempt slot', () => {
  it('an increment that landed with its answer lost does not leave the pair "in progress"', async () => {
    const { store, loseNextAnswer } = lossyStore();
    const guard = new PasswordGuard(store, Buffer.alloc(32, 7), { ...DEFAULT_LIMITS }, createManualClock(0));
    const attempt = { username: 'zhangsan', ip: '203.0.113.9', captchaToken: undefined };
    loseNextAnswer();
    await expect(guard.check(attempt)).rejects.toBeInstanceOf(StorageUnavailableError);
    // The store is back: the next attempt proceeds (before, it got 429 for up to the slot's 10 s).
    const release = await guard.check({ ...attempt });
    await release();
    // And the slot still works as a slot: two attempts at once, the second is refused.
    const first = await guard.check({ ...attempt });
    await expect(guard.check({ ...attempt })).rejects.toSatisfy(
      (error: unknown) => error instanceof TokenServerError && error.code === 'rate_limit_exceeded',
    );
    await first();
  });
});
