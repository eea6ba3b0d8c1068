import { TokenServerError } from '../errors.js';
import { IPV6_SITE_FACTOR, ipBucket, ipSiteBucket, limitKey } from '../limits/limit-key.js';
import type { Services } from '../services.js';

/**
 * Counts one social login start from `ip` (a pending login row, or a mini program's code sent to
 * WeChat) against `limits.socialLoginsPerIp` per `limits.socialLoginWindow`, per address and per
 * IPv6 /48: nobody fills the table or spends the app's platform quota from one network.
 */
export async function takeSocialLogin(services: Services, ip: string): Promise<void> {
  const { socialLoginsPerIp: perIp, socialLoginWindow } = services.config.limits;
  const windowMs = socialLoginWindow * 1_000;
  const budgets = [{ key: limitKey(services.hmacKey, 'social-ip', ipBucket(ip)), limit: perIp }];
  const site = ipSiteBucket(ip);
  if (site !== undefined)
    budgets.push({ key: limitKey(services.hmacKey, 'social-site', site), limit: perIp * IPV6_SITE_FACTOR });
  for (const budget of budgets) {
    const counted = await services.limits.increment(budget.key, windowMs);
    if (counted.count > budget.limit) {
      throw new TokenServerError('rate_limit_exceeded', 'too many social logins from this network', {
        retryAfter: Math.max(1, Math.ceil(counted.ttlMs / 1_000)),
      });
    }
  }
}
