// examples/app-token.ts
import { WeChatAppToken } from '@lingpai/oauth-social';
import { RedisStore } from '@lingpai/redis';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';

const sandbox = await createSandbox(); // stands in for WeChat; in production leave `baseURL` out
const baseURL = `${await sandbox.listen()}/wechat`;
const { appId, secret } = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp;

const store = new RedisStore({ url: process.env.REDIS_URL, keyPrefix: `example:${Date.now()}:` });
const wechat = new WeChatAppToken({ appId, appSecret: secret, store, baseURL }); // stable_token by default

// The token is fetched once for all processes, refreshed early, and replaced once if WeChat
// answers 40001/40014/42001: compare-and-delete, so a newer token another server stored is kept.
const ips = await wechat.request<{ ip_list: string[] }>('/cgi-bin/getcallbackip');
console.log(ips.ip_list.length);

// Any call of yours (another SDK, your own fetch) gets the same retry-once-on-invalid-token.
const domains = await wechat.withAppToken(async (token) => {
  const response = await fetch(`${baseURL}/cgi-bin/get_api_domain_ip?access_token=${token}`);
  const body = (await response.json()) as { errcode?: number; errmsg?: string; ip_list?: string[] };
  // An error carrying WeChat's errcode 40001/40014/42001: the token is replaced, the call runs once more.
  if (body.errcode) throw Object.assign(new Error(body.errmsg), { errcode: body.errcode });
  return body;
});
console.log(domains.ip_list?.length);

await store.close();
await sandbox.close();
