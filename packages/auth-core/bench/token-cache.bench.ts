// TokenCache.get() on a hit in memory (the path every API call takes) against a plain Map lookup,
// measured in the same run. Each task does BATCH awaited calls so the harness's own per-iteration
// cost does not swamp a sub-microsecond operation. Target: ≤ 1 µs per hit.
import { TokenCache } from '@lingpai/auth-core';
import { Bench } from 'tinybench';

const BATCH = 1_000;
const key = 'wechat:stable:wx0123456789:3f1a9c';
const map = new Map([[key, { token: 'ACCESS_TOKEN_'.padEnd(512, 'x'), expiresAt: Date.now() + 7_200_000 }]]);

const cache = new TokenCache({
  key,
  fetchToken: async () => ({ token: 'ACCESS_TOKEN_'.padEnd(512, 'x'), expiresIn: 7_200 }),
});
let hits = 0;
const counted = new TokenCache({
  key,
  fetchToken: async () => ({ token: 'ACCESS_TOKEN_'.padEnd(512, 'x'), expiresIn: 7_200 }),
  onEvent: (event) => {
    if (event.type === 'hit') hits += 1;
  },
});
await cache.get();
await counted.get();

let sink = 0;
const bench = new Bench({ time: 1_500, warmupTime: 300 });
bench
  .add('Map.get (sync baseline)', () => {
    for (let i = 0; i < BATCH; i += 1) {
      const entry = map.get(key);
      if (entry !== undefined && entry.expiresAt > Date.now()) sink += entry.token.length;
    }
  })
  .add('await Map.get (async baseline)', async () => {
    for (let i = 0; i < BATCH; i += 1) {
      const entry = await Promise.resolve(map.get(key));
      if (entry !== undefined && entry.expiresAt > Date.now()) sink += entry.token.length;
    }
  })
  .add('await TokenCache.get()', async () => {
    for (let i = 0; i < BATCH; i += 1) sink += (await cache.get()).length;
  })
  .add('await TokenCache.get() + onEvent', async () => {
    for (let i = 0; i < BATCH; i += 1) sink += (await counted.get()).length;
  });
await bench.run();

const nsPerCall = (name: string): number => {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`no result for ${name}`);
  return (result.latency.mean * 1e6) / BATCH;
};
const syncNs = nsPerCall('Map.get (sync baseline)');
const asyncNs = nsPerCall('await Map.get (async baseline)');
const rows = bench.tasks.map((task) => {
  const ns = nsPerCall(task.name);
  return {
    task: task.name,
    'ns/call': ns.toFixed(1),
    'calls/s': Math.round(1e9 / ns).toLocaleString('en'),
    'RATIO vs await Map.get': (ns / asyncNs).toFixed(2),
    'RATIO vs Map.get': (ns / syncNs).toFixed(2),
  };
});
console.table(rows);
console.log('| task | ns/call | calls/s | ratio vs `await Map.get` | ratio vs `Map.get` |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(
    `| ${row.task} | ${row['ns/call']} | ${row['calls/s']} | ${row['RATIO vs await Map.get']} | ${row['RATIO vs Map.get']} |`,
  );
}
const hitNs = nsPerCall('await TokenCache.get()');
console.log(
  `TokenCache.get() hit: ${hitNs.toFixed(1)} ns (target ≤ 1000 ns) ${hitNs <= 1_000 ? 'OK' : 'OVER'}`,
);
if (sink === 0 || hits === 0) console.log('(sink)');
