import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { registerAlipay } from './alipay.js';
import { SANDBOX_OAUTH_DEFAULTS } from './defaults.js';
import { registerDingtalk } from './dingtalk.js';
import { registerDouyin } from './douyin.js';
import { registerGithub } from './github.js';
import { registerGoogle } from './google.js';
import { registerLark } from './lark.js';
import { type OauthRecordCounts, OauthState, type OauthStats } from './oauth-state.js';
import { registerQq } from './qq.js';
import { OAUTH_PLATFORMS, type OauthPlatform, type SandboxOauthApp, type SandboxOauthUser } from './types.js';
import { issueWechatJsCode, registerWechat } from './wechat.js';
import { registerWecom } from './wecom.js';
import { registerWeibo } from './weibo.js';

export interface OauthSandboxOptions {
  /** Apps added to the defaults, per platform (looked up by `appId`; an added app wins over a default). */
  apps?: { [P in OauthPlatform]?: readonly SandboxOauthApp[] };
  /** Users added to the defaults (shown in every picker). */
  users?: readonly SandboxOauthUser[];
}

/** Programmatic access to the OAuth side: fetch counts, code issuing for flows without a page. */
export interface OauthSandbox {
  /** Token-endpoint calls per platform, app id and endpoint. */
  stats(): OauthStats;
  /** Calls of one endpoint kind for one app (0 when never), e.g. `fetches('wechat', appId, 'cgi-bin/stable_token')`. */
  fetches(platform: OauthPlatform, appId: string, kind: string): number;
  resetStats(): void;
  /** Invalidates an issued token now, as platforms may do early. Returns false for an unknown token. */
  invalidateToken(token: string): boolean;
  /** A WeChat mini-program `js_code` for `user`, as `wx.login()` would produce. */
  wechatJsCode(appId: string, userId: string): string;
  /**
   * How many codes and tokens are remembered: live ones plus dead ones within `OAUTH_RECORD_GRACE_MS`
   * (24 h of sandbox time), purged lazily as new ones are issued.
   */
  sizes(): OauthRecordCounts;
}

/** Registers every OAuth / app-token platform imitation. */
export async function registerOauthSandbox(
  app: FastifyInstance,
  context: SandboxContext,
  options: OauthSandboxOptions = {},
): Promise<OauthSandbox> {
  const apps = Object.fromEntries(
    OAUTH_PLATFORMS.map((platform) => [
      platform,
      [
        ...(options.apps?.[platform] ?? []),
        ...Object.values<SandboxOauthApp>(SANDBOX_OAUTH_DEFAULTS.apps[platform]),
      ],
    ]),
  ) as Record<OauthPlatform, SandboxOauthApp[]>;
  const state = new OauthState(context.clock, {
    apps,
    users: [...SANDBOX_OAUTH_DEFAULTS.users, ...(options.users ?? [])],
  });

  await registerWechat(app, context, state);
  await registerWecom(app, context, state);
  await registerDingtalk(app, context, state);
  await registerLark(app, context, state);
  await registerDouyin(app, context, state);
  await registerAlipay(app, context, state);
  await registerQq(app, context, state);
  await registerWeibo(app, context, state);
  await registerGoogle(app, context, state);
  await registerGithub(app, context, state);

  app.get('/__sandbox/oauth/stats', async () => state.stats());
  app.delete('/__sandbox/oauth/stats', async () => {
    state.resetStats();
    return { ok: true };
  });
  app.post<{ Body: { token?: unknown } }>('/__sandbox/oauth/invalidate', async (request, reply) => {
    const token = request.body?.token;
    if (typeof token !== 'string' || !state.invalidateToken(token))
      return reply.code(404).send({ ok: false });
    return { ok: true };
  });
  app.post<{ Body: { appid?: unknown; user?: unknown } }>(
    '/__sandbox/oauth/wechat/jscode',
    async (request, reply) => {
      const { appid, user } = request.body ?? {};
      if (typeof appid !== 'string' || typeof user !== 'string' || state.user(user) === undefined) {
        return reply.code(400).send({ ok: false });
      }
      return { js_code: issueWechatJsCode(state, appid, user) };
    },
  );

  return {
    stats: () => state.stats(),
    fetches: (platform, appId, kind) => state.fetches(platform, appId, kind),
    resetStats: () => state.resetStats(),
    invalidateToken: (token) => state.invalidateToken(token),
    wechatJsCode: (appId, userId) => issueWechatJsCode(state, appId, userId),
    sizes: () => state.counts(),
  };
}

export { alipaySignContent } from './alipay.js';
export {
  ALIPAY_SANDBOX_APP_PRIVATE_KEY,
  ALIPAY_SANDBOX_APP_PUBLIC_KEY,
  ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
} from './alipay-keys.js';
export { SANDBOX_OAUTH_DEFAULTS, sandboxOauthUser } from './defaults.js';
export { GOOGLE_ISSUER } from './google.js';
export type { SandboxOauthIds } from './identity.js';
export { sandboxOauthIds } from './identity.js';
export type { OauthRecordCounts, OauthStats } from './oauth-state.js';
export { OAUTH_RECORD_GRACE_MS } from './oauth-state.js';
export type { OauthPlatform, SandboxOauthApp, SandboxOauthUser } from './types.js';
export { OAUTH_PLATFORMS } from './types.js';
