// What a new user trips on first. A missing option used to be "Cannot read properties of undefined"
// at the first login; it is now OAUTH_CONFIG_ERROR at construction, naming the option. Unknown Lark
// regions and WeChat platforms are refused instead of crashing later. And an app-token `request()`
// answered outside 2xx without an errcode used to come back as data; it throws, without the token.
import { MemoryStore } from '@lingpai/auth-core';
import { describe, expect, it } from 'vitest';
import {
  Alipay,
  DingTalk,
  DingTalkAppToken,
  Douyin,
  DouyinClientToken,
  GitHub,
  Google,
  isOAuthError,
  Lark,
  LarkAppToken,
  OAuthError,
  QQ,
  SignedOAuthState,
  StoredOAuthState,
  WeChat,
  WeChatAppToken,
  WeCom,
  WeComAppToken,
  Weibo,
} from '../src/index.js';

function thrown(build: () => unknown): OAuthError {
  try {
    build();
  } catch (error) {
    return error as OAuthError;
  }
  throw new Error('expected a throw');
}

function refused(build: () => unknown, message: string | RegExp): void {
  const error = thrown(build);
  expect(isOAuthError(error, 'OAUTH_CONFIG_ERROR'), String(error)).toBe(true);
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('Cannot read properties');
}

const unset = process.env.LINGPAI_TEST_UNSET_VARIABLE;

describe('providers refuse missing credentials by name', () => {
  const providers = { WeChat, Lark, DingTalk, Douyin, GitHub, Google, QQ, Weibo } as const;
  for (const [name, Provider] of Object.entries(providers)) {
    it(`${name}: clientSecret undefined, clientId empty, no options`, () => {
      refused(
        () => new Provider({ clientId: 'id', clientSecret: unset as string }),
        /`clientSecret` is undefined — .*; is the environment variable you read it from set\?/,
      );
      refused(() => new Provider({ clientId: '', clientSecret: 's' }), /`clientId` is an empty string/);
      refused(() => new Provider(undefined as never), /needs options: \{ clientId, clientSecret \}/);
    });

    it(`${name}: a baseURL that is not an http(s) URL is refused (regression: "Invalid URL" at the first call)`, () => {
      refused(
        () => new Provider({ clientId: 'id', clientSecret: 's', baseURL: 'localhost:4010' }),
        /`baseURL` must be an absolute http\(s\) URL/,
      );
      refused(
        () => new Provider({ clientId: 'id', clientSecret: 's', timeoutMs: 0 }),
        /`timeoutMs` must be a positive number/,
      );
    });
  }

  it('WeChat platform and Lark region are enums: unknown values are refused', () => {
    refused(
      () => new WeChat({ clientId: 'wx1', clientSecret: 's', platform: 'miniprogram' as never }),
      /`platform` must be 'website' or 'official-account' or 'mini-program', got "miniprogram"/,
    );
    refused(
      () => new Lark({ clientId: 'cli', clientSecret: 's', region: 'cn' as never }),
      /`region` must be 'feishu' or 'lark', got "cn"/,
    );
    refused(
      () => new LarkAppToken({ appId: 'cli', appSecret: 's', region: 'global' as never }),
      /`region` must be 'feishu' or 'lark'/,
    );
    refused(() => new WeChatAppToken({ appId: 'wx', appSecret: 's', mode: 'fast' as never }), /`mode`/);
    refused(() => new WeChat({ clientId: 'wx', clientSecret: 's', subject: 'uid' as never }), /`subject`/);
  });

  it('Alipay, WeCom and the app tokens name their own credentials', () => {
    refused(() => new Alipay({ appId: '2021', privateKey: unset as string }), /`privateKey` is undefined/);
    refused(
      () => new WeCom({ corpId: 'ww', corpSecret: 's', agentId: unset as string }),
      /`agentId` is undefined/,
    );
    refused(
      () => new WeChatAppToken({ appId: 'wx', appSecret: unset as string }),
      /`appSecret` is undefined/,
    );
    refused(() => new LarkAppToken({ appId: unset as string, appSecret: 's' }), /`appId` is undefined/);
    refused(() => new DingTalkAppToken({ appKey: 'k', appSecret: unset as string }), /`appSecret`/);
    refused(() => new DouyinClientToken({ clientKey: 'k', clientSecret: unset as string }), /`clientSecret`/);
    refused(() => new WeComAppToken({ corpId: 'ww', corpSecret: unset as string }), /`corpSecret`/);
    refused(() => new WeComAppToken({ corpId: 'ww', corpSecret: 42 as never }), /must be a string/);
  });
});

