import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { SandboxContext } from '../sandbox-context.js';
import { redirectAllowed, registerAuthorizePage } from './authorize-page.js';
import { type OauthState, randomToken, type TokenRecord } from './oauth-state.js';
import { checkPkce } from './pkce.js';
import { bearerToken, readParams, registerPlatform } from './platform-scope.js';
import type { SandboxOauthApp, SandboxOauthUser } from './types.js';

const CODE_TTL_MS = 10 * 60_000;
const ACCESS_TTL_MS = 3599_000;
const REFRESH_TTL_MS = 180 * 86_400_000;
const ID_TOKEN_TTL_S = 3600;
/** The real issuer, so a client's `iss` check works unchanged against the sandbox. */
export const GOOGLE_ISSUER = 'https://accounts.google.com';
const EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email';
const PROFILE_SCOPE = 'https://www.googleapis.com/auth/userinfo.profile';
const SCOPE_ALIASES: Record<string, string> = {
  email: EMAIL_SCOPE,
  profile: PROFILE_SCOPE,
  openid: 'openid',
};
const KNOWN_SCOPES = new Set(['openid', EMAIL_SCOPE, PROFILE_SCOPE]);

/** RFC 6749 error bodies with the status Google uses. */
function fail(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).send({ error, error_description: description });
}

/** Normalizes requested scopes to Google's full names (as it echoes them on the redirect); undefined if unknown. */
function normalizeScopes(raw: string): string[] | undefined {
  const out = new Set<string>();
  for (const item of raw.split(/\s+/).filter((part) => part !== '')) {
    const full = SCOPE_ALIASES[item] ?? item;
    if (!KNOWN_SCOPES.has(full)) return undefined;
    out.add(full);
  }
  return out.size === 0 ? undefined : [...out];
}

/** Client authentication: client_secret_basic or client_secret_post. */
function clientCredentials(
  request: FastifyRequest,
  params: Record<string, string>,
): { id?: string; secret?: string } {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  return { id: params.client_id, secret: params.client_secret };
}

// One RS256 key per process (generating RSA keys is slow and every sandbox would pay for it); clients
// fetch it from the JWKS endpoint as they would from Google.
let signingKeyPromise: Promise<{ privateKey: CryptoKey; jwk: JWK & { kid: string } }> | undefined;

function signingKey() {
  signingKeyPromise ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomToken(12);
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  })();
  return signingKeyPromise;
}

