import { createHmac } from 'node:crypto';
import type { RandomSource } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import { IPV6_SITE_FACTOR, ipBucket, ipSiteBucket, limitKey } from '../limits/limit-key.js';
import type { Services } from '../services.js';
import { parseScope } from '../tokens/scope.js';

/**
 * The user code's alphabet (RFC 8628 §6.1): the 20 consonants of its example, which cannot spell
 * words, plus the digits 2–9 — no 0/O, 1/I, and no vowels. 28 symbols, 8 characters: 28⁸ ≈ 2³⁸.
 * With the per-IP limit below and a 10-minute lifetime, guessing one live code is hopeless
 * (RFC 8628 §5.1).
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789';
export const USER_CODE_LENGTH = 8;

const USER_CODE_PATTERN = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

/** A fresh user code, `XXXX-XXXX`, uniform over the alphabet (rejection sampling, no modulo bias). */
export function generateUserCode(random: RandomSource): string {
  const limit = 256 - (256 % USER_CODE_ALPHABET.length);
  let out = '';
  while (out.length < USER_CODE_LENGTH) {
    for (const byte of random(USER_CODE_LENGTH * 2)) {
      if (byte >= limit) continue;
      out += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
      if (out.length === USER_CODE_LENGTH) break;
    }
  }
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}

/**
 * What a person typed, as the code it means: full-width forms folded (NFKC — a phone's CJK keyboard
 * types `ＢＣＤＦ－２３４５`), upper-cased, spaces and dashes dropped (RFC 8628 §6.1: the dash is
 * presentation only). `undefined` when it cannot be a user code at all.
 */
export function normalizeUserCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  const folded = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015\u2212\u30fc]/g, '');
  return USER_CODE_PATTERN.test(folded) ? folded : undefined;
}

/**
 * What `device_codes.user_code_hash` stores: an HMAC, not a plain hash — 38 bits are few enough that
 * a stolen table could be reversed by brute force without the server's key.
 */
export function userCodeHash(hmacKey: Buffer, normalized: string): string {
  return createHmac('sha256', hmacKey).update(`device-user-code:${normalized}`).digest('base64url');
}

export interface PendingDevice {
  clientId: string;
  clientName: string;
  /** The scope the device asked for (already within what its client may have). */
  scope: string[];
}

interface PendingRow {
  client_id: string;
  scope: string;
}

/** The /48 budget of wrong user codes, in per-address budgets (`IPV6_SITE_FACTOR`). */
export const USER_CODE_SITE_FACTOR = IPV6_SITE_FACTOR;

interface AttemptBudget {
  key: string;
  limit: number;
}

/** The counters a lookup from `ip` spends: its address (IPv6: /64), and for IPv6 its /48 too. */
function attemptBudgets(services: Services, ip: string): AttemptBudget[] {
  const perIp = services.config.limits.userCodeFailuresPerIp;
  const budgets = [{ key: limitKey(services.hmacKey, 'uc-ip', ipBucket(ip)), limit: perIp }];
  const site = ipSiteBucket(ip);
  if (site !== undefined) {
    budgets.push({ key: limitKey(services.hmacKey, 'uc-site', site), limit: perIp * USER_CODE_SITE_FACTOR });
  }
  return budgets;
}

/**
 * Takes one guess from each budget of `ip` *before* the lookup, so a parallel burst cannot pass a
 * "still under the limit?" check together: every request is counted atomically as it arrives, and
 * the (limit + 1)th is refused whatever its timing. A budget already spent refuses without touching
 * the wider one, so an address hammering after its refusal does not use up its neighbours' /48.
 * Returns the give-back for a right code, which must not count against the address.
 */
async function takeAttempt(services: Services, ip: string): Promise<() => Promise<void>> {
  const windowMs = services.config.limits.userCodeFailureWindow * 1_000;
  const taken: string[] = [];
  for (const budget of attemptBudgets(services, ip)) {
    const counted = await services.limits.increment(budget.key, windowMs);
    taken.push(budget.key);
    if (counted.count > budget.limit) {
      throw new TokenServerError('rate_limit_exceeded', 'too many wrong user codes; try again later', {
        retryAfter: Math.max(1, Math.ceil(counted.ttlMs / 1_000)),
      });
    }
  }
  return async () => {
    // Should the window end between the two calls, this starts the next one a guess richer: one
    // guess per *right* code, which an attacker does not have.
    for (const key of taken) await services.limits.increment(key, windowMs, -1);
  };
}

