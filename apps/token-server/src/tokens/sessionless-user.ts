import type { Services } from '../services.js';

const USER_SUB = /^[1-9][0-9]{0,19}$/;

/**
 * Whether a verified access token still stands for an ACTIVE user, where the in-memory revoked set
 * cannot tell. A user token normally carries its session (`sid`), and blocking the user ends that
 * session everywhere without a round trip. But a client registered without the refresh_token grant
 * gets user tokens with no session; only the user's row can refuse those after a block. Tokens with
 * a `sid` and service-account tokens cost nothing here.
 */
export async function sessionlessUserActive(
  services: Services,
  claims: { sub: string; sid?: string | undefined },
): Promise<boolean> {
  if (claims.sid !== undefined || !USER_SUB.test(claims.sub)) return true;
  const rows = await services.db.query<{ status: string }>('SELECT status FROM users WHERE sub = $1', [
    claims.sub,
  ]);
  return rows[0]?.status === 'ACTIVE';
}
