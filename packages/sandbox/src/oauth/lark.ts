import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomToken } from './oauth-state.js';
import { checkPkce } from './pkce.js';
import { bearerToken, readParams, registerPlatform, secondsLeft } from './platform-scope.js';
import type { SandboxOauthApp, SandboxOauthUser } from './types.js';

const CODE_TTL_MS = 5 * 60_000;
const ACCESS_TTL_MS = 7200_000;
const REFRESH_TTL_MS = 7 * 86_400_000;
const APP_TOKEN_TTL_MS = 7200_000;
/** tenant/app tokens: the same one comes back while at least this much remains. */
const APP_TOKEN_REUSE_MS = 30 * 60_000;
const INVALID_TOKEN_MSG =
  'Invalid access token for authorization. Please make a request with token attached.';

/** Lark's `{code, msg}` answer, HTTP 200 unless told. */
function fail(reply: FastifyReply, code: number, msg: string, status = 200): FastifyReply {
  return reply.code(status).send({ code, msg });
}

/** The v2 OAuth endpoint's RFC 6749-style error (with Lark's numeric `code` beside it). */
function oauthFail(
  reply: FastifyReply,
  code: number,
  error: string,
  description: string,
  status = 400,
): FastifyReply {
  return reply.code(status).send({ code, error, error_description: description });
}

function userPayload(found: SandboxOauthApp, user: SandboxOauthUser, scope: string) {
  const ids = sandboxOauthIds('lark', found, user);
  const scopes = scope.split(/\s+/);
  const avatar = `https://s1-imfile.feishucdn.com/static-resource/v1/sandbox-${user.id}`;
  return {
    name: user.nickname,
    en_name: user.name,
    avatar_url: avatar,
    avatar_thumb: `${avatar}~?image_size=72x72`,
    avatar_middle: `${avatar}~?image_size=240x240`,
    avatar_big: `${avatar}~?image_size=640x640`,
    open_id: ids.openId,
    union_id: ids.unionId ?? ids.openId,
    tenant_key: found.tenantId ?? '',
    // Contact fields only with the matching scopes.
    ...(scopes.includes('contact:user.email:readonly') && user.email !== null
      ? { email: user.email, enterprise_email: `${user.id}@sandbox-tenant.example` }
      : {}),
    ...(scopes.includes('contact:user.phone:readonly') ? { mobile: user.mobile } : {}),
    ...(scopes.includes('contact:user.employee_id:readonly')
      ? { user_id: `${user.id.slice(0, 4)}1a2b` }
      : {}),
  };
}

