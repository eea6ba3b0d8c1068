import { createHash } from 'node:crypto';
import type { OauthPlatform, SandboxOauthApp, SandboxOauthUser } from './types.js';

/** The per-app and per-account ids a platform shows for one user. */
export interface SandboxOauthIds {
  /** Per app (WeChat openid, Lark open_id, Douyin open_id, DingTalk openId, QQ openid, Alipay open_id). */
  openId: string;
  /** Per developer account (the app's `unionGroup`); undefined when the app is not bound to one. */
  unionId: string | undefined;
}

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

function alnum(bytes: Buffer, length: number): string {
  return bytes.toString('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

function hex(bytes: Buffer, length: number): string {
  return bytes.toString('hex').slice(0, length);
}

/**
 * Derives the ids a platform would show: stable across restarts and processes (a hash of platform, app
 * and user), in each platform's own format, so tests can compute the expected value.
 */
export function sandboxOauthIds(
  platform: OauthPlatform,
  app: SandboxOauthApp,
  user: SandboxOauthUser,
): SandboxOauthIds {
  const open = digest(platform, 'open', app.appId, user.id);
  const group = app.unionGroup;
  const union = group === undefined ? undefined : digest(platform, 'union', group, user.id);
  // WeChat snapshot users get virtual ids, different from the person's real ones.
  const virtual = platform === 'wechat' && user.wechatSnapshot === true ? 'snapshot-' : '';
  switch (platform) {
    case 'wechat': {
      const o = digest(platform, `${virtual}open`, app.appId, user.id);
      const u = group === undefined ? undefined : digest(platform, `${virtual}union`, group, user.id);
      return { openId: `o${alnum(o, 27)}`, unionId: u && `o${alnum(u, 27)}` };
    }
    case 'lark':
      return { openId: `ou_${hex(open, 32)}`, unionId: union && `on_${hex(union, 32)}` };
    case 'douyin':
      return { openId: `_000${alnum(open, 32)}`, unionId: union && formatUuid(union) };
    case 'dingtalk':
      return { openId: alnum(open, 22), unionId: union && `${alnum(union, 20)}iEiE` };
    case 'qq':
      return { openId: hex(open, 32).toUpperCase(), unionId: union && `UID_${hex(union, 32).toUpperCase()}` };
    case 'alipay':
      return { openId: `0${alnum(open, 46)}`, unionId: undefined };
    case 'wecom':
      return { openId: `o${alnum(open, 27)}`, unionId: undefined };
    default:
      return { openId: alnum(open, 24), unionId: undefined };
  }
}

function formatUuid(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
