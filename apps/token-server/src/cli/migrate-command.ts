import { systemClock } from '@lingpai/auth-core';
import { assertNotNewer, loadMigrations, migrate, migrationStatus } from '../storage/migrations.js';
import { openDatabase } from '../storage/open-database.js';
import { BIN, type CliIo, EXIT_OK, parseCommand, say } from './cli-io.js';
import { loadConfig } from './open-storage.js';

export const MIGRATE_HELP = `Usage: ${BIN} migrate [--status]

Applies the pending schema migrations, in order, each in its own transaction, under a PostgreSQL
advisory lock (so two instances or a deploy job starting together never run one twice), and prints
each one it applied. Refuses a database migrated by a newer release.

Options:
  --status    print applied and pending migrations without applying anything
  -h, --help  show this help

Uses DATABASE_URL / DATABASE_SCHEMA, or the embedded database at LINGPAI_DATA_DIR.
`;

export async function migrateCommand(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'migrate', MIGRATE_HELP, args, { status: { type: 'boolean' } });
  if (!parsed) return EXIT_OK;
  const config = loadConfig(io);
  const migrations = loadMigrations();
  const db = await openDatabase(config.database, `${BIN} migrate`);
  try {
    if (parsed.values.status) {
      const status = await migrationStatus(db, migrations);
      for (const version of status.applied) {
        const known = migrations.find((migration) => migration.version === version);
        say(io, `applied  ${version}${known ? `_${known.name}` : ' (unknown to this release: newer)'}`);
      }
      for (const migration of status.pending) say(io, `pending  ${migration.version}_${migration.name}`);
      assertNotNewer(status);
      return EXIT_OK;
    }
    const applied = await migrate(db, new Date(systemClock.now()), migrations);
    for (const version of applied) {
      const migration = migrations.find((candidate) => candidate.version === version);
      say(io, `applied ${version}_${migration?.name ?? ''}`);
    }
    const head = migrations.at(-1);
    say(
      io,
      applied.length === 0
        ? `nothing to apply: the schema is at ${head?.version ?? 'no migrations'}`
        : `the schema is at ${head?.version ?? ''}`,
    );
    return EXIT_OK;
  } finally {
    await db.close();
  }
}
