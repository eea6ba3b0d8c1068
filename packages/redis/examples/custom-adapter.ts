// examples/custom-adapter.ts
import { createRedisClient, defineRedisScript, RedisCommandRunner } from '@lingpai/redis';

const TAKE = defineRedisScript('myapp_take', 1, "return redis.call('GETDEL', KEYS[1])");
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runner = new RedisCommandRunner(createRedisClient(url), { keyPrefix: 'myapp:' });

await runner.run('SET', (client) => client.set(runner.key('code:alice'), '482910', 'PX', 60_000));
const value = await runner.script(TAKE, ['code:alice'], []); // EVALSHA, EVAL once on NOSCRIPT
const ttl = await runner.run('PTTL', (client) => client.pttl(runner.key('code:alice')));
console.log(value, ttl); // 482910 -2: taken, and gone

await runner.client.quit();
