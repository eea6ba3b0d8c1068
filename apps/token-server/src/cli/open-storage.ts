import { type EnvConfig, loadEnvConfig } from '../env-config.js';
import { ConfigError } from '../errors.js';
import type { Database } from '../storage/database.js';
import { assertNotNewer, loadMigrations, migrate, migrationStatus } from '../storage/migrations.js';
import { openDatabase } from '../storage/open-database.js';
import { BIN, type CliIo, note, warn } from './cli-io.js';

/** The configuration from the environment, its warnings printed once. */
export function loadConfig(io: CliIo): EnvConfig {
  const config = loadEnvConfig(io.env, io.cwd);
  for (const message of config.warnings) warn(io, message);
  return config;
}

/**
 * Opens the configured database for an admin command, brings its schema to this code's head the way
 * `serve` does (pending migrations under the advisory lock, unless `autoMigrate` is false) and
 * refuses a schema newer than the code. On the embedded database, a directory that a running server
 * holds is refused by its lock file, with the holder's pid. Closes the database when `work` ends.
 */
export async function withStorage<T>(
  io: CliIo,
  config: EnvConfig,
  command: string,
  autoMigrate: boolean,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(config.database, `${BIN} ${command}`);
  try {
    const migrations = loadMigrations();
    if (autoMigrate) {
      const applied = await migrate(db, new Date(), migrations);
      if (applied.length > 0) note(io, `applied migrations ${applied.join(', ')}`);
    }
    const status = await migrationStatus(db, migrations);
    assertNotNewer(status);
    if (status.pending.length > 0) {
      throw new ConfigError(
        `the database needs migrations ${status.pending.map((m) => m.version).join(', ')}: run \`${BIN} migrate\``,
      );
    }
    return await work(db);
  } finally {
    await db.close();
  }
}
