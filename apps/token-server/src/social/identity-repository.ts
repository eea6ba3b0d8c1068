import { TokenServerError } from '../errors.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Queryable } from '../storage/database.js';
import type { ProviderIdentity } from './provider-identity.js';

/** One bound identity as CloudBase lists it (`GET /auth/v1/user/me` `providers`, `GET /auth/v1/user/provider`). */
export interface ListedIdentity {
  /** The configured provider id, e.g. `wechat`, `github`. */
  id: string;
  provider_user_id: string;
  name?: string;
  picture?: string;
}

interface IdentityRow {
  platform: string;
  subject: string;
  user_sub: string;
  provider_id: string;
  union_id: string | null;
  open_ids: Record<string, string>;
  name: string | null;
  picture: string | null;
}

/** The id the platform itself knows the user by, from the stored key (the reverse of `identitySubject`). */
function providerUserIdOf(row: IdentityRow): string {
  if (row.subject.startsWith('union:')) return row.subject.slice('union:'.length);
  const slash = row.subject.indexOf('/');
  return slash === -1 ? row.subject : row.subject.slice(slash + 1);
}

export async function listUserIdentities(db: Queryable, sub: string): Promise<ListedIdentity[]> {
  const rows = await db.query<IdentityRow>(
    'SELECT * FROM user_identities WHERE user_sub = $1 ORDER BY created_at, provider_id',
    [sub],
  );
  return rows.map((row) => {
    const listed: ListedIdentity = { id: row.provider_id, provider_user_id: providerUserIdOf(row) };
    if (row.name !== null) listed.name = row.name;
    if (row.picture !== null) listed.picture = row.picture;
    return listed;
  });
}

/** How many identities the user has (the last-sign-in-method check). */
export async function countUserIdentities(db: Queryable, sub: string): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    'SELECT count(*) AS n FROM user_identities WHERE user_sub = $1',
    [sub],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * The stored identity for a verified login: by its key, else — for a login that now carries a
 * unionid but was first stored under the app's openid — by that app's openid.
 */
export async function findIdentity(
  db: Queryable,
  identity: ProviderIdentity,
): Promise<IdentityRow | undefined> {
  const rows = await db.query<IdentityRow>(
    `SELECT * FROM user_identities
      WHERE platform = $1 AND (subject = $2 OR ($4::text IS NOT NULL AND open_ids ->> $3 = $4))
      ORDER BY (subject = $2) DESC LIMIT 1`,
    [identity.platform, identity.subject, identity.appId, identity.openId ?? null],
  );
  return rows[0];
}

/** The user a verified login belongs to. */
export async function findIdentityOwner(
  db: Queryable,
  identity: ProviderIdentity,
): Promise<string | undefined> {
  return (await findIdentity(db, identity))?.user_sub;
}

/** After a sign-in: keeps what the platform told us this time (name, picture, this app's openid, the unionid). */
export async function recordIdentitySignIn(
  db: Queryable,
  identity: ProviderIdentity,
  now: Date,
): Promise<void> {
  const row = await findIdentity(db, identity);
  if (row) await refreshIdentity(db, row, identity, now, true);
}

async function refreshIdentity(
  db: Queryable,
  row: IdentityRow,
  identity: ProviderIdentity,
  now: Date,
  signingIn: boolean,
): Promise<void> {
  const openIds = identity.openId === undefined ? {} : { [identity.appId]: identity.openId };
  // The key moves to the unionid once the platform sends one, unless another row already holds it
  // (then both stay as they are: merging two users is never done silently).
  await db.query(
    `UPDATE user_identities
        SET subject = CASE WHEN $3::text <> subject AND NOT EXISTS (
                SELECT 1 FROM user_identities o WHERE o.platform = $1 AND o.subject = $3)
              THEN $3 ELSE subject END,
            union_id = COALESCE($4, union_id),
            open_ids = open_ids || $5::jsonb,
            name = COALESCE($6, name),
            picture = COALESCE($7, picture),
            updated_at = $8,
            last_signin_at = CASE WHEN $9 THEN $8 ELSE last_signin_at END
      WHERE platform = $1 AND subject = $2`,
    [
      row.platform,
      row.subject,
      identity.subject,
      identity.unionId ?? null,
      JSON.stringify(openIds),
      identity.name ?? null,
      identity.picture ?? null,
      now,
      signingIn,
    ],
  );
}

/**
 * Binds a verified identity to `sub`. Another user holding it → `provider_already_bound`; the user
 * already holding another identity of the same provider → `already_exists` (unbind that one first).
 * Binding the same identity again refreshes it. Races are decided by the primary key and the
 * (user, provider) unique index.
 */
export async function linkIdentity(
  db: Queryable,
  sub: string,
  identity: ProviderIdentity,
  now: Date = new Date(),
): Promise<void> {
  const existing = await findIdentity(db, identity);
  if (existing) {
    if (existing.user_sub !== sub) {
      throw new TokenServerError('provider_already_bound', 'this platform account is bound to another user');
    }
    await refreshIdentity(db, existing, identity, now, false);
    return;
  }
  let inserted: unknown[];
  try {
    inserted = await db.query(
      `INSERT INTO user_identities (platform, subject, user_sub, provider_id, union_id, open_ids, name, picture,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $9)
       ON CONFLICT (platform, subject) DO NOTHING RETURNING subject`,
      [
        identity.platform,
        identity.subject,
        sub,
        identity.providerId,
        identity.unionId ?? null,
        JSON.stringify(identity.openId === undefined ? {} : { [identity.appId]: identity.openId }),
        identity.name ?? null,
        identity.picture ?? null,
        now,
      ],
    );
  } catch (error) {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
      throw new TokenServerError(
        'already_exists',
        `this account already has a ${identity.providerId} identity; unbind it first`,
      );
    }
    throw error;
  }
  if (inserted.length === 0) {
    // A concurrent bind won the key: it is this user's (done) or another's (refused).
    const winner = await findIdentity(db, identity);
    if (winner?.user_sub !== sub) {
      throw new TokenServerError('provider_already_bound', 'this platform account is bound to another user');
    }
  }
}

/** Removes the user's identity of `providerId`; false when there was none. */
export async function unlinkIdentity(db: Queryable, sub: string, providerId: string): Promise<boolean> {
  const rows = await db.query(
    'DELETE FROM user_identities WHERE user_sub = $1 AND provider_id = $2 RETURNING subject',
    [sub, providerId],
  );
  return rows.length > 0;
}
