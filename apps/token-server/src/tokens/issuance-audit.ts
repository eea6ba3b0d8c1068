import { GRANT_TYPES } from '../clients/client.js';
import type { LoadedClient } from '../clients/client-registry.js';
import { isTokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { TokenResponse } from './token-response.js';

/**
 * The token endpoint's audit rows, beside the one client_credentials writes itself:
 *
 * - `token_issued` for every grant that starts a session — password, authorization_code, device
 *   code — with the grant and the scope, after the tokens exist and before they
 *   leave (the request waits for the group-committed row, as client_credentials does);
 * - `signin_failed` for a refused password grant (wrong password, unknown user, blocked account),
 *   never with the username (it may be a phone number or an email) nor the password.
 *
 * A refresh is not a row here: it continues a session, and every rotation is already its own
 * `refresh_tokens` row (issued_at, parent) — the benchmarked hot path pays no second write for it.
 */
export const SESSION_GRANTS: ReadonlySet<string> = new Set([
  GRANT_TYPES.password,
  GRANT_TYPES.authorizationCode,
  GRANT_TYPES.deviceCode,
]);

export async function auditIssuance(
  services: Services,
  input: { grantType: string; client: LoadedClient; ip: string; response: TokenResponse },
): Promise<void> {
  if (!SESSION_GRANTS.has(input.grantType)) return;
  await services.audit.record({
    kind: 'token_issued',
    clientId: input.client.id,
    sub: input.response.sub,
    ip: input.ip,
    detail: {
      grant_type: input.grantType,
      scope: input.response.scope,
      refresh_token: input.response.refresh_token !== undefined,
    },
  });
}

export async function auditRefusal(
  services: Services,
  input: { grantType: string; client: LoadedClient; ip: string; error: unknown },
): Promise<void> {
  if (input.grantType !== GRANT_TYPES.password || !isTokenServerError(input.error)) return;
  // Only the answers about the credentials: a rate limit or captcha refusal is not an attempt.
  if (input.error.code !== 'invalid_grant') return;
  await services.audit
    .record({
      kind: 'signin_failed',
      clientId: input.client.id,
      ip: input.ip,
      detail: { grant_type: input.grantType, reason: input.error.message.slice(0, 100) },
    })
    // The refusal is the answer; a lost audit row must not turn it into a 500.
    .catch((error: unknown) => services.log.warn({ err: error }, 'audit row for a refused sign-in lost'));
}
