import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test-support/services.js';
import { buildApp, type TokenServerApp } from '../src/app.js';
import { StorageUnavailableError } from '../src/errors.js';
import type { Database } from '../src/storage/database.js';
import { createPostgresDatabase, isConnectionFailure } from '../src/storage/postgres-database.js';
import { SESSIONS_CHANNEL } from '../src/tokens/revoked-sessions.js';
import { createArgon2Hasher } from '../src/users/password-hasher.js';
import { type AnswerBody, passwordGrant, refreshGrant, request } from './support/fleet.js';
import { createTestSchema, TEST_ARGON2, TEST_SECRET } from './support/test-app.js';

/**
 * The database unreachable mid-run. A TCP proxy sits between the server and PostgreSQL; the tests cut
 * it two ways — sockets destroyed and new ones refused (a crashed or restarting database), and a
 * black hole (connections accepted, nothing answered: a partition) — and expect bounded
 * `503 temporarily_unavailable` with `Retry-After`, never a hang, and recovery without a restart.
 */

const CONNECT_TIMEOUT_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 1_000;
/** The longest any call may take while the database is away: timeouts plus generous slack for 2 busy cores. */
const BOUND_MS = 5_000;

type ProxyMode = 'up' | 'refuse' | 'blackhole';

/** A TCP proxy to PostgreSQL that the test can cut and restore. */
class TcpProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<[Socket, Socket]>();
  readonly #held = new Set<Socket>();
  #mode: ProxyMode = 'up';

  constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    return address.port;
  }

  #accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.#mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.#mode === 'blackhole') {
      this.#held.add(client);
      client.on('close', () => this.#held.delete(client));
      client.resume(); // read and drop
      return;
    }
    const upstream = tcpConnect(this.#target.port, this.#target.host);
    upstream.on('error', () => undefined);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Destroys every connection and refuses new ones (they are accepted and closed at once). */
  refuse(): void {
    this.#mode = 'refuse';
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Stops forwarding on open connections and answers nothing on new ones: every read hangs. */
  blackhole(): void {
    this.#mode = 'blackhole';
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      upstream.pause();
      client.removeAllListeners('data');
      client.resume();
      this.#held.add(client);
      this.#held.add(upstream);
    }
    this.#pairs.clear();
  }

  /** Forwards again; connections left in the black hole are closed so their owners notice. */
  restore(): void {
    this.#mode = 'up';
    for (const socket of this.#held) socket.destroy();
    this.#held.clear();
  }

  async close(): Promise<void> {
    this.refuse();
    for (const socket of this.#held) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function target(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 5432) };
}

function viaProxy(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work`, returning its rejection (or undefined) and how long it took. */
async function timed(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await work();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

async function untilWorks(work: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await work();
      return performance.now() - started;
    } catch (error) {
      if (performance.now() - started > timeoutMs) throw error;
      await sleep(100);
    }
  }
}

describe('isConnectionFailure tells "the database is away" from "the statement was wrong"', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ['a protocol violation (class 08)', withCode('08P01')],
    ['a connection failure (08006)', withCode('08006')],
    ['an idle-session timeout', withCode('57P05')],
    ['a DNS resolver that did not answer', withCode('EAI_AGAIN')],
    ['a network that is unreachable', withCode('ENETUNREACH')],
    ['a reset connection', withCode('ECONNRESET')],
    ["pg's query read timeout", new Error('Query read timeout')],
    ["pg-pool's connect timeout", new Error('timeout exceeded when trying to connect')],
    ['a statement timeout', withCode('57014')],
  ])('%s is unavailability (503)', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });
  it.each([
    ['a unique violation', withCode('23505')],
    ['a missing table', withCode('42P01')],
    ['a syntax error', withCode('42601')],
  ])('%s is not', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
});

describeWithPostgres('the database unreachable mid-run', (url) => {
  let proxy: TcpProxy;
  let proxiedUrl: string;
  let schema: { schema: string; drop(): Promise<void> };

  beforeAll(async () => {
    proxy = new TcpProxy(target(url));
    proxiedUrl = viaProxy(url, await proxy.listen());
    schema = await createTestSchema(url);
  });

  afterAll(async () => {
    await proxy?.close();
    await schema?.drop();
  });

  describe('postgres-database maps every failure mode to StorageUnavailableError, bounded', () => {
    let db: Database;

    beforeAll(() => {
      db = createPostgresDatabase({
        url: proxiedUrl,
        schema: schema.schema,
        poolSize: 2,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
    });
    afterAll(async () => {
      proxy.restore();
      await db?.close();
    });

    async function expectUnavailable(work: () => Promise<unknown>): Promise<number> {
      const { error, ms } = await timed(work);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(ms).toBeLessThan(BOUND_MS);
      return ms;
    }

    async function recovers(): Promise<void> {
      proxy.restore();
      await untilWorks(() => db.query('SELECT 1'), 5_000);
    }

    it('a connection reset in the middle of a query', async () => {
      await db.query('SELECT 1');
      const query = db.query('SELECT pg_sleep(0.8)');
      await sleep(150);
      proxy.refuse();
      await expectUnavailable(() => query);
      await recovers();
    });

    it('new connections refused, for a query and for a transaction', async () => {
      proxy.refuse();
      await expectUnavailable(() => db.query('SELECT 1'));
      await expectUnavailable(() => db.transaction((tx) => tx.query('SELECT 1')));
      await recovers();
    });

    it('a transaction whose connection dies between two statements, without an uncaught error event', async () => {
      // pg emits 'error' on a checked-out client whose socket dies; unheard, that kills the process.
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.prependListener('uncaughtException', onUncaught);
      try {
        const { error } = await timed(() =>
          db.transaction(async (tx) => {
            await tx.query('SELECT 1');
            proxy.refuse();
            await sleep(100);
            await tx.query('SELECT 2');
          }),
        );
        expect(error).toBeInstanceOf(StorageUnavailableError);
        await sleep(100);
      } finally {
        process.removeListener('uncaughtException', onUncaught);
      }
      expect(uncaught).toEqual([]);
      await recovers();
    });

    it('a statement that never answers (black hole on an open connection)', async () => {
      await db.query('SELECT 1');
      proxy.blackhole();
      await expectUnavailable(() => db.query('SELECT 1'));
      await recovers();
    });

    it('a connect that never completes, and a pool exhausted while the database is away', async () => {
      // Drop the pooled connections, then black-hole new ones: every connect hangs until its timeout.
      proxy.refuse();
      await expectUnavailable(() => db.query('SELECT 1'));
      proxy.blackhole();
      await expectUnavailable(() => db.query('SELECT 1'));
      // Pool of 2: six callers, four of them waiting for a pooled connection that never comes.
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          timed(() =>
            index % 2 === 0 ? db.query('SELECT 1') : db.transaction((tx) => tx.query('SELECT 1')),
          ),
        ),
      );
      for (const { error, ms } of results) {
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect(ms).toBeLessThan(BOUND_MS);
      }
      await recovers();
    });

    it('LISTEN comes back by itself after an outage longer than one retry', async () => {
      const received: string[] = [];
      let reconnected = 0;
      const unlisten = await db.listen(
        'lp_outage_probe',
        (payload) => received.push(payload),
        () => reconnected++,
      );
      proxy.refuse();
      await sleep(2_500);
      await recovers();
      const direct = new pg.Client({ connectionString: url });
      await direct.connect();
      try {
        const waited = await untilWorks(async () => {
          await direct.query("SELECT pg_notify('lp_outage_probe', 'back')");
          await sleep(100);
          if (!received.includes('back')) throw new Error('not yet');
        }, 6_000);
        expect(waited).toBeLessThan(6_000);
        // The subscriber is told, so it can re-read what was sent while it was deaf.
        expect(reconnected).toBeGreaterThanOrEqual(1);
      } finally {
        await direct.end();
        await unlisten();
      }
    });

    it('subscribing while the database is a black hole fails within the bound instead of hanging', async () => {
      const fresh = createPostgresDatabase({
        url: proxiedUrl,
        schema: schema.schema,
        poolSize: 1,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
      proxy.blackhole();
      try {
        await expectUnavailable(() => fresh.listen('lp_outage_late', () => undefined));
      } finally {
        proxy.restore();
        await fresh.close();
      }
    });
  });

  describe('the server answers 503 with Retry-After while the database is away, then recovers', () => {
    let app: TokenServerApp;
    let base: string;
    const PASSWORD = 'OutagePass123!@#';
    const CLIENT = 'outage-app';

    beforeAll(async () => {
      proxy.restore();
      app = await buildApp({
        secret: TEST_SECRET,
        issuer: 'http://127.0.0.1:8080',
        envId: 'outage-env',
        database: {
          url: proxiedUrl,
          schema: schema.schema,
          poolSize: 20,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          statementTimeoutMs: STATEMENT_TIMEOUT_MS,
        },
        logger: false,
        passwordHasher: createArgon2Hasher(TEST_ARGON2),
        // Far beyond the test: dead sids must arrive by NOTIFY, not by the periodic re-read.
        resyncIntervalSeconds: 600,
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('no address');
      base = `http://127.0.0.1:${address.port}`;
      // A grace window lets a client whose answer was lost to the outage retry its refresh.
      await app.lingpai.clients.add({
        id: CLIENT,
        kind: 'public',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['user'],
        refreshGraceSeconds: 30,
      });
    }, 60_000);
    afterAll(async () => {
      proxy.restore();
      await app?.close();
    });

    interface Chain {
      username: string;
      deviceId: string;
      latest: string;
      access: string;
    }

    interface Seen {
      status: number;
      body: AnswerBody;
      retryAfter: string | null;
      ms: number;
    }

    it('every answer during the outage is a bounded 503, and requests succeed again by themselves', async () => {
      const chains: Chain[] = [];
      for (let index = 0; index < 6; index++) {
        const username = `outage${index}`;
        await app.lingpai.users.create({ username, password: PASSWORD });
        const deviceId = `outage-device-${index}`;
        const answer = await passwordGrant(base, {
          username,
          password: PASSWORD,
          clientId: CLIENT,
          deviceId,
        });
        expect(answer.status).toBe(200);
        chains.push({
          username,
          deviceId,
          latest: answer.body.refresh_token!,
          access: answer.body.access_token!,
        });
      }

      const seen: Seen[] = [];
      let running = true;
      const record = (answer: Awaited<ReturnType<typeof request>>) => {
        seen.push({
          status: answer.status,
          body: answer.body,
          retryAfter: answer.headers.get('retry-after'),
          ms: answer.ms,
        });
        return answer;
      };
      const lastOk: number[] = chains.map(() => 0);
      const loops = chains.map(async (chain, index) => {
        const deadline = performance.now() + 40_000;
        while (running && performance.now() < deadline) {
          const answer = record(
            await refreshGrant(base, {
              refreshToken: chain.latest,
              clientId: CLIENT,
              deviceId: chain.deviceId,
              timeoutMs: 15_000,
            }),
          );
          if (answer.status === 200) {
            chain.latest = answer.body.refresh_token!;
            chain.access = answer.body.access_token!;
            lastOk[index] = performance.now();
          } else {
            await sleep(50);
          }
          // Readiness and a password sign-in go through other code paths to the same pool.
          if (index === 0) record(await request(base, '/readyz', { timeoutMs: 15_000 }));
          if (index === 1)
            record(
              await passwordGrant(base, {
                username: 'outage1',
                password: PASSWORD,
                clientId: CLIENT,
                deviceId: 'outage-other-device',
              }),
            );
        }
      });

      const allRecovered = async (since: number, timeoutMs: number) => {
        const started = performance.now();
        while (lastOk.some((at) => at < since)) {
          if (performance.now() - started > timeoutMs) throw new Error('the server did not recover');
          await sleep(50);
        }
        return performance.now() - started;
      };

      try {
        await sleep(500);
        proxy.refuse();
        await sleep(2_000);
        proxy.restore();
        const firstRecovery = await allRecovered(performance.now(), 10_000);

        proxy.blackhole();
        await sleep(2_500);
        proxy.restore();
        const secondRecovery = await allRecovered(performance.now(), 10_000);
        expect(firstRecovery).toBeLessThan(10_000);
        expect(secondRecovery).toBeLessThan(10_000);
      } finally {
        running = false;
        proxy.restore();
        await Promise.all(loops);
      }

      const unavailable = seen.filter((answer) => answer.status !== 200);
      expect(unavailable.length).toBeGreaterThan(0);
      for (const answer of seen) {
        expect(answer.ms).toBeLessThan(BOUND_MS);
        if (answer.status === 200) continue;
        expect(answer.status, JSON.stringify(answer.body)).toBe(503);
        expect(answer.body).toMatchObject({ error: 'temporarily_unavailable', error_code: 5030 });
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      }

      // No chain was lost: a rotation whose answer the outage swallowed is retried inside the grace.
      for (const chain of chains) {
        const next = await refreshGrant(base, {
          refreshToken: chain.latest,
          clientId: CLIENT,
          deviceId: chain.deviceId,
        });
        expect(next.status, JSON.stringify(next.body)).toBe(200);
        chain.access = next.body.access_token!;
      }

      // A family that another instance (one that still reaches the database) ends while we are cut
      // off: its NOTIFY never reaches us, yet the refusal arrives as soon as we are back, not at the
      // next periodic re-read (600 s here).
      const victim = chains[0]!;
      const sid = app.lingpai.verifier.verify(victim.access)?.sid;
      expect(sid).toBeDefined();
      proxy.refuse();
      await sleep(300);
      const direct = new pg.Client({ connectionString: url });
      await direct.connect();
      try {
        await direct.query(
          `UPDATE ${schema.schema}.refresh_families SET revoked_at = now(), revoked_reason = 'test' WHERE id = $1`,
          [sid],
        );
        await direct.query('SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, sid]);
      } finally {
        await direct.end();
      }
      expect(app.lingpai.verifier.verify(victim.access)).toBeDefined();
      proxy.restore();
      await untilWorks(async () => {
        if (app.lingpai.verifier.verify(victim.access) !== undefined) throw new Error('still accepted');
      }, 5_000);
    }, 90_000);
  });
});
