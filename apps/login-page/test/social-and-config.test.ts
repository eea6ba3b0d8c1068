import { describe, expect, it } from 'vitest';
import type { LoginMethod } from '../src/interaction-types.js';
import { PageConfigError, parsePageConfig } from '../src/page-config.js';
import { platformLabel, socialButtons } from '../src/social-plan.js';

const methods: LoginMethod[] = [
  { type: 'password' },
  { type: 'sms' },
  { type: 'provider', provider_id: 'wx_open', name: 'WeChat', platform: 'wechat', flow: 'qr' },
  { type: 'provider', provider_id: 'wx_mp', name: 'WeChat', platform: 'wechat', flow: 'in-wechat' },
  { type: 'provider', provider_id: 'github', name: 'GitHub', platform: 'github' },
];

const plan = (list: LoginMethod[], kind: Parameters<typeof socialButtons>[1]) =>
  socialButtons(list, kind).map(({ method, action }) => `${method.provider_id}:${action}`);

describe('socialButtons', () => {
  it('desktop: the WeChat QR framed, never the official-account flow', () => {
    expect(plan(methods, 'desktop')).toEqual(['wx_open:wechat-qr', 'github:navigate']);
  });

  it('inside WeChat: the official-account flow by navigation, never qrconnect', () => {
    expect(plan(methods, 'wechat')).toEqual(['wx_mp:navigate', 'github:navigate']);
  });

  it('other phones: the QR one with the fallback explanation', () => {
    expect(plan(methods, 'mobile')).toEqual(['wx_open:wechat-mobile-fallback', 'github:navigate']);
  });

  it('inside WeChat without an official-account provider: the QR one, explained', () => {
    expect(plan(methods.slice(0, 3), 'wechat')).toEqual(['wx_open:wechat-mobile-fallback']);
  });

  it('a provider without platform/flow (an older server) is a plain navigation unless it looks like WeChat', () => {
    expect(
      plan(
        [
          { type: 'provider', provider_id: 'google' },
          { type: 'provider', provider_id: 'wechat' },
          { type: 'provider' },
        ],
        'desktop',
      ),
    ).toEqual(['google:navigate', 'wechat:wechat-qr']);
  });
});

describe('parsePageConfig', () => {
  const good = {
    issuer: 'http://127.0.0.1:8080',
    env_id: 'lingpai',
    client_id: 'lingpai-login',
    scope: 'openid profile user',
    show_tokens: true,
    cross_tab: false,
    wechat_origins: ['https://open.weixin.qq.com'],
    extra: 'ignored',
  };

  it('reads the server’s config.json', () => {
    expect(parsePageConfig(good)).toEqual({
      issuer: 'http://127.0.0.1:8080',
      env_id: 'lingpai',
      client_id: 'lingpai-login',
      scope: 'openid profile user',
      show_tokens: true,
      cross_tab: false,
      wechat_origins: ['https://open.weixin.qq.com'],
    });
  });

  it('defaults: cross_tab on, show_tokens off, no WeChat origins', () => {
    expect(parsePageConfig({ issuer: 'http://x', client_id: 'c' })).toMatchObject({
      cross_tab: true,
      show_tokens: false,
      wechat_origins: [],
    });
  });

  it('refuses a config that would authorize the wrong thing, naming the field', () => {
    expect(() => parsePageConfig(null)).toThrow(PageConfigError);
    expect(() => parsePageConfig({ ...good, client_id: '' })).toThrow(/"client_id"/);
    expect(() => parsePageConfig({ ...good, wechat_origins: 'https://open.weixin.qq.com' })).toThrow(
      /wechat_origins/,
    );
  });
});

describe('platformLabel', () => {
  const zh = (platform: string) => ({ wechat: '微信', github: 'GitHub' })[platform];
  it('localizes the server’s default name of a known platform', () => {
    expect(
      platformLabel({ type: 'provider', provider_id: 'wx', name: 'WeChat', platform: 'wechat' }, zh),
    ).toBe('微信');
    expect(platformLabel({ type: 'provider', provider_id: 'wx', platform: 'wechat' }, zh)).toBe('微信');
  });

  it('keeps an operator’s own name, and an unknown platform’s', () => {
    expect(
      platformLabel({ type: 'provider', provider_id: 'wx', name: '公司微信登录', platform: 'wechat' }, zh),
    ).toBe('公司微信登录');
    expect(
      platformLabel({ type: 'provider', provider_id: 'sso', name: 'Acme SSO', platform: 'acme' }, zh),
    ).toBe('Acme SSO');
    expect(platformLabel({ type: 'provider', provider_id: 'sso' }, zh)).toBe('sso');
  });
});
