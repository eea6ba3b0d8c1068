import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, OAUTH_PLATFORMS, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS } from '../src/oauth/index.js';

const mp = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp;
let sandbox: Sandbox;
let base: string;

beforeEach(async () => {
  sandbox = await createSandbox({
    oauth: {
      apps: {
        wechat: [
          {
            appId: 'wxcustom0000000001',
            secret: 'custom-secret',
            name: 'Custom',
            wechatKind: 'official_account',
          },
        ],
      },
      users: [
        {
          id: 'dave',
          nickname: '大卫',
          name: 'Dave Chen',
          givenName: 'Dave',
          familyName: 'Chen',
          email: 'dave@example.com',
          emailVerified: true,
          mobile: '+8613800000005',
          gender: 'male',
          country: 'CN',
          province: 'Zhejiang',
          city: 'Hangzhou',
          githubLogin: 'dave-sandbox',
          githubId: 9_000_005,
          alipayUserId: '2088000000000005',
          weiboUid: '5000000005',
          googleSub: '100000000000000000005',
        },
      ],
    },
  });
  base = await sandbox.listen();
});
afterEach(() => sandbox.close());

describe('OAuth sandbox admin over real HTTP', () => {
  it('counts every token fetch per app and endpoint; DELETE resets', async () => {
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(
        `${base}/wechat/cgi-bin/token?grant_type=client_credential&appid=${mp.appId}&secret=${mp.secret}`,
      );
      expect(((await response.json()) as Record<string, unknown>).expires_in).toBe(7200);
    }
    await fetch(`${base}/wechat/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: 'wxcustom0000000001',
        secret: 'custom-secret',
      }),
    });
    const stats = await (await fetch(`${base}/__sandbox/oauth/stats`)).json();
    expect(stats).toEqual({
      wechat: { [mp.appId]: { 'cgi-bin/token': 3 }, wxcustom0000000001: { 'cgi-bin/stable_token': 1 } },
    });
    expect(sandbox.oauth.stats()).toEqual(stats);
    await fetch(`${base}/__sandbox/oauth/stats`, { method: 'DELETE' });
    expect(sandbox.oauth.fetches('wechat', mp.appId, 'cgi-bin/token')).toBe(0);
  });

  it('invalidates a token through the admin route; issues a mini-program js_code', async () => {
    const token = (await (
      await fetch(
        `${base}/wechat/cgi-bin/token?grant_type=client_credential&appid=${mp.appId}&secret=${mp.secret}`,
      )
    ).json()) as {
      access_token: string;
    };
    const invalidate = await fetch(`${base}/__sandbox/oauth/invalidate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token.access_token }),
    });
    expect(invalidate.status).toBe(200);
    const check = (await (
      await fetch(`${base}/wechat/cgi-bin/getcallbackip?access_token=${token.access_token}`)
    ).json()) as Record<string, unknown>;
    expect(check.errcode).toBe(40001);
    const unknown = await fetch(`${base}/__sandbox/oauth/invalidate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'nope' }),
    });
    expect(unknown.status).toBe(404);
    const jsCode = await fetch(`${base}/__sandbox/oauth/wechat/jscode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appid: SANDBOX_OAUTH_DEFAULTS.apps.wechat.mini.appId, user: 'dave' }),
    });
    expect(((await jsCode.json()) as Record<string, unknown>).js_code).toEqual(expect.any(String));
  });

  it('added users appear in every picker; every platform applies its generic faults', async () => {
    const page = await fetch(
      `${base}/github/login/oauth/authorize?client_id=${SANDBOX_OAUTH_DEFAULTS.apps.github.default.appId}&redirect_uri=${encodeURIComponent('http://localhost:1/cb')}`,
    );
    expect(await page.text()).toContain('value="dave"');
    const probes: Record<(typeof OAUTH_PLATFORMS)[number], string> = {
      wechat: '/wechat/cgi-bin/getcallbackip',
      wecom: '/wecom/cgi-bin/getcallbackip',
      dingtalk: '/dingtalk/gettoken',
      lark: '/lark/open-apis/bot/v3/info',
      douyin: '/douyin/js/getticket/',
      alipay: '/alipay/gateway.do',
      qq: '/qq/oauth2.0/me',
      weibo: '/weibo/2/users/show.json',
      google: '/google/oauth2/v3/certs',
      github: '/github/user',
    };
    for (const platform of OAUTH_PLATFORMS) {
      sandbox.faults.set(platform, { status: 502, times: 1 });
      const faulted = await fetch(`${base}${probes[platform]}`);
      expect(faulted.status, platform).toBe(502);
      expect(await faulted.text()).toContain('sandbox fault');
      const after = await fetch(`${base}${probes[platform]}`);
      expect(after.status, platform).not.toBe(502);
      await after.arrayBuffer();
    }
    sandbox.faults.set('google', { malformed: true, times: 1 });
    const malformed = await fetch(`${base}/google/oauth2/v3/certs`);
    await expect(malformed.json()).rejects.toThrow();
    const fine = await fetch(`${base}/google/oauth2/v3/certs`);
    expect(((await fine.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });
});
