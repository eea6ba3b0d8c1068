import { takeNetworkBudget } from '../limits/network-budget.js';
import type { Services } from '../services.js';

/**
 * Counts one social login start from `ip` (a pending login row, or a mini program's code sent to
 * WeChat) against `limits.socialLoginsPerIp` per `limits.socialLoginWindow`, per address and per
 * IPv6 /48: nobody fills the table or spends the app's platform quota from one network.
 */
export async function takeSocialLogin(services: Services, ip: string): Promise<void> {
  const { socialLoginsPerIp, socialLoginWindow } = services.config.limits;
  await takeNetworkBudget(services, {
    name: 'social',
    ip,
    perIp: socialLoginsPerIp,
    windowSeconds: socialLoginWindow,
    refusal: 'too many social logins from this network',
  });
}
