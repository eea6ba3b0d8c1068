// examples/token-cache.ts
import { TokenCache } from '@lingpai/auth-core';
import { RedisStore } from '@lingpai/redis';

const store = new RedisStore({ url: process.env.REDIS_URL, keyPrefix: 'myapp:' });

// Your upstream call: the platform's token endpoint (for Lark, WeChat, DingTalk, WeCom and Douyin,
// @lingpai/oauth-social has it ready-made). Here it mints a token, so the example runs anywhere.
async function fetchTenantToken(signal: AbortSignal): Promise<{ token: string; expiresIn: number }> {
  signal.throwIfAborted();
  return { token: `t-${crypto.randomUUID()}`, expiresIn: 7200 }; // expiresIn in seconds
}

const lark = new TokenCache({
  key: 'lark:tenant:cli_example',
  store, // also used as the lock: one process fetches, the others adopt its token
  fetchToken: ({ signal }) => fetchTenantToken(signal),
});
const token = await lark.get();
console.log(token === (await lark.get())); // true: one fetch, then the cached token

const { count } = await store.increment('sms:ip:203.0.113.7', 3_600_000); // fixed 1-hour window
console.log(count);

await store.close(); // quits the connection the store opened from `url`, so the process can exit