export async function registerGoogle(
  app: FastifyInstance,
  context: SandboxContext,
  state: OauthState,
): Promise<void> {
  const { privateKey, jwk } = await signingKey();
  const kid = jwk.kid;
  const consented = new Set<string>();

  const baseOf = (request: FastifyRequest) =>
    `${context.baseUrl() || `${request.protocol}://${request.headers.host ?? '127.0.0.1'}`}/google`;

  const idToken = async (
    found: SandboxOauthApp,
    user: SandboxOauthUser,
    scopes: string[],
    accessToken: string,
    nonce?: string,
  ) => {
    const iat = Math.floor(state.now() / 1000);
    const digest = createHash('sha256').update(accessToken).digest();
    const claims: Record<string, unknown> = {
      azp: found.appId,
      at_hash: digest.subarray(0, digest.length / 2).toString('base64url'),
    };
    if (scopes.includes(EMAIL_SCOPE) && user.email !== null) {
      claims.email = user.email;
      claims.email_verified = user.emailVerified;
    }
    if (scopes.includes(PROFILE_SCOPE)) {
      Object.assign(claims, {
        name: user.name,
        picture: `https://lh3.googleusercontent.com/a/sandbox-${user.id}=s96-c`,
        given_name: user.givenName,
        family_name: user.familyName,
      });
    }
    if (nonce !== undefined) claims.nonce = nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(GOOGLE_ISSUER)
      .setAudience(found.appId)
      .setSubject(user.googleSub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ID_TOKEN_TTL_S)
      .sign(privateKey);
  };

  const tokenAnswer = async (
    found: SandboxOauthApp,
    user: SandboxOauthUser,
    scope: string,
    nonce: string | undefined,
    refresh?: TokenRecord,
  ) => {
    const scopes = scope.split(' ');
    const access = state.issueToken(
      {
        token: `ya29.a0${randomToken(90)}`,
        platform: 'google',
        kind: 'access',
        appId: found.appId,
        userId: user.id,
        scope,
      },
      ACCESS_TTL_MS,
    );
    return {
      access_token: access.token,
      expires_in: ACCESS_TTL_MS / 1000,
      ...(refresh === undefined ? {} : { refresh_token: refresh.token }),
      scope,
      token_type: 'Bearer',
      ...(scopes.includes('openid')
        ? { id_token: await idToken(found, user, scopes, access.token, nonce) }
        : {}),
    };
  };

  const quota = (_request: FastifyRequest, reply: FastifyReply) =>
    fail(reply, 429, 'rate_limit_exceeded', 'Rate Limit Exceeded');

  await registerPlatform(app, context, 'google', quota, (scope) => {
    registerAuthorizePage(scope, state, {
      platform: 'google',
      paths: ['/o/oauth2/v2/auth', '/o/oauth2/auth'],
      title: { zh: '使用 Google 账号登录', en: 'Sign in with Google' },
      codeTtlMs: CODE_TTL_MS,
      newCode: () => `4/0A${randomToken(54)}`,
      parse(params) {
        const found = state.app('google', params.client_id);
        if (found === undefined)
          return { error: 'Error 401: invalid_client — The OAuth client was not found.' };
        if (!redirectAllowed(found, params.redirect_uri)) {
          return { error: `Error 400: redirect_uri_mismatch — redirect_uri=${params.redirect_uri ?? ''}` };
        }
        if (params.response_type !== 'code')
          return { error: 'Error 400: invalid_request — Required parameter is missing: response_type' };
        const scopes = normalizeScopes(params.scope ?? '');
        if (scopes === undefined)
          return { error: 'Error 400: invalid_scope — Some requested scopes were invalid.' };
        const method = params.code_challenge_method;
        if (
          params.code_challenge !== undefined &&
          method !== undefined &&
          method !== 'S256' &&
          method !== 'plain'
        ) {
          return { error: 'Error 400: invalid_request — Invalid code_challenge_method' };
        }
        return {
          app: found,
          redirectUri: params.redirect_uri ?? '',
          scope: scopes.join(' '),
          state: params.state,
          code: {
            offline: params.access_type === 'offline',
            ...(params.nonce === undefined ? {} : { nonce: params.nonce }),
            ...(params.code_challenge === undefined
              ? {}
              : { codeChallenge: params.code_challenge, codeChallengeMethod: method ?? 'plain' }),
          },
          extra: { prompt: params.prompt },
        };
      },
      approved(request, code) {
        // A refresh token only on first consent, or again with prompt=consent.
        const key = `${code.appId}|${code.userId}`;
        const forced = (request.extra?.prompt ?? '').split(' ').includes('consent');
        code.offline = code.offline === true && (forced || !consented.has(key));
        consented.add(key);
        return { state: request.state, code: code.code, scope: code.scope, authuser: '0', prompt: 'consent' };
      },
      denied: (request) => ({ error: 'access_denied', state: request.state }),
    });

    scope.post('/token', async (request, reply) => {
      const params = readParams(request);
      const credentials = clientCredentials(request, params);
      state.count('google', credentials.id ?? '', `token:${params.grant_type ?? ''}`);
      const found = state.app('google', credentials.id);
      if (found === undefined) return fail(reply, 401, 'invalid_client', 'The OAuth client was not found.');
      if (credentials.secret !== found.secret) return fail(reply, 401, 'invalid_client', 'Unauthorized');
      if (params.grant_type === 'authorization_code') {
        if (!params.code) return fail(reply, 400, 'invalid_request', 'Missing required parameter: code');
        const check = state.consumeCode('google', params.code);
        if (check.status !== 'ok' || check.record.appId !== found.appId) {
          return check.status === 'unknown' && !params.code.startsWith('4/')
            ? fail(reply, 400, 'invalid_grant', 'Malformed auth code.')
            : fail(reply, 400, 'invalid_grant', 'Bad Request');
        }
        const code = check.record;
        if (params.redirect_uri !== code.redirectUri)
          return fail(reply, 400, 'redirect_uri_mismatch', 'Bad Request');
        const pkce = checkPkce(code, params.code_verifier);
        if (pkce === 'missing') return fail(reply, 400, 'invalid_grant', 'Missing code verifier.');
        if (pkce === 'mismatch') return fail(reply, 400, 'invalid_grant', 'Invalid code verifier.');
        const user = state.user(code.userId);
        if (user === undefined) return fail(reply, 400, 'invalid_grant', 'Bad Request');
        const refresh =
          code.offline === true
            ? state.issueToken(
                {
                  token: `1//0g${randomToken(72)}`,
                  platform: 'google',
                  kind: 'refresh',
                  appId: found.appId,
                  userId: user.id,
                  scope: code.scope,
                  nonce: code.nonce,
                },
                REFRESH_TTL_MS,
              )
            : undefined;
        return tokenAnswer(found, user, code.scope, code.nonce, refresh);
      }
      if (params.grant_type === 'refresh_token') {
        const check = state.checkToken('google', params.refresh_token, ['refresh']);
        const user = check.status === 'ok' ? state.user(check.record.userId) : undefined;
        if (check.status !== 'ok' || check.record.appId !== found.appId || user === undefined) {
          return fail(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');
        }
        // Google does not rotate refresh tokens; refreshed ID tokens carry no nonce.
        return tokenAnswer(found, user, check.record.scope ?? 'openid', undefined);
      }
      return fail(reply, 400, 'unsupported_grant_type', `Invalid grant_type: ${params.grant_type ?? ''}`);
    });

    const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
      const check = state.checkToken('google', bearerToken(request), ['access']);
      const user = check.status === 'ok' ? state.user(check.record.userId) : undefined;
      if (check.status !== 'ok' || user === undefined) {
        reply.header(
          'www-authenticate',
          'Bearer realm="https://accounts.google.com/", error="invalid_token"',
        );
        return fail(reply, 401, 'invalid_request', 'Invalid Credentials');
      }
      const scopes = (check.record.scope ?? '').split(' ');
      return {
        sub: user.googleSub,
        ...(scopes.includes(PROFILE_SCOPE)
          ? {
              name: user.name,
              given_name: user.givenName,
              family_name: user.familyName,
              picture: `https://lh3.googleusercontent.com/a/sandbox-${user.id}=s96-c`,
            }
          : {}),
        ...(scopes.includes(EMAIL_SCOPE) && user.email !== null
          ? { email: user.email, email_verified: user.emailVerified }
          : {}),
      };
    };
    scope.get('/v1/userinfo', userinfo);
    scope.get('/oauth2/v3/userinfo', userinfo);

    scope.post('/revoke', async (request, reply) => {
      const token = readParams(request).token;
      const record = state.token(token);
      if (record === undefined || record.platform !== 'google' || !state.isLive(record)) {
        return fail(reply, 400, 'invalid_token', 'Token expired or revoked');
      }
      state.invalidate(record);
      return reply.code(200).send({});
    });

    scope.get('/oauth2/v3/certs', async () => ({ keys: [jwk] }));

    scope.get('/.well-known/openid-configuration', async (request) => {
      const base = baseOf(request);
      return {
        issuer: GOOGLE_ISSUER,
        authorization_endpoint: `${base}/o/oauth2/v2/auth`,
        token_endpoint: `${base}/token`,
        userinfo_endpoint: `${base}/v1/userinfo`,
        revocation_endpoint: `${base}/revoke`,
        jwks_uri: `${base}/oauth2/v3/certs`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        claims_supported: [
          'aud',
          'email',
          'email_verified',
          'exp',
          'family_name',
          'given_name',
          'iat',
          'iss',
          'name',
          'picture',
          'sub',
        ],
        code_challenge_methods_supported: ['plain', 'S256'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
      };
    });
  });
}
