import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomToken, type TokenRecord } from './oauth-state.js';
import { jsonBody, readParams, registerPlatform, rid, secondsLeft } from './platform-scope.js';
import type { SandboxOauthApp, SandboxOauthUser } from './types.js';

// Lifetimes from the WeChat docs (see shared reference §2.1 and §3.1).
const CODE_TTL_MS = 5 * 60_000;
const ACCESS_TTL_MS = 7200_000;
const REFRESH_TTL_MS = 30 * 86_400_000;
/** cgi-bin/token: the previous token keeps working this long after a new one is fetched. */
const TOKEN_OVERLAP_MS = 5 * 60_000;
/** stable_token rotates by itself when less than this remains. */
const STABLE_ROTATE_MS = 5 * 60_000;
const STABLE_FORCE_PER_DAY = 20;
const STABLE_FORCE_SPACING_MS = 30_000;
/** cgi-bin/token daily call limit per app. */
const TOKEN_CALLS_PER_DAY = 2000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

type Body = { errcode: number; errmsg: string };

/** WeChat answers errors inside HTTP 200, with a request id appended to the message. */
function fail(reply: FastifyReply, errcode: number, errmsg: string): FastifyReply {
  const body: Body = { errcode, errmsg: `${errmsg} ${rid()}` };
  return reply.code(200).send(body);
}

function beijingDay(epochMs: number): number {
  return Math.floor((epochMs + BEIJING_OFFSET_MS) / 86_400_000);
}

/** Issues a mini-program `js_code` as `wx.login()` would hand it to the app's front end. */
export function issueWechatJsCode(state: OauthState, appId: string, userId: string): string {
  return state.issueCode({ platform: 'wechat', appId, userId, redirectUri: '', scope: 'jscode' }, CODE_TTL_MS)
    .code;
}

function headImgUrl(user: SandboxOauthUser): string {
  if (user.wechatSnapshot === true)
    return 'https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132';
  return `https://thirdwx.qlogo.cn/mmopen/vi_32/sandbox-${user.id}/132`;
}

function sexOf(user: SandboxOauthUser): number {
  return user.gender === 'male' ? 1 : user.gender === 'female' ? 2 : 0;
}

