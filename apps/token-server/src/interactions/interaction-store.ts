import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import { interactionCsrfToken } from './csrf-token.js';
import type { LoginSession } from './login-session.js';
import type { ChallengeMethod } from './pkce.js';

/** What `/auth/v1/authorize` validated, kept until the interaction completes and the code is issued. */
export interface AuthorizeParams {
  redirect_uri: string;
  scope: string[];
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: ChallengeMethod;
  /** OIDC `prompt` values (`login`, `consent`); `none` never reaches an interaction. */
  prompt: string[];
  max_age?: number;
}

/** A device verification: the device's request, and its user code sealed under the interaction id. */
export interface DeviceParams {
  scope: string[];
  user_code_sealed: string;
}

interface RowBase {
  id_hash: string;
  browser_hash: string;
  csrf_hash: string;
  client_id: string;
  user_sub: string | null;
  auth_time: Date | null;
  amr: string[];
  status: 'pending' | 'done' | 'aborted';
  created_at: Date;
  expires_at: Date;
  completed_at: Date | null;
}

export type InteractionRow =
  | (RowBase & { kind: 'authorize'; params: AuthorizeParams })
  | (RowBase & { kind: 'device'; params: DeviceParams });

export type InteractionKind = InteractionRow['kind'];

/** Interaction ids are 32 random bytes, base64url: anything else is not one of ours. */
export const INTERACTION_ID = /^[A-Za-z0-9_-]{43}$/;

function userCodeKey(interactionId: string): Buffer {
  return deriveKey(interactionId, 'device interaction user code');
}

/** Seals a device user code so the row holds nothing usable without the interaction id. */
export function sealUserCode(interactionId: string, userCode: string): string {
  return seal(userCodeKey(interactionId), userCode, hashToken(interactionId));
}

export function openUserCode(interactionId: string, row: InteractionRow & { kind: 'device' }): string {
  return open(userCodeKey(interactionId), row.params.user_code_sealed, row.id_hash);
}

export interface NewInteraction {
  kind: InteractionKind;
  clientId: string;
  browserHash: string;
  /** Already logged in (a valid login session that the request accepts): no login step needed. */
  login: LoginSession | undefined;
}

/**
 * Creates an interaction bound to this browser, living `lifetimes.interaction`. Only hashes of the id
 * and of its CSRF token are stored. `params` may depend on the id (a sealed user code), so it is built
 * from it.
 */
export async function createInteraction(
  services: Services,
  input: NewInteraction,
  params: (id: string) => AuthorizeParams | DeviceParams,
): Promise<string> {
  const id = newOpaqueToken(services.random);
  const now = services.clock.now();
  await services.db.query(
    `INSERT INTO interactions (id_hash, browser_hash, csrf_hash, kind, client_id, params, user_sub, auth_time, amr,
       created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      hashToken(id),
      input.browserHash,
      hashToken(interactionCsrfToken(services.hmacKey, id)),
      input.kind,
      input.clientId,
      JSON.stringify(params(id)),
      input.login?.userSub ?? null,
      input.login ? new Date(input.login.authTime) : null,
      JSON.stringify(input.login?.amr ?? []),
      new Date(now),
      new Date(now + services.config.lifetimes.interaction * 1_000),
    ],
  );
  return id;
}

/**
 * The interaction `id` as this browser sees it. Another browser's interaction is "not found", never
 * "forbidden", so a leaked id says nothing; an expired or completed one is `interaction_expired`.
 */
export async function requireLiveInteraction(
  services: Services,
  id: string,
  browserHash: string | undefined,
): Promise<InteractionRow> {
  const notFound = new TokenServerError('not_found', 'no such interaction in this browser');
  if (browserHash === undefined || !INTERACTION_ID.test(id)) throw notFound;
  const rows = await services.db.query<InteractionRow>(
    'SELECT * FROM interactions WHERE id_hash = $1 AND browser_hash = $2',
    [hashToken(id), browserHash],
  );
  const row = rows[0];
  if (!row) throw notFound;
  if (row.status !== 'pending') {
    throw new TokenServerError('interaction_expired', 'this interaction has already completed');
  }
  if (row.expires_at.getTime() <= services.clock.now()) {
    throw new TokenServerError('interaction_expired', 'this interaction has expired; start again');
  }
  return row;
}

/** Records who logged in, if the interaction is still pending (else undefined). */
export async function recordInteractionLogin(
  services: Services,
  row: InteractionRow,
  login: LoginSession,
): Promise<InteractionRow | undefined> {
  const rows = await services.db.query<InteractionRow>(
    `UPDATE interactions SET user_sub = $3, auth_time = $4, amr = $5
     WHERE id_hash = $1 AND browser_hash = $2 AND status = 'pending' AND expires_at > $6 RETURNING *`,
    [
      row.id_hash,
      row.browser_hash,
      login.userSub,
      new Date(login.authTime),
      JSON.stringify(login.amr),
      new Date(services.clock.now()),
    ],
  );
  return rows[0];
}

/**
 * Ends a pending interaction: this single UPDATE is what makes an interaction yield exactly once —
 * of any number of concurrent completions (any instance, any outcome) only one gets the row back.
 * `requireUser` also demands a logged-in user, checked in the same statement.
 */
export async function finishInteraction(
  services: Services,
  q: Queryable,
  row: InteractionRow,
  status: 'done' | 'aborted',
  requireUser: boolean,
): Promise<InteractionRow | undefined> {
  const now = new Date(services.clock.now());
  const rows = await q.query<InteractionRow>(
    `UPDATE interactions SET status = $3, completed_at = $4
     WHERE id_hash = $1 AND browser_hash = $2 AND status = 'pending' AND expires_at > $4
       ${requireUser ? 'AND user_sub IS NOT NULL' : ''}
     RETURNING *`,
    [row.id_hash, row.browser_hash, status, now],
  );
  return rows[0];
}
