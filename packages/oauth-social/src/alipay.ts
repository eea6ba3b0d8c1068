import type { KeyObject } from 'node:crypto';
import {
  alipaySignContent,
  alipayTimestamp,
  loadAlipayPrivateKey,
  loadAlipayPublicKey,
  signAlipayRsa2,
  verifyAlipayRsa2,
} from './alipay-sign.js';
import { OAuthError, type OAuthErrorCode } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { asObject, type JsonObject, readNumber, readString } from './internal/fields.js';
import { readTopLevelMembers } from './internal/json-members.js';
import { checkOptions } from './internal/options.js';
import type { TransportOptions } from './internal/transport.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import { chooseSubject, type SocialProfile, type SubjectPreference } from './profile.js';
import type { AuthorizationURLInput, OAuthProvider, ValidateCodeOptions } from './provider.js';
import { OAuthTokens } from './tokens.js';

const HOSTS = {
  /** The consent page. */
  openauth: 'https://openauth.alipay.com',
  /** The signed gateway. */
  openapi: 'https://openapi.alipay.com',
} as const;

const AUTHORIZE_PATH = '/oauth2/publicAppAuthorize.htm';
const GATEWAY_PATH = '/gateway.do';
const OAUTH_TOKEN_METHOD = 'alipay.system.oauth.token';
const USER_INFO_METHOD = 'alipay.user.info.share';

export interface AlipayOptions extends TransportOptions {
  appId: string;
  /** The app private key (PEM, or the bare base64 from the Alipay console). */
  privateKey: string | KeyObject;
  /**
   * Alipay's public key, to verify response signatures. Strongly recommended; without it a response
   * is trusted on TLS alone.
   */
  alipayPublicKey?: string | KeyObject;
  redirectUri?: string;
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
  subject?: SubjectPreference;
}

function classify(
  code: string | undefined,
  subCode: string | undefined,
  phase: 'code' | 'refresh' | 'api',
): OAuthErrorCode {
  switch (subCode) {
    case 'isv.code-invalid': // auth_code invalid, expired or already used
      return 'OAUTH_INVALID_CODE';
    case 'isv.refresh-token-invalid':
    case 'isv.refresh-token-time-out':
      return 'OAUTH_INVALID_REFRESH_TOKEN';
    case 'aop.invalid-auth-token':
    case 'aop.auth-token-time-out':
    case 'invalid-auth-token':
    case 'auth-token-time-out':
      return 'OAUTH_INVALID_TOKEN';
    case 'isv.invalid-app-id':
    case 'isv.invalid-signature':
    case 'isv.missing-signature':
    case 'isv.invalid-signature-type':
    case 'isv.invalid-timestamp':
    case 'isv.app-unbind-partner':
      return 'OAUTH_CONFIG_ERROR';
    case 'isv.insufficient-isv-permissions':
    case 'isv.insufficient-user-permissions':
      return 'OAUTH_PERMISSION_DENIED';
    default:
      break;
  }
  if (code === '20001') return phase === 'api' ? 'OAUTH_INVALID_TOKEN' : 'OAUTH_CONFIG_ERROR';
  if (code === '40006') return 'OAUTH_PERMISSION_DENIED';
  if (code === '20000' || subCode?.startsWith('isp.') === true) return 'OAUTH_PLATFORM_ERROR';
  return 'OAUTH_PLATFORM_ERROR';
}