export async function registerWechat(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const tokenCalls = new Map<string, { day: number; count: number }>();
  const forced = new Map<string, { day: number; count: number; last: number }>();

  const quota = (request: { url: string }, reply: FastifyReply) =>
    request.url.includes('/sns/jscode2session')
      ? fail(reply, 45011, 'api minute-quota reach limit  mustslower  retry next minute')
      : fail(reply, 45009, 'reach max api daily quota limit');

  /** Validates appid + secret the way every WeChat credential endpoint does. */
  const credentials = (reply: FastifyReply, appId: string | undefined, secret: string | undefined) => {
    if (appId === undefined || appId === '') return fail(reply, 41002, 'appid missing');
    const found = state.app('wechat', appId);
    if (found === undefined) return fail(reply, 40013, 'invalid appid');
    if (secret === undefined || secret === '') return fail(reply, 41004, 'appsecret missing');
    if (secret !== found.secret) return fail(reply, 40125, 'invalid appsecret');
    return found;
  };

  /** Resolves an app token for the token-checking APIs, answering 41001 / 40001 / 42001 as WeChat does. */
  const appToken = (reply: FastifyReply, token: string | undefined): TokenRecord | FastifyReply => {
    if (token === undefined || token === '') return fail(reply, 41001, 'access_token missing');
    const check = state.checkToken('wechat', token, ['token', 'stable']);
    if (check.status === 'ok') return check.record;
    if (check.status === 'expired') return fail(reply, 42001, 'access_token expired');
    return fail(
      reply,
      40001,
      'invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r',
    );
  };

  const userToken = (reply: FastifyReply, token: string | undefined): TokenRecord | FastifyReply => {
    if (token === undefined || token === '') return fail(reply, 41001, 'access_token missing');
    const check = state.checkToken('wechat', token, ['access']);
    if (check.status === 'ok') return check.record;
    if (check.status === 'expired') return fail(reply, 42001, 'access_token expired');
    return fail(reply, 40001, 'invalid credential, access_token is invalid or not latest');
  };

  const isSnapshot = (found: SandboxOauthApp, user: SandboxOauthUser, scope: string) =>
    user.wechatSnapshot === true && found.wechatKind === 'official_account' && scope === 'snsapi_userinfo';

  await registerPlatform(app, context, 'wechat', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'wechat',
      paths: ['/connect/qrconnect', '/connect/oauth2/authorize'],
      title: { zh: '微信登录', en: 'WeChat login' },
      codeTtlMs: CODE_TTL_MS,
      parse(params) {
        const found = state.app('wechat', params.appid);
        if (found === undefined || found.wechatKind === 'mini_program') return { error: 'AppID参数错误' };
        if (!redirectAllowed(found, params.redirect_uri)) return { error: 'redirect_uri 参数错误' };
        if (params.response_type !== 'code') return { error: 'response_type参数错误' };
        const allowed =
          found.wechatKind === 'website' ? ['snsapi_login'] : ['snsapi_base', 'snsapi_userinfo'];
        const requested = params.scope ?? '';
        if (!allowed.includes(requested)) return { error: 'Scope参数错误或没有Scope权限' };
        return { app: found, redirectUri: params.redirect_uri ?? '', scope: requested, state: params.state };
      },
      // wxLogin.js frames `qrconnect?…&login_type=jssdk&self_redirect=<true|false|default>`: the
      // embeddable QR page. On approval it moves the top window to the redirect URI, or with
      // `self_redirect=true` only the frame (whose callback then posts the code to the parent).
      embedded: (params, path) =>
        path.endsWith('/connect/qrconnect') && params.login_type === 'jssdk'
          ? { target: params.self_redirect === 'true' ? '_self' : '_top' }
          : undefined,
      approved: (request, code) => ({ code: code.code, state: request.state }),
      // WeChat: "若用户禁止授权，则重定向后不会带上code参数，仅会带上state参数".
      denied: (request) => ({ state: request.state }),
    });

    scope.get('/sns/oauth2/access_token', async (request, reply) => {
      const params = readParams(request);
      state.count('wechat', params.appid ?? '', 'sns/oauth2/access_token');
      const found = credentials(reply, params.appid, params.secret);
      if (!('appId' in found)) return found;
      if (params.grant_type !== 'authorization_code') return fail(reply, 40002, 'invalid grant_type');
      if (params.code === undefined || params.code === '') return fail(reply, 41008, 'missing code');
      const check = state.consumeCode('wechat', params.code);
      if (check.status === 'used') return fail(reply, 40163, 'code been used');
      if (check.status === 'expired') return fail(reply, 42003, 'code expired');
      if (
        check.status === 'unknown' ||
        check.record.appId !== found.appId ||
        check.record.scope === 'jscode'
      ) {
        return fail(reply, 40029, 'invalid code');
      }
      const code = check.record;
      const user = state.user(code.userId);
      if (user === undefined) return fail(reply, 40029, 'invalid code');
      const access = state.issueToken(
        {
          token: randomToken(96),
          platform: 'wechat',
          kind: 'access',
          appId: found.appId,
          userId: user.id,
          scope: code.scope,
        },
        ACCESS_TTL_MS,
      );
      const refresh = state.issueToken(
        {
          token: randomToken(96),
          platform: 'wechat',
          kind: 'refresh',
          appId: found.appId,
          userId: user.id,
          scope: code.scope,
          linked: access.token,
        },
        REFRESH_TTL_MS,
      );
      const ids = sandboxOauthIds('wechat', found, user);
      const snapshot = isSnapshot(found, user, code.scope);
      return {
        access_token: access.token,
        expires_in: ACCESS_TTL_MS / 1000,
        refresh_token: refresh.token,
        openid: ids.openId,
        scope: code.scope,
        ...(snapshot ? { is_snapshotuser: 1 } : {}),
        // Since Dec 2017 snsapi_base answers no unionid; unbound apps never do.
        ...(ids.unionId !== undefined && code.scope !== 'snsapi_base' ? { unionid: ids.unionId } : {}),
      };
    });

    scope.get('/sns/oauth2/refresh_token', async (request, reply) => {
      const params = readParams(request);
      state.count('wechat', params.appid ?? '', 'sns/oauth2/refresh_token');
      if (params.appid === undefined || params.appid === '') return fail(reply, 41002, 'appid missing');
      const found = state.app('wechat', params.appid);
      if (found === undefined) return fail(reply, 40013, 'invalid appid');
      if (params.grant_type !== 'refresh_token') return fail(reply, 40002, 'invalid grant_type');
      const check = state.checkToken('wechat', params.refresh_token, ['refresh']);
      if (check.status === 'expired') return fail(reply, 42002, 'refresh_token expired');
      if (check.status !== 'ok' || check.record.appId !== found.appId)
        return fail(reply, 40030, 'invalid refresh_token');
      const refresh = check.record;
      const user = state.user(refresh.userId);
      if (user === undefined) return fail(reply, 40030, 'invalid refresh_token');
      // An unexpired access token is kept and its lifetime extended; otherwise a new one is issued.
      const current = state.token(refresh.linked);
      let access: TokenRecord;
      if (current !== undefined && state.isLive(current)) {
        current.expiresAt = state.now() + ACCESS_TTL_MS;
        access = current;
      } else {
        access = state.issueToken(
          {
            token: randomToken(96),
            platform: 'wechat',
            kind: 'access',
            appId: found.appId,
            userId: user.id,
            scope: refresh.scope,
          },
          ACCESS_TTL_MS,
        );
        refresh.linked = access.token;
      }
      return {
        access_token: access.token,
        expires_in: ACCESS_TTL_MS / 1000,
        refresh_token: refresh.token,
        openid: sandboxOauthIds('wechat', found, user).openId,
        scope: refresh.scope,
      };
    });

    scope.get('/sns/auth', async (request, reply) => {
      const params = readParams(request);
      const record = userToken(reply, params.access_token);
      if (!('token' in record)) return record;
      const found = state.app('wechat', record.appId);
      const user = state.user(record.userId);
      if (
        found === undefined ||
        user === undefined ||
        sandboxOauthIds('wechat', found, user).openId !== params.openid
      ) {
        return fail(reply, 40003, 'invalid openid');
      }
      return { errcode: 0, errmsg: 'ok' };
    });

    scope.get('/sns/userinfo', async (request, reply) => {
      const params = readParams(request);
      const record = userToken(reply, params.access_token);
      if (!('token' in record)) return record;
      if (record.scope === 'snsapi_base') return fail(reply, 48001, 'api unauthorized');
      const found = state.app('wechat', record.appId);
      const user = state.user(record.userId);
      if (found === undefined || user === undefined) return fail(reply, 40003, 'invalid openid');
      const ids = sandboxOauthIds('wechat', found, user);
      if (ids.openId !== params.openid) return fail(reply, 40003, 'invalid openid');
      const english = params.lang === 'en';
      return {
        openid: ids.openId,
        nickname: user.nickname,
        sex: sexOf(user),
        language: english ? 'en' : 'zh_CN',
        city: user.city,
        province: user.province,
        country: english ? user.country : user.country === 'CN' ? '中国' : user.country,
        headimgurl: headImgUrl(user),
        privilege: [],
        ...(ids.unionId !== undefined ? { unionid: ids.unionId } : {}),
      };
    });

    scope.get('/sns/jscode2session', async (request, reply) => {
      const params = readParams(request);
      state.count('wechat', params.appid ?? '', 'sns/jscode2session');
      const found = credentials(reply, params.appid, params.secret);
      if (!('appId' in found)) return found;
      if (params.grant_type !== 'authorization_code') return fail(reply, 40002, 'invalid grant_type');
      if (params.js_code === undefined || params.js_code === '') return fail(reply, 41008, 'missing code');
      const check = state.consumeCode('wechat', params.js_code);
      if (check.status === 'used') return fail(reply, 40163, 'code been used');
      if (check.status !== 'ok' || check.record.appId !== found.appId || check.record.scope !== 'jscode') {
        return fail(reply, 40029, 'invalid code');
      }
      const user = state.user(check.record.userId);
      if (user === undefined) return fail(reply, 40029, 'invalid code');
      const ids = sandboxOauthIds('wechat', found, user);
      return {
        session_key: randomToken(16).slice(0, 22).concat('=='),
        openid: ids.openId,
        ...(ids.unionId !== undefined ? { unionid: ids.unionId } : {}),
      };
    });

    scope.get('/cgi-bin/token', async (request, reply) => {
      const params = readParams(request);
      state.count('wechat', params.appid ?? '', 'cgi-bin/token');
      if (params.grant_type !== 'client_credential') return fail(reply, 40002, 'invalid grant_type');
      const found = credentials(reply, params.appid, params.secret);
      if (!('appId' in found)) return found;
      const now = state.now();
      const day = beijingDay(now);
      const calls = tokenCalls.get(found.appId);
      const used = calls?.day === day ? calls.count : 0;
      if (used >= TOKEN_CALLS_PER_DAY) return fail(reply, 45009, 'reach max api daily quota limit');
      tokenCalls.set(found.appId, { day, count: used + 1 });
      // "重复获取将导致上次获取的access_token失效" — with five minutes in which old and new both work.
      for (const old of state.tokensOf('wechat', found.appId, 'token')) {
        if (state.isLive(old)) state.invalidate(old, now + TOKEN_OVERLAP_MS);
      }
      const token = state.issueToken(
        { token: randomToken(120), platform: 'wechat', kind: 'token', appId: found.appId },
        ACCESS_TTL_MS,
      );
      return { access_token: token.token, expires_in: ACCESS_TTL_MS / 1000 };
    });

    scope.post('/cgi-bin/stable_token', async (request, reply) => {
      if (request.body === undefined || typeof request.body !== 'object')
        return fail(reply, 47001, 'data format error');
      const body = jsonBody(request);
      const appId = typeof body.appid === 'string' ? body.appid : undefined;
      state.count('wechat', appId ?? '', 'cgi-bin/stable_token');
      if (body.grant_type !== 'client_credential') return fail(reply, 40002, 'invalid grant_type');
      const found = credentials(reply, appId, typeof body.secret === 'string' ? body.secret : undefined);
      if (!('appId' in found)) return found;
      const now = state.now();
      const live = state.tokensOf('wechat', found.appId, 'stable').filter((record) => state.isLive(record));
      const current = live[0];
      const answer = (record: TokenRecord) => ({
        access_token: record.token,
        expires_in: secondsLeft(record.expiresAt, now),
      });
      const issue = () =>
        state.issueToken(
          { token: randomToken(120), platform: 'wechat', kind: 'stable', appId: found.appId },
          ACCESS_TTL_MS,
        );
      if (body.force_refresh === true) {
        const day = beijingDay(now);
        const log = forced.get(found.appId);
        const today = log?.day === day ? log.count : 0;
        // Forced refreshes closer than 30 s apart do not refresh: the current token comes back.
        if (current !== undefined && log !== undefined && now - log.last < STABLE_FORCE_SPACING_MS)
          return answer(current);
        if (today >= STABLE_FORCE_PER_DAY) return fail(reply, 45009, 'reach max api daily quota limit');
        forced.set(found.appId, { day, count: today + 1, last: now });
        for (const old of live) state.invalidate(old, now);
        return answer(issue());
      }
      // Normal mode: the same token until five minutes before expiry, then a new one (the old keeps
      // working until its own expiry).
      if (current !== undefined && current.expiresAt - now > STABLE_ROTATE_MS) return answer(current);
      return answer(issue());
    });

    for (const path of ['/cgi-bin/getcallbackip', '/cgi-bin/get_api_domain_ip']) {
      scope.get(path, async (request, reply) => {
        const record = appToken(reply, readParams(request).access_token);
        if (!('token' in record)) return record;
        return { ip_list: ['101.226.103.0/25', '101.226.62.0/26', '127.0.0.1'] };
      });
    }
  });
}
