import { createManualClock } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type TokenServerApp } from '../src/app.js';
import { StorageUnavailableError } from '../src/errors.js';
import type { Database } from '../src/storage/database.js';
import { loadMigrations } from '../src/storage/migrations.js';
import { createArgon2Hasher } from '../src/users/password-hasher.js';
import {
  backends,
  ENV_ID,
  openTestDatabase,
  TEST_ARGON2,
  TEST_ISSUER,
  TEST_SECRET,
} from './support/test-app.js';

/** The real database behind a switch: `down` makes every query fail as an unreachable server does. */
function switchable(db: Database): Database & { down: boolean } {
  const wrapper = {
    down: false,
    kind: db.kind,
    query: ((sql: string, params?: readonly unknown[]) => {
      if (wrapper.down) return Promise.reject(new StorageUnavailableError('the database is unavailable'));
      return db.query(sql, params);
    }) as Database['query'],
    transaction: db.transaction.bind(db),
    withAdvisoryLock: db.withAdvisoryLock.bind(db),
    notify: db.notify.bind(db),
    listen: db.listen.bind(db),
    close: db.close.bind(db),
  };
  return wrapper;
}

const HEAD = loadMigrations().at(-1)!;

describe.each(backends())('health endpoints on %s', (_name, backend) => {
  let app: TokenServerApp;
  let db: Database & { down: boolean };
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestDatabase(backend);
    cleanup = opened.cleanup;
    db = switchable(opened.db);
    app = await buildApp({
      secret: TEST_SECRET,
      issuer: TEST_ISSUER,
      envId: ENV_ID,
      database: db,
      clock: createManualClock(Date.parse('2026-12-01T00:00:00Z')),
      logger: false,
      passwordHasher: createArgon2Hasher(TEST_ARGON2),
    });
  });
  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('GET /healthz answers 200 while the process runs', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 with the schema version when the schema is at this code’s head', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', schema: HEAD.version });
  });

  it('a schema behind the code is not ready: 503 temporarily_unavailable with Retry-After', async () => {
    const [row] = await db.query<{ name: string; applied_at: Date }>(
      'DELETE FROM schema_migrations WHERE version = $1 RETURNING name, applied_at',
      [HEAD.version],
    );
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_code: 5030,
        error_description: "the database schema is not at this server's version",
      });
      // Liveness does not follow readiness: restarting would not fix a schema.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        HEAD.version,
        row!.name,
        row!.applied_at,
      ]);
    }
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('a schema a newer release migrated is not ready either', async () => {
    await db.query(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES ('29991231000000', 'future', $1)",
      [new Date()],
    );
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await db.query("DELETE FROM schema_migrations WHERE version = '29991231000000'");
    }
  });

  it('an unreachable database makes /readyz 503 with Retry-After and leaves /healthz 200', async () => {
    db.down = true;
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBeDefined();
      expect(ready.json()).toMatchObject({ error: 'temporarily_unavailable', error_code: 5030 });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      db.down = false;
    }
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('both are in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });
});
