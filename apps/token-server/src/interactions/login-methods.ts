import type { ProviderId } from '@lingpai/oauth-social';
import { Type } from 'typebox';
import type { Services } from '../services.js';

/** One button the login page may render. */
export interface LoginMethod {
  type: 'password' | 'sms' | 'email' | 'provider';
  /** `provider`: the configured provider id (CloudBase `provider_id`). */
  provider_id?: string;
  /** `provider`: a display name, when configured. */
  name?: string;
  /** `provider`: which platform it is (`wechat`, `github`, …), so the page can pick an icon and a flow. */
  platform?: ProviderId;
  /**
   * WeChat: `qr` (a website app: the QR page, framed on desktops) or `in-wechat` (an official
   * account: only inside the WeChat browser, where qrconnect does not work).
   */
  flow?: 'qr' | 'in-wechat';
}

export const LoginMethodsView = Type.Array(
  Type.Object({
    type: Type.Union([
      Type.Literal('password'),
      Type.Literal('sms'),
      Type.Literal('email'),
      Type.Literal('provider'),
    ]),
    provider_id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    platform: Type.Optional(
      Type.String({ description: 'provider: the platform (wechat, qq, weibo, alipay, …, github, google)' }),
    ),
    flow: Type.Optional(
      Type.Union([Type.Literal('qr'), Type.Literal('in-wechat')], {
        description: 'wechat: qr (website app, QR page) or in-wechat (official account, inside WeChat only)',
      }),
    ),
  }),
  {
    description:
      'what the login page can offer: password (POST …/login), sms and email codes (POST …/verification, ' +
      '…/login/verification, …/signup) when a delivery channel is configured, and each configured social provider',
  },
);

/**
 * The login methods this server can complete in an interaction, from its configuration: the password
 * always; a code by SMS or email when that channel is configured; each social platform configured
 * that has an authorize page (not a WeChat mini program).
 */
export function loginMethods(services: Services): LoginMethod[] {
  const methods: LoginMethod[] = [{ type: 'password' }];
  const channels = services.verification.channels;
  if (channels.sms) methods.push({ type: 'sms' });
  if (channels.email) methods.push({ type: 'email' });
  for (const provider of services.social.list()) {
    // A mini program's login has no browser page to send the user to.
    if (!provider.hasAuthorizePage) continue;
    const flow =
      provider.wechatPlatform === 'website'
        ? 'qr'
        : provider.wechatPlatform === 'official-account'
          ? 'in-wechat'
          : undefined;
    methods.push({
      type: 'provider',
      provider_id: provider.id,
      name: provider.name,
      platform: provider.platform,
      ...(flow === undefined ? {} : { flow }),
    });
  }
  return methods;
}
