import { systemClock } from '@lingpai/auth-core';
import type { OtpStore } from '@lingpai/otp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otpStoreContract } from '../../../packages/otp/test/otp-store-contract.js';
import { StorageUnavailableError } from '../src/errors.js';
import type { Database } from '../src/storage/database.js';
import { loadMigrations, migrate } from '../src/storage/migrations.js';
import { createPostgresDatabase } from '../src/storage/postgres-database.js';
import { PostgresOtpStore } from '../src/verification/postgres-otp-store.js';
import { backends, createTestSchema, openTestDatabase } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

/** A database that is down: every call fails the way the real drivers report an outage. */
function downDatabase(): Database {
  const down = async (): Promise<never> => {
    throw new StorageUnavailableError('the database is unreachable');
  };
  return {
    kind: 'postgres',
    query: down,
    transaction: down,
    withAdvisoryLock: down,
    notify: down,
    listen: down,
    close: async () => undefined,
  };
}

describe.each(backends())('PostgresOtpStore (%s)', (_name, backend) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase(backend));
    await migrate(db, new Date(), loadMigrations());
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
  });

  // @lingpai/otp's own store contract, the one MemoryOtpStore and RedisOtpStore pass.
  otpStoreContract('PostgresOtpStore', {
    async create(): Promise<OtpStore> {
      await db.query('TRUNCATE otp_codes, otp_pointers, otp_windows, otp_tokens');
      return new PostgresOtpStore(db, systemClock);
    },
    unreachable: (): OtpStore => new PostgresOtpStore(downDatabase(), systemClock),
  });

  it('sweep deletes only rows past their retention', async () => {
    const store = new PostgresOtpStore(db, systemClock);
    await db.query('TRUNCATE otp_codes, otp_pointers, otp_windows, otp_tokens');
    const now = Date.parse('2026-12-01T00:00:00Z');
    const record = (id: string) => ({
      id,
      codeHash: 'h',
      maxAttempts: 5,
      expiresAt: now + 600_000,
      latestKey: `latest-${id}`,
      data: 'sealed',
    });
    await store.createVerification({
      now,
      retainMs: 1_000,
      record: record('old'),
      limits: [{ key: 'w-old', max: 5, windowMs: 1_000, name: 'ip' }],
    });
    await store.createVerification({
      now,
      retainMs: 900_000,
      record: record('new'),
      limits: [{ key: 'w-new', max: 5, windowMs: 900_000, name: 'ip' }],
    });
    await store.sweep(now + 10_000);
    const ids = (await db.query<{ id: string }>('SELECT id FROM otp_codes ORDER BY id')).map((row) => row.id);
    expect(ids).toEqual(['new']);
    const windows = (await db.query<{ key: string }>('SELECT key FROM otp_windows')).map((row) => row.key);
    expect(windows).toEqual(['w-new']);
  });
});

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('two server instances sharing one PostgreSQL schema', () => {
  let schema: { schema: string; drop(): Promise<void> };
  let a: VerificationFixture;
  let b: VerificationFixture;
  const opened: Database[] = [];
  const verification = {
    cooldownSeconds: 0,
    limits: {
      perRecipient: [{ max: 5, windowSeconds: 3_600 }],
      perIp: [{ max: 1_000, windowSeconds: 3_600 }],
    },
  };

  beforeAll(async () => {
    schema = await createTestSchema(url as string);
    const open = () => {
      const db = createPostgresDatabase({ url: url as string, schema: schema.schema, poolSize: 10 });
      opened.push(db);
      return db;
    };
    a = await startServerWithSandbox(
      { kind: 'postgres', url: url as string },
      { database: open(), verification },
    );
    b = await startServerWithSandbox(
      { kind: 'postgres', url: url as string },
      { database: open(), verification },
    );
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const db of opened) await db.close();
    await schema?.drop();
  });

  it('the per-phone cap holds across instances: 12 parallel sends, 6 on each, give exactly 5 codes', async () => {
    const send = (f: VerificationFixture) =>
      f.inject('/auth/v1/verification', { phone_number: '+86 13900139000', target: 'ANY' });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i % 2 === 0 ? a : b)));
    const ok = answers.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(5);
    const refused = answers.filter((r) => r.statusCode !== 200);
    expect(refused.every((r) => r.statusCode === 429 && r.json.error === 'rate_limit_exceeded')).toBe(true);
    await a.server.app.lingpai.verification.settled();
    await b.server.app.lingpai.verification.settled();
    expect(
      a.sandbox.sms.messages({ to: '+8613900139000' }).length +
        b.sandbox.sms.messages({ to: '+8613900139000' }).length,
    ).toBe(5);
  });

  it('a code sent by one instance verifies on the other, and its token redeems once on either', async () => {
    const sent = await a.inject('/auth/v1/verification', { phone_number: '+86 13900139001', target: 'ANY' });
    expect(sent.statusCode).toBe(200);
    const code = await a.lastSmsCode('+86 13900139001');
    const verified = await b.inject('/auth/v1/verification/verify', {
      verification_id: sent.json.verification_id,
      verification_code: code,
    });
    expect(verified.statusCode).toBe(200);
    const token = verified.json.verification_token as string;
    const expected = { usages: ['SIGN_IN'], clientId: 'test-env' };
    const results = await Promise.allSettled([
      a.server.app.lingpai.verification.redeem(token, expected),
      b.server.app.lingpai.verification.redeem(token, expected),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
