import { ipAllowed } from '../clients/ip-allow-list.js';
import { TokenServerError } from '../errors.js';
import { limitKey } from '../limits/limit-key.js';
import { grantScope, parseScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { coalescingCounter } from './client-rate-limit.js';
import type { GrantContext } from './grant-context.js';

/**
 * RFC 6749 §4.4: a confidential client acting as itself. The token's `sub` is the client's service
 * account (never a user's), its scope what the client was given and nothing more, no refresh token.
 * Each issuance is rate limited per client, checked against the client's IP allow-list and audited
 * (seed 002's 安全规范).
 */
export async function clientCredentialsGrant(context: GrantContext): Promise<TokenResponse> {
  const { client, services } = context;
  if (
    client.kind !== 'confidential' ||
    !client.grantTypes.includes('client_credentials') ||
    !client.serviceAccountSub
  ) {
    throw new TokenServerError('unauthorized_client', 'this client may not use client_credentials');
  }
  if (!ipAllowed(client.allowList, context.ip)) {
    throw new TokenServerError('unauthorized_client', 'client_credentials is not allowed from this address');
  }
  const perMinute = client.rateLimitPerMinute ?? services.config.limits.clientCredentialsPerMinute;
  const counter = await coalescingCounter(services.limits).increment(
    limitKey(services.hmacKey, 'cc', client.id),
    60_000,
  );
  if (counter.count > perMinute) {
    throw new TokenServerError(
      'rate_limit_exceeded',
      'too many client_credentials requests for this client',
      {
        retryAfter: Math.max(1, Math.ceil(counter.ttlMs / 1_000)),
      },
    );
  }
  const scope = grantScope(parseScope(context.params.scope), client.scopes, client.scopes);
  const lifetime = services.config.lifetimes.clientCredentials;
  const [access] = await Promise.all([
    services.issuer.accessToken({
      sub: client.serviceAccountSub,
      clientId: client.id,
      scope,
      lifetimeSeconds: lifetime,
    }),
  ]);
  await services.audit.record({
    kind: 'client_credentials',
    clientId: client.id,
    sub: client.serviceAccountSub,
    ip: context.ip,
    detail: { scope: scope.join(' '), method: context.authMethod, exp: access.exp },
  });
  return {
    token_type: 'Bearer',
    access_token: access.token,
    expires_in: lifetime,
    scope: scope.join(' '),
    sub: client.serviceAccountSub,
  };
}
