import { LingpaiError } from '@lingpai/auth-core';
import { GRANT_TYPES } from '../clients/client.js';
import type { LoadedClient } from '../clients/client-registry.js';
import { acceptsRedirectUri } from '../clients/redirect-uri-match.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { grantScope, parseScope } from '../tokens/scope.js';
import type { AuthorizationOptions } from './authorization-options.js';
import type { AuthorizeParams } from './interaction-store.js';
import { type ChallengeMethod, challengeProblem } from './pkce.js';

/** The `error` values an authorization response can carry (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6). */
export type AuthorizationErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported';

/**
 * A refusal sent back to the client's (verified) redirect_uri as `error`, `error_description`,
 * `state` and `iss` — only ever thrown once the client and redirect_uri are known to be registered.
 */
export class AuthorizationError extends LingpaiError<AuthorizationErrorCode> {}

/** The query of `/auth/v1/authorize`; the route schema has already refused non-strings and duplicates. */
export type AuthorizationQuery = Readonly<Record<string, string | undefined>>;

const PROMPTS = new Set(['none', 'login', 'consent']);

/**
 * RFC 6749 §4.1.2.1: with an unknown client or a redirect_uri that is not exactly one the client
 * registered, the server must not redirect (that would make it an open redirector, or hand a code to
 * an attacker's URI): the error is shown on our own origin. `redirect_uri` is always required (OIDC
 * Core §3.1.2.1), so the token request always has one to match against.
 */
export async function resolveClientAndRedirect(
  services: Services,
  query: AuthorizationQuery,
): Promise<{ client: LoadedClient; redirectUri: string }> {
  const clientId = query.client_id;
  if (clientId === undefined) throw new TokenServerError('invalid_request', 'client_id is required');
  const client = await services.clients.get(clientId);
  if (!client) throw new TokenServerError('invalid_request', 'unknown client_id');
  const redirectUri = query.redirect_uri;
  if (redirectUri === undefined) throw new TokenServerError('invalid_request', 'redirect_uri is required');
  // Exact string comparison (RFC 9700 §4.1.3), loopback ports aside (RFC 8252 §7.3).
  if (!acceptsRedirectUri(client, redirectUri)) {
    throw new TokenServerError('invalid_request', 'redirect_uri is not registered for this client');
  }
  return { client, redirectUri };
}

function fail(code: AuthorizationErrorCode, description: string): never {
  throw new AuthorizationError(code, description);
}

/**
 * Everything else about the request, refused by redirect: response type, the client's grant, scope,
 * PKCE, OIDC `prompt`, `max_age` and `nonce`.
 */
export function validateAuthorizationRequest(
  client: LoadedClient,
  redirectUri: string,
  query: AuthorizationQuery,
  options: AuthorizationOptions,
): AuthorizeParams {
  if (query.request !== undefined) fail('request_not_supported', 'request objects are not supported');
  if (query.request_uri !== undefined) fail('request_uri_not_supported', 'request_uri is not supported');
  if (query.registration !== undefined)
    fail('registration_not_supported', 'the registration parameter is not supported');
  const responseType = query.response_type;
  if (responseType === undefined) fail('invalid_request', 'response_type is required');
  if (responseType !== 'code') fail('unsupported_response_type', 'only response_type=code is supported');
  if (query.response_mode !== undefined && query.response_mode !== 'query') {
    fail('invalid_request', 'only response_mode=query is supported');
  }
  if (!client.grantTypes.includes(GRANT_TYPES.authorizationCode)) {
    fail('unauthorized_client', 'this client may not use the authorization code grant');
  }

  let scope: string[];
  try {
    scope = grantScope(
      parseScope(query.scope),
      client.scopes,
      client.defaultScopes.length > 0 ? client.defaultScopes : client.scopes,
    );
  } catch (error) {
    if (error instanceof TokenServerError) fail('invalid_scope', error.message);
    throw error;
  }
  if (scope.length === 0) fail('invalid_scope', 'no scope requested and the client has no default scope');

  const challenge = query.code_challenge;
  let method: ChallengeMethod | undefined;
  if (challenge === undefined) {
    if (query.code_challenge_method !== undefined)
      fail('invalid_request', 'code_challenge_method without code_challenge');
    if (client.kind === 'public' || options.requirePkceForConfidential) {
      fail('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256');
    }
  } else {
    // RFC 7636 §4.3: an absent method means plain — which is refused unless allowed.
    const requested = query.code_challenge_method ?? 'plain';
    const problem = challengeProblem(requested, challenge, { allowPlain: options.allowPlainPkce });
    if (problem !== undefined) fail('invalid_request', problem);
    method = requested as ChallengeMethod;
  }

  const prompt = [...new Set((query.prompt ?? '').split(' ').filter(Boolean))];
  for (const value of prompt) {
    if (!PROMPTS.has(value)) fail('invalid_request', `unsupported prompt value: ${value.slice(0, 40)}`);
  }
  if (prompt.includes('none') && prompt.length > 1) {
    fail('invalid_request', 'prompt=none cannot be combined with other values');
  }

  let maxAge: number | undefined;
  if (query.max_age !== undefined) {
    if (!/^\d{1,10}$/.test(query.max_age)) fail('invalid_request', 'max_age must be a non-negative integer');
    maxAge = Number(query.max_age);
  }

  const params: AuthorizeParams = { redirect_uri: redirectUri, scope, prompt };
  if (query.state !== undefined) params.state = query.state;
  if (query.nonce !== undefined) params.nonce = query.nonce;
  if (challenge !== undefined && method !== undefined) {
    params.code_challenge = challenge;
    params.code_challenge_method = method;
  }
  if (maxAge !== undefined) params.max_age = maxAge;
  return params;
}

/**
 * Whether the browser's login satisfies the request: no `prompt=login`, and, with `max_age`, a login
 * no older than that (OIDC Core §3.1.2.1; `max_age=0` means "log in again now").
 */
export function loginSatisfies(
  params: Pick<AuthorizeParams, 'prompt' | 'max_age'>,
  authTime: number,
  now: number,
): boolean {
  if (params.prompt.includes('login')) return false;
  if (params.max_age === undefined) return true;
  // OIDC Core §3.1.2.1: max_age=0 is prompt=login; otherwise a login at most max_age seconds old.
  return params.max_age > 0 && now - authTime <= params.max_age * 1_000;
}