describe('state classes', () => {
  it('SignedOAuthState: an unset STATE_SECRET names the variable (regression: TypeError in Buffer.from)', () => {
    refused(
      () => new SignedOAuthState({ secret: unset as string }),
      'SignedOAuthState: `secret` is undefined — is STATE_SECRET set? (at least 32 random bytes)',
    );
    refused(() => new SignedOAuthState(undefined as never), /needs options/);
    refused(() => new SignedOAuthState({ secret: 'short' }), /5 bytes; at least 32 required/);
  });

  it('StoredOAuthState: a missing store says which stores fit', () => {
    refused(
      () => new StoredOAuthState({ store: undefined as never }),
      /`store` is undefined — pass new MemoryStore/,
    );
    refused(() => new StoredOAuthState({ store: {} as never }), /not a KeyValueStore/);
    expect(() => new StoredOAuthState({ store: new MemoryStore() })).not.toThrow();
  });
});

describe('app-token request() outside 2xx', () => {
  const TOKEN = 'ACCESS_TOKEN_abc123';
  /** A platform whose token endpoint works and whose API answers `status` with a JSON body that echoes the URL. */
  function platform(status: number): typeof fetch {
    return async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (/stable_token|gettoken|tenant_access_token|accessToken|client_token/.test(url)) {
        const body = url.includes('tenant_access_token')
          ? { code: 0, tenant_access_token: TOKEN, expire: 7200 }
          : url.includes('accessToken')
            ? { accessToken: TOKEN, expireIn: 7200 }
            : url.includes('client_token')
              ? { data: { access_token: TOKEN, expires_in: 7200, error_code: 0 }, message: 'success' }
              : { access_token: TOKEN, expires_in: 7200, errcode: 0 };
        return Response.json(body);
      }
      return Response.json({ message: 'no such route', path: url }, { status });
    };
  }

  const clients = {
    wechat: (f: typeof fetch) => new WeChatAppToken({ appId: 'wx1', appSecret: 's', fetch: f }),
    wecom: (f: typeof fetch) => new WeComAppToken({ corpId: 'ww1', corpSecret: 's', fetch: f }),
    lark: (f: typeof fetch) => new LarkAppToken({ appId: 'cli_1', appSecret: 's', fetch: f }),
    dingtalk: (f: typeof fetch) => new DingTalkAppToken({ appKey: 'k', appSecret: 's', fetch: f }),
    douyin: (f: typeof fetch) => new DouyinClientToken({ clientKey: 'k', clientSecret: 's', fetch: f }),
  };

  for (const [name, create] of Object.entries(clients)) {
    it(`${name}: a 404 without a platform error code throws, and the token is in neither message nor payload`, async () => {
      const client = create(platform(404));
      const error = (await client
        .request('/no/such/api', { query: { a: '1' } })
        .catch((e: unknown) => e)) as OAuthError;
      expect(error).toBeInstanceOf(OAuthError);
      expect(error.status).toBe(404);
      expect(error.message).not.toContain(TOKEN);
      expect(JSON.stringify(error.payload ?? '')).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    });
  }

  it('wechat: a 502 is retryable OAUTH_PLATFORM_ERROR and the message names the path without its query', async () => {
    const error = (await clients
      .wechat(platform(502))
      .request('/cgi-bin/menu/get')
      .catch((e: unknown) => e)) as OAuthError;
    expect(error).toMatchObject({ code: 'OAUTH_PLATFORM_ERROR', retryable: true, status: 502 });
    expect(error.message).toBe('wechat: /cgi-bin/menu/get answered HTTP 502');
  });
});
