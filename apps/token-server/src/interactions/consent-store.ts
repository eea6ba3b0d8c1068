import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';

/** Whether `userSub` already agreed to give `clientId` every one of `scopes`. */
export async function hasConsent(
  services: Services,
  userSub: string,
  clientId: string,
  scopes: readonly string[],
): Promise<boolean> {
  const rows = await services.db.query<{ scopes: string[] }>(
    'SELECT scopes FROM consents WHERE user_sub = $1 AND client_id = $2',
    [userSub, clientId],
  );
  const given = new Set(rows[0]?.scopes ?? []);
  return rows.length > 0 && scopes.every((scope) => given.has(scope));
}

/** Adds `scopes` to what the user agreed to give the client (a union: consent only grows here). */
export async function recordConsent(
  services: Services,
  q: Queryable,
  userSub: string,
  clientId: string,
  scopes: readonly string[],
): Promise<void> {
  const now = new Date(services.clock.now());
  await q.query(
    `INSERT INTO consents (user_sub, client_id, scopes, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (user_sub, client_id) DO UPDATE SET
       scopes = (SELECT COALESCE(jsonb_agg(DISTINCT value ORDER BY value), '[]'::jsonb)
                 FROM jsonb_array_elements_text(consents.scopes || EXCLUDED.scopes)),
       updated_at = EXCLUDED.updated_at`,
    [userSub, clientId, JSON.stringify([...scopes]), now],
  );
}
