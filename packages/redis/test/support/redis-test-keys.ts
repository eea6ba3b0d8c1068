import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A key prefix unique to this test run, so parallel runs against one Redis never collide. */
export function uniquePrefix(label: string): string {
  return `lingpai-test:${label}:${process.pid}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS, so a busy shared server is not blocked). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
