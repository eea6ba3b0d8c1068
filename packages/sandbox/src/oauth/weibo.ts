import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { type OauthState, randomHex } from './oauth-state.js';
import { readParams, registerPlatform, secondsLeft } from './platform-scope.js';

const CODE_TTL_MS = 10 * 60_000;
/** The lifetime in Weibo's documented example answer. */
const ACCESS_TTL_MS = 157_679_999_000;

/** Weibo errors: `{error, error_code, request, error_uri, error_description}` with HTTP 400 (403 for rate limits). */
function fail(
  reply: FastifyReply,
  request: FastifyRequest,
  errorCode: number,
  error: string,
  description: string,
  status = 400,
) {
  const path = (request.url.split('?')[0] ?? '').replace(/^\/weibo/, '');
  return reply
    .code(status)
    .send({ error, error_code: errorCode, request: path, error_uri: path, error_description: description });
}

export async function registerWeibo(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const accessToken = (request: FastifyRequest, reply: FastifyReply) => {
    const params = readParams(request);
    const check = state.checkToken('weibo', params.access_token, ['access']);
    if (check.status === 'ok') return check.record;
    if (check.status === 'expired') return fail(reply, request, 21327, 'expired_token', 'expired_token');
    return fail(reply, request, 21332, 'invalid_access_token', 'invalid_access_token');
  };

  await registerPlatform(
    app,
    context,
    'weibo',
    (request, reply) =>
      fail(
        reply,
        request,
        10023,
        'User requests out of rate limit!',
        'User requests out of rate limit!',
        403,
      ),
    (scope) => {
      registerAuthorizePage(scope, state, {
        platform: 'weibo',
        paths: ['/oauth2/authorize'],
        title: { zh: '微博授权', en: 'Weibo authorization' },
        codeTtlMs: CODE_TTL_MS,
        newCode: () => randomHex(16),
        parse(params) {
          const found = state.app('weibo', params.client_id);
          if (found === undefined) return { error: '21324: invalid_client' };
          if (!redirectAllowed(found, params.redirect_uri))
            return { error: '21322: 重定向地址不匹配 (redirect_uri_mismatch)' };
          return {
            app: found,
            redirectUri: params.redirect_uri ?? '',
            scope: params.scope ?? '',
            state: params.state,
          };
        },
        approved: (request, code) => ({ code: code.code, state: request.state }),
        denied: (request) => ({
          error_uri: '/oauth2/authorize',
          error: 'access_denied',
          error_description: 'user denied your request.',
          error_code: '21330',
          state: request.state,
        }),
      });

      scope.post('/oauth2/access_token', async (request, reply) => {
        const params = readParams(request);
        state.count('weibo', params.client_id ?? '', 'oauth2/access_token');
        if (!params.client_id || !params.client_secret || !params.grant_type) {
          return fail(reply, request, 21323, 'invalid_request', 'miss client id or secret');
        }
        const found = state.app('weibo', params.client_id);
        if (found === undefined || params.client_secret !== found.secret) {
          return fail(reply, request, 21324, 'invalid_client', 'invalid_client');
        }
        if (params.grant_type !== 'authorization_code') {
          return fail(reply, request, 21328, 'unsupported_grant_type', 'unsupported_grant_type');
        }
        const check = state.consumeCode('weibo', params.code);
        if (check.status !== 'ok' || check.record.appId !== found.appId) {
          return fail(
            reply,
            request,
            21325,
            'invalid_grant',
            'invalid authorization code:' + (params.code ?? ''),
          );
        }
        if (params.redirect_uri !== check.record.redirectUri) {
          return fail(reply, request, 21322, 'redirect_uri_mismatch', 'redirect_uri_mismatch');
        }
        const user = state.user(check.record.userId);
        if (user === undefined)
          return fail(reply, request, 21325, 'invalid_grant', 'invalid authorization code');
        const access = state.issueToken(
          {
            token: `2.00${randomHex(14)}`,
            platform: 'weibo',
            kind: 'access',
            appId: found.appId,
            userId: user.id,
            scope: check.record.scope,
          },
          ACCESS_TTL_MS,
        );
        const seconds = ACCESS_TTL_MS / 1000;
        return {
          access_token: access.token,
          remind_in: String(seconds),
          expires_in: seconds,
          uid: user.weiboUid,
          isRealName: 'true',
        };
      });

      scope.post('/oauth2/get_token_info', async (request, reply) => {
        const record = accessToken(request, reply);
        if (!('token' in record)) return record;
        const user = state.user(record.userId);
        return {
          uid: user === undefined ? 0 : Number(user.weiboUid),
          appkey: record.appId,
          scope: record.scope ?? '',
          create_at: Math.floor(record.issuedAt / 1000),
          expire_in: secondsLeft(record.expiresAt, state.now()),
        };
      });

      scope.post('/oauth2/revokeoauth2', async (request, reply) => {
        const record = accessToken(request, reply);
        if (!('token' in record)) return record;
        state.invalidate(record);
        return { result: 'true' };
      });

      scope.get('/2/users/show.json', async (request, reply) => {
        const record = accessToken(request, reply);
        if (!('token' in record)) return record;
        const params = readParams(request);
        const user = state.registry.users.find((candidate) => candidate.weiboUid === params.uid);
        if (user === undefined)
          return fail(reply, request, 20003, 'User does not exists!', 'User does not exists!');
        const avatar = `https://tvax1.sinaimg.cn/crop.0.0.180.180.50/sandbox-${user.id}.jpg`;
        return {
          id: Number(user.weiboUid),
          idstr: user.weiboUid,
          screen_name: user.nickname,
          name: user.nickname,
          province: '44',
          city: '3',
          location: `${user.province} ${user.city}`.trim(),
          description: '',
          url: '',
          profile_image_url: avatar,
          profile_url: `u/${user.weiboUid}`,
          domain: '',
          gender: user.gender === 'female' ? 'f' : user.gender === 'male' ? 'm' : 'n',
          followers_count: 0,
          friends_count: 0,
          statuses_count: 0,
          created_at: 'Mon Jan 05 12:00:00 +0800 2026',
          verified: false,
          avatar_large: avatar.replace('.50/', '.180/'),
          avatar_hd: avatar.replace('.50/', '.1024/'),
          lang: 'zh-cn',
        };
      });
    },
  );
}
