import { createSign, createVerify } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';
import { ALIPAY_SANDBOX_PLATFORM_PRIVATE_KEY } from './alipay-keys.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { sandboxOauthIds } from './identity.js';
import { type OauthState, randomHex } from './oauth-state.js';
import { readParams, registerPlatform } from './platform-scope.js';
import type { SandboxOauthApp, SandboxOauthUser } from './types.js';

const AUTH_CODE_TTL_MS = 3 * 60_000;
const ACCESS_TTL_MS = 15 * 86_400_000;
const REFRESH_TTL_MS = 30 * 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

interface ErrorBody {
  code: string;
  msg: string;
  sub_code: string;
  sub_msg: string;
}

/** The string Alipay signs: every parameter but `sign`, empty values dropped, sorted, `k=v` joined by `&`. */
export function alipaySignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && params[key] !== undefined && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

function beijingTime(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Sends a gateway answer: `{"<method>_response": {...}, "sign": "..."}` where the signature covers the
 * exact JSON text of the `*_response` value, as a client must verify it.
 */
function send(reply: FastifyReply, key: string, value: object): FastifyReply {
  const inner = JSON.stringify(value);
  const sign = createSign('RSA-SHA256')
    .update(inner, 'utf8')
    .sign(ALIPAY_SANDBOX_PLATFORM_PRIVATE_KEY, 'base64');
  return reply.code(200).type('application/json;charset=utf-8').send(`{"${key}":${inner},"sign":"${sign}"}`);
}

function gatewayError(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return send(reply, 'error_response', body);
}

function userFields(found: SandboxOauthApp, user: SandboxOauthUser): Record<string, string> {
  // New apps see the per-app open_id; legacy apps the 2088… user_id.
  return found.alipayOpenIdMode === true
    ? { open_id: sandboxOauthIds('alipay', found, user).openId }
    : { user_id: user.alipayUserId };
}

export async function registerAlipay(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const quota = (_request: FastifyRequest, reply: FastifyReply) =>
    gatewayError(reply, {
      code: '20000',
      msg: 'Service Currently Unavailable',
      sub_code: 'isp.flow-limit',
      sub_msg: '当前访问频率过高，请稍后再试',
    });

  const issue = (found: SandboxOauthApp, userId: string, scope: string) => {
    const access = state.issueToken(
      {
        token: `authusrB${randomHex(16)}`,
        platform: 'alipay',
        kind: 'access',
        appId: found.appId,
        userId,
        scope,
      },
      ACCESS_TTL_MS,
    );
    const refresh = state.issueToken(
      {
        token: `authusrB${randomHex(16)}`,
        platform: 'alipay',
        kind: 'refresh',
        appId: found.appId,
        userId,
        scope,
      },
      REFRESH_TTL_MS,
    );
    return { access, refresh };
  };

  await registerPlatform(app, context, 'alipay', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'alipay',
      paths: ['/oauth2/publicAppAuthorize.htm', '/oauth2/appToAppAuth.htm'],
      title: { zh: '支付宝授权', en: 'Alipay authorization' },
      codeTtlMs: AUTH_CODE_TTL_MS,
      parse(params) {
        const found = state.app('alipay', params.app_id);
        if (found === undefined) return { error: '应用不存在 (invalid app_id)' };
        if (!redirectAllowed(found, params.redirect_uri))
          return { error: 'redirect_uri 与应用授权回调地址不一致' };
        const scopes = (params.scope ?? '').split(',');
        if (scopes.some((item) => item !== 'auth_user' && item !== 'auth_base'))
          return { error: 'scope 参数错误' };
        return {
          app: found,
          redirectUri: params.redirect_uri ?? '',
          scope: scopes.join(','),
          state: params.state,
        };
      },
      // The callback names the code `auth_code`.
      approved: (request, code) => ({
        app_id: request.app.appId,
        source: 'alipay_wallet',
        scope: code.scope,
        auth_code: code.code,
        state: request.state,
      }),
      denied: (request) => ({ app_id: request.app.appId, source: 'alipay_wallet', state: request.state }),
    });

    const gateway = async (request: FastifyRequest, reply: FastifyReply) => {
      const params = readParams(request);
      if (!params.method) {
        return gatewayError(reply, {
          code: '40001',
          msg: 'Missing Required Arguments',
          sub_code: 'isv.missing-method',
          sub_msg: '缺少方法名参数',
        });
      }
      if (!params.app_id) {
        return gatewayError(reply, {
          code: '40001',
          msg: 'Missing Required Arguments',
          sub_code: 'isv.missing-app-id',
          sub_msg: '缺少AppID参数',
        });
      }
      if (params.method === 'alipay.system.oauth.token') state.count('alipay', params.app_id, params.method);
      const found = state.app('alipay', params.app_id);
      if (found === undefined || found.appPublicKey === undefined) {
        return gatewayError(reply, {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-app-id',
          sub_msg: '无效的AppID参数',
        });
      }
      if (!params.sign) {
        return gatewayError(reply, {
          code: '40001',
          msg: 'Missing Required Arguments',
          sub_code: 'isv.missing-signature',
          sub_msg: '缺少签名参数',
        });
      }
      if (params.sign_type !== 'RSA2') {
        return gatewayError(reply, {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-signature-type',
          sub_msg: '无效的签名类型',
        });
      }
      if (!TIMESTAMP.test(params.timestamp ?? '')) {
        return gatewayError(reply, {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-timestamp',
          sub_msg: '非法的时间戳参数',
        });
      }
      const content = alipaySignContent(params);
      const verified = createVerify('RSA-SHA256')
        .update(content, 'utf8')
        .verify(found.appPublicKey, params.sign, 'base64');
      if (!verified) {
        return gatewayError(reply, {
          code: '40002',
          msg: 'Invalid Arguments',
          sub_code: 'isv.invalid-signature',
          sub_msg: `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
        });
      }
      if (params.method === 'alipay.system.oauth.token') return oauthToken(reply, found, params);
      if (params.method === 'alipay.user.info.share') return userInfo(reply, found, params);
      return gatewayError(reply, {
        code: '40002',
        msg: 'Invalid Arguments',
        sub_code: 'isv.invalid-method',
        sub_msg: '不存在的方法名',
      });
    };

    const oauthToken = (reply: FastifyReply, found: SandboxOauthApp, params: Record<string, string>) => {
      const key = 'alipay_system_oauth_token_response';
      const now = state.now();
      if (params.grant_type === 'authorization_code') {
        const check = state.consumeCode('alipay', params.code);
        if (check.status !== 'ok' || check.record.appId !== found.appId) {
          return gatewayError(reply, {
            code: '40002',
            msg: 'Invalid Arguments',
            sub_code: 'isv.code-invalid',
            sub_msg: '授权码code无效',
          });
        }
        const user = state.user(check.record.userId);
        if (user === undefined) {
          return gatewayError(reply, {
            code: '40002',
            msg: 'Invalid Arguments',
            sub_code: 'isv.code-invalid',
            sub_msg: '授权码code无效',
          });
        }
        const { access, refresh } = issue(found, user.id, check.record.scope);
        return send(reply, key, {
          access_token: access.token,
          auth_start: beijingTime(now),
          expires_in: ACCESS_TTL_MS / 1000,
          re_expires_in: REFRESH_TTL_MS / 1000,
          refresh_token: refresh.token,
          ...userFields(found, user),
        });
      }
      if (params.grant_type === 'refresh_token') {
        const check = state.checkToken('alipay', params.refresh_token, ['refresh']);
        const user = check.status === 'ok' ? state.user(check.record.userId) : undefined;
        if (check.status !== 'ok' || check.record.appId !== found.appId || user === undefined) {
          return gatewayError(reply, {
            code: '40002',
            msg: 'Invalid Arguments',
            sub_code: 'isv.refresh-token-invalid',
            sub_msg: '刷新令牌refresh_token无效',
          });
        }
        // Refresh rotates both tokens.
        state.invalidate(check.record);
        const { access, refresh } = issue(found, user.id, check.record.scope ?? 'auth_user');
        return send(reply, key, {
          access_token: access.token,
          auth_start: beijingTime(now),
          expires_in: ACCESS_TTL_MS / 1000,
          re_expires_in: REFRESH_TTL_MS / 1000,
          refresh_token: refresh.token,
          ...userFields(found, user),
        });
      }
      return gatewayError(reply, {
        code: '40002',
        msg: 'Invalid Arguments',
        sub_code: 'isv.grant-type-invalid',
        sub_msg: 'grant_type参数不正确',
      });
    };

    const userInfo = (reply: FastifyReply, found: SandboxOauthApp, params: Record<string, string>) => {
      const key = 'alipay_user_info_share_response';
      const check = state.checkToken('alipay', params.auth_token, ['access']);
      if (check.status === 'expired') {
        return send(reply, key, {
          code: '20001',
          msg: 'Insufficient Token Permissions',
          sub_code: 'aop.auth-token-time-out',
          sub_msg: '访问令牌已过期',
        });
      }
      const user = check.status === 'ok' ? state.user(check.record.userId) : undefined;
      if (check.status !== 'ok' || check.record.appId !== found.appId || user === undefined) {
        return send(reply, key, {
          code: '20001',
          msg: 'Insufficient Token Permissions',
          sub_code: 'aop.invalid-auth-token',
          sub_msg: '无效的访问令牌',
        });
      }
      if (!check.record.scope?.split(',').includes('auth_user')) {
        return send(reply, key, {
          code: '40006',
          msg: 'Insufficient Permissions',
          sub_code: 'isv.insufficient-isv-permissions',
          sub_msg: 'ISV权限不足，建议在开发者中心检查对应功能是否已经添加',
        });
      }
      return send(reply, key, {
        code: '10000',
        msg: 'Success',
        ...userFields(found, user),
        avatar: `https://tfs.alipayobjects.com/images/partner/sandbox-${user.id}`,
        city: user.city,
        gender: user.gender === 'female' ? 'F' : user.gender === 'male' ? 'M' : '',
        nick_name: user.nickname,
        province: user.province,
      });
    };

    scope.get('/gateway.do', gateway);
    scope.post('/gateway.do', gateway);
  });
}
