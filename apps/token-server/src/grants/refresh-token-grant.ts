import { TokenServerError } from '../errors.js';
import { parseScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { type GrantContext, requireParam } from './grant-context.js';
import { rotateRefreshToken } from './refresh-rotation.js';

/** RFC 6749 §6 with rotation (see refresh-rotation.ts for the rules). */
export async function refreshTokenGrant(context: GrantContext): Promise<TokenResponse> {
  if (!context.client.grantTypes.includes('refresh_token')) {
    throw new TokenServerError('unauthorized_client', 'this client may not use refresh tokens');
  }
  const token = requireParam(context, 'refresh_token');
  if (token.length > 256) throw new TokenServerError('invalid_grant', 'refresh token is invalid or expired');
  return rotateRefreshToken(context.services, {
    token,
    client: context.client,
    deviceId: context.deviceId,
    scope: parseScope(context.params.scope),
  });
}
