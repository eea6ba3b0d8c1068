import { hashToken } from '../crypto/opaque-token.js';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import type { InteractionRow } from './interaction-store.js';

/** What a redeemed code proved: this browser's user controls this address (the stored form). */
export interface VerifiedContact {
  kind: 'phone' | 'email';
  address: string;
}

function contactKey(interactionId: string): Buffer {
  return deriveKey(interactionId, 'interaction verified contact');
}

/**
 * Keeps a proven address on the pending interaction, sealed under its id (the row alone does not
 * say whose phone it is). Replaces an earlier one: the newest code is what the user just typed.
 */
export async function rememberVerifiedContact(
  services: Services,
  interactionId: string,
  row: InteractionRow,
  contact: VerifiedContact,
): Promise<boolean> {
  const sealed = seal(contactKey(interactionId), JSON.stringify(contact), hashToken(interactionId));
  const rows = await services.db.query(
    `UPDATE interactions SET verified_contact = $3
     WHERE id_hash = $1 AND browser_hash = $2 AND status = 'pending' AND expires_at > $4 RETURNING 1`,
    [row.id_hash, row.browser_hash, sealed, new Date(services.clock.now())],
  );
  return rows.length === 1;
}

/**
 * Takes the proven address off the pending interaction, inside the caller's transaction: of two
 * concurrent sign-ups only the first sees it (the row lock orders them; the second re-reads NULL),
 * and a rolled-back sign-up leaves it in place.
 */
export async function takeVerifiedContact(
  services: Services,
  tx: Queryable,
  interactionId: string,
  row: InteractionRow,
): Promise<VerifiedContact | undefined> {
  const rows = await tx.query<{ verified_contact: string }>(
    `WITH old AS (
       SELECT id_hash, verified_contact FROM interactions
       WHERE id_hash = $1 AND browser_hash = $2 AND status = 'pending' AND expires_at > $3
       FOR UPDATE)
     UPDATE interactions i SET verified_contact = NULL FROM old
     WHERE i.id_hash = old.id_hash AND i.verified_contact IS NOT NULL
     RETURNING old.verified_contact`,
    [row.id_hash, row.browser_hash, new Date(services.clock.now())],
  );
  return openContact(interactionId, row, rows[0]?.verified_contact);
}

/** The proven address the interaction row (as read) holds, if any. */
export function readVerifiedContact(interactionId: string, row: InteractionRow): VerifiedContact | undefined {
  return openContact(
    interactionId,
    row,
    (row as InteractionRow & { verified_contact?: string | null }).verified_contact,
  );
}

function openContact(
  interactionId: string,
  row: InteractionRow,
  sealed: string | null | undefined,
): VerifiedContact | undefined {
  if (sealed === undefined || sealed === null) return undefined;
  return JSON.parse(open(contactKey(interactionId), sealed, row.id_hash)) as VerifiedContact;
}
