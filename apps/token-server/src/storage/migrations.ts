import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Database, Queryable } from './database.js';

export interface Migration {
  /** The timestamp prefix of the file name, e.g. `20261201000000`. */
  version: string;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;
// Distinct from anything else that might take advisory locks on a shared server: "lingpai m".
const MIGRATION_LOCK_ID = 0x6c696e67;

function defaultDirectory(): string {
  // Works from src/storage/ (tests) and from dist/ (one file): find the package root.
  const here = new URL('.', import.meta.url);
  const candidates = [new URL('../../migrations/', here), new URL('../migrations/', here)];
  for (const candidate of candidates) {
    try {
      readdirSync(candidate);
      return fileURLToPath(candidate);
    } catch {
      // try the next
    }
  }
  throw new ConfigError('the migrations folder is missing from the installed package');
}

export function loadMigrations(directory = defaultDirectory()): Migration[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match)
        throw new ConfigError(`migration file ${file} must be named <14-digit timestamp>_<name>.sql`);
      return { version: match[1]!, name: match[2]!, sql: readFileSync(`${directory}/${file}`, 'utf8') };
    })
    .sort((a, b) => a.version.localeCompare(b.version));
}

async function ensureTable(tx: Queryable): Promise<void> {
  await tx.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
  );
}

export interface MigrationStatus {
  applied: string[];
  pending: Migration[];
  /** Versions in the database this code does not know: a newer release migrated it. */
  unknown: string[];
}

export async function migrationStatus(
  db: Queryable,
  migrations = loadMigrations(),
): Promise<MigrationStatus> {
  const rows = await db
    .query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')
    .catch((error: unknown) => {
      // 42P01: the table does not exist yet — nothing applied.
      if ((error as { code?: string }).code === '42P01') return [];
      throw error;
    });
  const applied = rows.map((row) => row.version);
  const known = new Set(migrations.map((migration) => migration.version));
  const done = new Set(applied);
  return {
    applied,
    pending: migrations.filter((migration) => !done.has(migration.version)),
    unknown: applied.filter((version) => !known.has(version)),
  };
}

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory lock so two
 * instances starting together never run the same file twice. Returns the versions applied.
 */
export async function migrate(db: Database, now: Date, migrations = loadMigrations()): Promise<string[]> {
  return db.withAdvisoryLock(MIGRATION_LOCK_ID, async (session) => {
    await ensureTable(session);
    const status = await migrationStatus(session, migrations);
    assertNotNewer(status);
    const appliedNow: string[] = [];
    for (const migration of status.pending) {
      await session.query('BEGIN');
      try {
        await session.query(migration.sql);
        await session.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          now,
        ]);
        await session.query('COMMIT');
      } catch (error) {
        await session.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      appliedNow.push(migration.version);
    }
    return appliedNow;
  });
}

export function assertNotNewer(status: MigrationStatus): void {
  if (status.unknown.length > 0) {
    throw new ConfigError(
      `the database schema is newer than this server (unknown migrations ${status.unknown.join(', ')}): ` +
        'run the release that migrated it, or a newer one',
    );
  }
}