/** The top-level `sign` member's string value; undefined when absent or not a JSON string. */
function readSignature(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value: unknown = JSON.parse(raw);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Alipay (支付宝) login: a signed gateway (RSA2, i.e. SHA256withRSA with the app private key), the
 * callback carries `auth_code` (single use). Profile `id` is `union_id` when present, else the
 * per-app `open_id`, else the legacy `user_id` (2088…), which Alipay is migrating away from.
 */
export class Alipay implements OAuthProvider {
  readonly id = 'alipay' as const;
  readonly #options: AlipayOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject | undefined;
  readonly #subject: SubjectPreference;

  constructor(options: AlipayOptions) {
    checkOptions('alipay', options, [
      { name: 'appId', what: 'the APPID' },
      { name: 'privateKey', what: 'the application private key (PEM)', keyObject: true },
    ]);
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    try {
      this.#privateKey = loadAlipayPrivateKey(options.privateKey);
      this.#publicKey =
        options.alipayPublicKey === undefined ? undefined : loadAlipayPublicKey(options.alipayPublicKey);
    } catch (error) {
      throw new OAuthError('OAUTH_CONFIG_ERROR', 'alipay: the private or public key cannot be read', {
        provider: 'alipay',
        cause: error,
      });
    }
    this.#subject = options.subject ?? 'unionId';
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    return withQuery(this.#hosts.openauth + AUTHORIZE_PATH, {
      app_id: this.#options.appId,
      scope: (input.scopes ?? ['auth_user']).join(','),
      redirect_uri: redirectUri,
      state: input.state,
    });
  }

  /** `code` is the callback's `auth_code`. */
  validateAuthorizationCode(code: string, _options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    return this.#oauthToken({ grant_type: 'authorization_code', code }, 'code');
  }

  refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    return this.#oauthToken({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh');
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const node = await this.call(USER_INFO_METHOD, { auth_token: tokens.accessToken() }, 'api');
    const openId = readString(node, 'open_id') ?? readString(node, 'user_id') ?? tokens.openId();
    const unionId = readString(node, 'union_id') ?? tokens.unionId();
    return {
      provider: this.id,
      id: chooseSubject(this.#subject, { openId, unionId }) ?? openId,
      openId,
      unionId,
      name: readString(node, 'nick_name'),
      avatarUrl: readString(node, 'avatar'),
      email: undefined,
      emailVerified: false,
      phone: readString(node, 'mobile'),
      raw: node,
    };
  }

  /**
   * Calls one gateway method: signs the common + biz parameters, verifies the response signature
   * (when `alipayPublicKey` is set) and returns the `*_response` node. Throws on `error_response`
   * or a node `code` other than 10000.
   */
  async call(
    method: string,
    params: Record<string, string>,
    phase: 'code' | 'refresh' | 'api' = 'api',
  ): Promise<JsonObject> {
    const request: Record<string, string> = {
      app_id: this.#options.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTimestamp(this.#transport.clock.now()),
      version: '1.0',
      ...params,
    };
    request.sign = signAlipayRsa2(alipaySignContent(request), this.#privateKey);
    const { body, text, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: withQuery(this.#hosts.openapi + GATEWAY_PATH, { charset: 'utf-8' }),
      form: request,
    });
    const nodeName = `${method.replaceAll('.', '_')}_response`;
    // One pass over the text decides which bytes are the node: those bytes are verified and those
    // bytes, parsed on their own, are the answer. `body` (JSON.parse of the whole text) is kept
    // for error payloads only; its view of a duplicated key is the last one, not the signed one.
    const read = readTopLevelMembers(text);
    if (!read.ok) {
      throw new OAuthError(
        this.#publicKey === undefined ? 'OAUTH_BAD_RESPONSE' : 'OAUTH_INVALID_SIGNATURE',
        `alipay: the response cannot be read unambiguously (${read.reason})`,
        { provider: this.id, payload: body, status },
      );
    }
    const isError = read.members.has('error_response');
    const signedName = isError ? 'error_response' : nodeName;
    const content = read.members.get(signedName);
    const signature = readSignature(read.members.get('sign'));
    if (this.#publicKey !== undefined && signature !== undefined) {
      if (content === undefined || !verifyAlipayRsa2(content, signature, this.#publicKey)) {
        throw new OAuthError(
          'OAUTH_INVALID_SIGNATURE',
          `alipay: the ${signedName} signature does not verify`,
          {
            provider: this.id,
            payload: body,
            status,
          },
        );
      }
    } else if (this.#publicKey !== undefined && !isError) {
      // A success without a signature (or with a `sign` that is not a string) is not trustworthy
      // when we can check signatures.
      throw new OAuthError('OAUTH_INVALID_SIGNATURE', `alipay: the ${nodeName} is not signed`, {
        provider: this.id,
        payload: body,
        status,
      });
    }
    const node = content === undefined ? undefined : asObject(JSON.parse(content));
    if (node === undefined) {
      throw new OAuthError('OAUTH_BAD_RESPONSE', `alipay: the response has no ${signedName} object`, {
        provider: this.id,
        payload: body,
        status,
      });
    }
    const code = readString(node, 'code');
    // alipay.system.oauth.token carries no `code` on success; other methods say "10000".
    if (isError || (code !== undefined && code !== '10000')) {
      const subCode = readString(node, 'sub_code');
      const errorCode = classify(code, subCode, phase);
      const message = readString(node, 'sub_msg') ?? readString(node, 'msg') ?? '';
      throw new OAuthError(
        errorCode,
        `alipay: ${code ?? ''} ${subCode ?? ''} ${message}`.replace(/\s+/g, ' ').trim(),
        {
          provider: this.id,
          platformCode: subCode ?? code ?? status,
          platformMessage: message,
          payload: body,
          status,
          retryable: code === '20000' || subCode?.startsWith('isp.') === true,
        },
      );
    }
    return node;
  }

  async #oauthToken(params: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const node = await this.call(OAUTH_TOKEN_METHOD, params, phase);
    const accessToken = readString(node, 'access_token');
    const openId = readString(node, 'open_id') ?? readString(node, 'user_id');
    if (accessToken === undefined || openId === undefined) {
      throw new OAuthError(
        'OAUTH_BAD_RESPONSE',
        'alipay: the token response has no access_token or user id',
        {
          provider: this.id,
          payload: node,
        },
      );
    }
    return new OAuthTokens(
      this.id,
      {
        accessToken,
        // Documented as strings, seen as numbers: accept both.
        expiresIn: readNumber(node, 'expires_in'),
        refreshToken: readString(node, 'refresh_token'),
        refreshTokenExpiresIn: readNumber(node, 're_expires_in'),
        openId,
        unionId: readString(node, 'union_id'),
        extra: { userId: readString(node, 'user_id') },
      },
      node,
      this.#transport.clock.now(),
    );
  }
}
