import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomHex } from './oauth-state.js';
import { readParams, registerPlatform } from './platform-scope.js';

const CODE_TTL_MS = 10 * 60_000;
/** QQ tokens last three months. */
const ACCESS_TTL_MS = 7_776_000_000;
const REFRESH_TTL_MS = 7_776_000_000;

/**
 * QQ Connect answers `/oauth2.0/token` as a query string and `/oauth2.0/me` as JSONP unless `fmt=json`;
 * errors come the same way, with HTTP 200.
 */
function answer(
  reply: FastifyReply,
  params: Record<string, string>,
  body: Record<string, string | number>,
  queryString: boolean,
) {
  if (params.fmt === 'json') return reply.code(200).type('application/json').send(JSON.stringify(body));
  if (queryString && !('error' in body)) {
    const text = new URLSearchParams(
      Object.entries(body).map(([key, value]) => [key, String(value)]),
    ).toString();
    return reply.code(200).type('text/html').send(text);
  }
  return reply
    .code(200)
    .type('text/html')
    .send(`callback( ${JSON.stringify(body)} );\n`);
}

export async function registerQq(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const quota = (request: FastifyRequest, reply: FastifyReply) => {
    const params = readParams(request);
    if (request.url.includes('/user/'))
      return reply.code(200).send({ ret: 100030, msg: 'api call frequency limit' });
    return answer(reply, params, { error: 100030, error_description: 'api call frequency limit' }, false);
  };

  await registerPlatform(app, context, 'qq', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'qq',
      paths: ['/oauth2.0/authorize'],
      title: { zh: 'QQ 授权登录', en: 'QQ authorization' },
      codeTtlMs: CODE_TTL_MS,
      newCode: () => randomHex(16).toUpperCase(),
      parse(params) {
        const found = state.app('qq', params.client_id);
        if (found === undefined) return { error: '100008: client id is not exist' };
        if (params.response_type !== 'code') return { error: '100001: response_type is error' };
        if (!redirectAllowed(found, params.redirect_uri)) return { error: '100010: redirect uri is illegal' };
        return {
          app: found,
          redirectUri: params.redirect_uri ?? '',
          scope: params.scope ?? 'get_user_info',
          state: params.state,
        };
      },
      approved: (request, code) => ({ code: code.code, state: request.state }),
      denied: (request) => ({ state: request.state, usercancel: '1' }),
    });

    scope.get('/oauth2.0/token', async (request, reply) => {
      const params = readParams(request);
      state.count('qq', params.client_id ?? '', 'oauth2.0/token');
      const fail = (error: number, description: string) =>
        answer(reply, params, { error, error_description: description }, true);
      const found = state.app('qq', params.client_id);
      if (found === undefined) return fail(100008, 'client id is not exist');
      const issue = (userId: string, scope: string) => {
        const access = state.issueToken(
          {
            token: randomHex(16).toUpperCase(),
            platform: 'qq',
            kind: 'access',
            appId: found.appId,
            userId,
            scope,
          },
          ACCESS_TTL_MS,
        );
        const refresh = state.issueToken(
          {
            token: randomHex(16).toUpperCase(),
            platform: 'qq',
            kind: 'refresh',
            appId: found.appId,
            userId,
            scope,
          },
          REFRESH_TTL_MS,
        );
        return answer(
          reply,
          params,
          { access_token: access.token, expires_in: ACCESS_TTL_MS / 1000, refresh_token: refresh.token },
          true,
        );
      };
      if (params.grant_type === 'authorization_code') {
        if (params.client_secret !== found.secret) return fail(100016, 'client_secret is error');
        const check = state.consumeCode('qq', params.code);
        if (check.status === 'used') return fail(100020, 'code is reused error');
        if (check.status !== 'ok' || check.record.appId !== found.appId)
          return fail(100019, 'code to access token error');
        if (params.redirect_uri !== check.record.redirectUri) return fail(100010, 'redirect uri is illegal');
        return issue(check.record.userId, check.record.scope);
      }
      if (params.grant_type === 'refresh_token') {
        if (params.client_secret !== found.secret) return fail(100016, 'client_secret is error');
        const check = state.checkToken('qq', params.refresh_token, ['refresh']);
        if (
          check.status !== 'ok' ||
          check.record.appId !== found.appId ||
          check.record.userId === undefined
        ) {
          return fail(100015, 'refresh token is invalid');
        }
        return issue(check.record.userId, check.record.scope ?? 'get_user_info');
      }
      return fail(100005, 'grant_type is error');
    });

    scope.get('/oauth2.0/me', async (request, reply) => {
      const params = readParams(request);
      const check = state.checkToken('qq', params.access_token, ['access']);
      if (check.status === 'expired')
        return answer(reply, params, { error: 100014, error_description: 'access token expired' }, false);
      const found = check.status === 'ok' ? state.app('qq', check.record.appId) : undefined;
      const user = check.status === 'ok' ? state.user(check.record.userId) : undefined;
      if (found === undefined || user === undefined) {
        return answer(
          reply,
          params,
          { error: 100016, error_description: 'access token check failed' },
          false,
        );
      }
      const ids = sandboxOauthIds('qq', found, user);
      const body: Record<string, string> = { client_id: found.appId, openid: ids.openId };
      // The unionid only when asked for with unionid=1 and the app is bound to a developer account.
      if (params.unionid === '1' && ids.unionId !== undefined) body.unionid = ids.unionId;
      return answer(reply, params, body, false);
    });

    scope.get('/user/get_user_info', async (request) => {
      const params = readParams(request);
      const check = state.checkToken('qq', params.access_token, ['access']);
      if (check.status === 'expired') return { ret: 100014, msg: 'access token expired' };
      const found = check.status === 'ok' ? state.app('qq', check.record.appId) : undefined;
      const user = check.status === 'ok' ? state.user(check.record.userId) : undefined;
      if (found === undefined || user === undefined) return { ret: 100016, msg: 'access token check failed' };
      if (params.oauth_consumer_key !== found.appId) return { ret: 100008, msg: 'client id is not exist' };
      if (params.openid !== sandboxOauthIds('qq', found, user).openId)
        return { ret: 100048, msg: 'openid is invalid' };
      const avatar = `http://qzapp.qlogo.cn/qzapp/${found.appId}/${params.openid}`;
      return {
        ret: 0,
        msg: '',
        is_lost: 0,
        nickname: user.nickname,
        gender: user.gender === 'female' ? '女' : '男',
        gender_type: user.gender === 'female' ? 2 : 1,
        province: user.province,
        city: user.city,
        year: '1990',
        figureurl: `${avatar}/30`,
        figureurl_1: `${avatar}/50`,
        figureurl_2: `${avatar}/100`,
        figureurl_qq_1: `http://thirdqq.qlogo.cn/g?b=oidb&k=sandbox-${user.id}&s=40`,
        figureurl_qq_2: `http://thirdqq.qlogo.cn/g?b=oidb&k=sandbox-${user.id}&s=100`,
        is_yellow_vip: '0',
        vip: '0',
        yellow_vip_level: '0',
        level: '0',
        is_yellow_year_vip: '0',
      };
    });
  });
}
