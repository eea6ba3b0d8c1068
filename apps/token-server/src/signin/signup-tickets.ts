import { hashToken } from '../crypto/opaque-token.js';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import type { Contact } from './verified-contact.js';

/** How long a `user_not_found` sign-in leaves its token good for the sign-up that follows. */
export const SIGNUP_TICKET_SECONDS = 600;

function ticketKey(token: string): Buffer {
  return deriveKey(token, 'signup ticket');
}

/**
 * `/auth/v1/signin` redeemed a `SIGN_IN` token for an address with no account. The redemption
 * cannot be undone, so the token string is kept good for one sign-up of that address on that client
 * instead (CloudBase's flow: sign in; on `user_not_found`, sign up with the same token).
 */
export async function saveSignupTicket(
  services: Services,
  token: string,
  clientId: string,
  contact: Contact,
): Promise<void> {
  const now = services.clock.now();
  const hash = hashToken(token);
  await services.db.query(
    `INSERT INTO signup_tickets (token_hash, client_id, contact_sealed, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_hash) DO NOTHING`,
    [
      hash,
      clientId,
      seal(ticketKey(token), JSON.stringify(contact), hash),
      new Date(now),
      new Date(now + SIGNUP_TICKET_SECONDS * 1_000),
    ],
  );
}

function openTicket(token: string, sealed: string): Contact {
  return JSON.parse(open(ticketKey(token), sealed, hashToken(token))) as Contact;
}

/** The address a live ticket proves, without using it (sign-up checks everything first). */
export async function peekSignupTicket(
  services: Services,
  token: string,
  clientId: string,
): Promise<Contact | undefined> {
  const rows = await services.db.query<{ contact_sealed: string }>(
    'SELECT contact_sealed FROM signup_tickets WHERE token_hash = $1 AND client_id = $2 AND expires_at > $3',
    [hashToken(token), clientId, new Date(services.clock.now())],
  );
  return rows[0] ? openTicket(token, rows[0].contact_sealed) : undefined;
}

/** Uses the ticket up inside the sign-up's transaction: of parallel sign-ups exactly one gets it. */
export async function takeSignupTicket(
  services: Services,
  tx: Queryable,
  token: string,
  clientId: string,
): Promise<Contact | undefined> {
  const rows = await tx.query<{ contact_sealed: string }>(
    `DELETE FROM signup_tickets WHERE token_hash = $1 AND client_id = $2 AND expires_at > $3
     RETURNING contact_sealed`,
    [hashToken(token), clientId, new Date(services.clock.now())],
  );
  return rows[0] ? openTicket(token, rows[0].contact_sealed) : undefined;
}
