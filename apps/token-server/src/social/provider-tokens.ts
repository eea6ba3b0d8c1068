import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import { linkIdentity as linkIdentityRow } from './identity-repository.js';
import type { ProviderIdentity } from './provider-identity.js';

/** A provider_token lives 10 minutes: long enough to fill in a sign-up form after `user_not_found`. */
export const PROVIDER_TOKEN_LIFETIME_SECONDS = 600;
const PROVIDER_TOKEN_PREFIX = 'lpv_';

export interface ProviderTokenBinding {
  clientId: string;
  deviceId: string;
}

interface ProviderTokenRow {
  identity: ProviderIdentity;
}

const INVALID = 'the provider_token is unknown, expired or used, or was issued to another client or device';

/** Stores a verified identity under a new opaque token (only its SHA-256 is kept). */
export async function issueProviderToken(
  services: Services,
  identity: ProviderIdentity,
  binding: ProviderTokenBinding,
): Promise<{ provider_token: string; expires_in: number }> {
  const token = newOpaqueToken(services.random, PROVIDER_TOKEN_PREFIX);
  const now = services.clock.now();
  await services.db.query(
    `INSERT INTO provider_tokens (hash, client_id, device_id, provider_id, identity, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
    [
      hashToken(token),
      binding.clientId,
      binding.deviceId,
      identity.providerId,
      JSON.stringify(identity),
      new Date(now),
      new Date(now + PROVIDER_TOKEN_LIFETIME_SECONDS * 1_000),
    ],
  );
  return { provider_token: token, expires_in: PROVIDER_TOKEN_LIFETIME_SECONDS };
}

function checkShape(token: string): void {
  if (!token.startsWith(PROVIDER_TOKEN_PREFIX) || token.length > 128) {
    throw new TokenServerError('invalid_provider_token', INVALID);
  }
}

/**
 * The identity a live token stands for, without using it up: sign-in looks first, so a
 * `user_not_found` answer leaves the token for the sign-up that follows.
 */
export async function peekProviderToken(
  services: Services,
  token: string,
  binding: ProviderTokenBinding,
  db: Queryable = services.db,
): Promise<ProviderIdentity> {
  checkShape(token);
  const rows = await db.query<ProviderTokenRow>(
    `SELECT identity FROM provider_tokens
      WHERE hash = $1 AND consumed_at IS NULL AND expires_at > $2 AND client_id = $3 AND device_id = $4`,
    [hashToken(token), new Date(services.clock.now()), binding.clientId, binding.deviceId],
  );
  const row = rows[0];
  if (!row) throw new TokenServerError('invalid_provider_token', INVALID);
  return row.identity;
}

/**
 * Uses the token up and returns its identity. Single use is one conditional UPDATE: of any number
 * of concurrent calls (sign-in, sign-up, bind) exactly one gets the identity; the rest, and a
 * token of another client or device, answer `invalid_provider_token`.
 */
export async function consumeProviderToken(
  services: Services,
  token: string,
  binding: ProviderTokenBinding,
  db: Queryable = services.db,
): Promise<ProviderIdentity> {
  checkShape(token);
  const now = new Date(services.clock.now());
  const rows = await db.query<ProviderTokenRow>(
    `UPDATE provider_tokens SET consumed_at = $2
      WHERE hash = $1 AND consumed_at IS NULL AND expires_at > $2 AND client_id = $3 AND device_id = $4
      RETURNING identity`,
    [hashToken(token), now, binding.clientId, binding.deviceId],
  );
  const row = rows[0];
  if (!row) throw new TokenServerError('invalid_provider_token', INVALID);
  return row.identity;
}

/**
 * Binds a consumed identity to `sub` (sign-up with `provider_token`, `POST /auth/v1/user/provider/bind`).
 * Another user holding it → `provider_already_bound`. Pass the app clock's `now` where there is one.
 */
export function linkIdentity(
  db: Queryable,
  sub: string,
  identity: ProviderIdentity,
  now?: Date,
): Promise<void> {
  return linkIdentityRow(db, sub, identity, now);
}
