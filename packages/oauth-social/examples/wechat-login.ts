// examples/wechat-login.ts
import { parseCallback, SignedOAuthState, WeChat } from '@lingpai/oauth-social';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';

// The sandbox stands in for WeChat here; in production leave `baseURL` out.
const sandbox = await createSandbox();
const { appId, secret } = SANDBOX_OAUTH_DEFAULTS.apps.wechat.default;

const redirectUri = 'http://127.0.0.1:3000/callback';
const wechat = new WeChat({
  clientId: appId,
  clientSecret: secret,
  redirectUri,
  baseURL: `${await sandbox.listen()}/wechat`,
});
const states = new SignedOAuthState({ secret: process.env.STATE_SECRET ?? '' }); // ≥ 32 bytes

// 1. Send the user to WeChat (bind the state to the browser, e.g. a session cookie value).
function login(sessionId: string): URL {
  const { state } = states.create({ provider: 'wechat', redirectUri, bind: sessionId });
  return wechat.createAuthorizationURL({ state });
}

// 2. On the callback.
async function callback(callbackUrl: string, sessionId: string) {
  const { code, state } = parseCallback(callbackUrl); // also reads Alipay auth_code / DingTalk authCode
  states.verify(state, { provider: 'wechat', redirectUri, bind: sessionId });
  const tokens = await wechat.validateAuthorizationCode(code);
  return wechat.getProfile(tokens); // { id: unionid ?? openid, openId, unionId, name, avatarUrl, snapshotUser, raw, … }
}

// The sandbox plays the browser: `user=alice&auto=1` consents as alice and redirects back.
const authorize = login('session-1');
authorize.searchParams.set('user', 'alice');
authorize.searchParams.set('auto', '1');
const redirected = await fetch(authorize, { redirect: 'manual' });
const profile = await callback(redirected.headers.get('location') ?? '', 'session-1');
console.log(profile.id, profile.name);

await sandbox.close();
