import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DingTalkAppToken, Douyin, OAuthError, WeChat } from '../src/index.js';

// A local server that answers each path with a fixed (status, body), to replay documented samples.
const routes = new Map<string, { status: number; body: string; delayMs?: number }>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    const route = routes.get(new URL(request.url ?? '/', 'http://x').pathname);
    const send = () => {
      response.writeHead(route?.status ?? 404, { 'content-type': 'application/json' });
      response.end(route?.body ?? '{}');
    };
    if (route?.delayMs === undefined) send();
    else setTimeout(send, route.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('lenient parsing and transport failures', () => {
  it('reads Douyin numbers sent as strings ("expires_in": "86400", "error_code": "0")', async () => {
    // Shape of the Douyin doc sample for /oauth/access_token/ (numbers as strings).
    routes.set('/oauth/access_token/', {
      status: 200,
      body: JSON.stringify({
        data: {
          access_token: 'act.1d1021d2aee3d41fee2d2add43456badMFZnrhFhfWotu3Ecuiuka27L56lr',
          description: '',
          error_code: '0',
          expires_in: '86400',
          open_id: 'b9b71865-7fea-44cc-ba0a-d1a4d2aa7b3f',
          refresh_expires_in: '86400',
          refresh_token: 'rft.a736b70544519999a5bc3f2d7ae4e8bdZ1ejdatvMXk6HfIQ8bmoWbalbcf5',
          scope: 'user_info',
        },
        message: 'success',
      }),
    });
    const douyin = new Douyin({ clientId: 'ck', clientSecret: 'cs', baseURL: base });
    const tokens = await douyin.validateAuthorizationCode('code');
    expect(tokens.accessTokenExpiresAt().getTime() - tokens.issuedAt).toBe(86_400_000);
    expect(tokens.openId()).toBe('b9b71865-7fea-44cc-ba0a-d1a4d2aa7b3f');
    expect(tokens.scopes()).toEqual(['user_info']);
  });

  it('maps the reference Douyin error sample (error_code inside data, HTTP 200)', async () => {
    // Reference §2.4: {"data":{"description":"Parameter error","error_code":2100005},"extra":{…}} with HTTP 200.
    routes.set('/oauth/refresh_token/', {
      status: 200,
      body: '{"data":{"description":"Parameter error","error_code":2100005},"extra":{"logid":"2020070614111601022506808001045D59","now":1594015876138}}',
    });
    const douyin = new Douyin({ clientId: 'ck', clientSecret: 'cs', baseURL: base });
    await expect(douyin.refreshAccessToken('rft.x')).rejects.toMatchObject({
      code: 'OAUTH_PLATFORM_ERROR',
      platformCode: '2100005',
      platformMessage: 'Parameter error',
    });
  });

  it('a non-JSON 502 is a retryable platform error; a hang is an HTTP_TIMEOUT', async () => {
    routes.set('/sns/oauth2/access_token', { status: 502, body: '<html>Bad Gateway</html>' });
    const wechat = new WeChat({ clientId: 'wx', clientSecret: 's', baseURL: base, timeoutMs: 200 });
    const error = await wechat.validateAuthorizationCode('c').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: 'OAUTH_PLATFORM_ERROR', retryable: true, status: 502 });
    routes.set('/sns/oauth2/access_token', { status: 200, body: '{}', delayMs: 2_000 });
    await expect(wechat.validateAuthorizationCode('c')).rejects.toMatchObject({ code: 'HTTP_TIMEOUT' });
  });

  it('a DingTalk {errcode, errmsg} body with HTTP 200 is an error, not a success', async () => {
    // Regression: only `code` was looked at on HTTP 200, so a non-zero legacy errcode passed as success.
    routes.set('/v1.0/oauth2/accessToken', {
      status: 200,
      body: '{"errcode":40089,"errmsg":"不合法的corpid或corpsecret"}',
    });
    const appToken = new DingTalkAppToken({ appKey: 'k', appSecret: 's', baseURL: base });
    await expect(appToken.get()).rejects.toMatchObject({
      code: 'OAUTH_CONFIG_ERROR',
      platformCode: '40089',
      platformMessage: '不合法的corpid或corpsecret',
    });
    routes.set('/v1.0/oauth2/accessToken', {
      status: 200,
      body: '{"errcode":0,"errmsg":"ok","accessToken":"t","expireIn":7200}',
    });
    await expect(appToken.get()).resolves.toBe('t');
  });

  it('a 200 without the documented fields is OAUTH_BAD_RESPONSE, never a token of "undefined"', async () => {
    routes.set('/sns/oauth2/access_token', { status: 200, body: '{"openid":"o"}' });
    const wechat = new WeChat({ clientId: 'wx', clientSecret: 's', baseURL: base });
    await expect(wechat.validateAuthorizationCode('c')).rejects.toMatchObject({ code: 'OAUTH_BAD_RESPONSE' });
  });
});
