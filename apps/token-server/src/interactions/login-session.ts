import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import type { Services } from '../services.js';
import { appendSetCookie, type CookiePolicy, requestCookie, serializeCookie } from './cookies.js';

const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Who logged in on this browser, when, and how (RFC 8176 `amr`). */
export interface LoginSession {
  userSub: string;
  /** epoch ms: the ID token's `auth_time`. */
  authTime: number;
  amr: string[];
}

interface SessionRow {
  user_sub: string;
  auth_time: Date;
  amr: string[];
}

/**
 * The browser's login session: an HttpOnly cookie holding a random token whose SHA-256 is a
 * `login_sessions` row. Valid while the row is unexpired, unrevoked and its user not blocked; this is
 * what lets a second `/auth/v1/authorize` skip the login.
 */
export async function readLoginSession(
  request: FastifyRequest,
  services: Services,
  policy: CookiePolicy,
): Promise<LoginSession | undefined> {
  const token = requestCookie(request, policy.names.session);
  if (token === undefined || !SESSION_TOKEN.test(token)) return undefined;
  const rows = await services.db.query<SessionRow>(
    `SELECT s.user_sub, s.auth_time, s.amr FROM login_sessions s JOIN users u ON u.sub = s.user_sub
     WHERE s.hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.status = 'ACTIVE'`,
    [hashToken(token), new Date(services.clock.now())],
  );
  const row = rows[0];
  return row ? { userSub: row.user_sub, authTime: row.auth_time.getTime(), amr: row.amr } : undefined;
}

/**
 * Starts a login session after a successful login. Always a new token (the previous session on this
 * browser, whoever it was for, is ended), so a session id planted before the login is worth nothing
 * after it (session fixation).
 */
export async function startLoginSession(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  policy: CookiePolicy,
  login: LoginSession,
): Promise<void> {
  const now = services.clock.now();
  const previous = requestCookie(request, policy.names.session);
  if (previous !== undefined && SESSION_TOKEN.test(previous)) {
    await services.db.query(
      'UPDATE login_sessions SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL',
      [hashToken(previous), new Date(now)],
    );
  }
  const lifetime = services.config.lifetimes.loginSession;
  const token = newOpaqueToken(services.random);
  await services.db.query(
    `INSERT INTO login_sessions (hash, user_sub, auth_time, amr, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      hashToken(token),
      login.userSub,
      new Date(login.authTime),
      JSON.stringify(login.amr),
      new Date(now),
      new Date(now + lifetime * 1_000),
    ],
  );
  appendSetCookie(
    reply,
    serializeCookie(policy.names.session, token, { maxAge: lifetime, secure: policy.secure }),
  );
}

/**
 * Ends this browser's login session: the row is revoked (so the cookie, even replayed from a copy,
 * no longer skips the login) and the cookie is cleared. With `onlyFor`, a live session of another
 * user is left alone — a logout hinted for Alice must not sign out Bob, who signed in on this
 * browser since. A dead or unknown cookie is just cleared. Returns whether a live session ended.
 */
export async function endLoginSession(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  policy: CookiePolicy,
  onlyFor?: string,
): Promise<boolean> {
  const token = requestCookie(request, policy.names.session);
  if (token === undefined) return false;
  const clear = () =>
    appendSetCookie(reply, serializeCookie(policy.names.session, '', { maxAge: 0, secure: policy.secure }));
  if (!SESSION_TOKEN.test(token)) {
    clear();
    return false;
  }
  const now = new Date(services.clock.now());
  const live = await services.db.query<{ user_sub: string }>(
    'SELECT user_sub FROM login_sessions WHERE hash = $1 AND revoked_at IS NULL AND expires_at > $2',
    [hashToken(token), now],
  );
  const owner = live[0]?.user_sub;
  if (owner !== undefined && onlyFor !== undefined && owner !== onlyFor) return false;
  if (owner !== undefined) {
    await services.db.query(
      'UPDATE login_sessions SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL',
      [hashToken(token), now],
    );
  }
  clear();
  return owner !== undefined;
}
