import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomHex, type TokenRecord } from './oauth-state.js';
import { jsonBody, readParams, registerPlatform } from './platform-scope.js';
import type { SandboxOauthApp } from './types.js';

const CODE_TTL_MS = 5 * 60_000;
const TOKEN_TTL_MS = 7200_000;
const REFRESH_TTL_MS = 30 * 86_400_000;
/** getuserinfo_bycode refuses timestamps more than a minute off. */
const SIGNATURE_SKEW_MS = 60_000;

/** v1.0 API errors: HTTP 4xx with `{code, message, requestid}` (shape marked unverified in the reference). */
function failV1(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ requestid: randomHex(16).toUpperCase(), code, message });
}

/** Legacy oapi errors: HTTP 200 with `{errcode, errmsg}`. */
function failLegacy(reply: FastifyReply, errcode: number, errmsg: string): FastifyReply {
  return reply.code(200).send({ errcode, errmsg, request_id: randomHex(8) });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export async function registerDingtalk(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const v1Token = (
    request: FastifyRequest,
    reply: FastifyReply,
    kinds: readonly string[],
  ): TokenRecord | FastifyReply => {
    const header = request.headers['x-acs-dingtalk-access-token'];
    const check = state.checkToken('dingtalk', typeof header === 'string' ? header : undefined, kinds);
    if (check.status === 'ok') return check.record;
    return failV1(reply, 401, 'InvalidAuthentication', '不合法的access_token');
  };

  /** v1.0 app token: the same token while valid, and each request renews it (DingTalk docs). */
  const appToken = (found: SandboxOauthApp) => {
    const now = state.now();
    const current = state.tokensOf('dingtalk', found.appId, 'v1').find((record) => state.isLive(record));
    if (current !== undefined) {
      current.expiresAt = now + TOKEN_TTL_MS;
      return current;
    }
    return state.issueToken(
      { token: randomHex(16), platform: 'dingtalk', kind: 'v1', appId: found.appId },
      TOKEN_TTL_MS,
    );
  };

  const quota = (request: FastifyRequest, reply: FastifyReply) =>
    request.url.includes('/v1.0/')
      ? failV1(reply, 403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '调用该接口的频率超过限制')
      : failLegacy(reply, 90018, '当前企业调用该接口的次数过多，请稍后重试');

  await registerPlatform(app, context, 'dingtalk', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'dingtalk',
      paths: ['/oauth2/auth', '/oauth2/challenge.htm'],
      title: { zh: '钉钉登录', en: 'DingTalk login' },
      codeTtlMs: CODE_TTL_MS,
      parse(params) {
        const found = state.app('dingtalk', params.client_id);
        if (found === undefined) return { error: '无效的client_id' };
        if (!redirectAllowed(found, params.redirect_uri))
          return { error: 'redirect_uri 与应用配置的回调域名不一致' };
        if (params.response_type !== 'code') return { error: 'response_type 参数错误' };
        const requested = params.scope ?? '';
        if (!requested.split(/\s+/).includes('openid')) return { error: 'scope 参数错误' };
        // Without prompt=consent the user grants nothing beyond login: users/me answers 403 later.
        const granted = params.prompt === 'consent' ? requested : '';
        return { app: found, redirectUri: params.redirect_uri ?? '', scope: granted, state: params.state };
      },
      // DingTalk's callbacks carry the code as `authCode` (and also as `code`).
      approved: (request, code) => ({ authCode: code.code, code: code.code, state: request.state }),
      denied: (request) => ({ error: 'access_denied', state: request.state }),
    });

    // The legacy QR login (oapi.dingtalk.com/connect/qrconnect) gives a tmp_auth_code for getuserinfo_bycode.
    registerAuthorizePage(scope, state, {
      platform: 'dingtalk',
      paths: ['/connect/qrconnect', '/connect/oauth2/sns_authorize'],
      title: { zh: '钉钉扫码登录', en: 'DingTalk QR login' },
      codeTtlMs: CODE_TTL_MS,
      parse(params) {
        const found = state.app('dingtalk', params.appid);
        if (found === undefined) return { error: '无效的appid' };
        if (!redirectAllowed(found, params.redirect_uri))
          return { error: 'redirect_uri 与应用配置的回调域名不一致' };
        if (params.scope !== 'snsapi_login' && params.scope !== 'snsapi_auth')
          return { error: 'scope 参数错误' };
        return { app: found, redirectUri: params.redirect_uri ?? '', scope: 'legacy', state: params.state };
      },
      approved: (request, code) => ({ code: code.code, state: request.state }),
      denied: (request) => ({ state: request.state }),
    });

    scope.post('/v1.0/oauth2/userAccessToken', async (request, reply) => {
      const body = jsonBody(request);
      const clientId = str(body.clientId);
      state.count('dingtalk', clientId ?? '', 'v1.0/oauth2/userAccessToken');
      const found = state.app('dingtalk', clientId);
      if (found === undefined) return failV1(reply, 400, 'invalidClientId', '无效的clientId');
      if (str(body.clientSecret) !== found.secret)
        return failV1(reply, 400, 'invalidClientSecret', '无效的clientSecret');
      const grantType = str(body.grantType);
      if (grantType === 'authorization_code') {
        const check = state.consumeCode('dingtalk', str(body.code));
        if (check.status !== 'ok' || check.record.appId !== found.appId || check.record.scope === 'legacy') {
          return failV1(reply, 400, 'invalidAuthCode', '不合法的临时授权码');
        }
        const access = state.issueToken(
          {
            token: randomHex(16),
            platform: 'dingtalk',
            kind: 'access',
            appId: found.appId,
            userId: check.record.userId,
            scope: check.record.scope,
          },
          TOKEN_TTL_MS,
        );
        const refresh = state.issueToken(
          {
            token: randomHex(16),
            platform: 'dingtalk',
            kind: 'refresh',
            appId: found.appId,
            userId: check.record.userId,
            scope: check.record.scope,
            linked: access.token,
          },
          REFRESH_TTL_MS,
        );
        return {
          expireIn: TOKEN_TTL_MS / 1000,
          accessToken: access.token,
          refreshToken: refresh.token,
          corpId: found.tenantId,
        };
      }
      if (grantType === 'refresh_token') {
        const check = state.checkToken('dingtalk', str(body.refreshToken), ['refresh']);
        if (check.status !== 'ok' || check.record.appId !== found.appId) {
          return failV1(reply, 400, 'invalidRefreshToken', '不合法的refreshToken');
        }
        const refresh = check.record;
        const current = state.token(refresh.linked);
        let access: TokenRecord;
        if (current !== undefined && state.isLive(current)) {
          current.expiresAt = state.now() + TOKEN_TTL_MS;
          access = current;
        } else {
          access = state.issueToken(
            {
              token: randomHex(16),
              platform: 'dingtalk',
              kind: 'access',
              appId: found.appId,
              userId: refresh.userId,
              scope: refresh.scope,
            },
            TOKEN_TTL_MS,
          );
          refresh.linked = access.token;
        }
        return {
          expireIn: TOKEN_TTL_MS / 1000,
          accessToken: access.token,
          refreshToken: refresh.token,
          corpId: found.tenantId,
        };
      }
      return failV1(reply, 400, 'invalidGrantType', '不支持的grantType');
    });

    scope.get('/v1.0/contact/users/me', async (request, reply) => {
      const record = v1Token(request, reply, ['access']);
      if (!('token' in record)) return record;
      if (!record.scope?.includes('openid')) {
        return failV1(
          reply,
          403,
          'Forbidden.AccessDenied.AccessTokenPermissionDenied',
          '没有调用该接口的权限，需要用户授权(prompt=consent)',
        );
      }
      const found = state.app('dingtalk', record.appId);
      const user = state.user(record.userId);
      if (found === undefined || user === undefined)
        return failV1(reply, 401, 'InvalidAuthentication', '不合法的access_token');
      const ids = sandboxOauthIds('dingtalk', found, user);
      return {
        nick: user.nickname,
        avatarUrl: `https://static-legacy.dingtalk.com/media/sandbox-${user.id}.png`,
        mobile: user.mobile.replace(/^\+86/, ''),
        openId: ids.openId,
        unionId: ids.unionId ?? ids.openId,
        ...(user.email === null ? {} : { email: user.email }),
        stateCode: '86',
      };
    });

    scope.post('/v1.0/oauth2/accessToken', async (request, reply) => {
      const body = jsonBody(request);
      state.count('dingtalk', str(body.appKey) ?? '', 'v1.0/oauth2/accessToken');
      const found = state.app('dingtalk', str(body.appKey));
      if (found === undefined || str(body.appSecret) !== found.secret) {
        return failV1(reply, 400, 'invalidClientIdOrSecret', '无效的appKey或appSecret');
      }
      const record = appToken(found);
      return { expireIn: TOKEN_TTL_MS / 1000, accessToken: record.token };
    });

    scope.post<{ Params: { corpId: string } }>('/v1.0/oauth2/:corpId/token', async (request, reply) => {
      const params = readParams(request);
      state.count('dingtalk', params.client_id ?? '', 'v1.0/oauth2/{corpId}/token');
      const found = state.app('dingtalk', params.client_id);
      if (found === undefined || params.client_secret !== found.secret) {
        return failV1(reply, 400, 'invalidClientIdOrSecret', '无效的client_id或client_secret');
      }
      if (params.grant_type !== 'client_credentials')
        return failV1(reply, 400, 'invalidGrantType', '不支持的grant_type');
      if (request.params.corpId !== found.tenantId)
        return failV1(reply, 400, 'invalidCorpId', '无效的corpId');
      const record = appToken(found);
      return { access_token: record.token, expires_in: TOKEN_TTL_MS / 1000 };
    });

    scope.get('/gettoken', async (request, reply) => {
      const params = readParams(request);
      state.count('dingtalk', params.appkey ?? '', 'gettoken');
      const found = state.app('dingtalk', params.appkey);
      if (found === undefined || params.appsecret !== found.secret)
        return failLegacy(reply, 40089, '不合法的corpid或corpsecret');
      const now = state.now();
      const current = state
        .tokensOf('dingtalk', found.appId, 'legacy')
        .find((record) => state.isLive(record));
      const record =
        current ??
        state.issueToken(
          { token: randomHex(16), platform: 'dingtalk', kind: 'legacy', appId: found.appId },
          TOKEN_TTL_MS,
        );
      record.expiresAt = now + TOKEN_TTL_MS;
      return { errcode: 0, errmsg: 'ok', access_token: record.token, expires_in: TOKEN_TTL_MS / 1000 };
    });

    scope.post('/topapi/v2/user/get', async (request, reply) => {
      const params = readParams(request);
      const check = state.checkToken('dingtalk', params.access_token, ['legacy']);
      if (check.status === 'expired')
        return failLegacy(reply, 42001, '不合法的access_token: access_token过期');
      if (check.status !== 'ok') return failLegacy(reply, 40014, '不合法的access_token');
      const found = state.app('dingtalk', check.record.appId);
      const user = state.user(params.userid);
      if (found === undefined || user === undefined) return failLegacy(reply, 60121, '找不到该用户');
      return {
        errcode: 0,
        errmsg: 'ok',
        result: {
          userid: user.id,
          unionid: sandboxOauthIds('dingtalk', found, user).unionId,
          name: user.nickname,
          active: true,
        },
        request_id: randomHex(8),
      };
    });

    scope.post('/v1.0/robot/oToMessages/batchSend', async (request, reply) => {
      const record = v1Token(request, reply, ['v1']);
      if (!('token' in record)) return record;
      return { processQueryKey: randomHex(16), invalidStaffIdList: [], flowControlledStaffIdList: [] };
    });

    scope.post('/sns/getuserinfo_bycode', async (request, reply) => {
      const params = readParams(request);
      const found = state.app('dingtalk', params.accessKey);
      const timestamp = Number(params.timestamp);
      if (!/^\d{13}$/.test(params.timestamp ?? '')) return failLegacy(reply, 853001, 'timestamp格式错误');
      if (Math.abs(state.now() - timestamp) > SIGNATURE_SKEW_MS)
        return failLegacy(reply, 853002, 'timestamp与服务器时间相差超过1分钟');
      if (found === undefined) return failLegacy(reply, 853003, 'accessKey不存在');
      // The widely used form signs the timestamp alone (the reference notes a second documented form).
      const expected = createHmac('sha256', found.secret)
        .update(params.timestamp ?? '')
        .digest();
      const given = Buffer.from(params.signature ?? '', 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return failLegacy(reply, 853004, '签名不匹配');
      const code = str(jsonBody(request).tmp_auth_code);
      const check = state.consumeCode('dingtalk', code);
      if (check.status !== 'ok' || check.record.appId !== found.appId || check.record.scope !== 'legacy') {
        return failLegacy(reply, 40078, '不存在的临时授权码');
      }
      const user = state.user(check.record.userId);
      if (user === undefined) return failLegacy(reply, 40078, '不存在的临时授权码');
      const ids = sandboxOauthIds('dingtalk', found, user);
      return {
        errcode: 0,
        errmsg: 'ok',
        user_info: {
          nick: user.nickname,
          unionid: ids.unionId ?? ids.openId,
          openid: ids.openId,
          main_org_auth_high_level: true,
        },
      };
    });
  });
}
