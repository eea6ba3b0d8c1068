import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import type { AuthorizeParams } from './interaction-store.js';
import type { LoginSession } from './login-session.js';

/**
 * Issues an authorization code (RFC 6749 §4.1.2): 256 random bits, stored only as SHA-256 with
 * everything the token request must match (client, exact redirect_uri, PKCE challenge) and what the
 * tokens will carry (scope, nonce, the login's auth_time and amr). Lives `lifetimes.authorizationCode`.
 */
export async function issueAuthorizationCode(
  services: Services,
  q: Queryable,
  input: { clientId: string; params: AuthorizeParams; login: LoginSession; scope: readonly string[] },
): Promise<string> {
  const code = newOpaqueToken(services.random);
  const now = services.clock.now();
  const { params } = input;
  await q.query(
    `INSERT INTO authorization_codes (hash, client_id, user_sub, redirect_uri, scope, code_challenge,
       code_challenge_method, nonce, auth_time, amr, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      hashToken(code),
      input.clientId,
      input.login.userSub,
      params.redirect_uri,
      input.scope.join(' '),
      params.code_challenge ?? null,
      params.code_challenge_method ?? null,
      params.nonce ?? null,
      new Date(input.login.authTime),
      JSON.stringify(input.login.amr),
      new Date(now),
      new Date(now + services.config.lifetimes.authorizationCode * 1_000),
    ],
  );
  return code;
}

/**
 * The client's redirect_uri with the response parameters added (its own query kept, RFC 6749
 * §3.1.2) and, always, `iss` (RFC 9207) so a client talking to several servers can tell who answered.
 */
export function authorizationResponseUrl(
  redirectUri: string,
  issuer: string,
  params: Readonly<Record<string, string | undefined>>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  url.searchParams.append('iss', issuer);
  return url.toString();
}