export async function registerLark(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  /** tenant/app token: the same while ≥ 30 min remain; then a new one, the old one still valid until it expires. */
  const appLevelToken = (found: SandboxOauthApp, kind: 'tenant' | 'app') => {
    const now = state.now();
    const current = state.tokensOf('lark', found.appId, kind).find((record) => state.isLive(record));
    if (current !== undefined && current.expiresAt - now >= APP_TOKEN_REUSE_MS) return current;
    const prefix = kind === 'tenant' ? 't-' : 'a-';
    return state.issueToken(
      { token: `${prefix}g1${randomToken(30)}`, platform: 'lark', kind, appId: found.appId },
      APP_TOKEN_TTL_MS,
    );
  };

  const appCredentials = (
    request: FastifyRequest,
    reply: FastifyReply,
    kind: string,
  ): SandboxOauthApp | FastifyReply => {
    const params = readParams(request);
    state.count('lark', params.app_id ?? '', kind);
    if (params.app_id === undefined || params.app_id === '') return fail(reply, 10003, 'invalid param', 400);
    const found = state.app('lark', params.app_id);
    if (found === undefined) return fail(reply, 10003, 'invalid param: app_id not found', 400);
    if (params.app_secret !== found.secret) return fail(reply, 10014, 'app secret invalid', 400);
    return found;
  };

  const quota = (_request: FastifyRequest, reply: FastifyReply) =>
    fail(reply, 99991400, 'request trigger frequency limit', 400);

  await registerPlatform(app, context, 'lark', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'lark',
      paths: ['/open-apis/authen/v1/authorize', '/open-apis/authen/v1/index'],
      title: { zh: '飞书授权登录', en: 'Lark authorization' },
      codeTtlMs: CODE_TTL_MS,
      parse(params) {
        const found = state.app('lark', params.client_id ?? params.app_id);
        if (found === undefined) return { error: '20029: 应用不存在 (app not found)' };
        if (!redirectAllowed(found, params.redirect_uri)) return { error: '20029: redirect_uri 请求不合法' };
        const method = params.code_challenge_method;
        if (method !== undefined && method !== 'S256' && method !== 'plain')
          return { error: 'code_challenge_method 不合法' };
        return {
          app: found,
          redirectUri: params.redirect_uri ?? '',
          scope: params.scope ?? '',
          state: params.state,
          code:
            params.code_challenge === undefined
              ? {}
              : { codeChallenge: params.code_challenge, codeChallengeMethod: method ?? 'plain' },
        };
      },
      approved: (request, code) => ({ code: code.code, state: request.state }),
      denied: (request) => ({ error: 'access_denied', state: request.state }),
    });

    const issueUserTokens = (found: SandboxOauthApp, userId: string, scope: string) => {
      const access = state.issueToken(
        {
          token: `u-${randomToken(40)}`,
          platform: 'lark',
          kind: 'access',
          appId: found.appId,
          userId,
          scope,
        },
        ACCESS_TTL_MS,
      );
      // A refresh token only with offline_access.
      const refresh = scope.split(/\s+/).includes('offline_access')
        ? state.issueToken(
            {
              token: `ur-${randomToken(40)}`,
              platform: 'lark',
              kind: 'refresh',
              appId: found.appId,
              userId,
              scope,
            },
            REFRESH_TTL_MS,
          )
        : undefined;
      return { access, refresh };
    };

    scope.post('/open-apis/authen/v2/oauth/token', async (request, reply) => {
      const params = readParams(request);
      state.count('lark', params.client_id ?? '', 'authen/v2/oauth/token');
      const found = state.app('lark', params.client_id);
      if (found === undefined || params.client_secret !== found.secret) {
        return oauthFail(reply, 20002, 'invalid_client', 'The client secret is invalid.');
      }
      if (params.grant_type === 'authorization_code') {
        if (params.code === undefined || params.code === '')
          return oauthFail(reply, 20001, 'invalid_request', 'code is required.');
        const check = state.consumeCode('lark', params.code);
        if (check.status === 'expired')
          return oauthFail(reply, 20004, 'invalid_grant', 'The authorization code has expired.');
        if (check.status !== 'ok' || check.record.appId !== found.appId) {
          return oauthFail(
            reply,
            20003,
            'invalid_grant',
            'The authorization code is not found or has been used.',
          );
        }
        const code = check.record;
        if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirectUri) {
          return oauthFail(
            reply,
            20071,
            'invalid_grant',
            'The redirect_uri does not match the one in the authorization request.',
          );
        }
        const pkce = checkPkce(code, params.code_verifier);
        if (pkce !== 'ok') return oauthFail(reply, 20024, 'invalid_grant', 'The code_verifier is invalid.');
        const { access, refresh } = issueUserTokens(found, code.userId, code.scope);
        return {
          code: 0,
          access_token: access.token,
          expires_in: ACCESS_TTL_MS / 1000,
          ...(refresh === undefined
            ? {}
            : { refresh_token: refresh.token, refresh_token_expires_in: REFRESH_TTL_MS / 1000 }),
          token_type: 'Bearer',
          scope: code.scope,
        };
      }
      if (params.grant_type === 'refresh_token') {
        const check = state.checkToken('lark', params.refresh_token, ['refresh']);
        if (check.status === 'expired')
          return oauthFail(reply, 20037, 'invalid_grant', 'The refresh token has expired.');
        if (
          check.status !== 'ok' ||
          check.record.appId !== found.appId ||
          check.record.userId === undefined
        ) {
          return oauthFail(reply, 20064, 'invalid_grant', 'The refresh token has been revoked or used.');
        }
        // Refresh rotates: the old refresh token stops working at once.
        state.invalidate(check.record);
        const { access, refresh } = issueUserTokens(found, check.record.userId, check.record.scope ?? '');
        return {
          code: 0,
          access_token: access.token,
          expires_in: ACCESS_TTL_MS / 1000,
          ...(refresh === undefined
            ? {}
            : { refresh_token: refresh.token, refresh_token_expires_in: REFRESH_TTL_MS / 1000 }),
          token_type: 'Bearer',
          scope: check.record.scope,
        };
      }
      return oauthFail(reply, 20001, 'unsupported_grant_type', 'The grant_type is not supported.');
    });

    // Legacy code exchange (JustAuth): the app authenticates with an app_access_token.
    scope.post('/open-apis/authen/v1/access_token', async (request, reply) => {
      const check = state.checkToken('lark', bearerToken(request), ['app']);
      if (check.status !== 'ok') return fail(reply, 99991663, INVALID_TOKEN_MSG);
      const found = state.app('lark', check.record.appId);
      state.count('lark', check.record.appId, 'authen/v1/access_token');
      const params = readParams(request);
      if (found === undefined || params.grant_type !== 'authorization_code')
        return fail(reply, 20001, 'invalid grant_type');
      const code = state.consumeCode('lark', params.code);
      if (code.status !== 'ok' || code.record.appId !== found.appId)
        return fail(reply, 20003, 'invalid code');
      const user = state.user(code.record.userId);
      if (user === undefined) return fail(reply, 20003, 'invalid code');
      const access = state.issueToken(
        {
          token: `u-${randomToken(40)}`,
          platform: 'lark',
          kind: 'access',
          appId: found.appId,
          userId: user.id,
          scope: code.record.scope,
        },
        ACCESS_TTL_MS,
      );
      const refresh = state.issueToken(
        {
          token: `ur-${randomToken(40)}`,
          platform: 'lark',
          kind: 'refresh',
          appId: found.appId,
          userId: user.id,
          scope: code.record.scope,
        },
        30 * 86_400_000,
      );
      return {
        code: 0,
        msg: 'success',
        data: {
          access_token: access.token,
          token_type: 'Bearer',
          expires_in: ACCESS_TTL_MS / 1000,
          refresh_token: refresh.token,
          refresh_expires_in: 30 * 86_400,
          ...userPayload(found, user, code.record.scope),
        },
      };
    });

    scope.get('/open-apis/authen/v1/user_info', async (request, reply) => {
      const check = state.checkToken('lark', bearerToken(request), ['access']);
      if (check.status === 'expired') return fail(reply, 99991677, 'Authentication token expired.');
      if (check.status !== 'ok') return fail(reply, 99991668, INVALID_TOKEN_MSG);
      const found = state.app('lark', check.record.appId);
      const user = state.user(check.record.userId);
      if (found === undefined || user === undefined) return fail(reply, 99991668, INVALID_TOKEN_MSG);
      return { code: 0, msg: 'success', data: userPayload(found, user, check.record.scope ?? '') };
    });

    scope.post('/open-apis/auth/v3/tenant_access_token/internal', async (request, reply) => {
      const found = appCredentials(request, reply, 'auth/v3/tenant_access_token/internal');
      if (!('appId' in found)) return found;
      const record = appLevelToken(found, 'tenant');
      return {
        code: 0,
        msg: 'ok',
        tenant_access_token: record.token,
        expire: secondsLeft(record.expiresAt, state.now()),
      };
    });

    scope.post('/open-apis/auth/v3/app_access_token/internal', async (request, reply) => {
      const found = appCredentials(request, reply, 'auth/v3/app_access_token/internal');
      if (!('appId' in found)) return found;
      const record = appLevelToken(found, 'app');
      // A self-built app's answer carries the tenant token too (reference §3.1).
      const tenant = appLevelToken(found, 'tenant');
      return {
        code: 0,
        msg: 'ok',
        app_access_token: record.token,
        expire: secondsLeft(record.expiresAt, state.now()),
        tenant_access_token: tenant.token,
      };
    });

    // A tenant-token API the client tests call: answers 99991663 once the token is invalid or expired.
    scope.get('/open-apis/bot/v3/info', async (request, reply) => {
      const check = state.checkToken('lark', bearerToken(request), ['tenant']);
      if (check.status !== 'ok') return fail(reply, 99991663, INVALID_TOKEN_MSG);
      const found = state.app('lark', check.record.appId);
      if (found === undefined) return fail(reply, 99991663, INVALID_TOKEN_MSG);
      return {
        code: 0,
        msg: 'ok',
        bot: {
          activate_status: 2,
          app_name: found.name,
          avatar_url: 'https://s1-imfile.feishucdn.com/static-resource/v1/sandbox-bot',
          ip_white_list: [],
          open_id: `ou_${found.appId.replace(/\W/g, '').padEnd(32, '0').slice(0, 32)}`,
        },
      };
    });
  });
}
