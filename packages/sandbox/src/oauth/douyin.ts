import { createCipheriv } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomHex, randomToken, type TokenRecord } from './oauth-state.js';
import { readParams, registerPlatform, secondsLeft } from './platform-scope.js';

// Lifetimes from the Douyin docs (shared reference §2.4 and §3.1).
const CODE_TTL_MS = 10 * 60_000;
const ACCESS_TTL_MS = 15 * 86_400_000;
const REFRESH_TTL_MS = 30 * 86_400_000;
const CLIENT_TOKEN_TTL_MS = 7200_000;
/** After a newer client_token, the previous one keeps working this long; older ones stop at once. */
const CLIENT_TOKEN_BUFFER_MS = 5 * 60_000;
const MAX_RENEWALS = 5;

const KNOWN_SCOPES = new Set([
  'user_info',
  'mobile',
  'trial.whitelist',
  'video.list.bind',
  'video.data.bind',
  'item.comment',
]);

/** Douyin's `encrypt_mobile`: AES-256-CBC, key = the client_secret, IV = its first 16 bytes, base64. */
function encryptMobile(mobile: string, clientSecret: string): string {
  const key = Buffer.from(clientSecret, 'utf8');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  return Buffer.concat([cipher.update(mobile, 'utf8'), cipher.final()]).toString('base64');
}

