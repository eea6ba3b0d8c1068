// examples/token-cache.ts
import { createHash } from 'node:crypto';
import { TokenCache } from '@lingpai/auth-core';

// A stand-in for the platform (WeChat's stable_token and an API that takes the token); call yours
// through your HTTP client. The first token it hands out is later rejected, as after a rotation.
let issued = 0;
const platform = {
  async stableToken(appId: string, signal: AbortSignal) {
    signal.throwIfAborted();
    issued += 1;
    return { access_token: `ACCESS_TOKEN_${issued}_${appId}`, expires_in: 7200 };
  },
  async getUserInfo(token: string) {
    if (token.startsWith('ACCESS_TOKEN_1_'))
      throw Object.assign(new Error('invalid credential'), { errcode: 40001 });
    return { nickname: '令牌', token };
  },
};

const appId = 'wx0123456789abcdef';
const appSecret = 'example-app-secret'; // from your secret store
const secretHash = createHash('sha256').update(appSecret).digest('hex').slice(0, 16);
const cache = new TokenCache({
  key: `wechat:stable:${appId}:${secretHash}`, // identity of the credential; never the raw secret
  // store: new RedisStore({ url: process.env.REDIS_URL }), // @lingpai/redis: one token, many processes
  fetchToken: async ({ signal }) => {
    const answer = await platform.stableToken(appId, signal);
    return { token: answer.access_token, expiresIn: answer.expires_in };
  },
  onEvent: (event) => event.type === 'fetch' && console.log(`upstream fetch (${event.reason})`),
});

const tokens = await Promise.all([cache.get(), cache.get(), cache.get()]); // one upstream fetch
const user = await cache.withToken(
  (token) => platform.getUserInfo(token),
  (error) => [40001, 40014, 42001].includes((error as { errcode?: number }).errcode ?? 0),
);
console.log(new Set(tokens).size, user.nickname, issued); // 1 令牌 2: rejected once, refetched once
