import { hashToken } from '../crypto/opaque-token.js';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import type { Services } from '../services.js';
import type { InteractionRow } from './interaction-store.js';

/**
 * The `verification_token` a code gave inside this interaction, kept server-side (sealed under the
 * interaction id) for the sign-up that may follow, so the token never reaches the page and the user
 * types one code: after a code login that found no account (the token is then a sign-up ticket,
 * signin/signup-tickets.ts), or after a sign-up refused before the token was spent (a taken
 * username, a weak password). Single use is the token's own (the verification store and the ticket
 * decide it); the column (`interactions.verified_contact`, migration 20261202060000) only carries
 * the proof of the contact from one call of the page to the next.
 */
function tokenKey(interactionId: string): Buffer {
  return deriveKey(interactionId, 'interaction verification token');
}

/** Keeps the token on the pending interaction (the newest replaces an older one). */
export async function rememberVerificationToken(
  services: Services,
  interactionId: string,
  row: InteractionRow,
  token: string,
): Promise<boolean> {
  const sealed = seal(tokenKey(interactionId), token, hashToken(interactionId));
  const rows = await services.db.query(
    `UPDATE interactions SET verified_contact = $3
     WHERE id_hash = $1 AND browser_hash = $2 AND status = 'pending' AND expires_at > $4 RETURNING 1`,
    [row.id_hash, row.browser_hash, sealed, new Date(services.clock.now())],
  );
  return rows.length === 1;
}

/** The token the interaction row (as read) carries, if any. */
export function rememberedVerificationToken(interactionId: string, row: InteractionRow): string | undefined {
  const sealed = (row as InteractionRow & { verified_contact?: string | null }).verified_contact;
  if (sealed === undefined || sealed === null) return undefined;
  return open(tokenKey(interactionId), sealed, row.id_hash);
}

/** Drops the carried token once it was used. */
export async function forgetVerificationToken(services: Services, row: InteractionRow): Promise<void> {
  await services.db.query('UPDATE interactions SET verified_contact = NULL WHERE id_hash = $1', [
    row.id_hash,
  ]);
}
