import { TokenServerError } from '../errors.js';
import { IPV6_SITE_FACTOR, ipBucket, ipSiteBucket, limitKey } from '../limits/limit-key.js';
import type { Services } from '../services.js';
import { newUserSub, type UserRow } from '../users/user-repository.js';

/**
 * Counts one new anonymous user against its address (IPv6: /64) and, for IPv6, its /48 (which gets
 * `IPV6_SITE_FACTOR` budgets together), like every per-IP limit. Counted before the row is created,
 * atomically in the shared limit store, so a parallel burst or a fleet of instances cannot pass a
 * "still under?" check together. Over the cap: `rate_limit_exceeded` with Retry-After.
 */
export async function takeAnonymousSignIn(services: Services, ip: string): Promise<void> {
  const { anonymousSignInsPerIp: perIp, anonymousSignInWindow } = services.config.limits;
  const windowMs = anonymousSignInWindow * 1_000;
  const budgets = [{ key: limitKey(services.hmacKey, 'anon-ip', ipBucket(ip)), limit: perIp }];
  const site = ipSiteBucket(ip);
  if (site !== undefined)
    budgets.push({ key: limitKey(services.hmacKey, 'anon-site', site), limit: perIp * IPV6_SITE_FACTOR });
  for (const budget of budgets) {
    const counted = await services.limits.increment(budget.key, windowMs);
    if (counted.count > budget.limit) {
      throw new TokenServerError('rate_limit_exceeded', 'too many anonymous sign-ins from this network', {
        retryAfter: Math.max(1, Math.ceil(counted.ttlMs / 1_000)),
      });
    }
  }
}

/** A new anonymous user: no contact, no password; pruned by the sweeper once idle. */
export async function createAnonymousUser(services: Services): Promise<UserRow> {
  const now = new Date(services.clock.now());
  for (let attempt = 0; ; attempt++) {
    const rows = await services.db.query<UserRow>(
      `INSERT INTO users (sub, is_anonymous, created_at, updated_at, last_seen_at)
       VALUES ($1, true, $2, $2, $2) ON CONFLICT (sub) DO NOTHING RETURNING *`,
      [newUserSub(services.random), now],
    );
    // A sub collision (1 in 9×10^18) draws again.
    if (rows[0]) return rows[0];
    if (attempt >= 2) throw new Error('could not allocate a user id');
  }
}
