import type { DatabaseOptions } from '../config.js';
import type { Database } from './database.js';
import { createPgliteDatabase } from './pglite-database.js';
import { createPostgresDatabase } from './postgres-database.js';

export function isDatabase(value: unknown): value is Database {
  return typeof value === 'object' && value !== null && 'transaction' in value && 'query' in value;
}

/** PostgreSQL when a URL is given, otherwise the embedded PGlite (in memory without a data dir). */
export async function openDatabase(
  options: DatabaseOptions = {},
  holder = 'lingpai-token-server',
): Promise<Database> {
  if (options.url) {
    return createPostgresDatabase({
      url: options.url,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    });
  }
  return createPgliteDatabase({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    holder,
  });
}
