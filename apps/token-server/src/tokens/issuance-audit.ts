import { GRANT_TYPES } from '../clients/client.js';
import type { LoadedClient } from '../clients/client-registry.js';
import type { Services } from '../services.js';
import type { TokenResponse } from './token-response.js';

/**
 * The token endpoint's audit rows, beside the one client_credentials writes itself:
 *
 * - `token_issued` for every grant that starts a session — password, authorization_code, device
 *   code — with the grant and the scope, after the tokens exist and before they
 *   leave (the request waits for the group-committed row, as client_credentials does);
 * (`signin_failed` rows come from `verifyPassword`, for every caller of the password check.)
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
