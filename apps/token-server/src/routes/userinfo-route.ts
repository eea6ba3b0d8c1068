import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { requireBearer } from './bearer.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES } from './schemas.js';

export const UserinfoSchema = Type.Object({
  sub: Type.String(),
  name: Type.Optional(Type.String()),
  picture: Type.Optional(Type.String()),
  gender: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  preferred_username: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  email_verified: Type.Optional(Type.Boolean()),
  phone_number: Type.Optional(Type.String()),
  phone_number_verified: Type.Optional(Type.Boolean()),
  groups: Type.Optional(Type.Array(Type.String())),
});

interface UserinfoRow {
  sub: string;
  username: string | null;
  username_display: string | null;
  name: string | null;
  picture: string | null;
  gender: string | null;
  locale: string | null;
  email: string | null;
  email_verified: boolean;
  phone_number: string | null;
  phone_number_verified: boolean;
  groups: string[];
  status: string;
}

type Claims = Record<string, string | boolean | string[]>;

/** Copies the defined values only: OIDC Core §5.3.2 — omit a claim rather than send null or ''. */
function put(claims: Claims, name: string, value: string | boolean | string[] | null | undefined): void {
  if (value !== null && value !== undefined && value !== '') claims[name] = value;
}

/** The claims each scope releases (OIDC Core §5.4, plus CloudBase's `username`/`gender` and `groups`). */
export function userinfoClaims(row: UserinfoRow, scopes: readonly string[]): Claims {
  const claims: Claims = { sub: row.sub };
  if (scopes.includes('profile')) {
    const username = row.username_display ?? row.username;
    put(claims, 'name', row.name);
    put(claims, 'picture', row.picture);
    put(claims, 'gender', row.gender);
    put(claims, 'locale', row.locale);
    put(claims, 'username', username);
    put(claims, 'preferred_username', username);
  }
  if (scopes.includes('email') && row.email) {
    claims.email = row.email;
    claims.email_verified = row.email_verified;
  }
  if (scopes.includes('phone') && row.phone_number) {
    claims.phone_number = row.phone_number;
    claims.phone_number_verified = row.phone_number_verified;
  }
  if (scopes.includes('groups')) claims.groups = row.groups;
  return claims;
}

const invalidToken = (description: string) =>
  new TokenServerError('invalid_token', description, {
    headers: { 'WWW-Authenticate': 'Bearer realm="lingpai", error="invalid_token"' },
  });

async function userinfo(services: Services, request: Parameters<typeof requireBearer>[0]): Promise<Claims> {
  // Signature, expiry, issuer, audience and a dead sid (in memory) — 401 invalid_token otherwise.
  const claims = requireBearer(request, services);
  const scopes = claims.scope.split(' ');
  if (!scopes.includes('openid')) {
    throw new TokenServerError('insufficient_scope', 'userinfo needs an access token with the openid scope', {
      headers: {
        'WWW-Authenticate': 'Bearer realm="lingpai", error="insufficient_scope", scope="openid"',
      },
    });
  }
  const row = (
    await services.db.query<UserinfoRow>(
      `SELECT sub, username, username_display, name, picture, gender, locale, email, email_verified,
              phone_number, phone_number_verified, groups, status
       FROM users WHERE sub = $1`,
      [claims.sub],
    )
  )[0];
  // A service account (client_credentials) is not a user; a deleted or blocked user has no userinfo.
  if (!row) throw invalidToken('the access token does not belong to a user');
  // Blocking ends the token's session (its sid dies everywhere), but a token without a session, or
  // one presented before the broadcast arrived, is refused here by the row itself.
  if (row.status !== 'ACTIVE') throw invalidToken(`this account is ${row.status.toLowerCase()}`);
  return userinfoClaims(row, scopes);
}

/**
 * `GET` and `POST /auth/v1/userinfo` (OIDC Core §5.3): the signed-in user's claims, chosen by the
 * access token's scopes. Needs `openid` (403 insufficient_scope otherwise, RFC 6750 §3.1). The token
 * comes only in the Authorization header — not as a form field (RFC 6750 §2.2 makes that optional,
 * and a token in a body is one more place for it to be logged).
 */
export const userinfoRoute: RoutePlugin = (app, services) => {
  const schema = {
    summary: 'The signed-in user’s claims',
    description: 'OpenID Connect Core 1.0 §5.3',
    tags: ['token'],
    response: { 200: UserinfoSchema, ...ERROR_RESPONSES },
  };
  app.get('/auth/v1/userinfo', { schema }, async (request) => userinfo(services, request));
  app.post('/auth/v1/userinfo', { schema }, async (request) => userinfo(services, request));
};
