/** CloudBase's token response, as `POST /auth/v1/token` and every sign-in endpoint answer it. */
export interface TokenResponse {
  token_type: string;
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  sub?: string;
  groups?: string[];
  id_token?: string;
  /** Ours: a pending anonymous user's id, handed out once after a refused upgrade. */
  anonymous_sub?: string;
  [field: string]: unknown;
}

/** A stored token response, with the moment its access token expires (`expires_at`, epoch ms). */
export interface Credentials extends TokenResponse {
  expires_at: number;
  /** When this client wrote them (epoch ms, only ever growing): how tabs tell newer from older. */
  stored_at?: number;
}

/** The token response stamped with its expiry on `now` (the clock of whoever received it). */
export function toCredentials(response: TokenResponse, now: number): Credentials {
  // A server that names no lifetime gets CloudBase's (7200 s), not a token due forever.
  const expiresIn = response.expires_in > 0 ? response.expires_in : 7_200;
  return { ...response, expires_in: expiresIn, expires_at: now + expiresIn * 1_000 };
}

/** Parses stored credentials; anything unreadable counts as none (never a TypeError later). */
export function parseCredentials(text: string | null | undefined): Credentials | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Credentials;
    return typeof value?.access_token === 'string' && typeof value.expires_at === 'number' ? value : null;
  } catch {
    return null;
  }
}

/**
 * When a refresh is due: `marginMs` before expiry, but never earlier than half the token's
 * lifetime (a 60 s token with a 60 s margin would otherwise refresh forever).
 */
export function refreshDueAt(credentials: Credentials, marginMs: number): number {
  return credentials.expires_at - Math.min(marginMs, (credentials.expires_in * 1_000) / 2);
}
