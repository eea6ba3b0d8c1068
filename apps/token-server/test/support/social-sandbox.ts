import { parseCallback } from '@lingpai/oauth-social';
import { SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';
import type { BuildAppOptions, TokenServerApp } from '../../src/app.js';
import type { SocialOptions } from '../../src/social/social-config.js';

/** The app's own callback page, registered on the test client (the sandbox accepts any 127.0.0.1 port). */
export const APP_REDIRECT_URI = 'http://127.0.0.1:7999/callback';
export const SOCIAL_CLIENT = 'social-app';

const apps = SANDBOX_OAUTH_DEFAULTS.apps;

/**
 * The ten platforms (and WeChat's official account beside its website app, on one Open Platform
 * account) pointed at the sandbox with `baseURL`: the configuration a production file would hold,
 * with literal secrets because these are the sandbox's public test values.
 */
export function sandboxSocialConfig(sandboxUrl: string): SocialOptions {
  const base = (platform: string) => `${sandboxUrl}/${platform}`;
  return {
    wechat: {
      provider: 'wechat',
      appId: apps.wechat.default.appId,
      clientSecret: apps.wechat.default.secret,
      platform: 'website',
      baseURL: base('wechat'),
    },
    wechat_mp: {
      provider: 'wechat',
      appId: apps.wechat.mp.appId,
      clientSecret: apps.wechat.mp.secret,
      platform: 'official-account',
      scopes: ['snsapi_userinfo'],
      baseURL: base('wechat'),
    },
    // A mini program: no authorize page; its wx.login code goes straight to provider/token.
    wechat_mini: {
      provider: 'wechat',
      appId: apps.wechat.mini.appId,
      clientSecret: apps.wechat.mini.secret,
      platform: 'mini-program',
      baseURL: base('wechat'),
    },
    qq: {
      provider: 'qq',
      clientId: apps.qq.default.appId,
      clientSecret: apps.qq.default.secret,
      baseURL: base('qq'),
    },
    weibo: {
      provider: 'weibo',
      clientId: apps.weibo.default.appId,
      clientSecret: apps.weibo.default.secret,
      baseURL: base('weibo'),
    },
    alipay: {
      provider: 'alipay',
      appId: apps.alipay.default.appId,
      privateKey: SANDBOX_OAUTH_DEFAULTS.alipay.appPrivateKey,
      alipayPublicKey: SANDBOX_OAUTH_DEFAULTS.alipay.alipayPublicKey,
      baseURL: base('alipay'),
    },
    dingtalk: {
      provider: 'dingtalk',
      clientId: apps.dingtalk.default.appId,
      clientSecret: apps.dingtalk.default.secret,
      baseURL: base('dingtalk'),
    },
    lark: {
      provider: 'lark',
      clientId: apps.lark.default.appId,
      clientSecret: apps.lark.default.secret,
      region: 'feishu',
      baseURL: base('lark'),
    },
    douyin: {
      provider: 'douyin',
      clientId: apps.douyin.default.appId,
      clientSecret: apps.douyin.default.secret,
      baseURL: base('douyin'),
    },
    wecom: {
      provider: 'wecom',
      clientId: apps.wecom.default.appId,
      clientSecret: apps.wecom.default.secret,
      agentId: apps.wecom.default.agentId,
      flow: 'qr',
      baseURL: base('wecom'),
    },
    github: {
      provider: 'github',
      clientId: apps.github.default.appId,
      clientSecret: apps.github.default.secret,
      baseURL: base('github'),
    },
    google: {
      provider: 'google',
      clientId: apps.google.default.appId,
      clientSecret: apps.google.default.secret,
      baseURL: base('google'),
    },
  };
}

/** The server options of a social test: the platforms above, on the sandbox. */
export function sandboxServerOptions(sandboxUrl: string): Partial<BuildAppOptions> {
  return { social: sandboxSocialConfig(sandboxUrl) };
}

/** Every configured provider id with an authorize page (all but the mini program), in the order above. */
export const SANDBOX_PROVIDER_IDS = [
  'wechat',
  'wechat_mp',
  'qq',
  'weibo',
  'alipay',
  'dingtalk',
  'lark',
  'douyin',
  'wecom',
  'github',
  'google',
] as const;

function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&');
}

/**
 * Plays the user at the sandbox's authorize page over HTTP: loads the page, submits its form (every
 * hidden field, the chosen user, allow) and returns where the platform redirected the browser.
 */
export async function consentAtPlatform(authorizeUrl: string, user: string): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${html.slice(0, 300)}`);
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form on the authorize page: ${html.slice(0, 300)}`);
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(decodeHtml(match[1] ?? ''), decodeHtml(match[2] ?? ''));
  }
  form.set('user', user);
  form.set('decision', 'allow');
  const submitted = await fetch(new URL(decodeHtml(action), authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = submitted.headers.get('location');
  if (submitted.status !== 302 || location === null) {
    throw new Error(`consent answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
  }
  return new URL(location);
}

export interface Call {
  status: number;
  body: Record<string, unknown>;
}

/** A CloudBase call as the official client makes it: text/plain JSON, `x-device-id`, `client_id` in the query. */
export async function cloudbaseCall(
  app: TokenServerApp,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: {
    body?: Record<string, string>;
    deviceId?: string;
    bearer?: string;
    clientId?: string;
    ip?: string;
  } = {},
): Promise<Call> {
  const headers: Record<string, string> = {};
  if (options.deviceId !== undefined) headers['x-device-id'] = options.deviceId;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'text/plain;charset=UTF-8';
  const separator = path.includes('?') ? '&' : '?';
  const url =
    options.bearer === undefined ? `${path}${separator}client_id=${options.clientId ?? SOCIAL_CLIENT}` : path;
  const response = await app.inject({
    method,
    url,
    headers,
    ...(options.ip === undefined ? {} : { remoteAddress: options.ip }),
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
  return { status: response.statusCode, body: response.json() };
}

/**
 * The browser half of a platform login: the server's authorization URL, the platform's page, and
 * the callback's code and state.
 */
export async function platformCallback(
  app: TokenServerApp,
  input: {
    providerId: string;
    user: string;
    deviceId: string;
    state?: string;
    redirectUri?: string;
    clientId?: string;
  },
): Promise<{ code: string; state: string | undefined; uri: string }> {
  const query = new URLSearchParams({
    provider_id: input.providerId,
    redirect_uri: input.redirectUri ?? APP_REDIRECT_URI,
    ...(input.state === undefined ? {} : { state: input.state }),
  });
  const uri = await cloudbaseCall(app, 'GET', `/auth/v1/provider/uri?${query}`, {
    deviceId: input.deviceId,
    ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
  });
  if (uri.status !== 200) throw new Error(`provider/uri answered ${uri.status}: ${JSON.stringify(uri.body)}`);
  const callback = await consentAtPlatform(String(uri.body.uri), input.user);
  const { code, state } = parseCallback(callback);
  return { code, state, uri: String(uri.body.uri) };
}

/** A whole platform login up to the provider_token (sent as the official client sends it: no state). */
export async function providerToken(
  app: TokenServerApp,
  input: { providerId: string; user: string; deviceId: string; clientId?: string },
): Promise<string> {
  const { code } = await platformCallback(app, input);
  const answer = await cloudbaseCall(app, 'POST', '/auth/v1/provider/token', {
    deviceId: input.deviceId,
    ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
    body: { provider_id: input.providerId, provider_code: code, provider_redirect_uri: APP_REDIRECT_URI },
  });
  if (answer.status !== 200)
    throw new Error(`provider/token answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return String(answer.body.provider_token);
}
