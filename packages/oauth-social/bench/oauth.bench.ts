// Three hot paths of @lingpai/oauth-social, each against a straight-line baseline in the same run:
// 1. signed state: create + verify vs the same HMAC work written inline;
// 2. Alipay RSA2 request signing (content + sign) vs a bare createSign over the same content;
// 3. a WeChat mini-program code2session over HTTP against the local sandbox vs a raw fetch + JSON.parse.
import { createHmac, createPrivateKey, createSign, randomBytes, timingSafeEqual } from 'node:crypto';
import { alipaySignContent, SignedOAuthState, signAlipayRsa2, WeChat } from '@lingpai/oauth-social';
import { ALIPAY_SANDBOX_APP_PRIVATE_KEY, createSandbox, SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';
import { Bench } from 'tinybench';

const secret = 'bench-state-secret-0123456789abcdef';
const states = new SignedOAuthState({ secret });
const binding = { provider: 'github', redirectUri: 'https://app.example/callback' };
const key = Buffer.from(secret);
let sink = 0;

const params = {
  app_id: '2021000000000001',
  method: 'alipay.system.oauth.token',
  format: 'JSON',
  charset: 'utf-8',
  sign_type: 'RSA2',
  timestamp: '2026-01-05 10:00:00',
  version: '1.0',
  grant_type: 'authorization_code',
  code: '4b203fe6c11548bcabd8da5bb087a83b',
};
const privateKey = createPrivateKey(ALIPAY_SANDBOX_APP_PRIVATE_KEY);
const content = alipaySignContent(params);

const sandbox = await createSandbox();
const url = await sandbox.listen();
const mini = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mini;
const wechat = new WeChat({
  platform: 'mini-program',
  clientId: mini.appId,
  clientSecret: mini.secret,
  baseURL: `${url}/wechat`,
});

const bench = new Bench({ time: 1_500, warmupTime: 300 });
bench
  .add('state: straight-line node:crypto (baseline)', () => {
    // The same work written inline: random part, MAC, derived verifier; then MAC check and derive again.
    const body = `${Date.now().toString(36)}.${randomBytes(16).toString('base64url')}`;
    const input = `${body}\0github\0https://app.example/callback\0`;
    const state = `${body}.${createHmac('sha256', key).update(input).digest('base64url')}`;
    sink += createHmac('sha512', key).update(state).digest().length;
    const mac = Buffer.from(state.slice(state.lastIndexOf('.') + 1), 'base64url');
    if (timingSafeEqual(mac, createHmac('sha256', key).update(input).digest())) {
      sink += createHmac('sha512', key).update(state).digest().length;
    }
  })
  .add('state: SignedOAuthState create + verify', () => {
    const issued = states.create(binding);
    sink += states.verify(issued.state, binding).codeVerifier.length;
  })
  .add('alipay: bare createSign (baseline)', () => {
    sink += createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64').length;
  })
  .add('alipay: alipaySignContent + signAlipayRsa2', () => {
    sink += signAlipayRsa2(alipaySignContent(params), privateKey).length;
  })
  .add('code2session: raw fetch + JSON.parse (baseline)', async () => {
    const code = sandbox.oauth.wechatJsCode(mini.appId, 'alice');
    const target = new URL(`${url}/wechat/sns/jscode2session`);
    for (const [name, value] of Object.entries({
      appid: mini.appId,
      secret: mini.secret,
      js_code: code,
      grant_type: 'authorization_code',
    })) {
      target.searchParams.set(name, value);
    }
    const body = JSON.parse(await (await fetch(target)).text()) as { openid: string };
    sink += body.openid.length;
  })
  .add('code2session: WeChat.validateAuthorizationCode', async () => {
    const tokens = await wechat.validateAuthorizationCode(sandbox.oauth.wechatJsCode(mini.appId, 'alice'));
    sink += tokens.openId().length;
  });
await bench.run();
await sandbox.close();

const opsPerSecond = (name: string): number => {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('throughput' in result)) throw new Error(`no result for ${name}`);
  return result.throughput.mean;
};
const pairs: [string, string][] = [
  ['state: SignedOAuthState create + verify', 'state: straight-line node:crypto (baseline)'],
  ['alipay: alipaySignContent + signAlipayRsa2', 'alipay: bare createSign (baseline)'],
  ['code2session: WeChat.validateAuthorizationCode', 'code2session: raw fetch + JSON.parse (baseline)'],
];
console.log('| task | ops/s | baseline ops/s | RATIO (ours / baseline) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [ours, baseline] of pairs) {
  const a = opsPerSecond(ours);
  const b = opsPerSecond(baseline);
  console.log(
    `| ${ours} | ${Math.round(a).toLocaleString('en')} | ${Math.round(b).toLocaleString('en')} | ${(a / b).toFixed(2)} |`,
  );
}
if (sink === 0) console.log('(sink)');
