import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '../errors.js';
import type { Database, Queryable } from './database.js';

export interface PgliteDatabaseOptions {
  /** Directory of the database files; `undefined` keeps everything in memory (tests). */
  dataDir?: string;
  /** Who holds the directory, written into its lock file (`serve`, `migrate`, …). */
  holder?: string;
}

/** A tiny FIFO mutex: PGlite has one connection, so a transaction must own it from BEGIN to COMMIT. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

const LOCK_FILE = 'lingpai.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data directory for this process. PGlite cannot share a directory between processes
 * (each would run its own Postgres on the same files), so a second opener refuses and says who holds it.
 * A lock left by a dead process is taken over.
 */
function claimDirectory(dataDir: string, holder: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: { pid?: number; holder?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; holder?: string };
      } catch {
        // A half-written lock file: treat as stale.
      }
      if (typeof owner.pid === 'number' && owner.pid !== process.pid && processAlive(owner.pid)) {
        throw new ConfigError(
          `the embedded database at ${dataDir} is in use by process ${owner.pid} (${owner.holder ?? 'unknown'}); ` +
            'stop that server first, or point DATABASE_URL at a PostgreSQL server to run several processes',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new ConfigError(`could not lock the embedded database directory ${dataDir}`);
}

/** PGlite (PostgreSQL compiled to WebAssembly, in process): the zero-setup default. */
export async function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  const release = options.dataDir
    ? claimDirectory(options.dataDir, options.holder ?? 'lingpai')
    : () => undefined;
  let db: PGlite;
  try {
    db = options.dataDir ? await PGlite.create(options.dataDir) : await PGlite.create();
  } catch (error) {
    release();
    throw error;
  }
  const mutex = new Mutex();
  const direct: Queryable = {
    async query(sql, params) {
      // Without parameters use the simple protocol: it also runs multi-statement scripts (migrations).
      if (params === undefined || params.length === 0) {
        const results = await db.exec(sql);
        return (results.at(-1)?.rows ?? []) as never[];
      }
      const result = await db.query(sql, params as unknown[]);
      return result.rows as never[];
    },
  };
  let closed = false;
  return {
    kind: 'pglite',
    query: (sql, params) => mutex.run(() => direct.query(sql, params)),
    transaction: (work) =>
      mutex.run(async () => {
        await db.query('BEGIN');
        try {
          const result = await work(direct);
          await db.query('COMMIT');
          return result;
        } catch (error) {
          await db.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    // One process owns the directory (the lock file above), so the mutex is the advisory lock.
    withAdvisoryLock: (_lockId, work) => mutex.run(() => work(direct)),
    async notify(channel, payload) {
      await mutex.run(() => db.query('SELECT pg_notify($1, $2)', [channel, payload]));
    },
    async listen(channel, onPayload) {
      const unlisten = await mutex.run(() => db.listen(channel, onPayload));
      return async () => {
        if (!closed) await mutex.run(() => unlisten());
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await mutex.run(() => db.close());
      release();
    },
  };
}
