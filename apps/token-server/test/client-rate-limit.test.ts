import { type CounterStore, systemClock } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoalescingCounter } from '../src/grants/client-rate-limit.js';
import { backends, basic, startTestServer, type TestServer } from './support/test-app.js';

/** A store that answers when told to, so a test can hold an increment in flight. */
function gatedStore() {
  let count = 0;
  const calls: number[] = [];
  const gates: Array<() => void> = [];
  const store: CounterStore = {
    increment(_key, ttlMs, by = 1) {
      calls.push(by);
      return new Promise((resolve) => {
        gates.push(() => {
          count += by;
          resolve({ count, ttlMs });
        });
      });
    },
  };
  const open = () => {
    for (const gate of gates.splice(0)) gate();
  };
  return { store, calls, open };
}

describe('coalesced per-client counter', () => {
  it('increments queued behind one in flight go as one, and each caller still gets its own count', async () => {
    const { store, calls, open } = gatedStore();
    const counter = new CoalescingCounter(store, systemClock);
    const first = counter.increment('k', 60_000);
    const rest = Array.from({ length: 9 }, () => counter.increment('k', 60_000));
    expect(calls).toEqual([1]);
    open();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([1, 9]);
    open();
    const counts = [await first, ...(await Promise.all(rest))].map((result) => result.count);
    // A counter handing the same count to a whole batch would let all of them past a limit.
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a failed batch fails every caller in it, and the next batch still goes', async () => {
    let fail = true;
    const store: CounterStore = {
      increment: async (_key, ttlMs, by = 1) => {
        if (fail) {
          fail = false;
          throw new Error('store down');
        }
        return { count: by, ttlMs };
      },
    };
    const counter = new CoalescingCounter(store, systemClock);
    await expect(counter.increment('k', 1_000)).rejects.toThrow('store down');
    await expect(counter.increment('k', 1_000)).resolves.toEqual({ count: 1, ttlMs: 1_000 });
  });
});

describe.each(backends())('client_credentials rate limit under parallel load on %s', (_name, backend) => {
  let server: TestServer;
  let secret: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    secret = (await server.addClient({
      id: 'burst',
      kind: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['read'],
      rateLimitPerMinute: 5,
    }))!;
  });
  afterAll(async () => server?.close());

  it('20 parallel issuances against a limit of 5: exactly 5 tokens, 15 refusals', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        server.app.inject({
          method: 'POST',
          url: '/auth/v1/token',
          headers: { authorization: basic('burst', secret) },
          payload: { grant_type: 'client_credentials' },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });
});

describe('client_credentials limit key', () => {
  it('the cached key is the HMAC limitKey would compute, so counters survive the cache and restarts', async () => {
    const { limitKey } = await import('../src/limits/limit-key.js');
    const { clientCredentialsLimitKey } = await import('../src/grants/client-rate-limit.js');
    const secret = Buffer.alloc(32, 7);
    expect(clientCredentialsLimitKey(secret, 'svc')).toBe(limitKey(secret, 'cc', 'svc'));
    expect(clientCredentialsLimitKey(secret, 'svc')).toBe(limitKey(secret, 'cc', 'svc'));
    expect(clientCredentialsLimitKey(Buffer.alloc(32, 8), 'svc')).not.toBe(limitKey(secret, 'cc', 'svc'));
  });
});

describe.each(backends())('client_credentials over its limit on %s', (_name, backend) => {
  let server: TestServer;
  let secret: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    secret = (await server.addClient({
      id: 'flooder',
      kind: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['read'],
      rateLimitPerMinute: 2,
    }))!;
  });
  afterAll(async () => server?.close());

  it('a client seen at its limit costs no signature per refused request (signing waits for the count)', async () => {
    const call = () =>
      server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        headers: { authorization: basic('flooder', secret) },
        payload: { grant_type: 'client_credentials' },
      });
    expect([(await call()).statusCode, (await call()).statusCode, (await call()).statusCode]).toEqual([
      200, 200, 429,
    ]);
    const issuer = server.app.lingpai.issuer;
    const sign = issuer.accessToken.bind(issuer);
    let signatures = 0;
    issuer.accessToken = (input) => {
      signatures += 1;
      return sign(input);
    };
    const refused = await Promise.all(Array.from({ length: 10 }, call));
    expect(refused.map((answer) => answer.statusCode)).toEqual(Array(10).fill(429));
    expect(signatures).toBe(0);
    // The next window issues again.
    server.clock.advance(61_000);
    expect((await call()).statusCode).toBe(200);
    expect(signatures).toBe(1);
  });
});

describe('leased counts for a hot client', () => {
  /** A shared counter as several instances see it: one atomic integer. */
  function sharedStore() {
    let count = 0;
    const calls: number[] = [];
    const store: CounterStore = {
      increment: async (_key, ttlMs, by = 1) => {
        calls.push(by);
        count += by;
        return { count, ttlMs };
      },
    };
    return { store, calls };
  }

  it('reserves ahead with growing leases, so most counts need no round trip', async () => {
    const { store, calls } = sharedStore();
    const counter = new CoalescingCounter(store, systemClock);
    const counts: number[] = [];
    for (let i = 0; i < 1_000; i++) counts.push((await counter.increment('hot', 60_000, 6_400)).count);
    expect(counts).toEqual(Array.from({ length: 1_000 }, (_, index) => index + 1));
    expect(calls.length).toBeLessThan(20);
    expect(Math.max(...calls)).toBeLessThanOrEqual(200); // a lease is at most 1/32 of the limit
  });

  it('several instances leasing from one counter never admit more than the limit together', async () => {
    const { store } = sharedStore();
    const limit = 640;
    const instances = Array.from({ length: 3 }, () => new CoalescingCounter(store, systemClock));
    let admitted = 0;
    await Promise.all(
      instances.map(async (counter) => {
        for (let i = 0; i < 400; i++)
          if ((await counter.increment('shared', 60_000, limit)).count <= limit) admitted++;
      }),
    );
    expect(admitted).toBeLessThanOrEqual(limit);
    // What leases leave unused is bounded: at most one lease (≤ limit/32) per instance.
    expect(admitted).toBeGreaterThanOrEqual(limit - 3 * (limit / 32));
  });

  it('small limits (under 64 a window) are counted one by one, never leased', async () => {
    const { store, calls } = sharedStore();
    const counter = new CoalescingCounter(store, systemClock);
    for (let i = 0; i < 10; i++) await counter.increment('small', 60_000, 63);
    expect(calls).toEqual(Array.from({ length: 10 }, () => 1));
  });
});
