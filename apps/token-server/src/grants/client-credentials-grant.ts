import { ipAllowed } from '../clients/ip-allow-list.js';
import { TokenServerError } from '../errors.js';
import { grantScope, parseScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { clientCredentialsLimitKey, coalescingCounter } from './client-rate-limit.js';
import type { GrantContext } from './grant-context.js';

/**
 * RFC 6749 §4.4: a confidential client acting as itself. The token's `sub` is the client's service
 * account (never a user's), its scope what the client was given and nothing more, no refresh token.
 * Each issuance is rate limited per client, checked against the client's IP allow-list and audited
 * (seed 002's 安全规范).
 */
export async function clientCredentialsGrant(context: GrantContext): Promise<TokenResponse> {
  const { client, services } = context;
  const sub = client.serviceAccountSub;
  if (client.kind !== 'confidential' || !client.grantTypes.includes('client_credentials') || !sub) {
    throw new TokenServerError('unauthorized_client', 'this client may not use client_credentials');
  }
  if (!ipAllowed(client.allowList, context.ip)) {
    throw new TokenServerError('unauthorized_client', 'client_credentials is not allowed from this address');
  }
  const perMinute = client.rateLimitPerMinute ?? services.config.limits.clientCredentialsPerMinute;
  const counters = coalescingCounter(services.limits, services.clock);
  const limitKey = clientCredentialsLimitKey(services.hmacKey, client.id);
  const counting = counters.increment(limitKey, 60_000, perMinute);
  const lifetime = services.config.lifetimes.clientCredentials;
  let scope: string[] = [];
  let scopeError: unknown;
  try {
    scope = grantScope(parseScope(context.params.scope), client.scopes, client.scopes);
  } catch (error) {
    scopeError = error;
  }
  const iat = Math.floor(services.clock.now() / 1_000);
  const sign = () =>
    services.issuer.accessToken({
      sub,
      clientId: client.id,
      scope,
      lifetimeSeconds: lifetime,
      issuedAt: iat,
    });
  // Sign while the counter's round trip is in flight — unless this client was last seen at its limit,
  // where the signature would most likely be thrown away (a client over its limit must not cost us
  // one signature per refused request). The verdicts and their order are the same either way: a
  // counter failure, then the rate limit, then the scope or signing error.
  const speculative =
    scopeError === undefined && !counters.lastSeenAtLeast(limitKey, perMinute) ? sign() : undefined;
  speculative?.catch(() => undefined);
  const counter = await counting;
  if (counter.count > perMinute) {
    throw new TokenServerError(
      'rate_limit_exceeded',
      'too many client_credentials requests for this client',
      {
        retryAfter: Math.max(1, Math.ceil(counter.ttlMs / 1_000)),
      },
    );
  }
  if (scopeError !== undefined) throw scopeError;
  // The audit row (it needs only `exp`, fixed by `iat`) commits while the signature is computed; the
  // token leaves only once both are done, so no token is ever out without its row. A signing failure
  // (a broken key: a 500) leaves a row for a token nobody received — as a dropped connection does.
  const [access] = await Promise.all([
    speculative ?? sign(),
    services.audit.record({
      kind: 'client_credentials',
      clientId: client.id,
      sub,
      ip: context.ip,
      detail: { scope: scope.join(' '), method: context.authMethod, exp: iat + lifetime },
    }),
  ]);
  return {
    token_type: 'Bearer',
    access_token: access.token,
    expires_in: lifetime,
    scope: scope.join(' '),
    sub,
  };
}