export async function registerDouyin(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const logId = () =>
    `${new Date(state.now()).toISOString().replace(/\D/g, '').slice(0, 14)}${randomHex(12).toUpperCase()}`;

  /** Douyin errors: HTTP 200, the code inside `data`, `message: "error"`, and an `extra` block. */
  const fail = (reply: FastifyReply, errorCode: number, description: string): FastifyReply => {
    const log = logId();
    return reply.code(200).send({
      data: { captcha: '', desc_url: '', description, error_code: errorCode, log_id: log },
      extra: {
        logid: log,
        now: state.now(),
        error_code: errorCode,
        description,
        sub_error_code: 0,
        sub_description: '',
      },
      message: 'error',
    });
  };

  const ok = (data: Record<string, unknown>) => ({
    data: { ...data, captcha: '', desc_url: '', description: '', error_code: 0, log_id: logId() },
    message: 'success',
  });

  const accessHeader = (request: FastifyRequest): string | undefined => {
    const header = request.headers['access-token'];
    return typeof header === 'string' ? header : undefined;
  };

  const tokenFailure = (reply: FastifyReply, status: 'unknown' | 'invalid' | 'expired') =>
    status === 'expired'
      ? fail(reply, 2190008, 'access_token过期,请刷新或重新授权')
      : fail(reply, 28001003, 'access_token无效');

  await registerPlatform(
    app,
    context,
    'douyin',
    (_request, reply) => fail(reply, 10020, '超过调用频率限制'),
    (scope) => {
      registerAuthorizePage(scope, state, {
        platform: 'douyin',
        paths: ['/platform/oauth/connect', '/platform/oauth/connect/'],
        title: { zh: '抖音授权登录', en: 'Douyin authorization' },
        codeTtlMs: CODE_TTL_MS,
        parse(params) {
          const found = state.app('douyin', params.client_key);
          if (found === undefined) return { error: 'client_key 无效' };
          if (!redirectAllowed(found, params.redirect_uri))
            return { error: 'redirect_uri 与应用配置的授权回调域不一致' };
          if (params.response_type !== 'code') return { error: 'response_type 参数错误' };
          const scopes = (params.scope ?? '').split(',').filter((item) => item !== '');
          if (scopes.length === 0 || scopes.some((item) => !KNOWN_SCOPES.has(item)))
            return { error: 'scope 参数错误' };
          return {
            app: found,
            redirectUri: params.redirect_uri ?? '',
            scope: scopes.join(','),
            state: params.state,
          };
        },
        approved: (request, code) => ({ code: code.code, state: request.state, scopes: code.scope }),
        denied: (request) => ({ state: request.state }),
      });

      scope.post('/oauth/access_token/', async (request, reply) => {
        const params = readParams(request);
        state.count('douyin', params.client_key ?? '', 'oauth/access_token');
        if (!params.client_key || !params.client_secret || !params.code)
          return fail(reply, 2100005, 'Parameter error');
        const found = state.app('douyin', params.client_key);
        if (found === undefined) return fail(reply, 10003, 'client_key 错误');
        if (params.client_secret !== found.secret) return fail(reply, 10013, 'client_secret 错误');
        if (params.grant_type !== 'authorization_code') return fail(reply, 10002, 'grant_type 参数错误');
        const check = state.consumeCode('douyin', params.code);
        if (check.status !== 'ok' || check.record.appId !== found.appId)
          return fail(reply, 10007, '授权码过期或已被使用');
        const code = check.record;
        const user = state.user(code.userId);
        if (user === undefined) return fail(reply, 10007, '授权码过期或已被使用');
        const access = state.issueToken(
          {
            token: `act.${randomToken(48)}`,
            platform: 'douyin',
            kind: 'access',
            appId: found.appId,
            userId: user.id,
            scope: code.scope,
          },
          ACCESS_TTL_MS,
        );
        const refresh = state.issueToken(
          {
            token: `rft.${randomToken(48)}`,
            platform: 'douyin',
            kind: 'refresh',
            appId: found.appId,
            userId: user.id,
            scope: code.scope,
            renewals: 0,
          },
          REFRESH_TTL_MS,
        );
        return ok({
          access_token: access.token,
          expires_in: ACCESS_TTL_MS / 1000,
          open_id: sandboxOauthIds('douyin', found, user).openId,
          refresh_expires_in: REFRESH_TTL_MS / 1000,
          refresh_token: refresh.token,
          scope: code.scope,
        });
      });

      const refreshRecord = (
        reply: FastifyReply,
        params: Record<string, string>,
      ): TokenRecord | FastifyReply => {
        const found = state.app('douyin', params.client_key);
        if (found === undefined) return fail(reply, 10003, 'client_key 错误');
        const check = state.checkToken('douyin', params.refresh_token, ['refresh']);
        if (check.status === 'expired') return fail(reply, 10010, 'refresh_token过期');
        if (check.status !== 'ok' || check.record.appId !== found.appId)
          return fail(reply, 10010, 'refresh_token无效');
        return check.record;
      };

      // Refreshing gives a new access token; it does not extend the refresh token.
      scope.post('/oauth/refresh_token/', async (request, reply) => {
        const params = readParams(request);
        state.count('douyin', params.client_key ?? '', 'oauth/refresh_token');
        if (params.grant_type !== 'refresh_token') return fail(reply, 10002, 'grant_type 参数错误');
        const refresh = refreshRecord(reply, params);
        if (!('token' in refresh)) return refresh;
        const found = state.app('douyin', refresh.appId);
        const user = state.user(refresh.userId);
        if (found === undefined || user === undefined) return fail(reply, 10010, 'refresh_token无效');
        const access = state.issueToken(
          {
            token: `act.${randomToken(48)}`,
            platform: 'douyin',
            kind: 'access',
            appId: found.appId,
            userId: user.id,
            scope: refresh.scope,
          },
          ACCESS_TTL_MS,
        );
        return ok({
          access_token: access.token,
          expires_in: ACCESS_TTL_MS / 1000,
          open_id: sandboxOauthIds('douyin', found, user).openId,
          refresh_expires_in: secondsLeft(refresh.expiresAt, state.now()),
          refresh_token: refresh.token,
          scope: refresh.scope,
        });
      });

      scope.post('/oauth/renew_refresh_token/', async (request, reply) => {
        const params = readParams(request);
        state.count('douyin', params.client_key ?? '', 'oauth/renew_refresh_token');
        const refresh = refreshRecord(reply, params);
        if (!('token' in refresh)) return refresh;
        const renewals = refresh.renewals ?? 0;
        if (renewals >= MAX_RENEWALS) return fail(reply, 10010, 'refresh_token续期次数已达上限，请重新授权');
        state.invalidate(refresh);
        const renewed = state.issueToken(
          { ...refresh, token: `rft.${randomToken(48)}`, renewals: renewals + 1, invalidAt: undefined },
          REFRESH_TTL_MS,
        );
        return ok({ expires_in: REFRESH_TTL_MS / 1000, refresh_token: renewed.token });
      });

      scope.post('/oauth/userinfo/', async (request, reply) => {
        const params = readParams(request);
        const check = state.checkToken('douyin', accessHeader(request) ?? params.access_token, ['access']);
        if (check.status !== 'ok') return tokenFailure(reply, check.status);
        const found = state.app('douyin', check.record.appId);
        const user = state.user(check.record.userId);
        if (found === undefined || user === undefined) return tokenFailure(reply, 'invalid');
        const ids = sandboxOauthIds('douyin', found, user);
        if (params.open_id !== ids.openId) return fail(reply, 2100005, 'Parameter error: open_id');
        return ok({
          avatar: `https://p3.douyinpic.com/aweme/100x100/sandbox-${user.id}.jpeg`,
          avatar_larger: `https://p3.douyinpic.com/aweme/1080x1080/sandbox-${user.id}.jpeg`,
          client_key: found.appId,
          e_account_role: '',
          nickname: user.nickname,
          open_id: ids.openId,
          union_id: ids.unionId ?? '',
          // Only with the mobile scope, and only for a 32-byte secret (AES-256).
          ...(check.record.scope?.split(',').includes('mobile') && Buffer.byteLength(found.secret) === 32
            ? { encrypt_mobile: encryptMobile(user.mobile.replace(/^\+86/, ''), found.secret) }
            : {}),
        });
      });

      scope.post('/oauth/client_token/', async (request, reply) => {
        const params = readParams(request);
        state.count('douyin', params.client_key ?? '', 'oauth/client_token');
        if (!params.client_key || !params.client_secret) return fail(reply, 2100005, 'Parameter error');
        const found = state.app('douyin', params.client_key);
        if (found === undefined) return fail(reply, 10003, 'client_key 错误');
        if (params.client_secret !== found.secret) return fail(reply, 10013, 'client_secret 错误');
        if (params.grant_type !== 'client_credential') return fail(reply, 10002, 'grant_type 参数错误');
        const now = state.now();
        // "连续多次获取 … 只会保留最新的两个": with the new one, only the latest older one survives, for 5 minutes.
        const older = state.tokensOf('douyin', found.appId, 'client');
        older.forEach((record, index) => {
          state.invalidate(record, index === 0 ? now + CLIENT_TOKEN_BUFFER_MS : now);
        });
        const record = state.issueToken(
          { token: `clt.${randomToken(48)}`, platform: 'douyin', kind: 'client', appId: found.appId },
          CLIENT_TOKEN_TTL_MS,
        );
        return ok({ access_token: record.token, expires_in: CLIENT_TOKEN_TTL_MS / 1000 });
      });

      // A client_token API the client tests call (JS-SDK ticket).
      scope.get('/js/getticket/', async (request, reply) => {
        const check = state.checkToken('douyin', accessHeader(request), ['client']);
        if (check.status !== 'ok') return tokenFailure(reply, check.status);
        const log = logId();
        return {
          data: {
            description: '',
            error_code: 0,
            expires_in: 7200,
            ticket: `bxLdikRXVbTPdHSM05e5u5sUoXNKd8-${randomHex(10)}`,
          },
          extra: {
            logid: log,
            now: state.now(),
            error_code: 0,
            description: '',
            sub_error_code: 0,
            sub_description: '',
          },
        };
      });
    },
  );
}
