import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomHex, randomToken, type TokenRecord } from './oauth-state.js';
import { jsonBody, readParams, registerPlatform, secondsLeft } from './platform-scope.js';
import type { SandboxOauthUser } from './types.js';

const CODE_TTL_MS = 5 * 60_000;
const TOKEN_TTL_MS = 7200_000;
const TICKET_TTL_MS = 1800_000;

/** WeCom errors: HTTP 200, `errcode/errmsg`, the message carrying a hint and a lookup link. */
function fail(reply: FastifyReply, errcode: number, errmsg: string): FastifyReply {
  const hint = `[${randomHex(5)}]`;
  return reply.code(200).send({
    errcode,
    errmsg: `${errmsg}, hint: ${hint}, from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
  });
}

function genderCode(user: SandboxOauthUser): string {
  return user.gender === 'male' ? '1' : user.gender === 'female' ? '2' : '0';
}

export async function registerWecom(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  /** The corp token behind an API call: 41001 missing, 40014 invalid, 42001 expired. */
  const corpToken = (reply: FastifyReply, token: string | undefined): TokenRecord | FastifyReply => {
    if (token === undefined || token === '') return fail(reply, 41001, 'access_token missing');
    const check = state.checkToken('wecom', token, ['token']);
    if (check.status === 'ok') return check.record;
    if (check.status === 'expired') return fail(reply, 42001, 'access_token expired');
    return fail(reply, 40014, 'invalid access_token');
  };

  await registerPlatform(
    app,
    context,
    'wecom',
    (_request, reply) => fail(reply, 45009, 'api freq out of limit'),
    (scope) => {
      registerAuthorizePage(scope, state, {
        platform: 'wecom',
        paths: ['/connect/oauth2/authorize', '/wwlogin/sso/login', '/wwopen/sso/qrConnect'],
        title: { zh: '企业微信登录', en: 'WeCom login' },
        codeTtlMs: CODE_TTL_MS,
        parse(params) {
          const found = state.app('wecom', params.appid);
          if (found === undefined) return { error: 'appid 参数错误 (invalid corpid)' };
          if (!redirectAllowed(found, params.redirect_uri))
            return { error: 'redirect_uri 需使用应用可信域名' };
          const scopeParam = params.scope ?? 'snsapi_base';
          if (!['snsapi_base', 'snsapi_userinfo', 'snsapi_privateinfo'].includes(scopeParam)) {
            return { error: 'scope 参数错误' };
          }
          // QR login and privateinfo name the app by agentid.
          const needsAgent = params.scope === undefined || scopeParam === 'snsapi_privateinfo';
          if (needsAgent && params.agentid !== found.agentId) return { error: 'agentid 参数错误' };
          return {
            app: found,
            redirectUri: params.redirect_uri ?? '',
            scope: scopeParam,
            state: params.state,
          };
        },
        approved: (request, code) => ({ code: code.code, state: request.state }),
        denied: (request) => ({ state: request.state }),
      });

      scope.get('/cgi-bin/gettoken', async (request, reply) => {
        const params = readParams(request);
        state.count('wecom', params.corpid ?? '', 'cgi-bin/gettoken');
        if (params.corpid === undefined || params.corpid === '') return fail(reply, 41002, 'corpid missing');
        const found = state.app('wecom', params.corpid);
        if (found === undefined) return fail(reply, 40013, 'invalid corpid');
        if (params.corpsecret === undefined || params.corpsecret === '')
          return fail(reply, 41004, 'corpsecret missing');
        if (params.corpsecret !== found.secret) return fail(reply, 40001, 'invalid credential');
        const now = state.now();
        // The same token while it is valid; a new one only after it expired or was invalidated.
        const current = state.tokensOf('wecom', found.appId, 'token').find((record) => state.isLive(record));
        const record =
          current ??
          state.issueToken(
            { token: randomToken(96), platform: 'wecom', kind: 'token', appId: found.appId },
            TOKEN_TTL_MS,
          );
        return {
          errcode: 0,
          errmsg: 'ok',
          access_token: record.token,
          expires_in: secondsLeft(record.expiresAt, now),
        };
      });

      const identify = (legacy: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
        const params = readParams(request);
        const corp = corpToken(reply, params.access_token);
        if (!('token' in corp)) return corp;
        if (params.code === undefined || params.code === '') return fail(reply, 41008, 'missing code');
        const check = state.consumeCode('wecom', params.code);
        if (check.status !== 'ok' || check.record.appId !== corp.appId)
          return fail(reply, 40029, 'invalid code');
        const user = state.user(check.record.userId);
        const found = state.app('wecom', corp.appId);
        if (user === undefined || found === undefined) return fail(reply, 40029, 'invalid code');
        if (user.wecomUserId === undefined) {
          const openid = sandboxOauthIds('wecom', found, user).openId;
          return legacy
            ? { errcode: 0, errmsg: 'ok', OpenId: openid, DeviceId: '' }
            : { errcode: 0, errmsg: 'ok', openid };
        }
        const ticket =
          check.record.scope === 'snsapi_privateinfo'
            ? state.issueToken(
                {
                  token: randomToken(48),
                  platform: 'wecom',
                  kind: 'ticket',
                  appId: corp.appId,
                  userId: user.id,
                },
                TICKET_TTL_MS,
              )
            : undefined;
        const extra =
          ticket === undefined ? {} : { user_ticket: ticket.token, expires_in: TICKET_TTL_MS / 1000 };
        return legacy
          ? { errcode: 0, errmsg: 'ok', UserId: user.wecomUserId, DeviceId: '', ...extra }
          : { errcode: 0, errmsg: 'ok', userid: user.wecomUserId, ...extra };
      };
      scope.get('/cgi-bin/auth/getuserinfo', identify(false));
      scope.get('/cgi-bin/user/getuserinfo', identify(true));

      scope.post('/cgi-bin/auth/getuserdetail', async (request, reply) => {
        const corp = corpToken(reply, readParams(request).access_token);
        if (!('token' in corp)) return corp;
        const ticketValue = jsonBody(request).user_ticket;
        const check = state.checkToken('wecom', typeof ticketValue === 'string' ? ticketValue : undefined, [
          'ticket',
        ]);
        if (check.status !== 'ok' || check.record.appId !== corp.appId)
          return fail(reply, 40129, 'invalid user_ticket');
        const user = state.user(check.record.userId);
        if (user === undefined || user.wecomUserId === undefined)
          return fail(reply, 40129, 'invalid user_ticket');
        return {
          errcode: 0,
          errmsg: 'ok',
          userid: user.wecomUserId,
          gender: genderCode(user),
          avatar: `https://wework.qpic.cn/wwhead/sandbox-${user.id}/0`,
          qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=sandbox-${user.id}`,
          mobile: user.mobile.replace(/^\+86/, ''),
          email: user.email ?? '',
          biz_mail: `${user.id}@sandbox-corp.example`,
          address: '',
        };
      });

      scope.get('/cgi-bin/user/get', async (request, reply) => {
        const params = readParams(request);
        const corp = corpToken(reply, params.access_token);
        if (!('token' in corp)) return corp;
        const user = state.registry.users.find((candidate) => candidate.wecomUserId === params.userid);
        if (user === undefined || user.wecomUserId === undefined)
          return fail(reply, 60111, 'invalid string value `userid`');
        return {
          errcode: 0,
          errmsg: 'ok',
          userid: user.wecomUserId,
          name: user.nickname,
          department: [1],
          order: [0],
          position: '',
          status: 1,
          isleader: 0,
          enable: 1,
          alias: user.name,
          main_department: 1,
        };
      });

      for (const path of ['/cgi-bin/getcallbackip', '/cgi-bin/get_api_domain_ip']) {
        scope.get(path, async (request, reply) => {
          const corp = corpToken(reply, readParams(request).access_token);
          if (!('token' in corp)) return corp;
          return { errcode: 0, errmsg: 'ok', ip_list: ['182.254.11.0/24', '127.0.0.1'] };
        });
      }
    },
  );
}
