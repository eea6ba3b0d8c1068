import { createApiKeyVerifier, MemoryStore, signApiKeyRequest } from '@lingpai/auth-core';
import { WeChat, WeChatAppToken } from '@lingpai/oauth-social';
import {
  buildOtpAuthUri,
  createReplayGuard,
  createSmsChannel,
  generateSecret,
  MemoryOtpStore,
  totp,
  VerificationService,
  verifyTotp,
} from '@lingpai/otp';
import { SANDBOX_OAUTH_DEFAULTS, SANDBOX_SMS_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { createAliyunProvider, createTencentProvider, SmsSender } from '@lingpai/sms';

/** One line of the tour's output. */
export type Say = (line: string) => void;

const PHONE = '+8613800138000';
const REDIRECT_URI = 'http://127.0.0.1:3000/callback';

/**
 * Runs every step against a listening sandbox and returns what each produced, so the demo prints it
 * and the test asserts it. Nothing here reaches a real platform.
 */
export async function runTour(sandbox: Sandbox, base: string, say: Say) {
  const aliyun = SANDBOX_SMS_DEFAULTS.aliyun;
  const tencent = SANDBOX_SMS_DEFAULTS.tencent;

  // 1. SMS with failover: Aliyun is down (503), so the message goes to Tencent.
  const sender = new SmsSender({
    providers: [
      createAliyunProvider({
        baseURL: `${base}/aliyun`,
        accessKeyId: aliyun.accessKeyId,
        accessKeySecret: aliyun.accessKeySecret,
        signName: '令牌',
      }),
      createTencentProvider({
        baseURL: `${base}/tencent`,
        secretId: tencent.secretId,
        secretKey: tencent.secretKey,
        smsSdkAppId: tencent.smsSdkAppId,
        signName: '令牌',
      }),
    ],
    defaultRegion: 'CN',
  });
  sandbox.faults.set('aliyun', { status: 503, times: 1 });
  const sms = await sender.send({
    to: '138 0013 8000',
    template: { ids: { aliyun: 'SMS_100000001', tencent: '1235' }, params: { code: '482910', minutes: '5' } },
  });
  say(
    `1. SMS failover: Aliyun answered 503, so ${sms.provider} sent it (${sms.attempts.map((a) => `${a.provider}:${a.outcome}`).join(' → ')})`,
  );

  // 2. A verification code: send, read it from the sandbox inbox, verify, redeem once.
  const otp = new VerificationService({
    secret: 'demo-secret-demo-secret-demo-secret-0001',
    store: new MemoryOtpStore(),
    channels: {
      sms: createSmsChannel({
        sender,
        templates: { default: { ids: { aliyun: 'SMS_100000001', tencent: '1235' } } },
      }),
    },
    phone: { defaultRegion: 'CN', allowedCountries: ['CN'] },
  });
  const sent = await otp.send({ to: PHONE, channel: 'sms', purpose: 'sign_in', ip: '127.0.0.1' });
  const code = sandbox.sms.lastCode(PHONE);
  if (code === undefined) throw new Error('the sandbox inbox has no code');
  const verified = await otp.verify({ verificationId: sent.verificationId, code });
  const redeemed = await otp.redeem(verified.verificationToken);
  say(
    `2. Verification code ${code} (valid ${sent.expiresIn} s, resend after ${sent.resendAfter} s): verified, then redeemed once for ${redeemed.purpose}`,
  );

  // 3. WeChat website login through the sandbox's authorize page.
  const app = SANDBOX_OAUTH_DEFAULTS.apps.wechat.default;
  const wechat = new WeChat({
    clientId: app.appId,
    clientSecret: app.secret,
    redirectUri: REDIRECT_URI,
    baseURL: `${base}/wechat`,
  });
  const authorizeUrl = new URL(wechat.createAuthorizationURL({ state: 'demo-state' }));
  authorizeUrl.searchParams.set('user', 'alice');
  authorizeUrl.searchParams.set('auto', '1');
  const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = new URL(redirect.headers.get('location') ?? '');
  const tokens = await wechat.validateAuthorizationCode(callback.searchParams.get('code') ?? '');
  const profile = await wechat.getProfile(tokens);
  say(
    `3. WeChat login with @lingpai/oauth-social: ${profile.name} (unionid ${profile.id}, openid ${profile.openId})`,
  );

  // 4. An app token: fetched once, then served from the cache.
  const appToken = new WeChatAppToken({ appId: app.appId, appSecret: app.secret, baseURL: `${base}/wechat` });
  await appToken.request('/cgi-bin/getcallbackip');
  await appToken.request('/cgi-bin/getcallbackip');
  const fetches = sandbox.oauth.fetches('wechat', app.appId, 'cgi-bin/stable_token');
  say(
    `4. WeChat app token: two API calls, ${fetches} stable_token fetch (the token cache served the second)`,
  );

  // 5. Your own API: sign a request with an API key, verify it, and refuse the replay.
  const keys = new Map([['demo-key', 'demo-api-secret']]);
  const verifier = createApiKeyVerifier({
    lookupSecret: async (keyId) => keys.get(keyId),
    nonceStore: new MemoryStore(),
    hosts: ['api.example.com'],
  });
  const request = { method: 'POST', url: 'https://api.example.com/v1/orders?page=1', body: '{"sku":"A1"}' };
  const signed = signApiKeyRequest(request, { keyId: 'demo-key', secret: 'demo-api-secret' });
  const incoming = { ...request, headers: signed.headers };
  const { keyId } = await verifier.verify(incoming);
  const replay = await verifier.verify(incoming).then(
    () => 'accepted',
    (error: { code?: string }) => error.code ?? 'rejected',
  );
  say(`5. API-key-signed request verified for ${keyId}; its replay → ${replay}`);

  // 6. TOTP: enroll, then verify a code once.
  const secret = generateSecret();
  const uri = buildOtpAuthUri({ type: 'totp', issuer: 'Lingpai', account: 'alice@example.com', secret });
  const replayGuard = createReplayGuard({ store: new MemoryStore(), key: 'totp:alice' });
  const token = totp(secret);
  const first = await verifyTotp({ secret, token, replayGuard });
  const again = await verifyTotp({ secret, token, replayGuard });
  say(
    `6. TOTP enrolled (${uri.slice(0, 32)}…): the code ${first.valid ? 'accepted' : 'rejected'} once, its replay ${again.valid ? 'accepted' : 'rejected'}`,
  );

  return {
    sms,
    code,
    redeemed,
    profile,
    fetches,
    keyId,
    replay,
    totp: { first: first.valid, again: again.valid },
  };
}
