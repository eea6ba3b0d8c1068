import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { IPV6_SITE_FACTOR, ipBucket, ipSiteBucket, limitKey } from './limit-key.js';

/**
 * Counts one costly action (a new anonymous user, a social login start, a device code) against the
 * caller's network: its address (IPv6: the /64) gets `perIp` per window, and for IPv6 its /48 gets
 * `IPV6_SITE_FACTOR` times that in all, like every per-IP limit. Counted before the action, atomically
 * in the shared limit store, so a parallel burst or a fleet of instances cannot pass a "still
 * under?" check together. Over a budget: `rate_limit_exceeded` with Retry-After.
 */
export async function takeNetworkBudget(
  services: Services,
  input: { name: string; ip: string; perIp: number; windowSeconds: number; refusal: string },
): Promise<void> {
  const windowMs = input.windowSeconds * 1_000;
  const budgets = [
    { key: limitKey(services.hmacKey, `${input.name}-ip`, ipBucket(input.ip)), limit: input.perIp },
  ];
  const site = ipSiteBucket(input.ip);
  if (site !== undefined)
    budgets.push({
      key: limitKey(services.hmacKey, `${input.name}-site`, site),
      limit: input.perIp * IPV6_SITE_FACTOR,
    });
  for (const budget of budgets) {
    const counted = await services.limits.increment(budget.key, windowMs);
    if (counted.count > budget.limit) {
      throw new TokenServerError('rate_limit_exceeded', input.refusal, {
        retryAfter: Math.max(1, Math.ceil(counted.ttlMs / 1_000)),
      });
    }
  }
}
