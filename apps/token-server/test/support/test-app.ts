import { randomBytes } from 'node:crypto';
import { createManualClock, type ManualClock } from '@lingpai/auth-core';
import pg from 'pg';
import { type BuildAppOptions, buildApp, type TokenServerApp } from '../../src/app.js';
import type { ClientInput } from '../../src/clients/client.js';
import type { Database } from '../../src/storage/database.js';
import { createPgliteDatabase } from '../../src/storage/pglite-database.js';
import { createPostgresDatabase } from '../../src/storage/postgres-database.js';
import { createArgon2Hasher } from '../../src/users/password-hasher.js';

/** Cheap argon2id parameters for tests (one suite uses the real ones). */
export const TEST_ARGON2 = { memoryCost: 1_024, timeCost: 1, parallelism: 1 };
export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';
export const TEST_ISSUER = 'http://127.0.0.1:8080';
export const ENV_ID = 'test-env';

export type Backend = { kind: 'pglite' } | { kind: 'postgres'; url: string };

export interface TestServer {
  app: TokenServerApp;
  clock: ManualClock;
  db: Database;
  /** Registers a client; returns its secret for a confidential one. */
  addClient(input: ClientInput): Promise<string | undefined>;
  addUser(username: string, password: string, extra?: { groups?: string[] }): Promise<string>;
  close(): Promise<void>;
}

/** A schema of its own on the shared server, dropped afterwards: tests never share a table. */
export async function createTestSchema(url: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `lp_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    schema,
    async drop() {
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await dropper.end();
    },
  };
}

export async function openTestDatabase(
  backend: Backend,
  poolSize = 20,
): Promise<{ db: Database; cleanup(): Promise<void> }> {
  if (backend.kind === 'pglite') {
    const db = await createPgliteDatabase();
    return { db, cleanup: () => db.close() };
  }
  const { schema, drop } = await createTestSchema(backend.url);
  const db = createPostgresDatabase({ url: backend.url, schema, poolSize });
  return {
    db,
    async cleanup() {
      await db.close();
      await drop();
    },
  };
}

export async function startTestServer(
  backend: Backend = { kind: 'pglite' },
  options: Partial<BuildAppOptions> = {},
): Promise<TestServer> {
  const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));
  const { db, cleanup } = await openTestDatabase(backend);
  const app = await buildApp({
    secret: TEST_SECRET,
    issuer: TEST_ISSUER,
    envId: ENV_ID,
    database: db,
    clock,
    logger: false,
    passwordHasher: createArgon2Hasher(TEST_ARGON2),
    ...options,
  });
  return {
    app,
    clock,
    db,
    async addClient(input) {
      const result = await app.lingpai.clients.add(input);
      return result.secret;
    },
    async addUser(username, password, extra = {}) {
      const user = await app.lingpai.users.create({
        username,
        password,
        ...(extra.groups ? { groups: extra.groups } : {}),
      });
      return user.sub;
    },
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

/** The backends every storage-touching suite runs on: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function backends(): Array<[string, Backend]> {
  const url = process.env.DATABASE_URL;
  const list: Array<[string, Backend]> = [['pglite', { kind: 'pglite' }]];
  if (url) list.push(['postgres', { kind: 'postgres', url }]);
  else if (process.env.CI === 'true')
    throw new Error('DATABASE_URL is not set, but CI must run the PostgreSQL suites');
  return list;
}

export function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}
