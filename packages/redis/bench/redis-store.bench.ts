// A Redis-backed token read against a plain GET on the same ioredis connection, in the same run:
// - RedisStore.get(): the store's read path (prefixing, time bound, error mapping);
// - TokenCache.get() with maxLocalAgeMs 0: a cache that re-reads Redis on every call (the slow path
//   a process takes after its local copy ages out);
// - TokenCache.get() with the default 1 s local age: what callers normally pay.
// RATIO = plain GET ops/s ÷ ops/s (1.00 = as fast as the bare command).
import { randomUUID } from 'node:crypto';
import { TokenCache } from '@lingpai/auth-core';
import { RedisStore } from '@lingpai/redis';
import { Bench } from 'tinybench';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `lingpai-bench:${randomUUID().slice(0, 8)}:`;
const store = new RedisStore({ url, keyPrefix: prefix });
const client = store.client;
const fetchToken = async () => ({ token: 'ACCESS_TOKEN_'.padEnd(512, 'x'), expiresIn: 7_200 });
const rereading = new TokenCache({ key: 'bench:app', store, fetchToken, maxLocalAgeMs: 0 });
const normal = new TokenCache({ key: 'bench:app', store, fetchToken });
await normal.get();
const rawKey = `${prefix}${normal.storeKey}`;

let sink = 0;
const bench = new Bench({ time: 2_000, warmupTime: 300 });
bench
  .add('plain GET (baseline)', async () => {
    sink += (await client.get(rawKey))?.length ?? 0;
  })
  .add('RedisStore.get()', async () => {
    sink += (await store.get(normal.storeKey))?.length ?? 0;
  })
  .add('TokenCache.get(), re-read every call', async () => {
    sink += (await rereading.get()).length;
  })
  .add('TokenCache.get(), default local age', async () => {
    sink += (await normal.get()).length;
  });
await bench.run();

const opsOf = (name: string): number => {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('throughput' in result)) throw new Error(`no result for ${name}`);
  return result.throughput.mean;
};
const base = opsOf('plain GET (baseline)');
const rows = bench.tasks.map((task) => ({
  task: task.name,
  'ops/s': Math.round(opsOf(task.name)),
  'µs/op': (1e6 / opsOf(task.name)).toFixed(1),
  RATIO: (base / opsOf(task.name)).toFixed(2),
}));
console.table(rows);
console.log('| task | ops/s | µs/op | ratio vs plain GET |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(`| ${row.task} | ${row['ops/s'].toLocaleString('en')} | ${row['µs/op']} | ${row.RATIO} |`);
}
await store.delete(normal.storeKey);
await store.close();
if (sink === 0) console.log('(sink)');
