import { GRANT_TYPES } from '../clients/client.js';
import { authorizationCodeGrant } from './authorization-code-grant.js';
import { clientCredentialsGrant } from './client-credentials-grant.js';
import { deviceCodeGrant } from './device-code-grant.js';
import type { GrantHandler } from './grant-context.js';
import { passwordGrant } from './password-grant.js';
import { refreshTokenGrant } from './refresh-token-grant.js';

/** grant_type → handler. One file per grant (oidc-provider's lib/actions/grants). */
export const GRANT_HANDLERS: Partial<Record<string, GrantHandler>> = {
  [GRANT_TYPES.password]: passwordGrant,
  [GRANT_TYPES.refreshToken]: refreshTokenGrant,
  [GRANT_TYPES.clientCredentials]: clientCredentialsGrant,
  [GRANT_TYPES.authorizationCode]: authorizationCodeGrant,
  [GRANT_TYPES.deviceCode]: deviceCodeGrant,
};