async function pendingRow(services: Services, hash: string): Promise<PendingRow | undefined> {
  const rows = await services.db.query<PendingRow>(
    `SELECT client_id, scope FROM device_codes
     WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $2`,
    [hash, new Date(services.clock.now())],
  );
  return rows[0];
}

/**
 * Looks up the pending, unexpired device authorization a person's user code names — the first step
 * of every approval page (the interaction API, `POST /auth/v1/user/device/authorize`). Every lookup
 * takes a guess from its address's budget first (IPv6 per /64, and its /48 gets
 * `USER_CODE_SITE_FACTOR` budgets together); a right code gives its guess back. Past
 * `limits.userCodeFailuresPerIp` in `limits.userCodeFailureWindow` every lookup from there, right or
 * wrong, is refused with `rate_limit_exceeded` until the window ends, so the code space cannot be
 * walked (RFC 8628 §5.1) — not even by a burst sent all at once, or spread over instances (the
 * counters live in the shared limit store).
 */
export async function findPendingDevice(
  services: Services,
  userCode: string,
  ip: string,
): Promise<PendingDevice | undefined> {
  const giveBack = await takeAttempt(services, ip);
  const normalized = normalizeUserCode(userCode);
  const row = normalized ? await pendingRow(services, userCodeHash(services.hmacKey, normalized)) : undefined;
  const client = row ? await services.clients.get(row.client_id) : undefined;
  if (!row || !client) return undefined;
  await giveBack();
  return { clientId: client.id, clientName: client.name, scope: parseScope(row.scope) ?? [] };
}

export interface DeviceApproval {
  userCode: string;
  userSub: string;
  /**
   * The scope the person approved (pass `findPendingDevice`'s `scope` to approve all of it). It is
   * cut down to what the device asked for and its client may still have; taken literally, so an
   * empty list grants no scope at all rather than "everything".
   */
  scope: string[];
  /** When the approving user signed in (epoch ms): the tokens' `auth_time`. */
  authTime: number;
  /** RFC 8176 methods of that sign-in. */
  amr: string[];
}

/**
 * Approves a pending device authorization for a user. Never grants more than the device asked for
 * and its client may have. One `UPDATE … WHERE status = 'pending'` decides, so of two racing
 * approvals (or an approval racing a denial) exactly one wins; `false` when the code is not pending
 * (wrong, expired, already decided). Call `findPendingDevice` first: it is what counts wrong codes.
 */
export async function approveDevice(services: Services, approval: DeviceApproval): Promise<boolean> {
  const normalized = normalizeUserCode(approval.userCode);
  if (!normalized) return false;
  const hash = userCodeHash(services.hmacKey, normalized);
  const row = await pendingRow(services, hash);
  if (!row) return false;
  const client = await services.clients.get(row.client_id);
  if (!client) return false;
  const requested = parseScope(row.scope) ?? [];
  const granted = requested.filter(
    (scope) => approval.scope.includes(scope) && client.scopes.includes(scope),
  );
  const now = services.clock.now();
  const updated = await services.db.query<{ hash: string }>(
    `UPDATE device_codes
     SET status = 'approved', user_sub = $2, granted_scope = $3, auth_time = $4, amr = $5
     WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $6
     RETURNING hash`,
    [
      hash,
      approval.userSub,
      granted.join(' '),
      new Date(approval.authTime),
      JSON.stringify(approval.amr),
      new Date(now),
    ],
  );
  return updated.length === 1;
}

/** The person refused: the device's next poll gets `access_denied`. `false` when not pending. */
export async function denyDevice(services: Services, userCode: string): Promise<boolean> {
  const normalized = normalizeUserCode(userCode);
  if (!normalized) return false;
  const updated = await services.db.query<{ hash: string }>(
    `UPDATE device_codes SET status = 'denied'
     WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $2 RETURNING hash`,
    [userCodeHash(services.hmacKey, normalized), new Date(services.clock.now())],
  );
  return updated.length === 1;
}
