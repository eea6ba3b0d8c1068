import { createHmac } from 'node:crypto';
import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';

/** How long a platform login may take from `GET /auth/v1/provider/uri` to the code exchange. */
export const PROVIDER_STATE_LIFETIME_SECONDS = 600;

/** A platform login the server started and has not finished. */
export interface PendingLogin {
  clientId: string;
  providerId: string;
  redirectUri: string;
  deviceId: string;
  /** The `state` the platform echoes to the redirect URI. */
  state: string;
  appState: string | undefined;
  interactionIdHash: string | undefined;
  /** The login page's interaction id (only for logins the login page started). */
  interactionId: string | undefined;
  /** PKCE verifier for the platforms that take one (Lark, Google, GitHub). */
  codeVerifier: string;
}

interface StateRow {
  state_hash: string;
  client_id: string;
  provider_id: string;
  redirect_uri: string;
  device_id: string;
  app_state: string | null;
  interaction_id_hash: string | null;
  interaction_sealed: string | null;
}

/**
 * The hash scope of a state: the client for `GET /auth/v1/provider/uri` logins, one fixed scope for
 * the login page's (whose callback is ours and names no client). The two never find each other's rows.
 */
const INTERACTION_SCOPE = '\u0000interaction';

function interactionKey(services: Services): Buffer {
  return deriveKey(services.config.secret, 'provider login interaction');
}

/** States are per client: two apps choosing the same string never meet. */
function stateHash(clientId: string, state: string): string {
  return hashToken(`${clientId}\n${state}`);
}

/**
 * The PKCE verifier is derived from the state's hash with the server's key rather than stored: a
 * copy of the table is not enough to finish anyone's login. 43 base64url characters (RFC 7636 §4.1).
 */
function codeVerifierFor(hmacKey: Buffer, hash: string): string {
  return createHmac('sha256', hmacKey).update(`provider-pkce:${hash}`).digest('base64url');
}

function fromRow(services: Services, row: StateRow, state: string): PendingLogin {
  return {
    clientId: row.client_id,
    providerId: row.provider_id,
    redirectUri: row.redirect_uri,
    deviceId: row.device_id,
    state,
    appState: row.app_state ?? undefined,
    interactionIdHash: row.interaction_id_hash ?? undefined,
    interactionId:
      row.interaction_sealed === null
        ? undefined
        : open(interactionKey(services), row.interaction_sealed, row.state_hash),
    codeVerifier: codeVerifierFor(services.hmacKey, row.state_hash),
  };
}

/**
 * Records a login about to be sent to the platform. The platform echoes `state`: the app's own when
 * it gave one — the official client matches the callback's `state` against what it stored in
 * sessionStorage, so it must come back unchanged — else a fresh one of ours. A state this client
 * already used (pending, done or expired within a day) is refused: a state is single use.
 */
export async function startPendingLogin(
  services: Services,
  input: {
    clientId: string;
    providerId: string;
    redirectUri: string;
    deviceId: string;
    appState: string | undefined;
    /** The login page's interaction: its id (sealed into the row) and its id hash. */
    interaction?: { id: string; idHash: string };
  },
): Promise<PendingLogin> {
  const state = input.appState ?? newOpaqueToken(services.random);
  const hash = stateHash(input.interaction ? INTERACTION_SCOPE : input.clientId, state);
  const now = services.clock.now();
  const rows = await services.db.query<StateRow>(
    `INSERT INTO provider_states (state_hash, client_id, provider_id, redirect_uri, device_id, app_state,
       interaction_id_hash, interaction_sealed, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (state_hash) DO NOTHING RETURNING *`,
    [
      hash,
      input.clientId,
      input.providerId,
      input.redirectUri,
      input.deviceId,
      input.appState ?? null,
      input.interaction?.idHash ?? null,
      input.interaction ? seal(interactionKey(services), input.interaction.id, hash) : null,
      new Date(now),
      new Date(now + PROVIDER_STATE_LIFETIME_SECONDS * 1_000),
    ],
  );
  const row = rows[0];
  if (!row)
    throw new TokenServerError('invalid_request', 'this state was already used: start with a new one');
  return fromRow(services, row, state);
}

/**
 * Ends a pending login, once: one conditional UPDATE decides, so two code exchanges racing on one
 * state get one login. With `state` (the callback's) the row is found by it; the official client
 * sends none, so then it is the newest pending login of this client, platform, redirect URI and
 * device. Anything else — unknown, used, expired, another client, platform, device or redirect URI —
 * is refused the same way.
 */
export async function finishPendingLogin(
  services: Services,
  input: {
    clientId: string;
    providerId: string;
    deviceId: string;
    state: string | undefined;
    redirectUri: string | undefined;
  },
): Promise<PendingLogin> {
  const now = new Date(services.clock.now());
  const conditions = `consumed_at IS NULL AND expires_at > $1 AND client_id = $2 AND provider_id = $3
      AND device_id = $4 AND ($5::text IS NULL OR redirect_uri = $5) AND interaction_id_hash IS NULL`;
  const params = [now, input.clientId, input.providerId, input.deviceId, input.redirectUri ?? null];
  const rows =
    input.state !== undefined
      ? await services.db.query<StateRow>(
          `UPDATE provider_states SET consumed_at = $1 WHERE state_hash = $6 AND ${conditions} RETURNING *`,
          [...params, stateHash(input.clientId, input.state)],
        )
      : await services.db.query<StateRow>(
          `UPDATE provider_states SET consumed_at = $1
            WHERE state_hash = (SELECT state_hash FROM provider_states WHERE ${conditions}
                                 ORDER BY created_at DESC LIMIT 1)
              AND consumed_at IS NULL
            RETURNING *`,
          params,
        );
  const row = rows[0];
  if (!row) {
    throw new TokenServerError(
      'invalid_request',
      'no pending login matches: the state is unknown, used or expired, or was issued for another client, provider, device or redirect_uri',
    );
  }
  return fromRow(services, row, input.state ?? row.app_state ?? '');
}

/**
 * Ends a login the login page started, once, from the platform's callback on our own redirect URI:
 * found by the callback's state alone (the row names the interaction and its client).
 */
export async function finishInteractionPendingLogin(
  services: Services,
  input: { providerId: string; state: string },
): Promise<PendingLogin | undefined> {
  const now = new Date(services.clock.now());
  const rows = await services.db.query<StateRow>(
    `UPDATE provider_states SET consumed_at = $1
      WHERE state_hash = $2 AND consumed_at IS NULL AND expires_at > $1 AND provider_id = $3
        AND interaction_id_hash IS NOT NULL
      RETURNING *`,
    [now, stateHash(INTERACTION_SCOPE, input.state), input.providerId],
  );
  const row = rows[0];
  return row ? fromRow(services, row, input.state) : undefined;
}
